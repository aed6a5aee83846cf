/**
 * Client of the Python oracle helper (test/interop/oracle.py): one long-lived process per test
 * suite, line-delimited JSON over stdin/stdout, records exchanged through records files in a temp
 * directory. Every call has a timeout; a missing virtualenv or package is an error naming it (the
 * interop suite never skips).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The oracle virtualenv's interpreter (`npm run setup:oracles` builds it); ORACLE_PYTHON overrides. */
export const ORACLE_PYTHON = process.env["ORACLE_PYTHON"] ?? path.join(REPO, ".venv-oracles", "bin", "python");
const SCRIPT = path.join(REPO, "test", "interop", "oracle.py");
/** The packages and exact versions scripts/setup-oracles.sh installs. */
export const ORACLE_PACKAGES: Readonly<Record<string, string>> = {
  "array-record": "0.8.6",
  grain: "0.2.18",
  "tensorflow-cpu": "2.21.0",
  pyarrow: "26.0.1",
};

const STARTUP_TIMEOUT_MS = 60_000;
const DEFAULT_CALL_TIMEOUT_MS = 120_000;

interface Pending {
  resolve: (reply: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** A running oracle process. */
export class Oracle {
  /** Scratch directory for records files and files the oracle writes; removed by `close()`. */
  readonly dir: string;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stderrTail = "";
  private exited: Error | undefined;
  private files = 0;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-oracle-"));
  }

  /** Starts the helper and checks that every oracle package is installed at its pinned version. */
  static async start(): Promise<Oracle> {
    if (!fs.existsSync(ORACLE_PYTHON)) {
      throw new Error(`oracle environment missing: ${ORACLE_PYTHON} does not exist — run \`npm run setup:oracles\` (test:interop never skips)`);
    }
    const child = spawn(ORACLE_PYTHON, ["-u", SCRIPT], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" } });
    const oracle = new Oracle(child);
    const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`oracle helper did not start within ${STARTUP_TIMEOUT_MS} ms${oracle.stderrHint()}`));
      }, STARTUP_TIMEOUT_MS);
      oracle.pending.set(0, { resolve, reject, timer });
    });
    oracle.listen();
    await ready;
    const { versions } = (await oracle.call("versions", { packages: Object.keys(ORACLE_PACKAGES) }).catch((e: Error) => {
      void oracle.close();
      throw new Error(`oracle environment incomplete (run \`npm run setup:oracles\`): ${e.message}`);
    })) as { versions: Record<string, string> };
    for (const [name, want] of Object.entries(ORACLE_PACKAGES)) {
      if (versions[name] !== want) {
        await oracle.close();
        throw new Error(`oracle package ${name} is ${versions[name] ?? "missing"}, expected ${want} — run \`npm run setup:oracles\``);
      }
    }
    return oracle;
  }

  /** Sends one command; resolves with its reply or rejects with the oracle's error (and trace). */
  call(cmd: string, args: Record<string, unknown> = {}, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // A hung oracle cannot be trusted with the next command either.
        this.child.kill("SIGKILL");
        reject(new Error(`oracle command ${cmd} timed out after ${timeoutMs} ms${this.stderrHint()}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.stdin.write(JSON.stringify({ id, cmd, ...args }) + "\n");
    });
  }

  /** A fresh path in the scratch directory. */
  tempPath(name: string): string {
    return path.join(this.dir, `${this.files++}-${name}`);
  }

  /** Stops the helper (closing its stdin, then killing it after 10 s) and removes the scratch directory. */
  async close(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private listen(): void {
    readline.createInterface({ input: this.child.stdout }).on("line", (line) => {
      let reply: Record<string, unknown>;
      try {
        reply = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.stderrTail += `\n[unparsed protocol line] ${line}`;
        return;
      }
      const waiting = this.pending.get(reply["id"] as number);
      if (!waiting) return;
      this.pending.delete(reply["id"] as number);
      clearTimeout(waiting.timer);
      if (reply["ok"] === true) waiting.resolve(reply);
      else waiting.reject(new Error(`oracle: ${String(reply["error"])}\n${String(reply["trace"] ?? "")}`));
    });
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    this.child.on("exit", (code, signal) => {
      this.exited = new Error(`oracle helper exited (code ${code}, signal ${signal})${this.stderrHint()}`);
      for (const [, waiting] of this.pending) {
        clearTimeout(waiting.timer);
        waiting.reject(this.exited);
      }
      this.pending.clear();
    });
    this.child.on("error", (e) => {
      this.exited = new Error(`oracle helper failed to start (${ORACLE_PYTHON}): ${e.message}`);
    });
  }

  private stderrHint(): string {
    return this.stderrTail ? `; its stderr ends with:\n${this.stderrTail}` : "";
  }
}
