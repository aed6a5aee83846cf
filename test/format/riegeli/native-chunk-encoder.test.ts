/**
 * The addon's chunk encoder (native/chunkhash/chunkencode.c, `encodeGroupsNatively`): a writer
 * that batches its closed groups for it writes exactly the bytes of the TypeScript path (chunk
 * data, codec settings, hashes, block headers, stretched chunks), in any interleaving with
 * pre-encoded chunks; encode workers' packed chunks equal GroupChunkEncoder's; it stops where its
 * output could run short and refuses bad arguments. (Files written with encode workers, laid out
 * by `layOutChunks`, are compared with single-threaded ones in parallel-encode.test.ts.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArrayRecordEncoder } from "../../../src/format/array-record/encoder.js";
import { GroupChunkEncoder } from "../../../src/format/array-record/encoded-chunks.js";
import { parseWriterOptions } from "../../../src/format/array-record/options.js";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { BLOCK_SIZE } from "../../../src/format/riegeli/blocks.js";
import { addon, KEY } from "../../../src/format/riegeli/chunkhash-addon.js";
import { layOutChunk } from "../../../src/format/riegeli/chunk-writer.js";
import { ChunkType, CHUNK_HEADER_SIZE, encodeChunkHeader } from "../../../src/format/riegeli/chunk-header.js";
import { StreamCompressor } from "../../../src/format/riegeli/codecs.js";
import { encodeGroupsNatively, encodeGroupsPacked, nativeCodecFor } from "../../../src/format/riegeli/native-chunk-encoder.js";
import { encodeGroups } from "../../../src/format/array-record/encode-groups.js";
import { SimpleChunkBuilder, encodeSimpleChunkData } from "../../../src/format/riegeli/simple-chunk.js";

const SEED = 1414;
const ZSTD3 = { type: "zstd", level: 3 } as const;
const CODECS = ["uncompressed", "zstd:3", "zstd:-5", "zstd:1,window_log:10", "zstd:19,window_log:11", "snappy"];

/** Seeded records of `length` bytes drawn from a small alphabet (compressible, with matches). */
function record(seed: number, length: number): Uint8Array {
  let state = seed >>> 0;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = 97 + ((state >>> 16) % 7);
  }
  return out;
}

/** A whole file's bytes from `encoder` after `feed`, which may drain it any time. */
function fileOf(encoder: ArrayRecordEncoder, feed: (encoder: ArrayRecordEncoder, drain: () => void) => void): Uint8Array {
  const parts: Uint8Array[] = [];
  const drained = (): void => void parts.push(encoder.drain(false).slice());
  feed(encoder, drained);
  drained();
  encoder.finish();
  drained();
  return Buffer.concat(parts);
}

function encoders(options: string): { native: ArrayRecordEncoder; portable: ArrayRecordEncoder } {
  const parsed = parseWriterOptions(options);
  return { native: new ArrayRecordEncoder(parsed), portable: new ArrayRecordEncoder(parsed, { native: false }) };
}

/** Records: lengths mostly 0..3000, now and then 60–200 KB (chunks across block boundaries). */
const recordsArbitrary = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 2 ** 31 }), fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3000 }), weight: 12 }, { arbitrary: fc.integer({ min: 60_000, max: 200_000 }), weight: 1 })),
  { maxLength: 160 },
);

describe.runIf(addon !== null)("native chunk encoder", () => {
  it("applies to uncompressed, zstd and Snappy chunks, never to Brotli", () => {
    expect(nativeCodecFor({ type: "uncompressed" }, undefined)).toEqual({ codec: 0, level: 0, windowLog: 0 });
    expect(nativeCodecFor({ type: "zstd", level: 7 }, 12)).toEqual({ codec: 1, level: 7, windowLog: 12 });
    expect(nativeCodecFor({ type: "snappy" }, undefined)).toEqual({ codec: 2, level: 0, windowLog: 0 });
    expect(nativeCodecFor({ type: "brotli", level: 6 }, undefined)).toBeUndefined();
  });

  it("writes the TypeScript writer's bytes for any records, group size and codec, drained at any points (property, fixed seed)", () => {
    let runs = 0;
    fc.assert(
      fc.property(recordsArbitrary, fc.integer({ min: 1, max: 300 }), fc.constantFrom(...CODECS), fc.array(fc.nat(160), { maxLength: 4 }), (specs, groupSize, codec, drains) => {
        runs++;
        const options = `group_size:${groupSize},${codec}`;
        const records = specs.map(([seed, length]) => record(seed, length));
        const feed = (encoder: ArrayRecordEncoder, drain: () => void): void => {
          records.forEach((r, i) => {
            encoder.add(r);
            if (drains.includes(i)) drain();
          });
        };
        const { native, portable } = encoders(options);
        const a = fileOf(native, feed);
        const b = fileOf(portable, feed);
        expect(Buffer.from(a).equals(Buffer.from(b)), `seed ${SEED}: ${options}, ${records.length} records`).toBe(true);
        const reader = ArrayRecordReader.openSync(new MemoryByteSource(a));
        expect(reader.readAllSync().map((r) => Buffer.from(r).toString("latin1"))).toEqual(records.map((r) => Buffer.from(r).toString("latin1")));
      }),
      { seed: SEED, numRuns: 150 },
    );
    expect(runs).toBe(150);
  });

  it("places pre-encoded chunks after the groups closed before them, as the TypeScript writer does (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2000 })), { maxLength: 120 }), fc.constantFrom(...CODECS), (groupSize, steps, codec) => {
        const options = `group_size:${groupSize},${codec}`;
        const pre = new GroupChunkEncoder(options);
        const feed = (encoder: ArrayRecordEncoder): void => {
          steps.forEach(([encoded, length], i) => {
            if (encoded) encoder.addEncodedChunk(pre.encode(Array.from({ length: groupSize }, (_, k) => record(i * 31 + k, length))));
            else encoder.add(record(i, length));
          });
        };
        const { native, portable } = encoders(options);
        expect(Buffer.from(fileOf(native, feed)).equals(Buffer.from(fileOf(portable, feed))), `seed ${SEED}: ${options}`).toBe(true);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("packs an encode worker's chunks as GroupChunkEncoder encodes them, and stops where they might not fit (property, fixed seed)", () => {
    fc.assert(
      fc.property(recordsArbitrary, fc.integer({ min: 1, max: 50 }), fc.constantFrom(...CODECS), (specs, groupSize, codec) => {
        const options = `group_size:${groupSize},${codec}`;
        const records = specs.map(([seed, length]) => record(seed, length));
        const builder = new SimpleChunkBuilder();
        const expected: Uint8Array[] = [];
        const pre = new GroupChunkEncoder(options);
        for (let i = 0; i < records.length; i += groupSize) {
          const group = records.slice(i, i + groupSize);
          for (const r of group) builder.add(r);
          builder.endGroup();
          expected.push(pre.encode(group).bytes);
        }
        const parsed = parseWriterOptions(options);
        const { chunks, lengths } = encodeGroups(builder.closedGroupsView(), parsed.compression, parsed.windowLog);
        expect(lengths).toEqual(expected.map((c) => c.length));
        expect(Buffer.from(chunks).equals(Buffer.concat(expected)), `seed ${SEED}: ${options}`).toBe(true);
        if (expected.length < 2) return;
        // Room for the first chunk at its largest but not for all: fewer chunks, the same bytes.
        const flat = Float64Array.from(builder.closedGroupsView().groups);
        const first = flat[0]! + flat[1]!;
        const out = new Uint8Array(Math.ceil(first * 1.2) + 300);
        const ends = new Float64Array(expected.length + 1);
        const done = encodeGroupsPacked(nativeCodecFor(parsed.compression, parsed.windowLog)!, builder.closedGroupsView(), flat, 0, expected.length, out, 0, ends);
        expect(done).toBeGreaterThanOrEqual(1);
        expect(done).toBeLessThanOrEqual(expected.length);
        expect(Buffer.from(out.subarray(0, ends[done - 1])).equals(Buffer.concat(expected.slice(0, done)))).toBe(true);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("stretches a chunk of many empty records across block headers as the TypeScript writer does", () => {
    const options = "group_size:200000,zstd:3";
    const feed = (encoder: ArrayRecordEncoder): void => {
      for (let i = 0; i < 150_000; i++) encoder.add(new Uint8Array(0));
    };
    const { native, portable } = encoders(options);
    const a = fileOf(native, feed);
    expect(a.length).toBeGreaterThan(2 * BLOCK_SIZE);
    expect(Buffer.from(a).equals(Buffer.from(fileOf(portable, feed)))).toBe(true);
    expect(ArrayRecordReader.openSync(new MemoryByteSource(a)).numRecords).toBe(150_000);
  });

  /** One group of `records` as the addon takes it. */
  function oneGroup(records: Uint8Array[]): { builder: SimpleChunkBuilder; flat: Float64Array } {
    const builder = new SimpleChunkBuilder();
    for (const r of records) builder.add(r);
    builder.endGroup();
    return { builder, flat: Float64Array.from(builder.closedGroupsView().groups) };
  }

  it("lays one chunk out as writeChunk does, across a block boundary and beginning at one", () => {
    const records = [record(5, 3000), record(6, 100)];
    const data = encodeSimpleChunkData(new StreamCompressor(ZSTD3, undefined), oneGroup(records).builder.closedGroupsView().sizes, Buffer.concat(records), (n) => new Uint8Array(n));
    for (const position of [BLOCK_SIZE - 1000, 3 * BLOCK_SIZE]) layOutAt(position, records, data);
  });

  /** Checks the addon's layout of `records` at `position` against writeChunk's of their chunk `data`. */
  function layOutAt(position: number, records: Uint8Array[], data: Uint8Array): void {
    const header = new Uint8Array(CHUNK_HEADER_SIZE);
    encodeChunkHeader(header, 0, { chunkType: ChunkType.SIMPLE, dataSize: data.length, numRecords: 2, decodedDataSize: 3100 }, data);
    const expected = layOutChunk(position, { chunkType: ChunkType.SIMPLE, data, numRecords: 2, decodedDataSize: 3100, header });
    const { builder, flat } = oneGroup(records);
    const out = new Uint8Array(expected.length + 20_000).fill(0xee);
    const begins = new Float64Array(2);
    expect(encodeGroupsNatively(nativeCodecFor(ZSTD3, undefined)!, builder.closedGroupsView(), flat, 0, 1, { out, outAt: 7, position }, begins)).toBe(1);
    expect([...begins]).toEqual([position, position + expected.length]);
    expect(Buffer.from(out.subarray(7, 7 + expected.length)).equals(Buffer.from(expected))).toBe(true);
    expect(out[6]).toBe(0xee);
    expect(out[7 + expected.length]).toBe(0xee);
  }

  it("stops before a group whose chunk might not fit, and says where the last one ended", () => {
    const records = [record(1, 2000), record(2, 2000), record(3, 2000)];
    const builder = new SimpleChunkBuilder();
    for (const r of records) {
      builder.add(r);
      builder.endGroup();
    }
    const view = builder.closedGroupsView();
    const flat = Float64Array.from(view.groups);
    const codec = nativeCodecFor({ type: "snappy" }, undefined)!;
    const begins = new Float64Array(4);
    // Room for one chunk at its largest (2000 + 2000/6 + 42 + the rest) and not two.
    const out = new Uint8Array(2500 + 2500);
    const done = encodeGroupsNatively(codec, view, flat, 0, 3, { out, outAt: 0, position: 64 }, begins);
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(3);
    expect(begins[0]).toBe(64);
    expect(begins[done]).toBeGreaterThan(64 + 2000 * 0.1);
    expect(encodeGroupsNatively(codec, view, flat, 0, 3, { out: new Uint8Array(100), outAt: 0, position: 64 }, begins)).toBe(0);
    expect(begins[0]).toBe(64);
  });

  it("refuses bad arguments with a TypeError and writes nothing", () => {
    const { builder, flat } = oneGroup([record(9, 500)]);
    const { sizes, values } = builder.closedGroupsView();
    const out = new Uint8Array(4096);
    const begins = new Float64Array(2);
    const call = (...changes: [number, unknown][]): unknown => {
      const args: unknown[] = [KEY, 1, 3, 0, sizes, values, flat, 0, 1, out, 0, 64, begins];
      for (const [at, value] of changes) args[at] = value;
      return (addon!.encodeChunks as (...a: unknown[]) => number)(...args);
    };
    expect(call()).toBe(1);
    out.fill(0);
    const bad: [number, unknown][][] = [
      [[0, new Uint8Array(31)]],
      [[1, 3]],
      [[2, 23]],
      [[3, 9]],
      [[3, 32]],
      [[6, new Float64Array([4, 500, 1])]], // sizes end past the sizes
      [[6, new Float64Array([2, 501, 1])]], // values end past the values
      [[6, new Float64Array([2, 500, 1.5])]],
      [[7, 1], [8, 0]], // from after to
      [[8, 2]],
      [[10, 4097]],
      [[11, BLOCK_SIZE + 10]], // a position inside a block header is no chunk boundary
      [[11, -1]],
      [[12, new Float64Array(1)]],
      [[4, new Float64Array(2)]],
    ];
    for (const changes of bad) {
      expect(() => call(...changes), JSON.stringify(changes.map(([at]) => at))).toThrow(TypeError);
    }
    expect(out.every((b) => b === 0)).toBe(true);
    const packed = (ends: unknown, codec = 1): unknown => (addon!.encodeChunksPacked as (...a: unknown[]) => number)(KEY, codec, 3, 0, sizes, values, flat, 0, 1, out, 0, ends);
    expect(packed(new Float64Array(2))).toBe(1);
    out.fill(0);
    expect(() => packed(new Float64Array(1))).toThrow(TypeError);
    expect(() => packed(new Uint8Array(2))).toThrow(TypeError);
    expect(() => packed(new Float64Array(2), 7)).toThrow(TypeError);
    expect(out.every((b) => b === 0)).toBe(true);
    // layOutChunks: a chunk whose data runs past the job's bytes, a count past them, a bad position.
    const job = encodeGroups(builder.closedGroupsView(), { type: "zstd", level: 3 }, undefined).chunks;
    const layOut = (chunks: Uint8Array, count: number, position: number): number => addon!.layOutChunks(KEY, chunks, count, out, 0, position, begins);
    expect(layOut(job, 1, 64)).toBe(1);
    expect(begins[1]! - 64).toBe(job.length);
    out.fill(0);
    // Too little room after outAt for the chunk: nothing laid out, nothing written.
    expect(addon!.layOutChunks(KEY, job, 1, out, out.length - job.length + 1, 64, begins)).toBe(0);
    expect(begins[0]).toBe(64);
    expect(() => layOut(job.subarray(0, job.length - 1), 1, 64)).toThrow(TypeError);
    expect(() => layOut(job, 2, 64)).toThrow(TypeError);
    expect(() => layOut(job, 1, BLOCK_SIZE + 3)).toThrow(TypeError);
    expect(out.every((b) => b === 0)).toBe(true);
  });
});
