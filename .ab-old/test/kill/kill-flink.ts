/**
 * Kill target `flink` of `npm run test:kill`: the Beam sink (`writeToArrayRecord`, 3 shards) on
 * Flink `[local]` (parallelism 2) with bundles in an external pool of Node worker processes. A
 * calibration job (no kill) measures the span of its bundles; then at each kill point one job runs
 * and, from a random moment of that span on, the first of its worker processes that is inside a
 * bundle and has received data from the runner is SIGKILLed. Flink's restart strategy (RETRIES
 * fixed-delay attempts), or when Beam's runner stalls after the kill flinkRunner's stall watchdog
 * (STALL_MS, a whole-job resubmission), must finish the job DONE with every shard complete, each
 * record exactly once, and nothing else under a final name, within HANG_MS; the job's worker processes must
 * all have exited within WORKERS_EXIT_MS of its end; temporaries left behind must be recognisable
 * and removed by the next run.
 *
 * Cost: one job server JVM serves every kill point (a cold one takes 10–20 s); each point is one
 * Flink job plus its restart. Jobs run one at a time: two jobs on one job server with a worker
 * killed in each both ran out of their 10 restart attempts (session 2, before environments expired).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { killRecordStrings } from "./kill-records.js";

/** What the harness gives a kill target. */
export interface KillContext {
  /** Number of kill points. */
  points: number;
  /** Uniform in [0, 1), seeded. */
  random: () => number;
  /** A fresh directory of this target. */
  root: string;
  /** Thrown for a failed check. */
  violation: (message: string) => Error;
  /** Progress lines. */
  log: (line: string) => void;
}

const SHARDS = 3;
/**
 * Flink restart attempts per job (1 s apart), and Beam's `environmentExpirationMillis`. Beam's Flink
 * runner keeps a job's SDK environments cached: after a worker is killed, every restarted task
 * routed to the dead worker's environment fails again within ~1 s until that environment expires
 * and is replaced by new workers, so the attempts must span the expiry. flinkRunner's default with
 * retries (RETRY_ENVIRONMENT_EXPIRATION_MILLIS, 15 s) does that too; the test sets 5 s only for
 * time: seed 1316, 4 points at load ~10 on 2 cores: a killed job took 27 s with 15 s (~12 task
 * failures each), 17–18 s with 5 s (2–4 each), and 100 points must fit a sane run.
 */
const RETRIES = 20;
const ENV_EXPIRY_MS = 5_000;
/**
 * flinkRunner's stall watchdog, as the test sets it. Why: Beam 2.49's Flink runner can wait forever
 * after a worker died inside a bundle (seed 1318, point 19: the task's bundle never failed; the log
 * shows the control client cleared its request and the data multiplexer "Failed to handle for
 * unknown endpoint" for the dead stream). The watchdog stops such a job (it replaces the job server:
 * CancelJob left the [local] job RUNNING) and submits it again; the resubmitted job must end DONE
 * with the same checks as any other. 30 s: a healthy recovery here shows worker activity within
 * the 5 s environment expiry plus a restart (≤ ~20 s at load ~10); the default is 2 minutes.
 */
const STALL_MS = 30_000;
const RESUBMITS = 2;
/**
 * A job (with its restarts and resubmissions) still running after this counts as hung, a failure
 * of the run: the test cancels it, stops its job server and goes on with the other points, then
 * fails. A stalled job is resubmitted ~STALL_MS after the kill plus a job server start (10–20 s)
 * and a whole job (10–20 s).
 */
const HANG_MS = 240_000;
/** How long a hung job's cancellation may take before its job server (JVM) is stopped anyway. */
const CANCEL_TIMEOUT_MS = 10_000;
/**
 * After a job ended, its worker processes have exited within this. flinkRunner asks the pool to
 * stop the run's workers; a worker started as the job ended is stopped when it reports its run,
 * once started up (seconds on a loaded machine), or fails its provision call (60 s deadline) once
 * the runner closed its environment. Checked without holding up the next job.
 */
const WORKERS_EXIT_MS = 90_000;

/** Runs the Flink kill points; returns the summary line. */
export async function killFlink(ctx: KillContext): Promise<string> {
  await import("apache-beam"); // first: the runner modules need the package's classes loaded
  const { JobState_Enum } = await import("apache-beam/proto/beam_job_api");
  const { flinkRunner, FlinkPipelineResult } = await import("../../src/runners/flink-runner.js");
  const { sharedFlinkJobServer, stopSharedFlinkJobServer } = await import("../../src/runners/flink-job-server.js");
  const { WorkerPool } = await import("../../src/runners/worker-pool.js");
  const { writeToArrayRecord } = await import("../../src/io/write-array-record.js");
  const { readFromTFRecord } = await import("../../src/io/tfrecord-io.js");
  const { TFRecordWriter } = await import("../../src/format/tfrecord/writer.js");
  const { ArrayRecordReader } = await import("../../src/format/array-record/reader.js");

  const expected = new Set(killRecordStrings());
  const finals = Array.from({ length: SHARDS }, (_, s) => `train.array_record-${String(s).padStart(5, "0")}-of-${String(SHARDS).padStart(5, "0")}`);
  const isTemporary = (name: string) => name.startsWith(".arrayrecord-tmp-");
  // The input: TFRecord files read by our own source (worker processes load only this package's
  // DoFns, not the tests'), two files so both slots read.
  const inputDir = path.join(ctx.root, "input");
  fs.mkdirSync(inputDir, { recursive: true });
  const strings = killRecordStrings();
  for (let f = 0; f < 2; f++) {
    const writer = new TFRecordWriter(path.join(inputDir, `in-${f}.tfrecord`));
    for (let i = f; i < strings.length; i += 2) writer.write(new TextEncoder().encode(strings[i]!));
    writer.close();
  }

  const quiet = { ...console };
  if (!process.env["ARRAYRECORD_BEAM_DEBUG"]) console.log = console.debug = console.info = () => {};
  const started = performance.now();
  let server = await sharedFlinkJobServer();
  const poolLog: string[] = [];
  const pool = await WorkerPool.start({ log: (line) => poolLog.push(`${Math.round(performance.now() - started)} ms: ${line}`) });
  /**
   * Whether worker process `pid` has not exited, as the pool saw it (its child's exit event). Not
   * process.kill(pid, 0): in the first 100-point run with the watchdog the pid of a worker that had
   * exited 17 minutes earlier belonged to another process by then, which failed the run.
   */
  const isAlive = (pid: number) => pool.liveWorkerPids.includes(pid);
  quiet.log(`flink: job server pid ${server.pid} up after ${Math.round((performance.now() - started) / 1000)} s; worker pool at ${pool.endpoint}`);

  /** Matches of `pattern` in the job server's log so far. */
  const earlierLogs: string[] = [];
  const logCount = (pattern: RegExp) => [...earlierLogs, server.logFile].reduce((n, file) => n + (fs.readFileSync(file, "utf8").match(pattern) ?? []).length, 0);
  const TASK_FAILED = /ExecutionGraph - .* switched from RUNNING to FAILED/g;
  const NO_DATA_CLIENT = /No client connected within timeout/g;
  const failuresBefore = logCount(TASK_FAILED);

  const dir = path.join(ctx.root, "out");
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, "train.array_record");
  const runner = flinkRunner({
    parallelism: 2,
    workerProcesses: 2,
    workerPoolEndpoint: pool.endpoint,
    retries: RETRIES,
    pipelineOptions: { environmentExpirationMillis: ENV_EXPIRY_MS },
    stallWatchdog: { stallMs: STALL_MS, resubmits: RESUBMITS },
  });
  /** The job server the watchdog replaced: its log joins the earlier ones. */
  const followJobServer = async () => {
    const current = await sharedFlinkJobServer();
    if (current !== server) {
      earlierLogs.push(server.logFile);
      server = current;
    }
  };

  /** Submits one job; resolves with its end ("done", or "hung" when it was cancelled after HANG_MS) and its resubmissions; rejects when it fails. */
  const runJob = async (): Promise<{ end: "done" | "hung"; resubmitted: number }> => {
    const result = (await runner.runAsync((root) => {
      root.apply(readFromTFRecord(path.join(inputDir, "in-*.tfrecord"))).apply(writeToArrayRecord(out, { numShards: SHARDS }));
    })) as InstanceType<typeof FlinkPipelineResult>;
    const ended = (s: number) => s === JobState_Enum.DONE || s === JobState_Enum.FAILED || s === JobState_Enum.CANCELLED;
    // Beam's waitUntilFinish polls with a back-off up to 10 s: ask in 1-second slices instead.
    const hangAt = performance.now() + HANG_MS;
    let state = await result.waitUntilFinish(1000);
    while (!ended(state) && performance.now() < hangAt) state = await result.waitUntilFinish(1000);
    await followJobServer();
    const resubmitted = result.stalls.length;
    if (!ended(state)) {
      // Beam's CancelJob does not stop a [local] Flink job here (it stayed RUNNING): ask, then stop
      // the job server's JVM, which ends the job, and start a new one for the next job.
      await Promise.race([result.cancel().catch(() => undefined), new Promise((r) => setTimeout(r, CANCEL_TIMEOUT_MS))]);
      earlierLogs.push(server.logFile);
      await stopSharedFlinkJobServer();
      server = await sharedFlinkJobServer();
      quiet.log(`flink: a job hung; its job server was stopped, a new one is up (pid ${server.pid}, log ${server.logFile})`);
      return { end: "hung", resubmitted };
    }
    if (state !== JobState_Enum.DONE) throw ctx.violation(`flink: the job ended ${JobState_Enum[state]}, not DONE (job server log: ${server.logFile})`);
    return { end: "done", resubmitted };
  };

  /** Checks the output directory after a job: all shards complete, each record once, the rest recognisable temporaries. */
  const check = (): { temporaries: number } => {
    let temporaries = 0;
    const seen: string[] = [];
    const present: string[] = [];
    for (const name of fs.readdirSync(dir)) {
      if (isTemporary(name)) {
        temporaries++;
        continue;
      }
      if (!finals.includes(name)) throw ctx.violation(`flink: unexpected file ${name} (neither a final name nor a recognisable temporary)`);
      present.push(name);
      let records: Uint8Array[];
      try {
        records = ArrayRecordReader.openSync(path.join(dir, name)).readAllSync();
      } catch (e) {
        throw ctx.violation(`flink: ${name} exists under its final name but does not read: ${(e as Error).message}`);
      }
      for (const r of records) {
        const text = Buffer.from(r).toString("utf8");
        if (!expected.has(text)) throw ctx.violation(`flink: ${name} holds a record that was never written`);
        seen.push(text);
      }
    }
    if (present.length !== SHARDS) throw ctx.violation(`flink: the job succeeded with ${present.length} of ${SHARDS} shards`);
    if (new Set(seen).size !== seen.length) throw ctx.violation(`flink: ${seen.length - new Set(seen).size} records appear twice across shards`);
    if (seen.length !== expected.size) throw ctx.violation(`flink: the shards hold ${seen.length} of ${expected.size} records`);
    return { temporaries };
  };

  /** Worker processes alive when their job ended → when it ended; and how long the last of them outlived it. */
  const lingering = new Map<number, number>();
  const outlived = { workers: 0, maxMs: 0 };
  /** Forgets the exited; fails for a worker alive WORKERS_EXIT_MS after its job ended. */
  const checkLingering = () => {
    const now = performance.now();
    for (const [pid, ended] of lingering) {
      if (!isAlive(pid)) {
        lingering.delete(pid);
        outlived.maxMs = Math.max(outlived.maxMs, now - ended);
      } else if (now - ended > WORKERS_EXIT_MS) {
        const lines = poolLog.filter((line) => line.includes(`pid ${pid} `) || line.endsWith(`pid ${pid}`));
        throw ctx.violation(`flink: worker process ${pid} still alive ${WORKERS_EXIT_MS / 1000} s after its job ended (pool: ${lines.join(" | ")})`);
      }
    }
  };

  /**
   * Watches this job's workers (those not in `known`) every 2 ms until the job ends; once the job's
   * workers finished `killAtBundle` bundles, SIGKILLs the first worker that is inside a bundle and
   * has received data from the runner (see WorkerPool.inBundleReceivedDataWorkerPids: a worker
   * killed before that can leave Beam's runner waiting 3 minutes for its data client). Returns the
   * bundles and the span of bundles seen, and the kill, if one happened.
   */
  const watch = async (known: Set<number>, give: { up: boolean }, killAtBundle: number, pick: number) => {
    const bundlesBefore = pool.bundlesFinished;
    let firstBundle: number | undefined;
    let lastBundle = 0;
    let kill: { bundle: number; at: number; midWrite: boolean; pidsAtKill: Set<number> } | undefined;
    while (!give.up) {
      const now = performance.now();
      if (pool.inBundleWorkerPids.some((pid) => !known.has(pid))) {
        firstBundle ??= now;
        lastBundle = now;
      }
      const bundles = pool.bundlesFinished - bundlesBefore;
      if (kill === undefined && bundles >= killAtBundle) {
        const victims = pool.inBundleReceivedDataWorkerPids.filter((pid) => !known.has(pid) && isAlive(pid));
        if (victims.length > 0) {
          const victim = victims[Math.floor(pick * victims.length)]!;
          // A temporary shard directory with files in it: shards are being written.
          const midWrite = fs.readdirSync(dir).some((name) => isTemporary(name) && fs.readdirSync(path.join(dir, name)).length > 0);
          process.kill(victim, "SIGKILL");
          kill = { bundle: bundles + 1, at: now - (firstBundle ?? now), midWrite, pidsAtKill: new Set(pool.workerPids) };
        }
      }
      checkLingering();
      await new Promise((r) => setTimeout(r, 2));
    }
    return { bundles: pool.bundlesFinished - bundlesBefore, span: firstBundle === undefined ? 0 : lastBundle - firstBundle, kill };
  };

  /** Runs one job, killing a worker once its workers finished `killAtBundle` bundles (never when Infinity). */
  const runPoint = async (killAtBundle: number, pick: number) => {
    const known = new Set(pool.workerPids);
    const give = { up: false };
    const startedAt = performance.now();
    const job = runJob().finally(() => (give.up = true));
    const watching = watch(known, give, killAtBundle, pick);
    const { end, resubmitted } = await job;
    const hung = end === "hung";
    const ms = performance.now() - startedAt;
    const { bundles, span, kill } = await watching;
    // Flink's restart asks the pool for new workers.
    const restarted = kill !== undefined && pool.workerPids.some((pid) => !kill.pidsAtKill.has(pid));
    const found = check();
    const ended = performance.now();
    const alive = pool.workerPids.filter((pid) => isAlive(pid) && !lingering.has(pid));
    for (const pid of alive) lingering.set(pid, ended);
    outlived.workers += alive.length;
    return { ms, hung, resubmitted, bundles, span, kill, restarted, found, aliveAtEnd: alive.length };
  };

  // Drawn up front so a seed names the same kill points (as fractions of a job's bundles).
  const plan = Array.from({ length: ctx.points }, (_, point) => ({ point, fraction: ctx.random(), pick: ctx.random() }));
  const outcomes = { killed: 0, killedMidWrite: 0, newWorkersAfterKill: 0, finishedFirst: 0, leftTemporaries: 0, hung: [] as number[], recovered: [] as number[], jobMs: [] as number[], killedJobMs: [] as number[] };
  try {
    // Calibration: one job without a kill counts the bundles a job runs; kill points are drawn
    // among them (by count, not time: the machine's load changes a job's time, not its bundles).
    const calibration = await runPoint(Infinity, 0);
    if (calibration.hung) throw ctx.violation(`flink: the calibration job (no kill) hung (job server log: ${server.logFile})`);
    if (calibration.bundles === 0) throw ctx.violation("flink: the calibration job ran no bundle in the pool's workers");
    quiet.log(`flink: calibration job DONE in ${Math.round(calibration.ms)} ms: ${calibration.bundles} bundles over ${Math.round(calibration.span)} ms`);
    for (const { point, fraction, pick } of plan) {
      const killAtBundle = Math.floor(fraction * calibration.bundles);
      let result;
      try {
        result = await runPoint(killAtBundle, pick);
      } catch (e) {
        if (e instanceof Error) e.message += ` (point ${point}, kill aimed at bundle ${killAtBundle + 1} of ${calibration.bundles})`;
        throw e;
      }
      const { ms, hung, resubmitted, bundles, kill, restarted, found, aliveAtEnd } = result;
      if (hung && kill === undefined) throw ctx.violation(`flink: point ${point}: the job hung without a kill (job server log: ${server.logFile})`);
      if (resubmitted > 0 && kill === undefined) throw ctx.violation(`flink: point ${point}: the watchdog resubmitted a job in which no worker was killed`);
      if (hung) outcomes.hung.push(point);
      else if (resubmitted > 0) outcomes.recovered.push(point);
      else outcomes.jobMs.push(ms);
      if (kill === undefined) {
        outcomes.finishedFirst++;
      } else {
        outcomes.killed++;
        if (!hung) outcomes.killedJobMs.push(ms);
        if (kill.midWrite) outcomes.killedMidWrite++;
        if (restarted) outcomes.newWorkersAfterKill++;
      }
      if (found.temporaries > 0) outcomes.leftTemporaries++;
      const what =
        kill === undefined
          ? `job finished before a worker could be killed (aimed at bundle ${killAtBundle + 1}; the job ran ${bundles})`
          : `worker killed inside bundle ${kill.bundle} (aimed ${killAtBundle + 1}), ${Math.round(kill.at)} ms after the job's first bundle${kill.midWrite ? " (shards being written)" : ""}${restarted ? ", new workers after it" : ""}`;
      const end = hung
        ? `job HUNG in Beam's runner, its job server stopped ${Math.round(ms / 1000)} s after submission (final files untouched)`
        : `${resubmitted > 0 ? `job stalled in Beam's runner, stopped and resubmitted ${resubmitted}× by the watchdog, then ` : "job "}DONE in ${Math.round(ms)} ms`;
      quiet.log(`flink: point ${point}: ${what}; ${end}, ${found.temporaries} temporaries left, ${aliveAtEnd} of its workers alive at its end`);
    }
    // The next complete run cleans what earlier runs left (each point's job is the next run of the
    // one before; one more job only when the last point left something).
    if (fs.readdirSync(dir).some(isTemporary) && (await runPoint(Infinity, 0)).hung) throw ctx.violation(`flink: the cleaning job (no kill) hung (job server log: ${server.logFile})`);
    const after = fs.readdirSync(dir).sort();
    if (JSON.stringify(after) !== JSON.stringify([...finals].sort())) {
      throw ctx.violation(`flink: after a complete run the directory holds ${JSON.stringify(after)}, not just the final files`);
    }
    check();
    // Every worker of every job has exited (bounded by WORKERS_EXIT_MS after its job).
    while (lingering.size > 0) {
      checkLingering();
      await new Promise((r) => setTimeout(r, 50));
    }
    if (outcomes.hung.length > 0) {
      throw ctx.violation(`flink: ${outcomes.hung.length} jobs HUNG after the kill despite the stall watchdog (points ${outcomes.hung.join(", ")}; each was stopped after ${HANG_MS / 1000} s; final files untouched)`);
    }
    const seconds = (list: number[]) => (list.length === 0 ? "-" : `${Math.round(Math.min(...list) / 1000)}–${Math.round(Math.max(...list) / 1000)} s`);
    return (
      `flink: ${ctx.points} points: ${outcomes.killed} worker processes SIGKILLed inside a bundle after their first data ` +
      `(${outcomes.killedMidWrite} while shards were being written; ${outcomes.newWorkersAfterKill} followed by new workers for the restart; ` +
      `${logCount(TASK_FAILED) - failuresBefore} Flink task failures in all; ${logCount(NO_DATA_CLIENT)} 3-minute data-client waits), ` +
      `${outcomes.finishedFirst} jobs finished before a worker could be killed; ` +
      `every job ended DONE (${outcomes.recovered.length} of them after the stall watchdog stopped and resubmitted them: ` +
      `points ${outcomes.recovered.length === 0 ? "none" : outcomes.recovered.join(", ")})` +
      ` with ${SHARDS} complete shards, ` +
      `each record exactly once (jobs ${seconds(outcomes.jobMs)}, with a kill ${seconds(outcomes.killedJobMs)}); ` +
      `${outcomes.leftTemporaries} left recognisable temporaries, all removed by the next run; ${outlived.workers} worker processes were alive when their job ended, all exited ` +
      `within ${(outlived.maxMs / 1000).toFixed(1)} s of it; none left when the run ended`
    );
  } finally {
    Object.assign(console, quiet);
    await pool.stop();
    await stopSharedFlinkJobServer();
  }
}
