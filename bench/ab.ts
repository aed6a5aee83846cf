/**
 * A/B of two compiled builds in ONE process, for read ops: reps alternate between the builds (so
 * machine load drifts over both alike), each rep on a fresh reader; prints the median CPU ms of the
 * process (all threads: the decode workers count), main-thread busy ms (event-loop utilization)
 * and wall ms of each. On a loaded machine compare CPU; wall there says little.
 *
 *   npx tsc -p tsconfig.bench.json && cp -r .bench-build /tmp/new      # the build to test
 *   git stash / checkout the old code; npx tsc -p tsconfig.bench.json && cp -r .bench-build /tmp/old
 *   node /tmp/new/bench/ab.js /tmp/old /tmp/new "group_size:256,uncompressed" batch 10
 *
 * Ops: sequential, random, batch (one readSync(sample)), batch2 (one readParallel(sample, 2); the
 * old build must have it), parallel2 (readAllParallel(2)), and the borrowed visits
 * sequential_borrowed, batch_borrowed, parallel2_borrowed, batch2_borrowed (forEachSync,
 * forEachAtSync, forEachParallel, forEachAtParallel; both builds must have them). A build directory written as DIR+mmap
 * opens its readers with `{ mmap: true }` (a build without the option ignores it), so
 * `ab.js .bench-build .bench-build+mmap OPTIONS random 10` compares positional reads with a mapping;
 * DIR+workers opens them with the default `max_parallelism` instead of 1, so
 * `ab.js .bench-build .bench-build+workers OPTIONS batch 10` compares a `readSync(indices)` on this
 * thread with one on the decode workers (batch-workers.ts). The bench file is written once per
 * option set under os.tmpdir()/arrayrecord-ab (with build B's writer) and kept for later runs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { benchData } from "./bench-data.js";
import type * as Index from "../src/index.js";
import { median } from "./stats.js";

const [dirA, dirB, options, op, repsArg = "10"] = process.argv.slice(2);
if (dirA === undefined || dirB === undefined || options === undefined || op === undefined) {
  throw new Error("usage: ab.js BUILD_A[+mmap][+workers] BUILD_B[+mmap][+workers] OPTIONS OP [REPS]");
}
const reps = Number(repsArg);
/** A build directory's flags: `DIR+mmap`, `DIR+workers`, `DIR+mmap+workers`. */
const flags = (dir: string) => new Set(dir.split("+").slice(1));
const load = async (dir: string) => (await import(pathToFileURL(path.resolve(dir.split("+")[0]!, "src", "index.js")).href)) as typeof Index;
const A = await load(dirA);
const B = await load(dirB);

const data = benchData(65536);
const dataDir = path.join(os.tmpdir(), "arrayrecord-ab");
fs.mkdirSync(dataDir, { recursive: true });
const file = path.join(dataDir, `${options.replace(/[^a-z0-9]+/gi, "_")}.array_record`);
if (!fs.existsSync(file)) {
  const writer = B.ArrayRecordWriter.openSync(file, options);
  for (const record of data.records) writer.writeSync(record);
  writer.closeSync();
}
const sample = data.sampleFor(options);

let sink = 0;
/** One rep: [process CPU ms, main-thread busy ms, wall ms]. */
async function once(lib: typeof Index, dirFlags: Set<string>): Promise<[number, number, number]> {
  // max_parallelism:1 unless +workers: `batch` stays a single-threaded readSync(indices); mmap: false would turn off the default's mapped small reads.
  const reader = lib.ArrayRecordReader.openSync(file, dirFlags.has("workers") ? "" : "max_parallelism:1", dirFlags.has("mmap") ? { mmap: true } : {});
  const c0 = process.cpuUsage();
  const e0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  if (op === "random") for (const i of sample) sink += reader.readSync(i).length;
  else if (op === "batch") for (const x of reader.readSync(sample)) sink += x.length;
  else if (op === "sequential") for (const x of reader.records()) sink += x.length;
  else if (op === "parallel2") for (const x of await reader.readAllParallel(2)) sink += x.length;
  else if (op === "batch2") for (const x of await reader.readParallel(sample, 2)) sink += x.length;
  else if (op === "sequential_borrowed") reader.forEachSync((x) => (sink += x.length));
  else if (op === "batch_borrowed") reader.forEachAtSync(sample, (x) => (sink += x.length));
  else if (op === "parallel2_borrowed") await reader.forEachParallel((x) => (sink += x.length), 0, reader.numRecords, 2);
  else if (op === "batch2_borrowed") await reader.forEachAtParallel(sample, (x) => (sink += x.length), 2);
  else throw new Error(`unknown op ${op}`);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const e = performance.eventLoopUtilization(e0);
  reader.closeSync();
  return [(c.user + c.system) / 1000, e.active, wall];
}

const runs = { A: [[], [], []] as number[][], B: [[], [], []] as number[][] };
for (let r = 0; r < reps + 1; r++) {
  const pair: ["A" | "B", typeof Index][] = r % 2 ? [["A", A], ["B", B]] : [["B", B], ["A", A]];
  for (const [k, lib] of pair) {
    const got = await once(lib, flags(k === "A" ? dirA : dirB));
    if (r > 0) got.forEach((v, i) => runs[k][i]!.push(v)); // the first rep of each warms up
  }
}
if (sink === 0) throw new Error("nothing read");
const med = (x: number[]): number => Math.round(median(x));
const show = (k: "A" | "B", dir: string) => `${k} ${dir}: cpu ${med(runs[k][0]!)} main ${med(runs[k][1]!)} wall ${med(runs[k][2]!)}`;
console.log(`${options} ${op}, median ms of ${reps} reps each: ${show("A", dirA)} | ${show("B", dirB)}`);
