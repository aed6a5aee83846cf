/** Running a pipeline on a named runner and reporting what it did. */
import * as beam from "apache-beam";
import { createRunner, type Runner } from "apache-beam/runners/runner";
import { ArrayRecordError } from "../format/errors.js";
import { flinkRunner, FlinkPipelineResult, type WorkerReport } from "../runners/flink-runner.js";
import type { StallReport } from "../runners/stall-watchdog.js";
import type { FlinkJobServerOptions } from "../runners/flink-job-server.js";

/** Which runner executes a pipeline: `direct` (in this process, the default), `flink`, or any name `createRunner` knows. */
export interface RunnerChoice {
  /** Runner name: "direct", "flink", "default", "universal", "dataflow", … Default "direct". */
  runner?: string;
  /** Flink: parallelism of the job (default Flink's: 1 on `[local]`). */
  parallelism?: number;
  /** Flink: Node worker processes of an external pool; 0 or unset = LOOPBACK (bundles run in this process). */
  workerProcesses?: number;
  /** Flink: a worker pool that is already running (`arrayrecord worker-pool`): its `host:port`, as the job server reaches it. */
  workerPoolEndpoint?: string;
  /** Flink: a running job server's `host:port` (default: one started in this process on first use). */
  jobEndpoint?: string;
  /** Flink: how to start that job server. */
  jobServer?: FlinkJobServerOptions;
  /** Flink: times a failed job is re-run. */
  retries?: number;
  /** Further pipeline options passed to the runner (e.g. `{ project, region }` for Dataflow). */
  runnerOptions?: Record<string, unknown>;
}

/** What a finished pipeline reports. */
export interface PipelineReport {
  /** Beam counters by name (records and bytes read and written, files written). */
  counters: Record<string, number>;
  /** Wall-clock seconds of the run. */
  seconds: number;
  /** The runner's name. */
  runner: string;
  /** Flink: how bundles ran and which processes ran them. */
  workers?: WorkerReport;
  /** Flink: submissions the stall watchdog stopped and submitted again (present only when there were any). */
  stalls?: readonly StallReport[];
}

/** The Beam runner for `choice`. */
export function runnerFor(choice: RunnerChoice): Runner {
  const name = choice.runner ?? "direct";
  if (name !== "flink") {
    if (choice.workerProcesses || choice.parallelism !== undefined || choice.workerPoolEndpoint !== undefined) throw new ArrayRecordError("INVALID_OPTIONS", `parallelism and worker processes apply to --runner flink, not ${name}`);
    return createRunner({ ...choice.runnerOptions, runner: name });
  }
  return flinkRunner({
    ...(choice.parallelism === undefined ? {} : { parallelism: choice.parallelism }),
    ...(choice.workerProcesses === undefined ? {} : { workerProcesses: choice.workerProcesses }),
    ...(choice.workerPoolEndpoint === undefined ? {} : { workerPoolEndpoint: choice.workerPoolEndpoint }),
    ...(choice.jobEndpoint === undefined ? {} : { jobEndpoint: choice.jobEndpoint }),
    ...(choice.jobServer === undefined ? {} : { jobServer: choice.jobServer }),
    ...(choice.retries === undefined ? {} : { retries: choice.retries }),
    ...(choice.runnerOptions === undefined ? {} : { pipelineOptions: choice.runnerOptions }),
  });
}

/** Runs `build` as a pipeline on the chosen runner and waits for it. */
export async function runPipeline(build: (root: beam.Root) => void, choice: RunnerChoice = {}): Promise<PipelineReport> {
  const runner = runnerFor(choice);
  const started = performance.now();
  // Beam's worker logs every bundle with console.debug ("Processing … for …") and, on a portable
  // runner with LOOPBACK, every Fn API request with console.log: quiet unless asked.
  const { debug, log, info } = console;
  if (!process.env["ARRAYRECORD_BEAM_DEBUG"]) {
    console.debug = () => {};
    if (choice.runner === "flink") console.log = console.info = () => {};
  }
  try {
    const result = await runner.run((root) => {
      build(root);
      return root;
    });
    await result.waitUntilFinish();
    return {
      counters: await result.counters(),
      seconds: (performance.now() - started) / 1000,
      runner: choice.runner ?? "direct",
      ...(result instanceof FlinkPipelineResult ? { workers: result.workerReport() } : {}),
      ...(result instanceof FlinkPipelineResult && result.stalls.length > 0 ? { stalls: result.stalls } : {}),
    };
  } finally {
    Object.assign(console, { debug, log, info });
  }
}
