/**
 * Runs TypeScript in a child Node process through tsx, from the repository root, for tests that
 * need a process of their own (resource limits, crashes, exit behaviour). Always with a timeout
 * (then SIGKILL); optionally under a shell's `ulimit` (e.g. "-n 256", "-f 256").
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root (the child's working directory: inline scripts import "./src/…"). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What runs: a module file with its arguments, or an inline ES module's source. */
export type TsxEntry = { file: string; args?: string[] } | { source: string };

/** How the child runs. */
export interface TsxChildOptions {
  /** Killed (SIGKILL) after this many ms; the result's `error` is then set. */
  timeoutMs: number;
  /** Node flags before the loader, e.g. ["--expose-gc"]. */
  nodeFlags?: string[];
  /** A `ulimit` argument applied by bash before Node starts, e.g. "-n 256". */
  ulimit?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** Runs `entry` under tsx and waits for it; stdout and stderr as UTF-8. */
export function runTsxChild(entry: TsxEntry, options: TsxChildOptions): SpawnSyncReturns<string> {
  const target = "file" in entry ? [entry.file, ...(entry.args ?? [])] : ["--input-type=module", "-e", entry.source];
  const nodeArgs = [...(options.nodeFlags ?? []), "--import", "tsx", ...target];
  // With a limit, bash sets it and execs Node ("$0" "$@": no quoting of the arguments needed).
  const [command, args] = options.ulimit === undefined ? [process.execPath, nodeArgs] : ["bash", ["-c", `ulimit ${options.ulimit} && exec "$0" "$@"`, process.execPath, ...nodeArgs]];
  return spawnSync(command, args, {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: options.timeoutMs,
    killSignal: "SIGKILL",
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
  });
}
