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
import { sharedFlinkJobServer, stopSharedFlinkJobServer, type FlinkJobServerOptions } from "./flink-job-server.js";
import { userMetrics } from "./metrics.js";
import { patchWorker } from "./sdk-patches.js";
import { isStalled, resolveStallWatchdog, type RunActivity, type StallReport, type StallWatchdogOptions } from "./stall-watchdog.js";
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

/** How long the watchdog waits for CancelJob of a stalled job before it stops the job server anyway. */
const CANCEL_TIMEOUT_MS = 10_000;

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
  /**
   * The stall watchdog (on by default; `false` = off), for jobs whose worker pool runs in this
   * process (`workerProcesses` without `workerPoolEndpoint`, or the endpoint of a
   * {@link WorkerPool} started in this process). When a worker process of the job died and then
   * none of the job's workers did anything for `stallMs` (default 2 minutes) while the job is still
   * running, `waitUntilFinish` stops the job, replacing this process's shared job server (Beam's
   * CancelJob does not stop a stalled `[local]` job, and replacing the server ends every job on
   * it), and submits the whole job again, at most `resubmits` times (default 2); each time it logs
   * a warning and adds a {@link StallReport} to {@link FlinkPipelineResult.stalls}. Safe for batch
   * jobs whose sinks publish only when they finish (our sinks write temporaries and rename them in
   * finalize). See {@link StallWatchdogOptions}.
   */
  stallWatchdog?: StallWatchdogOptions | false;
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

/** A submitted job as the portable runner returns it. */
type PortableResult = PipelineResult & { jobId: string; runner: PortableRunner; cancel(): Promise<void> };

/** One submission of a job: the portable result and the run id its workers report. */
interface Submission {
  portable: PortableResult;
  runId: string;
}

/** What a {@link FlinkPipelineResult} needs from the runner that submitted it. */
interface JobControl {
  /** Stops the job's workers (all its submissions) and removes what the runner made for it; once. */
  finish(): Promise<void>;
  /** Which processes ran the job's bundles. */
  workers(): WorkerReport;
  /** The watchdog's settings, and where it reads a run's worker activity; undefined = no watchdog. */
  watchdog?: { stallMs: number; resubmits: number; activity(run: string): RunActivity | undefined };
  /** Stops `stalled` (replacing the job server when it is this process's own) and submits the job again. */
  resubmit(stalled: Submission): Promise<Submission>;
}

/** The job states after which a job does nothing more. */
function isEnded(state: JobState_Enum): boolean {
  return state === JobState_Enum.DONE || state === JobState_Enum.FAILED || state === JobState_Enum.CANCELLED;
}

/**
 * A Flink job's result: counters from committed or attempted metrics, the worker processes, and
 * the stalled submissions the watchdog stopped and submitted again ({@link FlinkPipelineResult.stalls}).
 */
export class FlinkPipelineResult extends PipelineResult {
  private readonly stallReports: StallReport[] = [];

  constructor(
    private submission: Submission,
    private readonly control: JobControl,
  ) {
    super();
  }

  /** The current submission's job id at the job service. */
  get jobId(): string {
    return this.submission.portable.jobId;
  }

  /** Stalled submissions that were stopped and submitted again (empty for a job that never stalled). */
  get stalls(): readonly StallReport[] {
    return this.stallReports;
  }

  /**
   * Waits until the job ended or `duration` ms passed. While it waits, the stall watchdog checks the
   * job every second (an in-process worker pool only; see {@link FlinkRunnerOptions.stallWatchdog}).
   */
  override async waitUntilFinish(duration?: number): Promise<JobState_Enum> {
    const start = performance.now();
    for (;;) {
      const left = duration === undefined ? 1000 : Math.max(0, start + duration - performance.now());
      const state = await this.submission.portable.waitUntilFinish(Math.min(1000, left));
      if (isEnded(state)) {
        await this.control.finish();
        return state;
      }
      const watchdog = this.control.watchdog;
      if (watchdog !== undefined && this.stallReports.length < watchdog.resubmits) {
        const activity = watchdog.activity(this.submission.runId);
        const now = performance.now();
        if (isStalled(activity, now, watchdog.stallMs)) {
          const report: StallReport = { jobId: this.submission.portable.jobId, deadWorkers: activity!.deaths, idleMs: Math.round(now - activity!.lastActivityAt) };
          this.stallReports.push(report);
          console.warn(
            `arrayrecord flink: job ${report.jobId} stalled: ${report.deadWorkers} worker process(es) died and its workers did nothing for ${Math.round(report.idleMs / 1000)} s; ` +
              `stopping it and submitting the job again (${this.stallReports.length} of at most ${watchdog.resubmits})`,
          );
          try {
            this.submission = await this.control.resubmit(this.submission);
          } catch (e) {
            await this.control.finish();
            throw e;
          }
          continue;
        }
      }
      if (duration !== undefined && performance.now() - start >= duration) return state;
    }
  }

  /** Cancels the job (the job service's CancelJob) and, as for any ended job, stops its workers. */
  async cancel(): Promise<void> {
    try {
      await this.submission.portable.cancel();
    } finally {
      await this.control.finish();
    }
  }

  override async rawMetrics(): Promise<MonitoringInfo[]> {
    const portable = this.submission.portable;
    const response = await portable.runner.getJobMetrics(portable.jobId);
    return userMetrics({ committed: response.metrics?.committed ?? [], attempted: response.metrics?.attempted ?? [] });
  }

  /** Which processes did the work (complete once the job finished). */
  workerReport(): WorkerReport {
    return this.control.workers();
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
      let server = options.jobEndpoint === undefined ? await sharedFlinkJobServer(options.jobServer) : undefined;
      const pool = processes > 0 && options.workerPoolEndpoint === undefined ? await WorkerPool.start() : undefined;
      const poolEndpoint = options.workerPoolEndpoint ?? pool?.endpoint;
      const beamOptions: Record<string, unknown> = {
        ...options.pipelineOptions,
        ...(extra as Record<string, unknown> | undefined),
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
      const proto = poolEndpoint === undefined ? pipeline : withExternalEnvironment(pipeline, poolEndpoint);
      if (poolEndpoint === undefined) beamOptions["environmentType"] = "LOOPBACK";
      else beamOptions["sdkWorkerParallelism"] = Math.max(processes, 1);
      // Every submission tags its workers with a run id of its own: when the job ended, a pool
      // given by endpoint stops them (Beam leaves some running, see RUN_STOP_PREFIX), and the
      // watchdog reads the activity of exactly this submission's workers.
      const runIds: string[] = [];
      const submit = async (): Promise<Submission> => {
        const runId = randomUUID();
        runIds.push(runId);
        const endpoint = options.jobEndpoint ?? server!.endpoint;
        const portable = new PortableRunner({ ...beamOptions, jobEndpoint: endpoint, [RUN_ID_OPTION]: runId } as { jobEndpoint: string });
        return { portable: (await portable.runPipeline(proto)) as PortableResult, runId };
      };
      let finished = false;
      const finish = async () => {
        if (finished) return;
        finished = true;
        await pool?.stop();
        if (options.workerPoolEndpoint !== undefined) for (const runId of runIds) await stopRunWorkers(options.workerPoolEndpoint, runId);
        if (ownConfDir !== undefined) fs.rmSync(ownConfDir, { recursive: true, force: true });
      };
      // The watchdog reads worker activity from a pool in this process (our own, or one given by
      // the endpoint of a pool started here); a pool in another process cannot be watched.
      const watchedPool = poolEndpoint === undefined ? undefined : (pool ?? WorkerPool.inProcess(poolEndpoint));
      const watchdogOptions = watchedPool === undefined ? undefined : resolveStallWatchdog(options.stallWatchdog);
      const resubmit = async (stalled: Submission): Promise<Submission> => {
        // CancelJob first (it stops a job on a real cluster); it left a stalled [local] job
        // RUNNING, so this process's own job server is replaced too, which ends every job on it.
        await Promise.race([stalled.portable.cancel().catch(() => undefined), new Promise((r) => setTimeout(r, CANCEL_TIMEOUT_MS).unref())]);
        if (options.jobEndpoint === undefined) {
          await stopSharedFlinkJobServer();
          server = await sharedFlinkJobServer(options.jobServer);
        }
        if (pool !== undefined) pool.stopRun(stalled.runId);
        else if (options.workerPoolEndpoint !== undefined) await stopRunWorkers(options.workerPoolEndpoint, stalled.runId);
        return submit();
      };
      try {
        return new FlinkPipelineResult(await submit(), {
          finish,
          resubmit,
          ...(watchdogOptions === undefined ? {} : { watchdog: { ...watchdogOptions, activity: (run: string) => watchedPool!.activity(run) } }),
          workers: () => ({
            environment: poolEndpoint === undefined ? "LOOPBACK" : "EXTERNAL",
            jobServerPid: server?.pid ?? -1,
            workerPids: poolEndpoint === undefined ? [process.pid] : (pool?.busyWorkerPids ?? []),
          }),
        });
      } catch (e) {
        await finish();
        throw e;
      }
    }
  })();
}
