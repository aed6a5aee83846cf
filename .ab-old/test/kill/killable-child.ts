/**
 * A child process of a kill test: it prints "ready" when its writer is open and "done" when it has
 * closed; we SIGKILL it `killAfterMs` after "ready" (or let it finish), always within a timeout.
 */
import { spawn } from "node:child_process";

/** How long any child may run before the test gives up on it. */
const CHILD_TIMEOUT_MS = 120_000;

/** How a child ended: ms from "ready" to exit, whether it closed cleanly, its pid. */
export interface ChildRun {
  ms: number;
  finished: boolean;
  pid: number;
}

/**
 * Runs `node --import tsx script ...args`; `fail` makes the error for a child that hangs or fails
 * on its own (the caller's violation type).
 */
export function runKillableChild(
  script: string,
  args: string[],
  killAfterMs: number | undefined,
  fail: (message: string) => Error,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildRun> {
  const label = args[0] ?? script;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let ready = 0;
    let done = false;
    let stderr = "";
    const timeout = setTimeout(() => {
      child.kill("SIGKILL");
      reject(fail(`${label}: child did not finish within ${CHILD_TIMEOUT_MS} ms`));
    }, CHILD_TIMEOUT_MS);
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.stdout.on("data", (d: Buffer) => {
      const text = d.toString();
      if (text.includes("ready") && ready === 0) {
        ready = performance.now();
        if (killAfterMs !== undefined) setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      }
      if (text.includes("done")) done = true;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timeout);
      if (signal === null && code !== 0) reject(fail(`${label}: child failed with code ${code}: ${stderr}`));
      else resolve({ ms: performance.now() - ready, finished: done && signal === null, pid: child.pid! });
    });
  });
}
