/** Runs the CLI from source in a child process (as a user would run the binary). */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("./cli-entry.ts", import.meta.url));

/** What a CLI run printed and returned. */
export interface CliResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** How long one CLI run may take before it is killed and the test fails (a hang must not hang the suite). */
export const CLI_TIMEOUT_MS = 60_000;

/** Runs `arrayrecord ...args` with optional stdin; throws if it does not finish within {@link CLI_TIMEOUT_MS}. */
export function runCli(args: string[], input?: Uint8Array | string): CliResult {
  const result = spawnSync(process.execPath, ["--import", "tsx", ENTRY, ...args], {
    cwd: ROOT,
    input,
    maxBuffer: 1 << 28,
    timeout: CLI_TIMEOUT_MS,
    killSignal: "SIGKILL",
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  if (result.error !== undefined) throw new Error(`arrayrecord ${args.join(" ")}: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}
