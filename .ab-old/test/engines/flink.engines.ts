/**
 * Our pipelines on Apache Flink (`[local]`, parallelism 2), through Beam's Flink job server: one
 * job server for the whole file. Each test checks every record arrives exactly once (count and an
 * order-independent digest), by our reader and, for conversions, by Google's array-record wheel.
 * Both ways of running bundles are covered: LOOPBACK (in this process) and the external pool of
 * Node worker processes.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../../src/beam.js";
import * as beam from "apache-beam";
import { requireForSerialization } from "apache-beam/serialization";
import { Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray } from "apache-arrow";
import { convertTFRecordToArrayRecord } from "../../src/pipelines/tfrecord-to-arrayrecord.js";
import { convertArrowToArrayRecord } from "../../src/pipelines/arrow-to-arrayrecord.js";
import { generateDataset } from "../../src/pipelines/generate-dataset.js";
import { digestFromCounters, digestOf, digestRecords } from "../../src/pipelines/digest.js";
import { runPipeline, type RunnerChoice } from "../../src/pipelines/run.js";
import { writeShards } from "../../src/pipelines/output.js";
import { readFromArrayRecord } from "../../src/io/read-array-record.js";
import { readFromTFRecord } from "../../src/io/tfrecord-io.js";
import { parDoWithCoder, recordCoder } from "../../src/transforms/coders.js";
import { sharedFlinkJobServer, stopSharedFlinkJobServer } from "../../src/runners/flink-job-server.js";
import { flinkRunner, FlinkPipelineResult } from "../../src/runners/flink-runner.js";
import { WorkerPool } from "../../src/runners/worker-pool.js";
import { writeToArrayRecord } from "../../src/io/write-array-record.js";
import { JobState_Enum } from "apache-beam/proto/beam_job_api";
import { tableToBatchRecords } from "../../src/format/arrow/index.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { digestByGoogle, leftoverTemps, multisetDigest, readOurs, writeTFRecordInputs } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL("../helpers/cli-entry.ts", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-engines-"));
const LOOPBACK: RunnerChoice = { runner: "flink", parallelism: 2 };
const POOL: RunnerChoice = { runner: "flink", parallelism: 2, workerProcesses: 2 };

beforeAll(async () => {
  const server = await sharedFlinkJobServer();
  console.info(`Flink job server pid ${server.pid} at ${server.endpoint}, output in ${server.logFile}`);
});
afterAll(async () => {
  await stopSharedFlinkJobServer();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Fails its bundle once, after passing a few records on, when its marker file does not exist yet. */
export class FailOnceDoFn implements beam.DoFn<Uint8Array, Uint8Array> {
  private passed = 0;
  constructor(readonly marker: string) {}
  *process(record: Uint8Array): Generator<Uint8Array> {
    if (this.passed++ === 5 && !fs.existsSync(this.marker)) {
      fs.writeFileSync(this.marker, "failed once");
      throw new Error("FailOnceDoFn: the first attempt fails");
    }
    yield record;
  }
}
requireForSerialization("arrayrecord-test-engines", { FailOnceDoFn });

describe("Flink [local], parallelism 2", () => {
  it("TFRecord → ArrayRecord, 1 shard, LOOPBACK: every record once, read by Google's library", async () => {
    const input = writeTFRecordInputs(dir, "one", 3, 400, 300);
    const result = await convertTFRecordToArrayRecord({ input: path.join(dir, "one-*.tfrecord"), output: path.join(dir, "one.array_record"), numShards: 1, writerOptions: "group_size:16,zstd:3", ...LOOPBACK });
    expect(result.files.map((f) => path.basename(f))).toEqual(["one.array_record-00000-of-00001"]);
    expect(result.counters).toMatchObject({ tfrecord_records_read: 1200, arrayrecord_records_written: 1200, arrayrecord_files_written: 1 });
    expect(result.workers).toEqual({ environment: "LOOPBACK", jobServerPid: expect.any(Number), workerPids: [process.pid] });
    expect(multisetDigest(readOurs(result.files))).toEqual(multisetDigest(input));
    expect(digestByGoogle(result.files)).toEqual(multisetDigest(input));
    expect(leftoverTemps(dir)).toEqual([]);
  });

  it("TFRecord → ArrayRecord, 3 shards, external pool of 2 processes: ≥ 2 worker processes did work", async () => {
    const input = writeTFRecordInputs(dir, "three", 4, 1500, 1000);
    // group_size:64: full groups are pre-encoded in the read bundles, each bundle's leftovers are
    // gathered by the shard's writer (io/shard-frames.ts); the wheel's batch read finds records
    // as index / group_size, so a short chunk anywhere but last would give wrong records.
    const result = await convertTFRecordToArrayRecord({ input: path.join(dir, "three-*.tfrecord"), output: path.join(dir, "three.array_record"), numShards: 3, writerOptions: "group_size:64,zstd:3", ...POOL });
    for (const file of result.files) {
      const reader = ArrayRecordReader.openSync(file);
      const chunks = Array.from({ length: reader.numChunks }, (_, c) => reader.fileLayout.index.recordsIn(c));
      reader.closeSync();
      expect(chunks.slice(0, -1).every((n) => n === 64) && chunks.at(-1)! >= 1 && chunks.at(-1)! <= 64, `${file}: ${chunks}`).toBe(true);
    }
    expect(result.files).toHaveLength(3);
    expect(result.counters).toMatchObject({ tfrecord_records_read: 6000, arrayrecord_records_written: 6000, arrayrecord_bytes_written: 6_000_000, arrayrecord_files_written: 3 });
    expect(result.workers?.environment).toBe("EXTERNAL");
    expect(new Set(result.workers?.workerPids).size).toBeGreaterThanOrEqual(2);
    expect(result.workers?.workerPids).not.toContain(process.pid);
    expect(multisetDigest(readOurs(result.files))).toEqual(multisetDigest(input));
    expect(digestByGoogle(result.files)).toEqual(multisetDigest(input));
  });

  it("TFRecord → ArrayRecord on a pool started by `arrayrecord worker-pool` (workerPoolEndpoint)", async () => {
    const input = writeTFRecordInputs(dir, "cli-pool", 2, 500, 200);
    const pool = spawn(process.execPath, ["--import", "tsx", CLI_ENTRY, "worker-pool", "--address", "localhost:0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const killer = setTimeout(() => pool.kill("SIGKILL"), 240_000);
    let stderr = "";
    pool.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => pool.on("exit", (code) => resolve(code)));
    try {
      const endpoint = await new Promise<string>((resolve, reject) => {
        let out = "";
        pool.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /worker pool listening on (\S+)\n/.exec(out);
          if (m !== null) resolve(m[1]!);
        });
        pool.on("exit", () => reject(new Error(`worker-pool exited: ${stderr}`)));
      });
      const result = await convertTFRecordToArrayRecord({ input: path.join(dir, "cli-pool-*.tfrecord"), output: path.join(dir, "cli-pool.array_record"), numShards: 2, ...POOL, workerPoolEndpoint: endpoint });
      expect(result.counters).toMatchObject({ tfrecord_records_read: 1000, arrayrecord_records_written: 1000, arrayrecord_files_written: 2 });
      expect(result.workers?.environment).toBe("EXTERNAL");
      expect(multisetDigest(readOurs(result.files))).toEqual(multisetDigest(input));
      // The bundles ran in processes of that pool, not in this one.
      const started = [...stderr.matchAll(/: started pid (\d+)/g)].map((m) => Number(m[1]));
      expect(started.length).toBeGreaterThanOrEqual(1);
      expect(started).not.toContain(process.pid);
      // When the job ended, flinkRunner asked the pool to stop the job's workers: all gone within
      // 15 s (Beam alone would stop them after its 30 s environment cache, or never after failures).
      const deadline = Date.now() + 15_000;
      const exitedPids = () => new Set([...stderr.matchAll(/: pid (\d+) exited/g)].map((m) => Number(m[1])));
      while (Date.now() < deadline && !started.every((pid) => exitedPids().has(pid))) await new Promise((r) => setTimeout(r, 200));
      expect(started.filter((pid) => !exitedPids().has(pid))).toEqual([]);
      expect(stderr).toMatch(/run [0-9a-f-]{36} ended: stopping [1-9]\d* worker process\(es\)/);
      pool.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(killer);
      pool.kill("SIGKILL");
    }
  });

  it("Arrow → ArrayRecord: every batch once", async () => {
    const tables = [0, 1, 2, 3].map((b) => {
      const rows = Array.from({ length: 50 + b }, (_, i) => i);
      return new Table({
        id: vectorFromArray(rows.map((i) => 100 * b + i), new Int32()),
        score: vectorFromArray(rows.map((i) => i / 8), new Float64()),
        name: vectorFromArray(rows.map((i) => (i % 5 === 0 ? null : `b${b}-${i}`)), new Utf8()),
      });
    });
    const files = tables.map((t, i) => {
      const file = path.join(dir, `table-${i}.arrow`);
      fs.writeFileSync(file, tableToIPC(t, "file"));
      return file;
    });
    const result = await convertArrowToArrayRecord({ input: files, output: path.join(dir, "arrow.array_record"), numShards: 2, ...LOOPBACK });
    const want = tables.flatMap((t) => tableToBatchRecords(t));
    expect(result.counters["arrayrecord_records_written"]).toBe(want.length);
    expect(multisetDigest(readOurs(result.files))).toEqual(multisetDigest(want));
    expect(digestByGoogle(result.files)).toEqual(multisetDigest(want));
  });

  it("dataset generation on the pool equals the direct runner's", async () => {
    const options = { numExamples: 3000, examplesPerSplit: 250, numShards: 2, seed: 11 };
    const onFlink = await generateDataset({ ...options, output: path.join(dir, "gen-flink.array_record"), ...POOL });
    const direct = await generateDataset({ ...options, output: path.join(dir, "gen-direct.array_record") });
    expect(onFlink.counters["arrayrecord_records_written"]).toBe(3000);
    expect(multisetDigest(readOurs(onFlink.files))).toEqual(multisetDigest(readOurs(direct.files)));
    expect(multisetDigest(readOurs(onFlink.files)).records).toBe(3000);
  });

  it("the record-range source reads every record once on the pool, split into many ranges", async () => {
    const files = [0, 1, 2].map((i) => path.join(dir, `three.array_record-0000${i}-of-00003`));
    const want = digestOf(readOurs(files));
    const report = await runPipeline((root) => {
      digestRecords(root.apply(readFromArrayRecord(path.join(dir, "three.array_record-*"), { desiredSplitRecords: 250 })) as beam.PCollection<Uint8Array>, "readback");
    }, POOL);
    expect(want.records).toBe(6000);
    expect(report.counters["arrayrecord_records_read"]).toBe(6000);
    expect(digestFromCounters(report.counters, "readback")).toEqual(want);
  });

  it("a 16 MiB record passes through a Flink pipeline (pool and LOOPBACK)", async () => {
    const big = new Uint8Array(16 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >>> 12) & 0xff;
    const input = [new TextEncoder().encode("small-0"), big, new TextEncoder().encode("small-1")];
    const { TFRecordWriter } = await import("../../src/format/tfrecord/index.js");
    const writer = new TFRecordWriter(path.join(dir, "big.tfrecord"));
    for (const r of input) writer.write(r);
    writer.close();
    for (const [name, choice] of [["pool", POOL], ["loopback", LOOPBACK]] as const) {
      const result = await convertTFRecordToArrayRecord({ input: path.join(dir, "big.tfrecord"), output: path.join(dir, `big-${name}.array_record`), numShards: 1, ...choice });
      expect(result.counters["arrayrecord_records_written"]).toBe(3);
      expect(multisetDigest(readOurs(result.files))).toEqual(multisetDigest(input));
    }
  });

  it("a DoFn that fails its first attempt: Flink's retry leaves every shard complete, no duplicates, no temp files", async () => {
    const input = writeTFRecordInputs(dir, "retry", 2, 500, 200);
    const marker = path.join(dir, "retry.failed-once");
    const out = path.join(dir, "retry");
    fs.mkdirSync(out);
    const report = await runPipeline((root) => {
      const records = root.apply(readFromTFRecord(path.join(dir, "retry-*.tfrecord"))) as beam.PCollection<Uint8Array>;
      writeShards(parDoWithCoder(records, "failOnce", new FailOnceDoFn(marker), recordCoder()), { output: path.join(out, "retry.array_record"), numShards: 3 });
    }, { ...LOOPBACK, retries: 2 });
    expect(fs.existsSync(marker)).toBe(true);
    expect(fs.readdirSync(out).sort()).toEqual([0, 1, 2].map((i) => `retry.array_record-0000${i}-of-00003`));
    const files = fs.readdirSync(out).map((f) => path.join(out, f));
    expect(multisetDigest(readOurs(files))).toEqual(multisetDigest(input));
    expect(report.counters["arrayrecord_files_written"]).toBe(3);
  });

  it("stall watchdog: a job stopped and resubmitted on a new job server still writes every shard complete, each record once", async () => {
    // One worker process, killed inside its first bundle that received data: until the dead
    // worker's environment expires (5 s) no worker of the job does anything, so a watchdog of
    // 1.5 s treats the healthy recovery as a stall. That exercises the real path: CancelJob, the
    // shared job server replaced, the whole job submitted again into the same output.
    const input = writeTFRecordInputs(dir, "stall", 2, 1500, 300);
    const out = path.join(dir, "stall");
    fs.mkdirSync(out);
    const pool = await WorkerPool.start();
    try {
      const before = await sharedFlinkJobServer();
      const runner = flinkRunner({ parallelism: 1, workerProcesses: 1, workerPoolEndpoint: pool.endpoint, retries: 20, pipelineOptions: { environmentExpirationMillis: 5000 }, stallWatchdog: { stallMs: 1500, resubmits: 1 } });
      const result = (await runner.runAsync((root) => {
        root.apply(readFromTFRecord(path.join(dir, "stall-*.tfrecord"))).apply(writeToArrayRecord(path.join(out, "stall.array_record"), { numShards: 3 }));
      })) as FlinkPipelineResult;
      const watch = { done: false, killed: 0 };
      const killer = (async () => {
        while (!watch.done && watch.killed === 0) {
          const victim = pool.inBundleReceivedDataWorkerPids[0];
          if (victim !== undefined) {
            process.kill(victim, "SIGKILL");
            watch.killed = victim;
          }
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const state = await result.waitUntilFinish(240_000);
      watch.done = true;
      await killer;
      expect(watch.killed).toBeGreaterThan(0);
      expect(state).toBe(JobState_Enum.DONE);
      expect(result.stalls).toHaveLength(1);
      expect(result.stalls[0]!.deadWorkers).toBe(1);
      expect((await sharedFlinkJobServer()).pid).not.toBe(before.pid);
      expect(fs.readdirSync(out).sort()).toEqual([0, 1, 2].map((i) => `stall.array_record-0000${i}-of-00003`));
      const files = fs.readdirSync(out).map((f) => path.join(out, f));
      expect(multisetDigest(readOurs(files))).toEqual(multisetDigest(input));
      expect(leftoverTemps(out)).toEqual([]);
    } finally {
      await pool.stop();
    }
  });
});
