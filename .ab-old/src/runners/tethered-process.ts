/**
 * Child processes that die with this process, however it ends. Node has no parent-death signal,
 * and the Flink job server JVM must not outlive a CLI run, a test or a benchmark killed by a
 * signal — SIGKILL included, where no handler of ours runs. So the command runs under a small
 * `sh` guard whose standard input is a pipe from this process: every way this process ends closes
 * the pipe's write end, the guard reads end-of-file and stops the command (SIGTERM, then SIGKILL
 * after {@link TETHER_KILL_AFTER_SECONDS}). A SIGTERM/SIGINT/SIGHUP sent to the guard is passed on,
 * and the guard exits with the command's status.
 */
import { spawn, type ChildProcess } from "node:child_process";

/** Seconds the guard waits after SIGTERM before it SIGKILLs the command. */
export const TETHER_KILL_AFTER_SECONDS = 10;

// $1: seconds before SIGKILL; the rest: the command. Prints the command's pid on stdout first.
const GUARD = `
grace=$1; shift
exec 3<&0
"$@" </dev/null >&2 3<&- &
pid=$!
echo "$pid"
(
  while read -r _; do :; done
  kill -TERM "$pid" 2>/dev/null
  n=0
  while kill -0 "$pid" 2>/dev/null; do
    n=$((n + 1))
    if [ "$n" -gt $((grace * 10)) ]; then kill -KILL "$pid" 2>/dev/null; break; fi
    sleep 0.1
  done
) <&3 3<&- >/dev/null &
watcher=$!
exec 3<&-
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT HUP
while :; do
  wait "$pid"; status=$?
  kill -0 "$pid" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
exit "$status"
`;

/** A command started by {@link spawnTethered}. */
export interface TetheredProcess {
  /** The guard (`sh`): its exit is the command's exit. */
  readonly guard: ChildProcess;
  /** The command's own process id (the guard's child). */
  readonly pid: Promise<number>;
  /** Stops the command (as if this process had died) and waits until the guard exited. */
  stop(): Promise<void>;
}

/**
 * Runs `command args` tethered to this process (see the module comment). Its stdout and stderr both
 * go to `output` (a file descriptor, or "ignore"); its stdin is /dev/null. `killAfterSeconds`
 * (default {@link TETHER_KILL_AFTER_SECONDS}): how long SIGTERM may take before SIGKILL.
 */
export function spawnTethered(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; output: number | "ignore"; killAfterSeconds?: number },
): TetheredProcess {
  const grace = options.killAfterSeconds ?? TETHER_KILL_AFTER_SECONDS;
  if (!Number.isSafeInteger(grace) || grace < 1) throw new RangeError(`killAfterSeconds must be a positive integer, got ${grace}`);
  const guard = spawn("/bin/sh", ["-c", GUARD, "arrayrecord-tether", String(grace), command, ...args], {
    env: options.env ?? process.env,
    stdio: ["pipe", "pipe", options.output],
  });
  // The pipe must stay open for as long as this process lives, without keeping it alive.
  guard.stdin!.on("error", () => {});
  const pid = new Promise<number>((resolve, reject) => {
    let out = "";
    guard.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = /^(\d+)\n/.exec(out);
      if (line === null) return;
      resolve(Number(line[1]));
      // Nothing else comes on this pipe; until now it kept this process waiting for the pid.
      guard.stdout!.destroy();
    });
    guard.once("exit", (code, signal) => reject(new Error(`${command} exited (${code ?? signal}) before it started`)));
    guard.once("error", reject);
  });
  pid.catch(() => {});
  const exited = new Promise<void>((resolve) => {
    if (guard.exitCode !== null || guard.signalCode !== null) resolve();
    else guard.once("exit", () => resolve());
  });
  (guard.stdin as unknown as { unref?: () => void }).unref?.();
  guard.unref();
  return {
    guard,
    pid,
    async stop() {
      guard.stdin!.destroy();
      // The guard SIGKILLs the command after the grace time; this is only the guard's own safety net.
      const timer = setTimeout(() => guard.kill("SIGKILL"), (grace + 5) * 1000);
      await exited;
      clearTimeout(timer);
    },
  };
}
