/**
 * `npm run bench:engines` (not in CI): TFRecord → ArrayRecord (zstd:3, 4 shards) on the direct
 * runner, on Flink with LOOPBACK, and on Flink with the external worker pool at 1 and 2 processes.
 * Job start-up is measured apart: each configuration first runs the tiny input once to warm up
 * (class loading, JIT; discarded), then converts the tiny input (`--small` records) and the full
 * one; start-up ≈ the tiny run's time, steady state = (full − tiny records) / (full − tiny
 * seconds), "n/a" when the full run was not slower (noise larger than the work: use more records).
 * One Flink job server serves every run (its own start is reported once).
 *
 *   npm run bench:engines                                  # 1,000,000 records of 1 KB
 *   npm run bench:engines -- --records 200000 --only pool2,direct
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import "../src/beam.js";
import { convertTFRecordToArrayRecord } from "../src/pipelines/tfrecord-to-arrayrecord.js";
import type { RunnerChoice } from "../src/pipelines/run.js";
import { sharedFlinkJobServer, stopSharedFlinkJobServer } from "../src/runners/flink-job-server.js";
import { TFRecordWriter } from "../src/format/tfrecord/index.js";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    small: { type: "string", default: "2000" },
    size: { type: "string", default: "1024" },
    files: { type: "string", default: "8" },
    parallelism: { type: "string", default: "2" },
    only: { type: "string" },
  },
});
const records = Number(values.records);
const small = Number(values.small);
const size = Number(values.size);
const files = Number(values.files);
const parallelism = Number(values.parallelism);

const CONFIGS: Record<string, RunnerChoice> = {
  direct: { runner: "direct" },
  loopback: { runner: "flink", parallelism },
  pool1: { runner: "flink", parallelism, workerProcesses: 1 },
  pool2: { runner: "flink", parallelism, workerProcesses: 2 },
};
const chosen = values.only ? values.only.split(",") : Object.keys(CONFIGS);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-bench-engines-"));

/** `n` records of `size` bytes (a varying pattern, so zstd has work to do) in `files` TFRecord files named `name-*`. */
function writeInput(name: string, n: number): string {
  const per = Math.ceil(n / files);
  let written = 0;
  for (let f = 0; f < files && written < n; f++) {
    const writer = new TFRecordWriter(path.join(dir, `${name}-${f}.tfrecord`));
    for (let j = 0; j < per && written < n; j++, written++) {
      const record = Buffer.alloc(size);
      record.write(`record ${written} `);
      for (let i = 16; i < size; i += 8) record.writeUInt32LE((written * 2654435761 + i * 40503) >>> 0, i);
      writer.write(record);
    }
    writer.close();
  }
  return path.join(dir, `${name}-*.tfrecord`);
}

async function convert(input: string, name: string, choice: RunnerChoice): Promise<number> {
  const result = await convertTFRecordToArrayRecord({ input, output: path.join(dir, `${name}.array_record`), numShards: 4, writerOptions: "group_size:64,zstd:3", ...choice });
  const written = result.counters["arrayrecord_records_written"];
  if (written === undefined || written % 2 ** 32 !== (input.includes("small") ? small : records) % 2 ** 32) throw new Error(`${name}: ${written} records written`);
  for (const file of result.files) fs.rmSync(file);
  return result.seconds;
}

try {
  console.log(`input: ${records} records of ${size} B in ${files} TFRecord files; tiny run ${small} records; Flink parallelism ${parallelism}`);
  const tiny = writeInput("small", small);
  const full = writeInput("full", records);
  if (chosen.some((c) => c !== "direct")) {
    const t = performance.now();
    const server = await sharedFlinkJobServer();
    console.log(`Flink job server start: ${((performance.now() - t) / 1000).toFixed(1)} s (pid ${server.pid})`);
  }
  console.log("config    start-up s  full run s  steady records/s");
  for (const name of chosen) {
    const choice = CONFIGS[name];
    if (choice === undefined) throw new Error(`unknown config ${name}; use ${Object.keys(CONFIGS).join(", ")}`);
    await convert(tiny, `${name}-warmup`, choice);
    const startup = await convert(tiny, `${name}-small`, choice);
    const total = await convert(full, `${name}-full`, choice);
    const steady = total > startup ? Math.round((records - small) / (total - startup)).toString() : "n/a";
    console.log(`${name.padEnd(9)} ${startup.toFixed(1).padStart(10)}  ${total.toFixed(1).padStart(10)}  ${steady.padStart(16)}`);
  }
} finally {
  await stopSharedFlinkJobServer();
  fs.rmSync(dir, { recursive: true, force: true });
}
