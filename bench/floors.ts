/**
 * Floors: the least time the cells of issue 14's table that stay below C++ could take in this
 * runtime on this machine, from the parts no implementation of them can skip, each measured alone
 * in this process on the bench data (65,536 records of `text(1234, 65536, 1200, 1400)`):
 *
 * - `views`: making and keeping 65,536 `Uint8Array` record views over 85 MB of fresh 1 MiB
 *   buffers (never touched: no page is faulted in). What returning records of their own costs
 *   before any byte is read: the objects and the GC that carries them.
 * - `pread reused` / `pread fresh` / `pread dropped`: the file read with `pread` (our addon)
 *   through one reused 1 MiB buffer, into fresh 1 MiB buffers kept for the pass (records of their
 *   own need that), or into fresh ones each dropped after its read (a loop over records of their own).
 * - `views dropped`: the same views, each dropped at once (what a loop or a borrowed visit makes).
 * - `hash`: every chunk's HighwayHash-64 with our AVX2 addon: the chunks inside one block (all of
 *   group_size:1's but one in ~50), header and data, in one `verifyChunks` call; those crossing a
 *   block header (group_size:256's 333 KB chunks) one native call each.
 * - `pread+hash on 2 threads`: two threads (as the decode workers) each reading and hashing half of
 *   the group_size:256 file span by span into a ring of 4 shared slots, with our reader's 1 MiB
 *   spans and with spans of one chunk (which stay in a core's cache between the read and the hash).
 *
 * Each cell's floor adds the parts its work needs (on two cores: their sum over two, never less
 * than what the calling thread alone must do; the borrowed parallel visit: the faster two-thread
 * read plus half the views) and is set beside C++'s time for the pass (issue 14's records/s). A
 * floor above C++'s time means the cell cannot reach 1.0× here whatever the code, before the work
 * the parts leave out (visits, dispatch, parsing). The zstd cells are not here: their floor is
 * libzstd's own time, which C++ pays too (README, "What bounds").
 *
 *   npm run bench:floors -- --runs 9      # table
 *   npm run bench:floors -- --json        # one JSON object per cell
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { ArrayRecordReader, ArrayRecordWriter } from "../src/index.js";
import { fileIoAddon } from "../src/format/bytes/native-file-io.js";
import { ownedBytes } from "../src/format/bytes/slab.js";
import { addon as chunkHash, KEY } from "../src/format/riegeli/chunkhash-addon.js";
import { benchData } from "./bench-data.js";
import type { FloorsReadRequest } from "./floors-worker.js";
import { scriptArgs } from "./script-args.js";
import { median } from "./stats.js";

const { values } = scriptArgs("npm run bench:floors --", {
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string", default: "9" },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a positive integer, got ${values.runs}`);
if (fileIoAddon === null || chunkHash === null) throw new Error("bench:floors needs the native/fileio and native/chunkhash addons (npm ci builds them)");
const pread = fileIoAddon;
const hashAddon = chunkHash;

const RECORDS = 65536;
const BUFFER = 1 << 20;

/** Median ms of `runs` timed passes of `pass` after one untimed one; what a pass returns is kept until the next (as a caller holds a result). */
function timed(pass: () => unknown): number {
  let kept = pass();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    kept = pass();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  void kept;
  return median(ms);
}

/** 65,536 views of ~1,300 bytes over fresh 1 MiB buffers, kept in the array returned, or (`keep` false) each dropped at once as a loop over records drops it. */
function views(keep: boolean): Uint8Array[] {
  const out: Uint8Array[] = new Array(keep ? RECORDS : 1);
  let buffer = ownedBytes(BUFFER).buffer;
  let at = 0;
  for (let i = 0; i < RECORDS; i++) {
    if (at + 1300 > BUFFER) [buffer, at] = [ownedBytes(BUFFER).buffer, 0];
    out[keep ? i : 0] = new Uint8Array(buffer, at, 1300);
    at += 1300;
  }
  return out;
}

/** The whole file read with pread through `next()`'s buffers. */
function readFile(fd: number, size: number, next: () => Uint8Array, keep: boolean): Uint8Array[] {
  const kept: Uint8Array[] = [];
  for (let position = 0; position < size; position += BUFFER) {
    const buffer = next();
    pread.preadInto(fd, buffer, position);
    if (keep) kept.push(buffer);
  }
  return kept;
}

/** The file `options` writes with the bench records, in a scratch directory. */
function writeFile(directory: string, options: string, records: readonly Uint8Array[]): string {
  const file = path.join(directory, `${options.replace(/[^a-z0-9]+/gi, "_")}.array_record`);
  const writer = ArrayRecordWriter.openSync(file, options, { fsync: false });
  for (const record of records) writer.writeSync(record);
  writer.closeSync();
  return file;
}

/** Times of the parts for one file: pread reused, fresh (kept for the pass, or dropped span by span) and the hash of every chunk. */
function fileParts(file: string): { preadReused: number; preadFresh: number; preadDropped: number; hash: number } {
  const reader = ArrayRecordReader.openSync(file, "max_parallelism:1");
  const { offsets } = reader.fileLayout.index;
  const bytes = new Uint8Array(fs.readFileSync(file));
  reader.closeSync();
  const fd = fs.openSync(file, "r");
  try {
    const reused = ownedBytes(BUFFER);
    const preadReused = timed(() => readFile(fd, bytes.length, () => reused, false));
    const preadFresh = timed(() => readFile(fd, bytes.length, () => ownedBytes(BUFFER), true));
    const preadDropped = timed(() => readFile(fd, bytes.length, () => ownedBytes(BUFFER), false));
    return { preadReused, preadFresh, preadDropped, hash: timed(() => hashChunks(bytes, offsets)) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Hashes every chunk: those inside one block (and their headers) in one verifyChunks call; those
 * that cross a block header (all of group_size:256's, one in ~50 of group_size:1's) one hash call
 * each over their bytes.
 */
function hashChunks(bytes: Uint8Array, offsets: Float64Array): number {
  const verified = new Uint8Array(offsets.length);
  hashAddon.verifyChunks(KEY, bytes, 0, offsets, offsets.length, verified);
  const out = new Uint8Array(8);
  for (let c = 0; c < offsets.length; c++) {
    if (verified[c] === 1) continue;
    const end = c + 1 < offsets.length ? offsets[c + 1]! : bytes.length;
    hashAddon.hash(KEY, bytes.subarray(offsets[c]!, end), out);
  }
  return offsets.length;
}

/**
 * The median ms of `runs` passes of two threads reading and hashing the file's two halves in
 * spans of `span` bytes, each thread through a ring of 4 span slots (the decode workers' spans in
 * flight), after one untimed pass.
 */
async function twoThreadRead(file: string, span: number): Promise<number> {
  const size = fs.statSync(file).size;
  const halves = [0, Math.floor(size / 2 / span) * span, size];
  const threads = [0, 1].map(() => new Worker(new URL("./floors-worker.js", import.meta.url), { workerData: file }));
  try {
    await Promise.all(threads.map((t) => new Promise((resolve) => t.once("online", resolve))));
    const pass = () => Promise.all(threads.map((t, k) => new Promise((resolve, reject) => {
      t.once("message", resolve);
      t.once("error", reject);
      const request: FloorsReadRequest = { from: halves[k]!, to: halves[k + 1]!, span, ring: 4 };
      t.postMessage(request);
    })));
    await pass();
    const ms: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = process.hrtime.bigint();
      await pass();
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return median(ms);
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

/** One cell: C++'s records/s (issue 14), the parts measured for it, and its floor from them. */
interface Cell {
  options: string;
  op: string;
  cppRecordsPerS: number;
  /** Part names and their ms. */
  parts: [string, number][];
  /** How the parts add up. */
  how: string;
  floor: number;
}

/** Parts done one after another on one thread. */
function oneThread(options: string, op: string, cppRecordsPerS: number, parts: [string, number][]): Cell {
  return { options, op, cppRecordsPerS, parts, how: "sum", floor: parts.reduce((s, [, ms]) => s + ms, 0) };
}

/** Parts spread over two cores, of which `serial` ms must run on the calling thread anyway. */
function twoCores(options: string, op: string, cppRecordsPerS: number, parts: [string, number][], serial: number): Cell {
  const total = parts.reduce((s, [, ms]) => s + ms, 0);
  return { options, op, cppRecordsPerS, parts, how: "sum / 2 cores, at least the views", floor: Math.max(total / 2, serial) };
}

const data = benchData(RECORDS);
const directory = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-floors-"));
try {
  const small = fileParts(writeFile(directory, "group_size:1,uncompressed", data.records));
  const largeFile = writeFile(directory, "group_size:256,uncompressed", data.records);
  const large = fileParts(largeFile);
  const viewsMs = timed(() => views(true));
  const droppedViewsMs = timed(() => views(false));
  const twoThreadsSpans = await twoThreadRead(largeFile, 1 << 20);
  const twoThreadsChunks = await twoThreadRead(largeFile, 333 << 10);
  const owned: [string, number][] = [["pread fresh", small.preadFresh], ["hash", small.hash], ["views", viewsMs]];
  const ownedLarge: [string, number][] = [["pread fresh", large.preadFresh], ["hash", large.hash], ["views", viewsMs]];
  const cells: Cell[] = [
    oneThread("group_size:1,uncompressed", "batch (owned; C++ on its pool)", 777e3, owned),
    twoCores("group_size:1,uncompressed", "readAllParallel(2) (owned)", 1177e3, owned, viewsMs),
    oneThread("group_size:256,uncompressed", "sequential (owned)", 2218e3, [["pread dropped", large.preadDropped], ["hash", large.hash], ["views dropped", droppedViewsMs]]),
    twoCores("group_size:256,uncompressed", "readAllParallel(2) (owned)", 7071e3, ownedLarge, viewsMs),
    {
      options: "group_size:256,uncompressed",
      op: "forEachParallel(2) (borrowed)",
      cppRecordsPerS: 7071e3,
      parts: [["pread+hash on 2 threads, 1 MiB spans", twoThreadsSpans], ["the same, 333 KiB spans", twoThreadsChunks], ["views dropped", droppedViewsMs]],
      how: "the faster 2-thread read + the views over 2 cores",
      floor: Math.min(twoThreadsSpans, twoThreadsChunks) + droppedViewsMs / 2,
    },
  ];
  if (values.json) {
    for (const { options, op, cppRecordsPerS, parts, how, floor } of cells) {
      const cppMs = (RECORDS / cppRecordsPerS) * 1e3;
      console.log(JSON.stringify({ options, op, cpp_ms: cppMs, floor_ms: floor, best_ratio: cppMs / floor, parts: Object.fromEntries(parts), how, runs }));
    }
  } else {
    console.log(`Floors of issue 14's cells below C++, medians of ${runs} passes, node ${process.version}`);
    console.log("options                      op                               C++ ms  floor ms  best ratio  parts (ms)");
    for (const { options, op, cppRecordsPerS, parts, how, floor } of cells) {
      const cppMs = (RECORDS / cppRecordsPerS) * 1e3;
      const named = parts.map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(", ");
      console.log(`${options.padEnd(29)}${op.padEnd(33)}${cppMs.toFixed(1).padStart(6)}${floor.toFixed(1).padStart(10)}${(cppMs / floor).toFixed(2).padStart(12)}  ${named} (${how})`);
    }
  }
} finally {
  fs.rmSync(directory, { recursive: true, force: true });
}
