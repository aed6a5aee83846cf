/**
 * The format benchmark: 65,536 records of `text(seed=1234, n=65536, lo=1200, hi=1400)` (the golden
 * generator), for group_size 1 and 256 with uncompressed, zstd:3, snappy and brotli:3. Prints
 * write, sequential read, random read(i), batched read(indices), file size and open time.
 *
 *   npm run bench                   # table
 *   npm run bench -- --json         # JSON
 *   npm run bench -- --runs 5 --records 16384 --configs gs1-zstd:3,gs256-uncompressed
 *
 * "parallel" is readAllParallel(2): chunks verified and decompressed on 2 worker threads.
 * Random and batched reads with group_size > 1 time the first 2048 indices of the permutation
 * (each random record there costs a whole chunk). Write includes fsync and the atomic rename.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ArrayRecordReader, ArrayRecordWriter } from "../src/index.js";
import { textRecords } from "../test/helpers/generators.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
    records: { type: "string", default: "65536" },
    configs: { type: "string" },
    dir: { type: "string" },
  },
});

const ALL_CONFIGS = ["uncompressed", "zstd:3", "snappy", "brotli:3"].flatMap((c) => [1, 256].map((g) => ({ name: `gs${g}-${c}`, options: `group_size:${g},${c}` })));
const configs = values.configs ? ALL_CONFIGS.filter((c) => values.configs!.split(",").includes(c.name)) : ALL_CONFIGS;
const runs = Number(values.runs);
const n = Number(values.records);
const records = textRecords(1234, n, 1200, 1400);
const totalBytes = records.reduce((s, r) => s + r.length, 0);
const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-bench-"));

/** Median of `runs` timings of `fn`, in seconds. */
function median(fn: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function permutation(count: number, seed: number): number[] {
  const out = Array.from({ length: count }, (_, i) => i);
  let s = seed;
  for (let i = count - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** {@link median} for async work. */
async function medianAsync(fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const order = permutation(n, 42);
const rows = [];
for (const { name, options } of configs) {
  const file = path.join(dir, `${name}.array_record`);
  const write = median(() => {
    fs.rmSync(file, { force: true }); // measure writing, not the unlinking of the last run's file
    const writer = ArrayRecordWriter.openSync(file, options);
    for (const record of records) writer.writeSync(record);
    writer.closeSync();
  });
  const open = median(() => ArrayRecordReader.openSync(file).closeSync());
  const reader = ArrayRecordReader.openSync(file);
  let sink = 0;
  const sequential = median(() => {
    for (const record of reader.records()) sink += record.length;
  });
  // With large groups a random record costs a whole chunk: time a sample of the permutation.
  const sample = reader.groupSize > 1 ? order.slice(0, Math.min(n, 2048)) : order;
  const random = median(() => {
    for (const i of sample) sink += reader.readSync(i).length;
  });
  const batch = median(() => {
    for (let k = 0; k < sample.length; k += 256) for (const r of reader.readSync(sample.slice(k, k + 256))) sink += r.length;
  });
  const parallel = await medianAsync(async () => {
    for (const record of await reader.readAllParallel(2)) sink += record.length;
  });
  reader.closeSync();
  if (sink === 0) throw new Error("nothing read");
  const rate = (seconds: number, count = n) => ({ recordsPerSecond: Math.round(count / seconds), mbPerSecond: Math.round((totalBytes * count) / n / seconds / 1e6) });
  rows.push({
    config: name,
    write: rate(write),
    sequentialRead: rate(sequential),
    randomRead: rate(random, sample.length),
    batchRead: rate(batch, sample.length),
    parallelRead: rate(parallel),
    fileSize: fs.statSync(file).size,
    openMs: Math.round(open * 1e6) / 1e3,
  });
}
if (!values.dir) fs.rmSync(dir, { recursive: true, force: true });

if (values.json) {
  console.log(JSON.stringify({ records: n, recordBytes: totalBytes, runs, node: process.version, results: rows }));
} else {
  const k = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${Math.round(x / 1e3)}k`);
  console.log(`${n} records, ${(totalBytes / 1e6).toFixed(1)} MB, median of ${runs} runs, ${process.version}`);
  console.log("config              write rec/s (MB/s)   seq read           random read(i)     batch read(idx)    parallel (2 wk)    file MB   open ms");
  for (const r of rows) {
    const cell = (m: { recordsPerSecond: number; mbPerSecond: number }) => `${k(m.recordsPerSecond)} (${m.mbPerSecond})`.padEnd(19);
    console.log(
      `${r.config.padEnd(20)}${cell(r.write)}  ${cell(r.sequentialRead)}${cell(r.randomRead)}${cell(r.batchRead)}${cell(r.parallelRead)}${(r.fileSize / 1e6).toFixed(1).padStart(7)}   ${r.openMs}`,
    );
  }
}
