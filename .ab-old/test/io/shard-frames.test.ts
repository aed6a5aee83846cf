/**
 * Shard frames (src/io/shard-frames.ts) and the sink's pre-encoded path: full groups encoded in the
 * bundle stage, leftovers gathered by the shard's writer. Node only (the DoFns are driven by hand,
 * bundle by bundle, as a runner would).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { GlobalWindow } from "apache-beam/values";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { EncodedChunk, GroupChunkEncoder } from "../../src/format/array-record/encoded-chunks.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { FRAME_CHUNKS, FRAME_RECORDS, frameItems, packFrame, pendingBudget, ShardFrameBuilder, unpackFrame, type PendingBudget, type ShardItem } from "../../src/io/shard-frames.js";
import { readSpillFile } from "../../src/io/spill-files.js";
import { writeShardFile, type SinkPlan } from "../../src/io/sink-files.js";
import { arrayRecordFormat } from "../../src/io/record-files.js";
import { shardNaming } from "../../src/io/shard-names.js";
import { AssignShardFramesDoFn, SpillShardsDoFn } from "../../src/io/write-files.js";
import { packRecords } from "../../src/transforms/record-batches.js";
import { textRecords } from "../helpers/generators.js";
import { collect, collected, createRecords, hexMultiset, runDirect, tempDir } from "./beam-helpers.js";
import * as beam from "apache-beam";
import type { KV } from "apache-beam/values";
import { parDoWithCoder, shardedRecordCoder } from "../../src/transforms/coders.js";

const SEED = 1012;
const dir = tempDir("shard-frames");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function frames(encoder: GroupChunkEncoder | undefined, frameBytes: number, records: Uint8Array[], budget?: PendingBudget) {
  const out: { kind: number; payload: Uint8Array }[] = [];
  const builder = new ShardFrameBuilder(encoder, frameBytes, (kind, pieces, bytes) => out.push({ kind, payload: packFrame(kind, pieces, bytes).subarray(1) }), budget);
  for (const record of records) builder.add(record);
  builder.finish();
  return out;
}

const hex = (r: Uint8Array) => Buffer.from(r).toString("hex");

describe("ShardFrameBuilder", () => {
  it("encodes every full group as a chunk (the writer's bytes) and sends the rest as records, chunks first", () => {
    const records = textRecords(5, 23, 0, 40);
    const encoder = new GroupChunkEncoder("group_size:5,zstd:3");
    const out = frames(encoder, 150, records);
    expect(out.map((f) => f.kind)).toEqual([...out.slice(0, -1).map(() => FRAME_CHUNKS), FRAME_RECORDS]);
    const items = out.flatMap((f) => [...frameItems(f.kind, f.payload)]);
    const chunks = items.filter((i): i is EncodedChunk => i instanceof EncodedChunk);
    const reference = new GroupChunkEncoder("group_size:5,zstd:3");
    expect(chunks.map((c) => hex(c.bytes))).toEqual([0, 5, 10, 15].map((i) => hex(reference.encode(records.slice(i, i + 5)).bytes)));
    expect(items.slice(4).map((r) => hex(r as Uint8Array))).toEqual(records.slice(20).map(hex));
  });

  it("without an encoder, or once the bundle's unfinished groups pass their budget, sends plain records in order", () => {
    const records = textRecords(6, 40, 20, 20);
    for (const out of [frames(undefined, 100, records), frames(new GroupChunkEncoder("group_size:100"), 100, records, pendingBudget(50))]) {
      expect(out.every((f) => f.kind === FRAME_RECORDS)).toBe(true);
      expect(out.flatMap((f) => [...frameItems(f.kind, f.payload)]).map((r) => hex(r as Uint8Array))).toEqual(records.map(hex));
    }
  });

  it("the budget is shared by a bundle's shards: the shard that crosses it stops pre-encoding, and gives its bytes back", () => {
    const budget = pendingBudget(100);
    const encoder = new GroupChunkEncoder("group_size:4,uncompressed");
    const kinds: number[][] = [[], []];
    const builders = [0, 1].map((s) => new ShardFrameBuilder(encoder, 1 << 20, (kind) => kinds[s]!.push(kind), budget));
    const record = new Uint8Array(30);
    builders[0]!.add(record);
    builders[0]!.add(record);
    builders[0]!.add(record); // 90 bytes pending
    expect(budget.bytes).toBe(90);
    builders[1]!.add(record); // 120 > 100: shard 1 sends records from now on
    expect(budget.bytes).toBe(90);
    builders[0]!.add(record); // shard 0's group is full: encoded, its 90 bytes given back
    expect(budget.bytes).toBe(0);
    for (let i = 0; i < 4; i++) builders[1]!.add(record);
    builders[0]!.finish();
    builders[1]!.finish();
    expect(kinds).toEqual([[FRAME_CHUNKS], [FRAME_RECORDS]]);
    expect(budget.bytes).toBe(0);
  });

  it("frames pack into one element and back; an unknown kind or an empty element is CORRUPT", () => {
    const records = [new Uint8Array([1, 2]), new Uint8Array([3])];
    const batch = packRecords(records);
    expect([...unpackFrame(packFrame(FRAME_RECORDS, [batch.subarray(0, 2), batch.subarray(2)], batch.length))].map((r) => hex(r as Uint8Array))).toEqual(records.map(hex));
    expect(() => [...unpackFrame(new Uint8Array([7, 1, 1]))]).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 1 }));
    expect(() => [...unpackFrame(new Uint8Array(0))]).toThrow(expect.objectContaining({ code: "CORRUPT" }));
    const chunk = new GroupChunkEncoder("group_size:2").encode(records);
    const cut = packFrame(FRAME_CHUNKS, [chunk.bytes.subarray(0, chunk.bytes.length - 1)], chunk.bytes.length - 1);
    expect(() => [...unpackFrame(cut)]).toThrow(expect.objectContaining({ code: "TRUNCATED", offset: 1 }));
  });
});

/** Runs `bundles` through a shard-assigning DoFn by hand, as a runner does; returns its outputs (from process and finishBundle). */
function runBundles<T>(fn: { startBundle(): void; process(r: Uint8Array, c: unknown): void | Iterable<T>; finishBundle(): Generator<{ value: T }> }, bundles: Uint8Array[][], counts?: { fromProcess: number }): T[] {
  const window = new GlobalWindow();
  const context = { window: { lookup: () => window } };
  const out: T[] = [];
  for (const bundle of bundles) {
    fn.startBundle();
    for (const record of bundle) {
      const emitted = fn.process(record, context);
      for (const v of emitted ?? []) {
        out.push(v);
        if (counts) counts.fromProcess++;
      }
    }
    for (const v of fn.finishBundle()) out.push(v.value);
  }
  return out;
}

/** Reads a shard file; checks its index: every chunk but the last holds group_size records. */
function readShard(file: string, groupSize: number): Uint8Array[] {
  const reader = ArrayRecordReader.openSync(file);
  try {
    const { index } = reader.fileLayout;
    for (let c = 0; c < reader.numChunks; c++) expect(index.recordsIn(c)).toBe(c < reader.numChunks - 1 ? groupSize : reader.numRecords - c * groupSize);
    const all = reader.readAllSync();
    // Random access (chunk = index / group_size) agrees with the sequential read.
    for (let i = 0; i < all.length; i += 5) expect(hex(reader.readSync(i) as Uint8Array)).toBe(hex(all[i]!));
    return all;
  } finally {
    reader.closeSync();
  }
}

describe("the sink's pre-encoded path (spill files and shuffled frames)", () => {
  it("writes shard files holding the same records as the plain path, with a correct index (property, fixed seed)", () => {
    let run = 0;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 16 }),
        fc.constantFrom("zstd:3", "uncompressed", "snappy,transpose", "zstd:1,pad_to_block_boundary:true"),
        fc.boolean(),
        (bundleSizes, numShards, groupSize, codec, shuffled) => {
          const options = `group_size:${groupSize},${codec}`;
          let seed = 0;
          const bundles = bundleSizes.map((n) => textRecords(SEED + seed++, n, 0, 300));
          // The same shard assignment on both paths (round-robin from a "random" start per bundle).
          const starts = bundleSizes.map((_, i) => (i * 7919) / 0x7fffffff);
          const shardsOf = (preEncode: string | undefined): Map<number, ShardItem[]> => {
            let b = 0;
            vi.spyOn(Math, "random").mockImplementation(() => starts[b++ % starts.length]!);
            const byShard = new Map<number, ShardItem[]>();
            const add = (shard: number, items: Iterable<ShardItem>) => byShard.set(shard, [...(byShard.get(shard) ?? []), ...items]);
            if (shuffled) {
              for (const kv of runBundles(new AssignShardFramesDoFn(numShards, 700, preEncode), bundles)) add(kv.key, unpackFrame(kv.value));
            } else {
              const spillDir = path.join(dir, `spill-${run}`);
              for (const kv of runBundles(new SpillShardsDoFn(numShards, spillDir, 700, preEncode), bundles)) add(kv.key, readSpillFile(kv.value));
            }
            vi.restoreAllMocks();
            return byShard;
          };
          const plain = shardsOf(undefined);
          const encoded = shardsOf(options);
          const plan: SinkPlan = { naming: shardNaming(path.join(dir, `out-${run}`), "-SSSSS-of-NNNNN", ""), format: arrayRecordFormat(options), tempDir: path.join(dir, `tmp-${run++}`) };
          expect([...encoded.keys()].sort()).toEqual([...plain.keys()].sort());
          for (const [shard, items] of encoded) {
            const plainRecords = plain.get(shard)! as Uint8Array[];
            expect(plainRecords.every((r) => r instanceof Uint8Array)).toBe(true);
            // Every full group of a bundle's shard was pre-encoded: fewer than group_size records per bundle are left.
            const leftovers = items.filter((i) => !(i instanceof EncodedChunk)).length;
            expect(leftovers).toBeLessThanOrEqual(bundles.length * (groupSize - 1));
            const written = writeShardFile(plan, shard, numShards, items);
            expect([written.records, written.bytes]).toEqual([plainRecords.length, plainRecords.reduce((s, r) => s + r.length, 0)]);
            const records = readShard(written.tempFile, groupSize);
            expect(hexMultiset(records), `seed ${SEED}: ${options}, bundles ${bundleSizes}, shard ${shard}`).toEqual(hexMultiset(plainRecords));
          }
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("shuffled frames leave as soon as they are full, not all at the end of the bundle", () => {
    const records = textRecords(9, 200, 50, 50);
    const counts = { fromProcess: 0 };
    const out = runBundles(new AssignShardFramesDoFn(2, 1000, "group_size:4,uncompressed"), [records], counts);
    expect(counts.fromProcess).toBeGreaterThanOrEqual(8);
    expect(out.flatMap((kv) => [...unpackFrame(kv.value)]).reduce((n, item) => n + (item instanceof EncodedChunk ? item.numRecords : 1), 0)).toBe(200);
  });

  it("a pre-encoded chunk in a TFRecord shard is INVALID_OPTIONS", () => {
    const plan: SinkPlan = { naming: shardNaming(path.join(dir, "tf"), "-SSSSS-of-NNNNN", ""), format: { kind: "tfrecord", compression: "none" }, tempDir: path.join(dir, "tf-tmp") };
    const chunk = new GroupChunkEncoder("group_size:1").encode([new Uint8Array([1])]);
    expect(() => writeShardFile(plan, 0, 1, [new Uint8Array([2]), chunk])).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    const tmp = path.join(dir, "tf-tmp");
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
  });
});

describe("AssignShardFramesDoFn on the direct runner", () => {
  it("emits each record once, in frames per shard, shards round-robin (sizes differ by ≤ 1)", async () => {
    let key = "";
    const n = 1000;
    await runDirect((root) => {
      const records = createRecords(root, Array.from({ length: n }, (_, i) => `record-${i}`));
      // 64-byte frames: many full frames plus a partial one per shard at the end of the bundle.
      key = collect(parDoWithCoder(records, "frames", new AssignShardFramesDoFn(3, 64), shardedRecordCoder(), { window: beam.windowParam() }));
    });
    const frames = collected<KV<number, Uint8Array>>(key);
    const perShard = [0, 0, 0];
    const seen: string[] = [];
    for (const { key: shard, value } of frames) {
      expect(value.length).toBeLessThan(1 + 64 + 12);
      for (const record of unpackFrame(value)) {
        perShard[shard]!++;
        seen.push(Buffer.from(record as Uint8Array).toString());
      }
    }
    expect(frames.length).toBeGreaterThan(3);
    expect(seen.sort()).toEqual(Array.from({ length: n }, (_, i) => `record-${i}`).sort());
    expect(Math.max(...perShard) - Math.min(...perShard)).toBeLessThanOrEqual(1);
  });
});
