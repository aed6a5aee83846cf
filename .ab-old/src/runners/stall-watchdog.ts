/**
 * The stall watchdog of flinkRunner's jobs. Why: Beam 2.49's Flink runner can wait forever after an
 * SDK worker process died inside a bundle (the control client clears its requests, the data
 * multiplexer logs "Failed to handle for unknown endpoint … CANCELLED", and the task's bundle
 * never fails, so Flink never restarts it; its `InboundObserver.onError` only logs). Beam's
 * CancelJob does not stop such a `[local]` job either. The watchdog notices the state (a worker of
 * the job died, then none of the job's workers did anything for a while) so that flinkRunner can
 * stop the job and submit it again.
 */
import { ArrayRecordError } from "../format/errors.js";

/** Options of the stall watchdog (flinkRunner's `stallWatchdog`). */
export interface StallWatchdogOptions {
  /**
   * How long a job whose worker died may then go without any activity of its workers (a bundle
   * started or finished, a worker started) before it counts as stalled; default
   * {@link DEFAULT_STALL_MS}.
   */
  stallMs?: number;
  /** How many times a stalled job is stopped and submitted again before it is left to hang; default {@link DEFAULT_RESUBMITS}. */
  resubmits?: number;
}

/**
 * Default {@link StallWatchdogOptions.stallMs}: 2 minutes. A healthy recovery after a worker died
 * shows activity within the environment expiry plus a restart (kill tests: ≤ ~20 s on a loaded
 * machine); a bundle that legitimately runs longer than this right after a worker died costs one
 * needless resubmission, never a wrong result.
 */
export const DEFAULT_STALL_MS = 120_000;

/** Default {@link StallWatchdogOptions.resubmits}. */
export const DEFAULT_RESUBMITS = 2;

/** What a worker pool saw of one run's (job submission's) worker processes. */
export interface RunActivity {
  /** Worker processes of the run that died unasked (a signal or a non-zero exit, not stopped by the pool). */
  deaths: number;
  /** `performance.now()` of the run's last activity: a worker's report (run, bundle start or end) or death. */
  lastActivityAt: number;
}

/** One stalled submission that flinkRunner stopped and submitted again. */
export interface StallReport {
  /** The stalled job's id at the job service. */
  jobId: string;
  /** Its worker processes that had died. */
  deadWorkers: number;
  /** How long its workers had been idle when it was stopped, in ms. */
  idleMs: number;
}

/** Whether a run counts as stalled at `now`: one of its workers died and nothing happened for `stallMs` since. */
export function isStalled(activity: RunActivity | undefined, now: number, stallMs: number): boolean {
  return activity !== undefined && activity.deaths > 0 && now - activity.lastActivityAt >= stallMs;
}

/** Checks and fills in watchdog options (`false` = off). */
export function resolveStallWatchdog(options: StallWatchdogOptions | false | undefined): Required<StallWatchdogOptions> | undefined {
  if (options === false) return undefined;
  const stallMs = options?.stallMs ?? DEFAULT_STALL_MS;
  const resubmits = options?.resubmits ?? DEFAULT_RESUBMITS;
  if (!Number.isFinite(stallMs) || stallMs <= 0) throw new ArrayRecordError("INVALID_OPTIONS", `stallWatchdog.stallMs must be a positive number of ms, got ${stallMs}`);
  if (!Number.isSafeInteger(resubmits) || resubmits < 0) throw new ArrayRecordError("INVALID_OPTIONS", `stallWatchdog.resubmits must be a non-negative integer, got ${resubmits}`);
  return { stallMs, resubmits };
}
