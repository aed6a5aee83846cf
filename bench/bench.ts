/**
 * The format benchmark, matched to the C++ bench the issue-14 table quotes: 65,536 records of
 * `text(seed=1234, n=65536, lo=1200, hi=1400)` (the golden generator), per option set:
 *
 * - `write`: ArrayRecordWriter without fsync (`fsync: false`; C++'s bench does not fsync);
 * - `write_durable`: the default writer, fsync of file and directory plus the atomic rename;
 * - `write2`: `write` with `max_parallelism:2` appended to the options;
 * - `open`: opening a reader (postscript, footer, index);
 * - `sequential`: every record in order through `reader.records()`;
 * - `random`: `readSync(i)` over the sample, one index at a time;
 * - `random_async` (only when named in `--ops`): `await read(i)` over the sample, one at a time;
 * - `batch`: ONE `readSync(sample)` call over the whole sample, on this thread (the readers are
 *   opened with `max_parallelism:1`: the issue's single-threaded column);
 * - `batch2`: ONE `readParallel(sample, 2)` call (the batch, decoded on 2 workers);
 * - `parallel2`: `readAllParallel(2)`;
 * - `sequential_borrowed`: every record in order through `forEachSync` (records borrowed: valid
 *   only in the callback, as C++'s `string_view`s; nothing kept);
 * - `batch_borrowed`: ONE `forEachAtSync(sample, visit)` call (the batch, records borrowed);
 * - `parallel2_borrowed`: `forEachParallel(visit, 0, n, 2)` (records borrowed: decoded on 2
 *   workers into reused shared memory);
 * - `batch2_borrowed`: ONE `forEachAtParallel(sample, visit, 2)` call;
 * - `getitems`: ONE `ArrayRecordDataSource.getManySync(sample)` call on a fresh one-file data
 *   source with the default options (the Grain-style batched read; the wheel's
 *   `ArrayRecordDataSource.__getitems__`, on its default pool): spans that decode to enough go
 *   to the decode workers while this thread waits (array-record/batch-workers.ts);
 * - `getitems_async` (only when named in `--ops`): ONE `await source.getMany(sample)`, the same
 *   split, this thread free meanwhile;
 * - `getitems_shards`: `getitems` over the same records written as 16 shards of 4,096 (a
 *   fresh data source over all 16 each run: each run opens the shards it touches), the sample's
 *   indices global, as a Grain data set of several files is read.
 *
 * The sample is a fixed seeded permutation of all records (group_size 1) or its first 2,048
 * entries (larger groups, where every random record costs a whole chunk). Every timed run opens a
 * fresh reader (no chunk cache across runs); every read verifies the chunks' hashes. Each cell is
 * the median of `--runs` runs (default 5) after `--warmup` untimed runs (default 1: the JIT's
 * first pass is not what a long-running job sees; bench:python warms up the same way); `--json` prints one object per line:
 * `{"options", "op", "records_per_s", "mb_per_s", "runs", "spread"}` where spread = (max−min)/median.
 *
 *   npm run bench                                   # table
 *   npm run bench -- --json                         # JSON lines
 *   npm run bench -- --only "group_size:1,zstd:3"   # one option set (repeatable flag)
 *   npm run bench -- --mmap --ops sequential,random,batch,batch2,parallel2   # readers opened with { mmap: true }
 *
 * With `--mmap` every reader maps its file (the opt-in `MappedByteSource`) and each JSON line
 * carries `"mmap": true`, so these figures are never mistaken for the default path's.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { scriptArgs } from "./script-args.js";
import { ArrayRecordDataSource, ArrayRecordReader, ArrayRecordWriter } from "../src/index.js";
import { benchData, OPTION_SETS, type BenchData } from "./bench-data.js";

const { values } = scriptArgs("npm run bench --", {
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    records: { type: "string", default: "65536" },
    only: { type: "string", multiple: true },
    ops: { type: "string" },
    dir: { type: "string" },
    mmap: { type: "boolean", default: false },
  },
});

const runs = Number(values.runs);
const warmup = Number(values.warmup);
const optionSets = values.only ?? OPTION_SETS;
const ops = new Set((values.ops ?? "write,write_durable,write2,open,sequential,random,batch,batch2,parallel2,sequential_borrowed,batch_borrowed,batch2_borrowed,parallel2_borrowed,getitems,getitems_shards").split(","));
const data: BenchData = benchData(Number(values.records));
/** Shards of `getitems_shards`. */
const SHARDS = 16;
const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-bench-"));

/** One measured cell: the median and the spread of `runs` timings. */
interface Cell {
  options: string;
  op: string;
  records_per_s: number;
  mb_per_s: number;
  runs: number;
  spread: number;
  /** Median milliseconds (open only: its records_per_s is records indexed per second). */
  ms?: number;
}

/** Times `fn` `runs` times after `--warmup` untimed runs (with `setup` before each, untimed); seconds, sorted. */
async function timings(fn: () => unknown, setup: () => void = () => {}): Promise<number[]> {
  // Each op starts on a collected heap (run with --expose-gc, as `npm run bench` does): the garbage
  // of the op before (85 MB of records kept by a batch) is not collected on this op's time. Its own
  // garbage, from one run to the next, is.
  (globalThis as { gc?: () => void }).gc?.();
  for (let r = 0; r < warmup; r++) {
    setup();
    await fn();
  }
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    setup();
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return times.sort((a, b) => a - b);
}

function cell(options: string, op: string, times: number[], records: number, bytes: number): Cell {
  const median = times[Math.floor(times.length / 2)]!;
  return {
    options,
    op,
    records_per_s: Math.round(records / median),
    mb_per_s: Math.round(bytes / median / 1e5) / 10,
    runs: times.length,
    spread: Math.round(((times[times.length - 1]! - times[0]!) / median) * 100) / 100,
    ...(op === "open" ? { ms: Math.round(median * 1e6) / 1e3 } : {}),
  };
}

function writeFile(file: string, options: string, durable: boolean): void {
  // Timed, as the wheel's bench times its os.remove: each write starts with the last run's file
  // removed (8–10 ms of the ~140 ms group_size:1 uncompressed write here), not renamed over.
  fs.rmSync(file, { force: true });
  const writer = ArrayRecordWriter.openSync(file, options, { fsync: durable });
  for (const record of data.records) writer.writeSync(record);
  writer.closeSync();
}

// Not `{ mmap: false }`: that turns off the default's mapped small reads too.
const openMode = values.mmap ? { mmap: true } : {};
const cells: Cell[] = [];
const emit = (c: Cell): void => {
  cells.push(c);
  if (values.json) console.log(JSON.stringify(values.mmap ? { ...c, mmap: true } : c));
};
let sink = 0;
for (const options of optionSets) {
  const file = path.join(dir, `${options.replace(/[^a-z0-9]+/gi, "_")}.array_record`);
  const all = data.records.length;
  const { totalBytes } = data;
  if (ops.has("write")) emit(cell(options, "write", await timings(() => writeFile(file, options, false)), all, totalBytes));
  if (ops.has("write_durable")) emit(cell(options, "write_durable", await timings(() => writeFile(file, options, true)), all, totalBytes));
  if (ops.has("write2")) emit(cell(options, "write2", await timings(() => writeFile(file, `${options},max_parallelism:2`, false)), all, totalBytes));
  // The file the read ops use is fsynced: its dirty pages written back during a timed read would
  // disturb it (gs256 sequential ran 0.94-1.8M records/s from run to run without this).
  writeFile(file, options, true);
  if (ops.has("open")) emit(cell(options, "open", await timings(() => ArrayRecordReader.openSync(file, "", openMode).closeSync()), all, totalBytes));

  let reader: ArrayRecordReader | undefined;
  const fresh = (): void => {
    reader?.closeSync();
    // One thread for the single-threaded ops (`batch`: readSync(indices) would otherwise decode
    // large spans on the workers); the parallel ops name their workers.
    reader = ArrayRecordReader.openSync(file, "max_parallelism:1", openMode);
  };
  const sample = data.sampleFor(options);
  const sampleBytes = sample.reduce((s, i) => s + data.records[i]!.length, 0);
  if (ops.has("sequential")) {
    const t = await timings(() => {
      for (const record of reader!.records()) sink += record.length;
    }, fresh);
    emit(cell(options, "sequential", t, all, totalBytes));
  }
  if (ops.has("random")) {
    const t = await timings(() => {
      for (const i of sample) sink += reader!.readSync(i).length;
    }, fresh);
    emit(cell(options, "random", t, sample.length, sampleBytes));
  }
  if (ops.has("random_async")) {
    const t = await timings(async () => {
      for (const i of sample) sink += ((await reader!.read(i)) as Uint8Array).length;
    }, fresh);
    emit(cell(options, "random_async", t, sample.length, sampleBytes));
  }
  if (ops.has("batch")) {
    const t = await timings(() => {
      for (const record of reader!.readSync(sample)) sink += record.length;
    }, fresh);
    emit(cell(options, "batch", t, sample.length, sampleBytes));
  }
  if (ops.has("batch2")) {
    const t = await timings(async () => {
      for (const record of await reader!.readParallel(sample, 2)) sink += record.length;
    }, fresh);
    emit(cell(options, "batch2", t, sample.length, sampleBytes));
  }
  if (ops.has("parallel2")) {
    const t = await timings(async () => {
      for (const record of await reader!.readAllParallel(2)) sink += record.length;
    }, fresh);
    emit(cell(options, "parallel2", t, all, totalBytes));
  }
  if (ops.has("sequential_borrowed")) {
    const t = await timings(() => reader!.forEachSync((record) => (sink += record.length)), fresh);
    emit(cell(options, "sequential_borrowed", t, all, totalBytes));
  }
  if (ops.has("batch_borrowed")) {
    const t = await timings(() => reader!.forEachAtSync(sample, (record) => (sink += record.length)), fresh);
    emit(cell(options, "batch_borrowed", t, sample.length, sampleBytes));
  }
  if (ops.has("batch2_borrowed")) {
    const t = await timings(() => reader!.forEachAtParallel(sample, (record) => (sink += record.length), 2), fresh);
    emit(cell(options, "batch2_borrowed", t, sample.length, sampleBytes));
  }
  if (ops.has("parallel2_borrowed")) {
    const t = await timings(() => reader!.forEachParallel((record) => (sink += record.length), 0, all, 2), fresh);
    emit(cell(options, "parallel2_borrowed", t, all, totalBytes));
  }
  reader?.closeSync();
  // The data source's batch, sync and async, each run on a fresh one-file source.
  const getItems: [string, (source: ArrayRecordDataSource) => Uint8Array[] | Promise<Uint8Array[]>][] = [
    ["getitems", (source) => source.getManySync(sample)],
    ["getitems_async", (source) => source.getMany(sample)],
    ["getitems_shards", (source) => source.getManySync(sample)],
  ];
  for (const [op, get] of getItems) {
    if (!ops.has(op)) continue;
    const files = op === "getitems_shards" ? writeShards(file, options) : [file];
    let source: ArrayRecordDataSource | undefined;
    const freshSource = (): void => {
      source?.closeSync();
      source = ArrayRecordDataSource.openSync(files, "", openMode);
    };
    const t = await timings(async () => {
      for (const record of await get(source!)) sink += record.length;
    }, freshSource);
    source?.closeSync();
    if (files.length > 1) for (const shard of files) fs.rmSync(shard);
    emit(cell(options, op, t, sample.length, sampleBytes));
  }
}

/** The bench records as {@link SHARDS} shards beside `file` (each durable, as the read file is; the last takes any remainder); their paths in order. */
function writeShards(file: string, options: string): string[] {
  const per = Math.floor(data.records.length / SHARDS);
  return Array.from({ length: SHARDS }, (_, k) => {
    const shard = `${file}-${String(k).padStart(5, "0")}-of-${String(SHARDS).padStart(5, "0")}`;
    const writer = ArrayRecordWriter.openSync(shard, options);
    const end = k === SHARDS - 1 ? data.records.length : (k + 1) * per;
    for (let i = k * per; i < end; i++) writer.writeSync(data.records[i]!);
    writer.closeSync();
    return shard;
  });
}
if (!values.dir) fs.rmSync(dir, { recursive: true, force: true });
if (sink === 0 && ops.size > 0 && [...ops].some((op) => !op.startsWith("write") && op !== "open")) throw new Error("nothing read");

if (!values.json) {
  const k = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${Math.round(x / 1e3)}k`);
  console.log(`${data.records.length} records, ${(data.totalBytes / 1e6).toFixed(1)} MB, median of ${runs} runs, ${process.version}${values.mmap ? ", readers mapped (--mmap)" : ""}; cells: records/s (spread)`);
  const columns = [...ops];
  console.log(["options".padEnd(30), ...columns.map((c) => c.padEnd(16))].join(""));
  for (const options of optionSets) {
    const row = columns.map((op) => {
      const c = cells.find((x) => x.options === options && x.op === op);
      return (c ? `${k(c.records_per_s)} (${c.spread})` : "-").padEnd(16);
    });
    console.log([options.padEnd(30), ...row].join(""));
  }
}
