/**
 * Running pipelines on Apache Flink through Beam's Flink job server: with LOOPBACK (every bundle in
 * this process) or with an external pool of Node worker processes (`workerProcesses`).
 */
import "apache-beam";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PipelineResult, Runner } from "apache-beam/runners/runner";
import { PortableRunner } from "apache-beam/runners/portable_runner/runner";
import type { PipelineOptions } from "apache-beam/options/pipeline_options";
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import { JobState_Enum } from "apache-beam/proto/beam_job_api";
import type { MonitoringInfo } from "apache-beam/proto/metrics";
import { ArrayRecordError } from "../format/errors.js";
import { withExternalEnvironment } from "./external-environment.js";
import { sharedFlinkJobServer, type FlinkJobServerOptions } from "./flink-job-server.js";
import { userMetrics } from "./metrics.js";
import { patchWorker } from "./sdk-patches.js";
import { RUN_ID_OPTION, stopRunWorkers, WorkerPool } from "./worker-pool.js";

/** How long a job keeps an idle SDK environment (its worker processes) for its next stage: Beam's `environmentCacheMillis`. */
export const ENVIRONMENT_CACHE_MILLIS = 30_000;

/**
 * How long a job may use one SDK environment before Beam replaces it: Beam's
 * `environmentExpirationMillis`, set whenever `retries` > 0 (unless given in `pipelineOptions`).
 * Why: Beam's Flink runner keeps a job's environments cached, so after a worker process died every
 * restarted task sent to its environment failed again within a second until the restart attempts
 * were used up (kill test, seed 1316: 10 attempts in ~20 s, job FAILED). An expired environment is
 * replaced by new worker processes on its next use; the cost is a new worker (≈1 CPU s) per slot
 * every 15 s of a long job that runs with retries.
 */
export const RETRY_ENVIRONMENT_EXPIRATION_MILLIS = 15_000;

/** Options of {@link flinkRunner}. */
export interface FlinkRunnerOptions {
  /** A running job server's `host:port`; default this process's shared `[local]` job server (started on first use). */
  jobEndpoint?: string;
  /** Options for starting the shared job server. */
  jobServer?: FlinkJobServerOptions;
  /** Flink parallelism (slots per operator); default Flink's (1 on `[local]`). */
  parallelism?: number;
  /** Node worker processes of an external pool (also Beam's `sdk_worker_parallelism`); 0 or unset = LOOPBACK. */
  workerProcesses?: number;
  /** An external pool that is already running (multi-host): its endpoint; `workerProcesses` then only sets the SDK worker parallelism. */
  workerPoolEndpoint?: string;
  /**
   * Times Flink re-runs a failed job (Beam's `numberOfExecutionRetries`); default 0. When > 0, SDK
   * environments also expire after {@link RETRY_ENVIRONMENT_EXPIRATION_MILLIS} (so a dead worker's
   * environment is replaced); `pipelineOptions.environmentExpirationMillis` overrides it (0 = never).
   */
  retries?: number;
  /** Further Beam pipeline options, camelCase. */
  pipelineOptions?: Record<string, unknown>;
}

/** Which processes ran a job's bundles. */
export interface WorkerReport {
  /** How bundles ran: "LOOPBACK" or "EXTERNAL". */
  environment: "LOOPBACK" | "EXTERNAL";
  /** The job server's process id (-1 for a job server given by endpoint). */
  jobServerPid: number;
  /** Process ids of the SDK workers that finished at least one bundle (LOOPBACK: this process). */
  workerPids: number[];
}

/** A Flink job's result: counters from committed or attempted metrics, and the worker processes. */
export class FlinkPipelineResult extends PipelineResult {
  constructor(
    private readonly portable: PipelineResult & { jobId: string; runner: PortableRunner; cancel(): Promise<void> },
    private readonly finish: () => Promise<void>,
    private readonly workers: () => WorkerReport,
  ) {
    super();
  }

  override async waitUntilFinish(duration?: number): Promise<JobState_Enum> {
    const state = await this.portable.waitUntilFinish(duration);
    if (state === JobState_Enum.DONE || state === JobState_Enum.FAILED || state === JobState_Enum.CANCELLED) await this.finish();
    return state;
  }

  /** Cancels the job (the job service's CancelJob) and, as for any ended job, stops its workers. */
  async cancel(): Promise<void> {
    try {
      await this.portable.cancel();
    } finally {
      await this.finish();
    }
  }

  override async rawMetrics(): Promise<MonitoringInfo[]> {
    const response = await this.portable.runner.getJobMetrics(this.portable.jobId);
    return userMetrics({ committed: response.metrics?.committed ?? [], attempted: response.metrics?.attempted ?? [] });
  }

  /** Which processes did the work (complete once the job finished). */
  workerReport(): WorkerReport {
    return this.workers();
  }
}

/**
 * Pipeline options for `retries` re-runs of a failed job. Beam's `numberOfExecutionRetries` alone
 * is ignored by Flink 1.15's batch scheduler (it keeps NoRestartBackoffTimeStrategy), so a Flink
 * configuration directory with a fixed-delay restart strategy goes along (`flinkConfDir`).
 */
function retryOptions(retries: number): Record<string, unknown> {
  const confDir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-flink-conf-"));
  fs.writeFileSync(
    path.join(confDir, "flink-conf.yaml"),
    `restart-strategy: fixed-delay\nrestart-strategy.fixed-delay.attempts: ${retries}\nrestart-strategy.fixed-delay.delay: 1 s\n`,
  );
  return { numberOfExecutionRetries: retries, executionRetryDelay: 1000, flinkConfDir: confDir };
}

/** A Beam runner that submits to Flink (see {@link FlinkRunnerOptions}). */
export function flinkRunner(options: FlinkRunnerOptions = {}): Runner {
  return new (class extends Runner {
    override async runPipeline(pipeline: runnerApi.Pipeline, extra?: PipelineOptions): Promise<PipelineResult> {
      patchWorker();
      const processes = options.workerProcesses ?? 0;
      if (!Number.isSafeInteger(processes) || processes < 0) throw new ArrayRecordError("INVALID_OPTIONS", `workerProcesses must be a non-negative integer, got ${processes}`);
      const server = options.jobEndpoint === undefined ? await sharedFlinkJobServer(options.jobServer) : undefined;
      const jobEndpoint = options.jobEndpoint ?? server!.endpoint;
      const pool = processes > 0 && options.workerPoolEndpoint === undefined ? await WorkerPool.start() : undefined;
      const poolEndpoint = options.workerPoolEndpoint ?? pool?.endpoint;
      const beamOptions: Record<string, unknown> = {
        ...options.pipelineOptions,
        ...(extra as Record<string, unknown> | undefined),
        jobEndpoint,
        ...(options.parallelism === undefined ? {} : { parallelism: options.parallelism }),
        ...(options.retries === undefined ? {} : retryOptions(options.retries)),
      };
      // The configuration directory retryOptions made (removed when the job ends), never a caller's.
      const ownConfDir = options.retries === undefined ? undefined : (beamOptions["flinkConfDir"] as string);
      // Keep a job's SDK workers between its stages: with the default (0) Beam's Flink runner
      // releases the environment whenever no stage holds it, so a batch job started new worker
      // processes for nearly every stage (seconds each, and a cold JIT every time).
      if (beamOptions["environmentCacheMillis"] === undefined) beamOptions["environmentCacheMillis"] = ENVIRONMENT_CACHE_MILLIS;
      if ((options.retries ?? 0) > 0 && beamOptions["environmentExpirationMillis"] === undefined) beamOptions["environmentExpirationMillis"] = RETRY_ENVIRONMENT_EXPIRATION_MILLIS;
      // Tags the job's workers: when the job ended, a pool given by endpoint stops them (Beam leaves
      // some running, see RUN_STOP_PREFIX); a pool of our own is stopped as a whole.
      const runId = randomUUID();
      beamOptions[RUN_ID_OPTION] = runId;
      if (poolEndpoint === undefined) beamOptions["environmentType"] = "LOOPBACK";
      else beamOptions["sdkWorkerParallelism"] = Math.max(processes, 1);
      const proto = poolEndpoint === undefined ? pipeline : withExternalEnvironment(pipeline, poolEndpoint);
      let finished = false;
      const finish = async () => {
        if (finished) return;
        finished = true;
        await pool?.stop();
        if (options.workerPoolEndpoint !== undefined) await stopRunWorkers(options.workerPoolEndpoint, runId);
        if (ownConfDir !== undefined) fs.rmSync(ownConfDir, { recursive: true, force: true });
      };
      try {
        const portable = new PortableRunner(beamOptions as { jobEndpoint: string });
        const result = (await portable.runPipeline(proto)) as PipelineResult & { jobId: string; runner: PortableRunner; cancel(): Promise<void> };
        return new FlinkPipelineResult(result, finish, () => ({
          environment: poolEndpoint === undefined ? "LOOPBACK" : "EXTERNAL",
          jobServerPid: server?.pid ?? -1,
          workerPids: poolEndpoint === undefined ? [process.pid] : (pool?.busyWorkerPids ?? []),
        }));
      } catch (e) {
        await finish();
        throw e;
      }
    }
  })();
}
