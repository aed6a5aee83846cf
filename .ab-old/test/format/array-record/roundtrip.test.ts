/** Property tests: random records with random writer options read back equal through every access path. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { ArrayRecordWriter, encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { verifyArrayRecordSync } from "../../../src/format/array-record/verify.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const record = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65_536, max: 140_000 }).map((n) => new Uint8Array(n).map((_, i) => (i * 31) & 0xff)) },
);

const options = fc
  .record({
    groupSize: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 }), fc.constant(100_000)),
    compression: fc.constantFrom("uncompressed", "zstd", "zstd:-3", "zstd:9,window_log:18", "brotli:1", "brotli:5,window_log:16", "snappy"),
    pad: fc.boolean(),
  })
  .map(({ groupSize, compression, pad }) => `group_size:${groupSize},${compression},pad_to_block_boundary:${pad}`);

function checkAllPaths(bytes: Uint8Array, records: Uint8Array[]): void {
  const expected = records.map(hex);
  const reader = ArrayRecordReader.openSync(new MemoryByteSource(bytes));
  expect(reader.numRecords).toBe(records.length);
  expect(reader.readAllSync().map(hex)).toEqual(expected);
  const order = expected.map((_, i) => i).reverse();
  expect(reader.readSync(order).map(hex)).toEqual(order.map((i) => expected[i]));
  for (const i of order) expect(hex(reader.readSync(i))).toBe(expected[i]);
  const half = Math.floor(records.length / 2);
  expect(reader.readRangeSync(half, records.length).map(hex)).toEqual(expected.slice(half));
  const sequential: string[] = [];
  for (let r = reader.readNextSync(); r !== undefined; r = reader.readNextSync()) sequential.push(hex(r));
  expect(sequential).toEqual(expected);
  expect(verifyArrayRecordSync(new MemoryByteSource(bytes)).records).toBe(records.length);
}

describe("write → read round trips", () => {
  it("random records and options read back through every sync path", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), options, (records, opts) => {
        const bytes = encodeArrayRecord(records, opts);
        expect(bytes.length % 65536).toBe(0);
        checkAllPaths(bytes, records);
      }),
      { numRuns: 60 },
    );
  });

  it("async paths agree with sync ones", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 20 }), options, async (records, opts) => {
        const bytes = encodeArrayRecord(records, opts);
        const reader = await ArrayRecordReader.open(new MemoryByteSource(bytes));
        const expected = records.map(hex);
        expect((await reader.readAll()).map(hex)).toEqual(expected);
        const order = expected.map((_, i) => i).reverse();
        expect((await reader.read(order)).map(hex)).toEqual(order.map((i) => expected[i]));
        const streamed: string[] = [];
        for await (const r of reader) streamed.push(hex(r));
        expect(streamed).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });

  it("batch reads return records in the order asked, duplicates included, across span boundaries", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        (count, groupSize, picks) => {
          // Records of ~3 KB so a file of 400 spans several 1 MiB batch spans.
          const records = Array.from({ length: count }, (_, i) => new Uint8Array(3000 + (i % 17)).fill(i & 0xff).map((b, j) => (j === 0 ? i >> 8 : b)));
          const reader = ArrayRecordReader.openSync(new MemoryByteSource(encodeArrayRecord(records, `group_size:${groupSize},uncompressed`)));
          const indices = picks.map((p) => p % count);
          expect(reader.readSync(indices).map(hex)).toEqual(indices.map((i) => hex(records[i]!)));
          const sorted = [...indices].sort((a, b) => a - b);
          expect(reader.readSync(sorted).map(hex)).toEqual(sorted.map((i) => hex(records[i]!)));
          expect(() => reader.readSync([...indices, count])).toThrow(expect.objectContaining({ code: "OUT_OF_RANGE" }));
        },
      ),
      { numRuns: 40, seed: 14 },
    );
  });

  it("a record over 1 MiB crosses many blocks", () => {
    const big = new Uint8Array(1_500_000).map((_, i) => (i * 13 + (i >> 9)) & 0xff);
    for (const opts of ["uncompressed", "zstd", "snappy", "brotli:1"]) {
      checkAllPaths(encodeArrayRecord([new Uint8Array(3), big, new Uint8Array(0)], opts), [new Uint8Array(3), big, new Uint8Array(0)]);
    }
  });

  it("the file writer, its stream and writeAll produce identical files", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-"));
    const records = Array.from({ length: 1000 }, (_, i) => `record ${i} `.repeat(i % 17));
    const inMemory = encodeArrayRecord(records, "group_size:10");
    const sync = ArrayRecordWriter.openSync(path.join(dir, "sync.ar"), "group_size:10");
    for (const r of records) sync.writeSync(r);
    sync.closeSync();
    const viaAll = await ArrayRecordWriter.open(path.join(dir, "all.ar"), "group_size:10");
    await viaAll.writeAll((async function* () { yield* records; })());
    await viaAll.close();
    const { pipeline } = await import("node:stream/promises");
    const { Readable } = await import("node:stream");
    const streamed = await ArrayRecordWriter.open(path.join(dir, "stream.ar"), "group_size:10");
    await pipeline(Readable.from(records), streamed.toWritable());
    for (const name of ["sync.ar", "all.ar", "stream.ar"]) {
      expect(Buffer.compare(fs.readFileSync(path.join(dir, name)), inMemory), name).toBe(0);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(["all.ar", "stream.ar", "sync.ar"]);
    fs.rmSync(dir, { recursive: true });
  });
});
