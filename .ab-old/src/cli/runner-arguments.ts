/** `--runner`, `--parallelism`, `--worker-processes`: the Beam runner options shared by `convert` and `count`. */
import type { RunnerChoice } from "../pipelines/run.js";
import { UsageError } from "./usage.js";

/** parseArgs option specs of the runner arguments. */
export const RUNNER_OPTIONS = {
  runner: { type: "string", default: "direct" },
  parallelism: { type: "string" },
  "worker-processes": { type: "string" },
} as const;

/** The runner choice from parsed arguments; parallelism and worker processes only with `--runner flink`. */
export function runnerArguments(values: { runner?: string; parallelism?: string; "worker-processes"?: string }): RunnerChoice {
  const runner = values.runner ?? "direct";
  const parallelism = values.parallelism === undefined ? undefined : positive("--parallelism", values.parallelism);
  const workers = values["worker-processes"] === undefined ? undefined : positive("--worker-processes", values["worker-processes"], 0);
  if (runner !== "flink" && (parallelism !== undefined || workers !== undefined)) throw new UsageError("--parallelism and --worker-processes need --runner flink");
  return { runner, ...(parallelism === undefined ? {} : { parallelism }), ...(workers === undefined ? {} : { workerProcesses: workers }) };
}

function positive(option: string, text: string, min = 1): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${option} must be an integer ≥ ${min} (got ${text})`);
  return n;
}

/** One stderr line saying where a Flink job ran, e.g. `runner flink (EXTERNAL): job server pid 12, worker pids 34 35`. */
export function runnerSummary(report: { runner: string; workers?: { environment: string; jobServerPid: number; workerPids: number[] } }): string {
  if (report.workers === undefined) return `runner ${report.runner} (pid ${process.pid})\n`;
  const w = report.workers;
  return `runner ${report.runner} (${w.environment}): job server pid ${w.jobServerPid}, worker pids that did work: ${w.workerPids.join(" ") || "none"}\n`;
}
