/**
 * Child process of data-source.test.ts: a data set of SHARDS shard files read through
 * ArrayRecordDataSource, sync and async, under whatever open-file limit the parent set
 * (`ulimit -n 256`). Prints one JSON line: counts, checks, and heap bytes per open shard.
 *
 * Usage: node --expose-gc --import tsx many-shards.child.ts DIR SHARDS
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ArrayRecordDataSource } from "../../../src/format/array-record/data-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";

const [dir, shardsArg] = process.argv.slice(2);
const SHARDS = Number(shardsArg);
const BASES = 10;
const text = (r: Uint8Array) => Buffer.from(r).toString();

// Ten distinct files (base k holds k + 1 records, 2 per chunk); shard s is a hard link to base s % 10,
// so 3,000 shards take 10 files of disk while each shard is its own path and its own descriptor.
const baseRecords = (k: number) => Array.from({ length: k + 1 }, (_, i) => `base${k}:${i}`);
for (let k = 0; k < BASES; k++) fs.writeFileSync(path.join(dir, `base-${k}`), encodeArrayRecord(baseRecords(k), "group_size:2,zstd:1"));
const paths: string[] = [];
for (let s = 0; s < SHARDS; s++) {
  const p = path.join(dir, `data.array_record-${String(s).padStart(5, "0")}-of-${String(SHARDS).padStart(5, "0")}`);
  fs.linkSync(path.join(dir, `base-${s % BASES}`), p);
  paths.push(p);
}
const expected = paths.flatMap((_, s) => baseRecords(s % BASES));

/** A fixed-seed permutation (xorshift32). */
function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
const order = shuffled(expected.length, 12345);
const sameAsExpected = (got: Uint8Array[], indices: number[]) => got.length === indices.length && got.every((r, k) => text(r) === expected[indices[k]!]);

// Memory a data source keeps per shard: its footer index (and name), measured with its files
// closed so the 32 open readers' buffers do not count.
const gc = (globalThis as { gc?: () => void }).gc!;
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const before = used();
const measured = ArrayRecordDataSource.openSync(paths, "", { maxOpenFiles: 32 });
measured.closeSync();
const heapBytesPerShard = Math.round((used() - before) / SHARDS);
if (measured.length !== expected.length) throw new Error("the measured data source lost records");

const sync = ArrayRecordDataSource.openSync(paths, "", { maxOpenFiles: 32 });
const result: Record<string, unknown> = {
  shards: sync.files.length,
  length: sync.length,
  heapBytesPerShard,
  syncOpenAfterOpen: sync.openFiles,
  syncGetMany: sameAsExpected(sync.getManySync(order), order),
  syncGet: order.slice(0, 2000).every((i) => text(sync.getSync(i)) === expected[i]),
  syncIterate: [...sync].map(text).join("\n") === expected.join("\n"),
  syncOpenAfterReads: sync.openFiles,
};
sync.closeSync();

const source = await ArrayRecordDataSource.open(paths, "", { maxOpenFiles: 32 });
result.asyncLength = source.length;
result.asyncOpenAfterOpen = source.openFiles;
result.asyncGetMany = sameAsExpected(await source.getMany(order), order);
const some = order.slice(0, 2000);
result.asyncGet = (await Promise.all(some.map((i) => source.get(i)))).every((r, k) => text(r) === expected[some[k]!]);
const streamed: string[] = [];
for await (const r of source) streamed.push(text(r));
result.asyncIterate = streamed.join("\n") === expected.join("\n");
result.asyncOpenAfterReads = source.openFiles;
await source.close();
console.log(JSON.stringify(result));
