/**
 * Kill target `flink` of `npm run test:kill`: the Beam sink (`writeToArrayRecord`, 3 shards) on
 * Flink `[local]` (parallelism 2) with bundles in an external pool of Node worker processes. At each
 * kill point one worker process of the running job is SIGKILLed; Flink's restart strategy (RETRIES fixed-
 * delay attempts) must finish the job with every shard complete, each record exactly once, and
 * nothing else under a final name; temporaries left behind must be recognisable and removed by the
 * next run.
 *
 * Cost: one job server JVM serves every kill point (a cold one takes 10–20 s); each point is one
 * Flink job plus its restart (lanes of jobs side by side, each with its own worker pool and output
 * directory, are supported but set to 1: see LANES).
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
/** A victim has been inside its bundle at least this long. */
const SETTLE_MS = 1000;
/**
 * Flink restart attempts per job, and Beam's `environmentExpirationMillis`. Beam's Flink runner
 * keeps a job's SDK environments cached: after a worker is killed, every restarted task routed to
 * the dead worker's environment fails again within ~1 s (with 10 attempts and no expiry a job
 * failed in ~20 s; Flink's full failover did not help). An environment that expires
 * ENV_EXPIRY_MS after it was made is replaced by one with new workers, so the restarts have to
 * outlast that.
 */
const RETRIES = 40;
const ENV_EXPIRY_MS = 15_000;
/**
 * Jobs side by side. 1: two jobs on one job server with a worker killed in each both ran out of
 * their 10 restart attempts (every restarted task failed again within ~2 s with "CANCELLED: call
 * already cancelled"), while one job at a time always recovered after 1–3 task failures.
 */
const LANES = 1;
/** A job (with its restarts) that takes longer than this fails the test. */
const JOB_TIMEOUT_MS = 300_000;

/** Runs the Flink kill points; returns the summary line. */
export async function killFlink(ctx: KillContext): Promise<string> {
  await import("apache-beam"); // first: the runner modules need the package's classes loaded
  const { JobState_Enum } = await import("apache-beam/proto/beam_job_api");
  const { flinkRunner } = await import("../../src/runners/flink-runner.js");
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
  const server = await sharedFlinkJobServer();
  // Lanes run jobs side by side on the one job server (a job is mostly waiting), each with its own
  // pool (so a lane knows its job's workers) and output directory.
  const lanes = Math.min(LANES, ctx.points);
  const pools = await Promise.all(Array.from({ length: lanes }, () => WorkerPool.start()));
  quiet.log(`flink: job server pid ${server.pid} up after ${Math.round((performance.now() - started) / 1000)} s; ${lanes} lane(s), worker pools at ${pools.map((p) => p.endpoint).join(", ")}`);

  /** Flink task failures so far, from the job server's log. */
  const taskFailures = () => (fs.readFileSync(server.logFile, "utf8").match(/ExecutionGraph - .* switched from RUNNING to FAILED/g) ?? []).length;
  const failuresBefore = taskFailures();

  // Drawn up front so a seed names the same kill moments (as fractions of the bundle span) whatever the lanes' timing.
  const plan = Array.from({ length: ctx.points }, (_, point) => ({ point, fraction: ctx.random(), pick: ctx.random() }));
  // Kill moments are fractions of the bundle span of the latest unkilled job (10 s until one is seen).
  let window = 10_000;
  const outcomes = { killed: 0, killedMidWrite: 0, newWorkersAfterKill: 0, finishedFirst: 0, leftTemporaries: 0 };

  const runLane = async (lane: number): Promise<void> => {
    const pool = pools[lane]!;
    const dir = path.join(ctx.root, `lane${lane}`);
    fs.mkdirSync(dir, { recursive: true });
    const out = path.join(dir, "train.array_record");
    const runner = flinkRunner({ parallelism: 2, workerProcesses: 2, workerPoolEndpoint: pool.endpoint, retries: RETRIES, pipelineOptions: { environmentExpirationMillis: ENV_EXPIRY_MS } });

    /** Submits one job; resolves when it ends, rejects when it does not succeed. */
    const runJob = async (): Promise<void> => {
      const result = await runner.runAsync((root) => {
        root.apply(readFromTFRecord(path.join(inputDir, "in-*.tfrecord"))).apply(writeToArrayRecord(out, { numShards: SHARDS }));
      });
      // Beam's waitUntilFinish polls with a back-off up to 10 s: ask in 1-second slices instead.
      const deadline = performance.now() + JOB_TIMEOUT_MS;
      let state = await result.waitUntilFinish(1000);
      while (state !== JobState_Enum.DONE && state !== JobState_Enum.FAILED && state !== JobState_Enum.CANCELLED) {
        if (performance.now() > deadline) throw ctx.violation(`flink: the job did not end within ${JOB_TIMEOUT_MS / 1000} s (job server log: ${server.logFile})`);
        state = await result.waitUntilFinish(1000);
      }
      if (state !== JobState_Enum.DONE) throw ctx.violation(`flink: the job ended ${JobState_Enum[state]}, not DONE (job server log: ${server.logFile})`);
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

    /**
     * Watches this job's workers (those not in `known`) every 5 ms until the job ends; `killAfter`
     * ms after its first bundle began, SIGKILLs a worker that has been inside a bundle for ≥
     * SETTLE_MS (by then its data stream is connected: a worker killed before that leaves Beam's
     * runner waiting its fixed 3 minutes for the data client before the task fails). Returns the
     * bundle span seen and the kill, if one happened.
     */
    const watch = async (known: Set<number>, give: { up: boolean }, killAfter: number, pick: number) => {
      const inBundleSince = new Map<number, number>();
      let firstBundle: number | undefined;
      let lastBundle = 0;
      let kill: { at: number; midWrite: boolean; pidsAtKill: Set<number> } | undefined;
      while (!give.up) {
        const now = performance.now();
        const inBundle = pool.inBundleWorkerPids.filter((pid) => !known.has(pid));
        for (const pid of [...inBundleSince.keys()]) if (!inBundle.includes(pid)) inBundleSince.delete(pid);
        for (const pid of inBundle) if (!inBundleSince.has(pid)) inBundleSince.set(pid, now);
        if (inBundle.length > 0) {
          firstBundle ??= now;
          lastBundle = now;
        }
        if (kill === undefined && firstBundle !== undefined && now - firstBundle >= killAfter) {
          const settled = inBundle.filter((pid) => now - inBundleSince.get(pid)! >= SETTLE_MS && isAlive(pid));
          if (settled.length > 0) {
            const victim = settled[Math.floor(pick * settled.length)]!;
            // A temporary shard directory with files in it: shards are being written.
            const midWrite = fs.readdirSync(dir).some((name) => isTemporary(name) && fs.readdirSync(path.join(dir, name)).length > 0);
            process.kill(victim, "SIGKILL");
            kill = { at: now - firstBundle, midWrite, pidsAtKill: new Set(pool.workerPids) };
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      return { span: firstBundle === undefined ? undefined : lastBundle - firstBundle, kill };
    };

    for (const { point, fraction, pick } of plan.filter((p) => p.point % lanes === lane)) {
      const killAfter = fraction * window;
      const known = new Set(pool.workerPids);
      const give = { up: false };
      const pointStarted = performance.now();
      const job = runJob().finally(() => (give.up = true));
      const watching = watch(known, give, killAfter, pick);
      const describe = () => `(point ${point}, kill aimed ${Math.round(killAfter)} ms after the job's first bundle)`;
      try {
        await job;
      } catch (e) {
        if (e instanceof Error) e.message += ` ${describe()}`;
        throw e;
      }
      const { span, kill } = await watching;
      // Flink's restart asks this lane's pool for new workers.
      const restarted = kill !== undefined && pool.workerPids.some((pid) => !kill.pidsAtKill.has(pid));
      if (kill === undefined) {
        outcomes.finishedFirst++;
        if (span !== undefined) window = span;
      } else {
        outcomes.killed++;
        if (kill.midWrite) outcomes.killedMidWrite++;
        if (restarted) outcomes.newWorkersAfterKill++;
      }
      let found;
      try {
        found = check();
      } catch (e) {
        if (e instanceof Error) e.message += ` ${describe()}`;
        throw e;
      }
      if (found.temporaries > 0) outcomes.leftTemporaries++;
      const what = kill === undefined ? "job finished before the kill" : `worker killed inside a bundle ${Math.round(kill.at)} ms after the job's first bundle${kill.midWrite ? " (shards being written)" : ""}${restarted ? ", new workers after it" : ""}`;
      quiet.log(`flink: point ${point}: ${what}; job DONE in ${Math.round(performance.now() - pointStarted)} ms, ${found.temporaries} temporaries left`);
    }
    // The next complete run cleans what earlier runs left (each point's job is the next run of the
    // one before; one more job only when the last point left something).
    if (fs.readdirSync(dir).some(isTemporary)) await runJob();
    const after = fs.readdirSync(dir).sort();
    if (JSON.stringify(after) !== JSON.stringify([...finals].sort())) {
      throw ctx.violation(`flink: after a complete run the directory holds ${JSON.stringify(after)}, not just the final files`);
    }
    check();
  };

  try {
    await Promise.all(Array.from({ length: lanes }, (_, lane) => runLane(lane)));
    return (
      `flink: ${ctx.points} points: ${outcomes.killed} worker processes SIGKILLed inside a bundle ` +
      `(${outcomes.killedMidWrite} while shards were being written; ${outcomes.newWorkersAfterKill} followed by new workers for the restart; ` +
      `${taskFailures() - failuresBefore} Flink task failures in all), ` +
      `${outcomes.finishedFirst} jobs finished before their kill point; every job ended DONE with ${SHARDS} complete shards, ` +
      `each record exactly once; ${outcomes.leftTemporaries} left recognisable temporaries, all removed by the next run`
    );
  } finally {
    Object.assign(console, quiet);
    await Promise.all(pools.map((p) => p.stop()));
    await stopSharedFlinkJobServer();
  }
}

/** Whether process `pid` still exists (children are reaped by Node, so a dead one is gone). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
