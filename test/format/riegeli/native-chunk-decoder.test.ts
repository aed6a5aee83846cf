/**
 * The addon's span decoder (native/chunkhash/chunkdecode.c, `decodeChunksNatively`): it decodes
 * exactly the verified simple zstd and Snappy chunks that the TypeScript decoder would take (inside
 * one block or across block headers), into their slots, with the same records; a chunk it leaves goes to the TypeScript path, which
 * reports what is wrong; and the readers' span paths give the same records and errors with it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { OutputBuffer } from "../../../src/format/bytes/output-buffer.js";
import { decodeDataChunkAt } from "../../../src/format/array-record/file-layout.js";
import { spanGoesNative, viewsSpan } from "../../../src/format/array-record/native-chunks.js";
import { BLOCK_SIZE, writeBlockHeader } from "../../../src/format/riegeli/blocks.js";
import { parseChunk } from "../../../src/format/riegeli/chunk-reader.js";
import { ChunkType, decodeChunkHeader } from "../../../src/format/riegeli/chunk-header.js";
import { writeChunk } from "../../../src/format/riegeli/chunk-writer.js";
import { nativeChunkHashes } from "../../../src/format/riegeli/chunk-hashes.js";
import { addon } from "../../../src/format/riegeli/chunkhash-addon.js";
import { decodeChunksNatively, decodeRecordChunkNatively, nativeChunkDecoding, Stored, type ChunkSlots } from "../../../src/format/riegeli/native-chunk-decoder.js";
import { StreamCompressor } from "../../../src/format/riegeli/codecs.js";
import { decodeSimpleChunk, encodeSimpleChunkData, recordAt } from "../../../src/format/riegeli/simple-chunk.js";
import { varintSize, writeVarint } from "../../../src/format/varint.js";


const SEED = 2613;

/** 1.3–3.3 KB records of seeded random letters (zstd keeps ~60%): chunks land across block boundaries now and then. */
const RECORDS = (() => {
  let state = SEED;
  const letter = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return 97 + ((state >>> 16) % 26);
  };
  return Array.from({ length: 900 }, (_, i) => Buffer.from(Array.from({ length: 1300 + ((i * 977) % 2000) }, letter)));
})();

function openMemory(bytes: Uint8Array): ArrayRecordReader {
  return ArrayRecordReader.openSync(new MemoryByteSource(bytes));
}

/** The footer's slots of every data chunk of `bytes`. */
function slotsOf(bytes: Uint8Array): ChunkSlots & { count: number } {
  const { index } = openMemory(bytes).fileLayout;
  const count = index.numChunks;
  return {
    count,
    offsets: index.offsets.slice(0, count + 1),
    numRecords: Float64Array.from({ length: count }, (_, c) => index.recordsIn(c)),
    decodedSizes: Float64Array.from(index.decodedSizes.subarray(0, count)),
  };
}

function insideOneBlock(bytes: Uint8Array, begin: number): boolean {
  const dataSize = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(begin + 8, true));
  const room = (Math.floor(begin / BLOCK_SIZE) + 1) * BLOCK_SIZE - begin;
  return begin % BLOCK_SIZE !== 0 && 40 + dataSize <= room;
}

/** The varint of `n`. */
function varintBytes(n: number): Uint8Array {
  const out = new Uint8Array(varintSize(n));
  writeVarint(out, 0, n);
  return out;
}

const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);

/**
 * `decodeChunksNatively` with `Stored.IN_PLACE`: `bytes` copied to the front of an output holding
 * the slots after them. The records (views of that output), or undefined where a chunk was left;
 * and how many records lie in the window (left where they were read). Checks that the window's
 * bytes were not written.
 */
function decodeInPlace(bytes: Uint8Array, start: number, slots: ChunkSlots): { records: Uint8Array[] | undefined; inWindow: number } {
  const out = new Uint8Array(bytes.length + sum(slots.decodedSizes));
  out.set(bytes);
  const bounds = new Float64Array(2 * sum(slots.numRecords));
  const decoded = new Uint8Array(slots.numRecords.length);
  decodeChunksNatively(out.subarray(0, bytes.length), start, slots, out, bytes.length, bounds, 0, decoded, Stored.IN_PLACE);
  expect(Buffer.compare(out.subarray(0, bytes.length), bytes)).toBe(0);
  if (decoded.includes(0)) return { records: undefined, inWindow: 0 };
  const records = Array.from({ length: bounds.length / 2 }, (_, i) => out.subarray(bounds[2 * i]!, bounds[2 * i + 1]!));
  return { records, inWindow: Array.from({ length: records.length }, (_, i) => bounds[2 * i + 1]! <= bytes.length && bounds[2 * i + 1]! > bounds[2 * i]!).filter(Boolean).length };
}

const hexOf = (records: readonly Uint8Array[]): string[] => records.map((r) => Buffer.from(r).toString("hex"));

/**
 * `decodeChunksNatively` with `Stored.VIEW` on a copy of `bytes`: the records (views of the copy,
 * where chunks crossing block headers were reassembled), or undefined where it left the span, all
 * of it, and then the copy must be as it was.
 */
function decodeViewed(bytes: Uint8Array, start: number, slots: ChunkSlots): Uint8Array[] | undefined {
  const copy = bytes.slice();
  const bounds = new Float64Array(2 * sum(slots.numRecords));
  const decoded = new Uint8Array(slots.numRecords.length);
  const count = decodeChunksNatively(copy, start, slots, copy, 0, bounds, 0, decoded, Stored.VIEW);
  if (count === 0) {
    expect(Buffer.compare(copy, bytes)).toBe(0);
    expect(decoded.every((d) => d === 0)).toBe(true);
    return undefined;
  }
  expect([count, decoded.every((d) => d === 1)]).toEqual([decoded.length, true]);
  return Array.from({ length: bounds.length / 2 }, (_, i) => copy.subarray(bounds[2 * i]!, bounds[2 * i + 1]!));
}

/** `usual` four times in five, else a value of `other`. */
function often<T, U>(usual: T, other: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ arbitrary: fc.constant(usual), weight: 4 }, { arbitrary: other, weight: 1 });
}

describe("native chunk decoder", () => {
  it("is there exactly where the chunk-hash engine is", () => {
    expect(nativeChunkDecoding).toBe(nativeChunkHashes);
  });

  it.runIf(nativeChunkDecoding)("decodes every simple zstd or Snappy chunk (and with stored every uncompressed one) into its slot, with the records the file holds, inside one block or across block headers", () => {
    for (const options of ["group_size:1,zstd:3", "group_size:3,zstd:1", "group_size:1,snappy", "group_size:2,snappy", "group_size:60,zstd:3", "group_size:45,snappy", "group_size:1,uncompressed", "group_size:60,uncompressed"]) {
      const bytes = encodeArrayRecord(RECORDS, options);
      const slots = slotsOf(bytes);
      const [outAt, boundsAt] = [7, 4];
      const out = new Uint8Array(outAt + sum(slots.decodedSizes) + 3);
      const bounds = new Float64Array(boundsAt + 2 * RECORDS.length + 1).fill(-1);
      const decoded = new Uint8Array(slots.count);
      const count = decodeChunksNatively(bytes, 0, slots, out, outAt, bounds.subarray(boundsAt), 0, decoded, options.endsWith("uncompressed") ? Stored.COPY : Stored.NO);
      expect(count, options).toBe(slots.count);
      expect(decoded.every((d) => d === 1), options).toBe(true);
      const split = Array.from({ length: slots.count }, (_, c) => !insideOneBlock(bytes, slots.offsets[c]!)).filter(Boolean).length;
      expect(split, options).toBeGreaterThan(options.startsWith("group_size:60") || options.startsWith("group_size:45") ? slots.count / 2 : 0);
      expect(out.subarray(0, outAt).every((b) => b === 0) && out.subarray(out.length - 3).every((b) => b === 0), options).toBe(true); // nothing written outside the slots
      let record = 0;
      let at = outAt;
      for (let c = 0; c < slots.count; c++) {
        for (let i = 0; i < slots.numRecords[c]!; i++, record++) {
          const [from, to] = [bounds[boundsAt + 2 * record]!, bounds[boundsAt + 2 * record + 1]!];
          expect(from >= at && to <= at + slots.decodedSizes[c]!, `${options} record ${record}`).toBe(true);
          expect(Buffer.from(out.subarray(from, to)).equals(RECORDS[record]!), `${options} record ${record}`).toBe(true);
        }
        at += slots.decodedSizes[c]!;
      }
      expect(record, options).toBe(RECORDS.length);
      expect(bounds[0]).toBe(-1); // nothing written before boundsAt
      if (options.endsWith("uncompressed")) {
        // In place: the same records, those a block header splits copied (every record of 1.3–3.3 KB is in a block in 20 to 50).
        const { records, inWindow } = decodeInPlace(bytes, 0, slots);
        expect(hexOf(records!), options).toEqual(hexOf(RECORDS));
        // Viewed: the same records, every one in the window.
        expect(hexOf(decodeViewed(bytes, 0, slots)!), options).toEqual(hexOf(RECORDS));
        expect(inWindow, options).toBeGreaterThan(RECORDS.length * 0.9);
        expect(inWindow, options).toBeLessThan(RECORDS.length);
      }
    }
  });

  it.runIf(nativeChunkDecoding)("leaves chunks of other codecs, damaged chunks and chunks disagreeing with the footer, hashing none of the others' data", () => {
    const brotli = encodeArrayRecord(RECORDS.slice(0, 40), "group_size:1,brotli:1");
    const plain = encodeArrayRecord(RECORDS.slice(0, 40), "group_size:1,uncompressed");
    for (const bytes of [brotli, plain]) {
      const slots = slotsOf(bytes);
      expect(decodeChunksNatively(bytes, 0, slots, new Uint8Array(sum(slots.decodedSizes)), 0, new Float64Array(80), 0, new Uint8Array(40))).toBe(0);
      // Uncompressed chunks are taken on request (stored), Brotli ones never.
      expect(decodeChunksNatively(bytes, 0, slots, new Uint8Array(sum(slots.decodedSizes)), 0, new Float64Array(80), 0, new Uint8Array(40), Stored.COPY)).toBe(bytes === plain ? 40 : 0);
      expect(decodeViewed(bytes, 0, slots) !== undefined).toBe(bytes === plain);
    }
    const bytes = encodeArrayRecord(RECORDS.slice(0, 40), "group_size:1,zstd:3");
    const slots = slotsOf(bytes);
    const run = (b: Uint8Array, s: ChunkSlots): number[] => {
      const decoded = new Uint8Array(40);
      decodeChunksNatively(b, 0, s, new Uint8Array(sum(s.decodedSizes)), 0, new Float64Array(2 * sum(s.numRecords)), 0, decoded);
      return [...decoded];
    };
    const all = run(bytes, slots);
    expect(all.every((d) => d === 1)).toBe(true);
    // Viewed takes uncompressed chunks only.
    expect(decodeViewed(bytes, 0, slots)).toBeUndefined();
    const damaged = bytes.slice();
    damaged[slots.offsets[5]! + 40 + 30]! ^= 1; // chunk 5's data
    damaged[slots.offsets[6]! + 26]! ^= 1; // chunk 6's record count
    expect(run(damaged, slots)).toEqual(all.map((d, c) => (c === 5 || c === 6 ? 0 : d)));
    const footer = { ...slots, numRecords: slots.numRecords.slice(), decodedSizes: slots.decodedSizes.slice() };
    footer.numRecords[8] = 2;
    footer.decodedSizes[9]! += 1;
    footer.offsets = slots.offsets.slice();
    footer.offsets[11] = slots.offsets[11]! - 1; // chunk 10 ends past its footer range, chunk 11 begins nowhere
    expect(run(bytes, footer)).toEqual(all.map((d, c) => (c >= 8 && c <= 11 ? 0 : d)));
  });

  it.runIf(nativeChunkDecoding).each([
    ["zstd:3", 4],
    ["snappy", 4],
    ["zstd:3", 1],
    ["uncompressed", 4],
  ])("decodes a %s chunk of %i records only when the TypeScript decoder takes it, and to the same records (differential property over damaged streams, fixed seed)", (codec, group) => {
    const stored = codec === "uncompressed";
    const source = encodeArrayRecord(RECORDS.slice(0, 8).map((r, i) => r.subarray(0, 200 + i * 37)), `group_size:${group},${codec}`);
    const { offsets } = slotsOf(source);
    const header = decodeChunkHeader(source.subarray(offsets[0]!, offsets[0]! + 40), offsets[0]!);
    const data = source.slice(offsets[0]! + 40, offsets[0]! + 40 + header.dataSize);
    const begin = 3 * BLOCK_SIZE + 100;
    const seen = { native: 0, typescript: 0 };
    /** Lays out the chunk with its data and header fields changed (hashes written anew, the footer agreeing); whether the addon decoded it. */
    const check = (edits: { at: number; value: number }[], cut: number | undefined, recordsDelta: number, sizeDelta: number): boolean => {
      const mutated = data.slice(0, cut === undefined ? data.length : cut % (data.length + 1));
      for (const { at, value } of edits) if (mutated.length > 0) mutated[at % mutated.length] = value;
      const numRecords = header.numRecords + recordsDelta;
      const decodedDataSize = Math.max(0, header.decodedDataSize + sizeDelta);
      const out = new OutputBuffer(1024);
      const end = writeChunk(out, begin, { chunkType: ChunkType.SIMPLE, data: mutated, numRecords, decodedDataSize });
      const bytes = out.take(false);
      const slots = { offsets: Float64Array.of(begin, end), numRecords: Float64Array.of(numRecords), decodedSizes: Float64Array.of(decodedDataSize) };
      const values = new Uint8Array(decodedDataSize);
      const bounds = new Float64Array(2 * numRecords);
      const native = decodeChunksNatively(bytes, begin, slots, values, 0, bounds, 0, new Uint8Array(1), stored ? Stored.COPY : Stored.NO) === 1;
      if (stored) {
        // In place and viewed, the same decision and the same records.
        const copied = hexOf(Array.from({ length: numRecords }, (_, i) => values.subarray(bounds[2 * i]!, bounds[2 * i + 1]!)));
        const { records } = decodeInPlace(bytes, begin, slots);
        expect(records !== undefined).toBe(native);
        if (native) expect(hexOf(records!)).toEqual(copied);
        const viewed = decodeViewed(bytes, begin, slots);
        expect(viewed !== undefined).toBe(native);
        if (native) expect(hexOf(viewed!)).toEqual(copied);
      }
      if (numRecords === 1) {
        // A random read's decoder of one chunk decides as the span decoder does, to the same bytes.
        const alone = new Uint8Array(decodedDataSize);
        expect(decodeRecordChunkNatively(bytes, begin, end, alone)).toBe(native);
        if (native) expect(Buffer.compare(alone, values)).toBe(0);
      }
      let expected: Uint8Array[] | undefined;
      try {
        const chunk = decodeSimpleChunk(mutated, numRecords, decodedDataSize, begin);
        expected = Array.from({ length: chunk.count }, (_, i) => recordAt(chunk, i));
        seen.typescript++;
      } catch (e) {
        expect(e).toMatchObject({ code: "CORRUPT" });
      }
      if (!native) return false;
      seen.native++;
      expect(expected, "the addon decoded a chunk the TypeScript decoder refuses").toBeDefined();
      const got = Array.from({ length: numRecords }, (_, i) => values.subarray(bounds[2 * i]!, bounds[2 * i + 1]!));
      expect(got.map((r) => Buffer.from(r).toString("hex"))).toEqual(expected!.map((r) => Buffer.from(r).toString("hex")));
      return true;
    };
    expect(check([], undefined, 0, 0)).toBe(true);
    const edit = fc.record({ at: fc.nat(), value: fc.nat(255) });
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 3 }), often(undefined, fc.nat()), often(0, fc.integer({ min: -1, max: 1 })), often(0, fc.integer({ min: -2, max: 2 })), (edits, cut, recordsDelta, sizeDelta) => {
        check(edits, cut, recordsDelta, sizeDelta);
      }),
      { seed: SEED, numRuns: 400 },
    );
    // Both ways were taken: damaged chunks decoded natively (a changed record byte) and chunks refused.
    expect(seen.native).toBeGreaterThan(100);
    expect(seen.native).toBeLessThan(350);
  });

  it.runIf(nativeChunkDecoding)("decodes a random read's chunk of one record read alone exactly where the span decoder does, into memory of exactly its size", () => {
    for (const options of ["group_size:1,zstd:3", "group_size:1,snappy", "group_size:2,zstd:3"]) {
      const bytes = encodeArrayRecord(RECORDS.slice(0, 120), options);
      const slots = slotsOf(bytes);
      const decoded = new Uint8Array(slots.count);
      decodeChunksNatively(bytes, 0, slots, new Uint8Array(sum(slots.decodedSizes)), 0, new Float64Array(2 * sum(slots.numRecords)), 0, decoded);
      const single = Array.from({ length: slots.count }, (_, c) => {
        const [begin, end] = [slots.offsets[c]!, slots.offsets[c + 1]!];
        const out = new Uint8Array(slots.decodedSizes[c]!);
        const ok = decodeRecordChunkNatively(bytes.slice(begin, end), begin, end, out);
        if (ok) expect(Buffer.from(out).equals(RECORDS[c]!), `${options} chunk ${c}`).toBe(true);
        return Number(ok);
      });
      const expected = [...decoded].map((d, c) => (slots.numRecords[c] === 1 ? d : 0));
      expect(single, options).toEqual(expected);
      expect(single.filter(Boolean).length, options).toBe(options.startsWith("group_size:2") ? 0 : decoded.filter(Boolean).length);
    }
    const bytes = encodeArrayRecord(RECORDS.slice(0, 10), "group_size:1,zstd:3");
    const { offsets, decodedSizes } = slotsOf(bytes);
    const [begin, end] = [offsets[3]!, offsets[4]!];
    const alone = bytes.slice(begin, end);
    const size = decodedSizes[3]!;
    expect(decodeRecordChunkNatively(alone, begin, end, new Uint8Array(size))).toBe(true);
    expect(decodeRecordChunkNatively(alone, begin, end, new Uint8Array(size + 1))).toBe(false); // not its size
    expect(decodeRecordChunkNatively(alone, begin, end - 1, new Uint8Array(size))).toBe(false); // ends past its range
    expect(decodeRecordChunkNatively(alone.subarray(0, alone.length - 1), begin, end, new Uint8Array(size))).toBe(false); // cut short
    alone[45]! ^= 1;
    expect(decodeRecordChunkNatively(alone, begin, end, new Uint8Array(size))).toBe(false); // damaged
  });

  it.runIf(nativeChunkDecoding)("leaves what the parser refuses: a record count the footer does not give, unconsumed sizes, a begin after a block header, a damaged block header in a stretched chunk", () => {
    const zstd = new StreamCompressor({ type: "zstd", level: 3 }, undefined);
    /** Simple chunk data of `sizes` (varints as given) and `values`. */
    const dataOf = (sizes: number[], values: Uint8Array): Uint8Array => encodeSimpleChunkData(zstd, Uint8Array.from(sizes), values, (n) => new Uint8Array(n));
    /** Lays the chunk out at `begin`; whether decodeChunks decodes it with the footer's `records` and `size`. */
    const decodes = (begin: number, content: { data: Uint8Array; numRecords: number; decodedDataSize: number }, footer = content, damage?: (bytes: Uint8Array) => void): boolean => {
      const out = new OutputBuffer(1024);
      const end = writeChunk(out, begin, { chunkType: ChunkType.SIMPLE, ...content });
      const bytes = out.take(false);
      damage?.(bytes);
      const slots = { offsets: Float64Array.of(begin, end), numRecords: Float64Array.of(footer.numRecords), decodedSizes: Float64Array.of(footer.decodedDataSize) };
      return decodeChunksNatively(bytes, begin, slots, new Uint8Array(footer.decodedDataSize), 0, new Float64Array(2 * footer.numRecords), 0, new Uint8Array(1)) === 1;
    };
    const values = new Uint8Array(10).fill(7);
    const four = { data: dataOf([1, 2, 3, 4], values), numRecords: 4, decodedDataSize: 10 };
    const begin = BLOCK_SIZE + 1000;
    expect(decodes(begin, four)).toBe(true);
    // The header says 3 records; the footer and the sizes stream say 4.
    expect(decodes(begin, { ...four, numRecords: 3 }, four)).toBe(false);
    // Three records whose sizes sum to the decoded size, and a fourth size left over.
    expect(decodes(begin, { data: dataOf([1, 2, 7, 4], values), numRecords: 3, decodedDataSize: 10 })).toBe(false);
    // A chunk laid out at a block boundary, named by the position right after its block header.
    const atBoundary = new OutputBuffer(1024);
    const end = writeChunk(atBoundary, 2 * BLOCK_SIZE, { chunkType: ChunkType.SIMPLE, ...four });
    const afterHeader = atBoundary.take(false).subarray(24);
    // (A footer range long enough for the end block arithmetic gives such a begin.)
    const slots = { offsets: Float64Array.of(2 * BLOCK_SIZE + 24, end + 24), numRecords: Float64Array.of(4), decodedSizes: Float64Array.of(10) };
    expect(decodeChunksNatively(afterHeader, 2 * BLOCK_SIZE + 24, slots, new Uint8Array(10), 0, new Float64Array(8), 0, new Uint8Array(1))).toBe(0);
    // 200 one-byte records 100 bytes before a boundary: header and data fit the block, the
    // record count stretches the chunk past it, and the block header in its padding is damaged.
    const many = { data: dataOf(new Array<number>(200).fill(1), new Uint8Array(200).fill(3)), numRecords: 200, decodedDataSize: 200 };
    const near = 2 * BLOCK_SIZE - 100;
    expect(40 + many.data.length).toBeLessThan(100);
    expect(decodes(near, many)).toBe(true);
    expect(decodes(near, many, many, (bytes) => (bytes[100 + 12]! ^= 1))).toBe(false);
    // Uncompressed (on request): sizes whose varint never ends, and sizes that leave values of another size than the footer's.
    const storedDecodes = (data: Uint8Array, numRecords: number, decodedDataSize: number): boolean => {
      const out = new OutputBuffer(1024);
      const end = writeChunk(out, begin, { chunkType: ChunkType.SIMPLE, data, numRecords, decodedDataSize });
      const slots = { offsets: Float64Array.of(begin, end), numRecords: Float64Array.of(numRecords), decodedSizes: Float64Array.of(decodedDataSize) };
      const bytes = out.take(false);
      const copied = decodeChunksNatively(bytes, begin, slots, new Uint8Array(decodedDataSize), 0, new Float64Array(2 * numRecords), 0, new Uint8Array(1), Stored.COPY) === 1;
      expect(decodeInPlace(bytes, begin, slots).records !== undefined).toBe(copied);
      expect(decodeViewed(bytes, begin, slots) !== undefined).toBe(copied);
      return copied;
    };
    expect(storedDecodes(Uint8Array.of(0, 2, 3, 4, ...values.subarray(0, 7)), 2, 7)).toBe(true);
    expect(storedDecodes(Uint8Array.of(0, ...new Array<number>(11).fill(0xff), ...values), 1, 10)).toBe(false);
    expect(storedDecodes(Uint8Array.of(0, 2, 3, 4, ...values.subarray(0, 7)), 2, 6)).toBe(false);
  });

  it.runIf(nativeChunkDecoding)("sends a span to the addon with stored when it begins with a zstd or Snappy chunk, or an uncompressed one crossing a block header", () => {
    const cases = [
      ["group_size:1,zstd:3", false, true],
      ["group_size:1,snappy", true, true],
      ["group_size:1,uncompressed", false, false],
      ["group_size:1,uncompressed", true, false],
      ["group_size:60,uncompressed", false, false],
      ["group_size:60,uncompressed", true, true],
      ["group_size:1,brotli:1", true, false],
    ] as const;
    for (const [options, stored, expected] of cases) {
      const bytes = encodeArrayRecord(RECORDS.slice(0, 120), options);
      const begin = slotsOf(bytes).offsets[0]!;
      expect(spanGoesNative(undefined, { bytes, start: 0 }, begin, stored ? Stored.COPY : Stored.NO), `${options} stored ${stored}`).toBe(expected);
      // Viewed: uncompressed chunks, inside a block or not, and nothing else; only in the caller's own window.
      const uncompressed = options.endsWith("uncompressed");
      expect(spanGoesNative(undefined, { bytes, start: 0 }, begin, Stored.VIEW), `${options} viewed`).toBe(uncompressed);
      expect([viewsSpan(undefined, { bytes, start: 0, inPlace: true }, begin), viewsSpan(undefined, { bytes, start: 0 }, begin)], options).toEqual([uncompressed, false]);
      expect(viewsSpan({ maxChunkBytes: 1 << 30 }, { bytes, start: 0, inPlace: true }, begin), `${options} with limits`).toBe(false);
    }
  });

  it.runIf(nativeChunkDecoding)("views all of a span's uncompressed chunks or none, leaving the window as it was when one is damaged or compressed", () => {
    const bytes = encodeArrayRecord(RECORDS.slice(0, 300), "group_size:60,uncompressed");
    const slots = slotsOf(bytes);
    expect(slots.count).toBe(5);
    expect(hexOf(decodeViewed(bytes, 0, slots)!)).toEqual(hexOf(RECORDS.slice(0, 300)));
    // The last chunk's last value byte: the chunks before it, which cross block headers, are not reassembled either.
    const damaged = bytes.slice();
    damaged[slots.offsets[5]! - 1 - (slots.offsets[5]! % BLOCK_SIZE < 24 ? 24 : 0)]! ^= 1;
    expect(decodeViewed(damaged, 0, slots)).toBeUndefined();
    // A span that goes on into a zstd chunk.
    const zstd = encodeArrayRecord(RECORDS.slice(0, 2), "group_size:1,zstd:3");
    const mixed = new Uint8Array(bytes.length + BLOCK_SIZE);
    mixed.set(bytes);
    const z = slotsOf(zstd);
    const at = Math.ceil(bytes.length / BLOCK_SIZE) * BLOCK_SIZE + (z.offsets[0]! % BLOCK_SIZE);
    mixed.set(zstd.subarray(z.offsets[0]!, z.offsets[1]!), at);
    expect(at + z.offsets[1]! - z.offsets[0]!).toBeLessThan(mixed.length);
    const both = {
      offsets: Float64Array.of(...slots.offsets.subarray(0, 5), at, at + z.offsets[1]! - z.offsets[0]!),
      numRecords: Float64Array.of(...slots.numRecords, 1),
      decodedSizes: Float64Array.of(...slots.decodedSizes, z.decodedSizes[0]!),
    };
    const alone = { offsets: both.offsets.subarray(5), numRecords: Float64Array.of(1), decodedSizes: both.decodedSizes.subarray(5) };
    expect(decodeChunksNatively(mixed, 0, alone, new Uint8Array(z.decodedSizes[0]!), 0, new Float64Array(2), 0, new Uint8Array(1))).toBe(1); // a zstd chunk where it lies
    expect(decodeViewed(mixed, 0, both)).toBeUndefined();
    expect(decodeViewed(mixed, 0, { offsets: both.offsets.subarray(0, 6), numRecords: slots.numRecords, decodedSizes: slots.decodedSizes })!.length).toBe(300);
  });

  it.runIf(nativeChunkDecoding).each(["zstd:3", "snappy", "uncompressed"])(
    "decodes a %s chunk crossing block headers exactly when the TypeScript parser and decoder take it, to the same records (differential property over damaged block headers, headers and streams, fixed seed)",
    (codec) => {
      const compressor = new StreamCompressor(codec === "snappy" ? { type: "snappy" } : codec === "uncompressed" ? { type: "uncompressed" } : { type: "zstd", level: 3 }, undefined);
      // Uncompressed chunks are decoded only on request (stored), as the reused-memory paths ask.
      const stored = codec === "uncompressed";
      const seen = { native: 0, refused: 0, inWindow: 0 };
      /** Whether the addon decoded the chunk laid out at `begin` (bytes[0] there), checked against the TypeScript path. */
      const check = (bytes: Uint8Array, begin: number, limit: number, numRecords: number, decodedDataSize: number): void => {
        const slots = { offsets: Float64Array.of(begin, limit), numRecords: Float64Array.of(numRecords), decodedSizes: Float64Array.of(decodedDataSize) };
        const values = new Uint8Array(decodedDataSize);
        const bounds = new Float64Array(2 * numRecords);
        const native = decodeChunksNatively(bytes, begin, slots, values, 0, bounds, 0, new Uint8Array(1), stored ? Stored.COPY : Stored.NO) === 1;
        if (stored) {
          const copied = hexOf(Array.from({ length: numRecords }, (_, i) => values.subarray(bounds[2 * i]!, bounds[2 * i + 1]!)));
          const inPlace = decodeInPlace(bytes, begin, slots);
          expect(inPlace.records !== undefined, `in place, begin ${begin}`).toBe(native);
          const viewed = decodeViewed(bytes, begin, slots);
          expect(viewed !== undefined, `viewed, begin ${begin}`).toBe(native);
          if (native) {
            expect(hexOf(inPlace.records!)).toEqual(copied);
            expect(hexOf(viewed!)).toEqual(copied);
            seen.inWindow += inPlace.inWindow;
          }
        }
        let expected: string[] | undefined;
        let compressed = false;
        try {
          const entry = { begin, limit, numRecords, decodedDataSize };
          const chunk = decodeDataChunkAt({ bytes, start: begin }, entry);
          expected = Array.from({ length: chunk.count }, (_, i) => Buffer.from(recordAt(chunk, i)).toString("hex"));
          compressed = parseChunk({ bytes, start: begin }, begin, { limit, limitIsEof: false }).data[0] !== 0;
        } catch (e) {
          expect(e).toMatchObject({ code: expect.stringMatching(/^(CORRUPT|TRUNCATED)$/) });
        }
        // Taken by the TypeScript path as zstd or Snappy data, or with stored as any (a damaged compression byte may make a chunk stored or Brotli, which no damaged stream decodes as).
        expect(native, `begin ${begin}`).toBe(expected !== undefined && (compressed || stored));
        if (!native) return void seen.refused++;
        seen.native++;
        expect(Array.from({ length: numRecords }, (_, i) => Buffer.from(values.subarray(bounds[2 * i]!, bounds[2 * i + 1]!)).toString("hex"))).toEqual(expected);
      };
      const damage = fc.oneof(
        fc.constant({ kind: "none" as const }),
        fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
        fc.record({ kind: fc.constant("pointers" as const), block: fc.nat(), previous: fc.integer({ min: -1, max: 1 }), next: fc.integer({ min: -1, max: 1 }) }),
      );
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: RECORDS.length - 1 }), { minLength: 1, maxLength: 90 }),
          fc.nat(4),
          fc.constantFrom(0, 1, 12, 39, 40, 41, 64, 5000, BLOCK_SIZE - 25),
          fc.integer({ min: 0, max: 3 }),
          damage,
          often(0, fc.integer({ min: 1, max: 40 })),
          often(undefined, fc.nat()),
          (picks, block, beforeBoundary, extraRecords, d, short, cut) => {
            // Records of the picks (a run of empty ones sometimes stretches the chunk past its data).
            const records = [...picks.map((i) => RECORDS[i]!.subarray(0, 1 + (i * 53) % 2500)), ...new Array<Uint8Array>(extraRecords * 40).fill(new Uint8Array(0))];
            const sizes = Buffer.concat(records.map((r) => varintBytes(r.length)));
            const values = Buffer.concat(records);
            const data = encodeSimpleChunkData(compressor, sizes, values, (n) => new Uint8Array(n));
            // A chunk boundary `beforeBoundary` bytes before a block boundary (0: at it).
            const begin = (block + 2) * BLOCK_SIZE - beforeBoundary;
            const out = new OutputBuffer(1024);
            const end = writeChunk(out, begin, { chunkType: ChunkType.SIMPLE, data, numRecords: records.length, decodedDataSize: values.length });
            const bytes = out.take(false);
            const boundaries = Array.from({ length: Math.ceil((end - begin) / BLOCK_SIZE) + 1 }, (_, k) => Math.ceil(begin / BLOCK_SIZE) * BLOCK_SIZE + k * BLOCK_SIZE).filter((b) => b < end);
            if (d.kind === "flip") bytes[d.at % bytes.length]! ^= 1 << d.bit;
            if (d.kind === "pointers" && boundaries.length > 0) {
              const boundary = boundaries[d.block % boundaries.length]!;
              writeBlockHeader(bytes, boundary - begin, boundary, begin - d.previous, end + d.next);
            }
            // A footer range `short` bytes too short; a window cut before the chunk's end.
            check(cut === undefined ? bytes : bytes.slice(0, cut % bytes.length), begin, end - short, records.length, values.length);
          },
        ),
        { seed: SEED, numRuns: 300 },
      );
      // Both ways were taken.
      expect(seen.native).toBeGreaterThan(60);
      if (stored) expect(seen.inWindow).toBeGreaterThan(seen.native); // records left in place
      expect(seen.refused).toBeGreaterThan(60);
    },
  );

  it.runIf(nativeChunkDecoding)("hashes uncompressed data split anywhere by a block header, pieces of any length on either side", () => {
    let decoded = 0;
    for (let size = 1; size <= 70; size++) {
      const values = new Uint8Array(size).map((_, i) => (i * 29 + size) & 0xff);
      const data = encodeSimpleChunkData(new StreamCompressor({ type: "uncompressed" }, undefined), varintBytes(size), values, (n) => new Uint8Array(n));
      // The data's first piece, before the block header, of 0..70 bytes.
      for (let first = 0; first <= 70; first++) {
        const begin = 3 * BLOCK_SIZE - 40 - first;
        const out = new OutputBuffer(256);
        const end = writeChunk(out, begin, { chunkType: ChunkType.SIMPLE, data, numRecords: 1, decodedDataSize: size });
        const slots = { offsets: Float64Array.of(begin, end), numRecords: Float64Array.of(1), decodedSizes: Float64Array.of(size) };
        const got = new Uint8Array(size);
        const bounds = new Float64Array(2);
        const bytes = out.take(false);
        if (decodeChunksNatively(bytes, begin, slots, got, 0, bounds, 0, new Uint8Array(1), Stored.COPY) === 1 && Buffer.compare(got, values) === 0 && bounds[1] === size) decoded++;
        // In place, the record is left where it lies unless the block header splits it.
        const { records, inWindow } = decodeInPlace(bytes, begin, slots);
        if (Buffer.compare(records![0]!, values) === 0 && inWindow === (first >= 1 + 1 + 1 + size || first <= 1 + 1 + 1 ? 1 : 0)) decoded++;
        // Viewed, the record is reassembled where it lies.
        const viewed = decodeViewed(bytes, begin, slots);
        if (viewed !== undefined && Buffer.compare(viewed[0]!, values) === 0 && viewed[0]!.byteOffset === 3 * BLOCK_SIZE - first - begin + (first === 0 ? 24 : 0) + 1 + 1 + 1) decoded++;
      }
    }
    expect(decoded).toBe(3 * 70 * 71);
  });

  it.runIf(nativeChunkDecoding)("refuses slots that do not fit, and bad arguments, writing nothing", () => {
    const bytes = encodeArrayRecord(RECORDS.slice(0, 10), "group_size:1,zstd:3");
    const slots = slotsOf(bytes);
    const size = sum(slots.decodedSizes);
    const out = new Uint8Array(size);
    const flags = new Uint8Array(10);
    expect(() => decodeChunksNatively(bytes, 0, slots, out, 1, new Float64Array(20), 0, flags)).toThrow(TypeError);
    expect(() => decodeChunksNatively(bytes, 0, slots, out, 0, new Float64Array(19), 0, flags)).toThrow(TypeError);
    expect(() => decodeChunksNatively(bytes, 0, slots, out, 0, new Float64Array(20), 0, new Uint8Array(9))).toThrow(TypeError);
    expect(() => decodeChunksNatively(bytes, 0, { ...slots, offsets: slots.offsets.subarray(0, 10) }, out, 0, new Float64Array(20), 0, flags)).toThrow(TypeError);
    expect(() => decodeChunksNatively(bytes, -1, slots, out, 0, new Float64Array(20), 0, flags)).toThrow(TypeError);
    expect(() => decodeChunksNatively(bytes, 0, { ...slots, numRecords: Float64Array.of(1.5, ...slots.numRecords.subarray(1)) }, out, 0, new Float64Array(20), 0, flags)).toThrow(TypeError);
    // In place: out must begin with bytes (the same memory), the slots after them; stored is 0 to 3.
    const joined = new Uint8Array(bytes.length + size);
    joined.set(bytes);
    const front = joined.subarray(0, bytes.length);
    expect(() => decodeChunksNatively(bytes, 0, slots, joined, bytes.length, new Float64Array(20), 0, flags, Stored.IN_PLACE)).toThrow(TypeError);
    expect(() => decodeChunksNatively(front, 0, slots, joined, bytes.length - 1, new Float64Array(20), 0, flags, Stored.IN_PLACE)).toThrow(TypeError);
    expect(() => decodeChunksNatively(bytes, 0, slots, out, 0, new Float64Array(20), 0, flags, 4 as Stored)).toThrow(TypeError);
    // Viewed: out is not used, the bounds must fit.
    expect(() => decodeChunksNatively(bytes, 0, slots, out, 0, new Float64Array(19), 0, flags, Stored.VIEW)).toThrow(TypeError);
    expect(decodeChunksNatively(front, 0, slots, joined, bytes.length, new Float64Array(20), 0, new Uint8Array(10), Stored.IN_PLACE)).toBe(10);
    expect([out.every((b) => b === 0), flags.every((b) => b === 0)]).toEqual([true, true]);
    expect(decodeChunksNatively(bytes, 0, slots, out, 0, new Float64Array(20), 0, flags)).toBe(10);
  });
});

describe("readers' span paths with the native decoder", () => {
  const files = ["group_size:1,zstd:3", "group_size:3,zstd:3", "group_size:1,snappy", "group_size:60,zstd:3", "group_size:45,snappy", "group_size:60,uncompressed", "group_size:1,uncompressed"].map((options) => ({
    options,
    bytes: encodeArrayRecord(RECORDS, options),
  }));
  const hex = (records: Iterable<Uint8Array>): string[] => Array.from(records, (r) => Buffer.from(r).toString("hex"));
  const want = hex(RECORDS);

  it("give every record, in order, from every span path and from random reads", async () => {
    for (const { options, bytes } of files) {
      const reader = openMemory(bytes);
      const visited: Uint8Array[] = [];
      reader.forEachSync((r) => visited.push(r.slice()));
      expect(hex(visited), options).toEqual(want);
      expect(hex(reader.records()), options).toEqual(want);
      expect(hex(reader.readAllSync()), options).toEqual(want);
      const shuffled = RECORDS.map((_, i) => (i * 337) % RECORDS.length);
      expect(hex(reader.readSync(shuffled)), options).toEqual(shuffled.map((i) => want[i]));
      const at: string[] = [];
      reader.forEachAtSync(shuffled, (r, k) => (at[k] = Buffer.from(r).toString("hex")));
      expect(at, options).toEqual(shuffled.map((i) => want[i]));
      expect(hex(await reader.readAllParallel(2)), options).toEqual(want);
      const parallel: string[] = [];
      await reader.forEachParallel((r, i) => (parallel[i] = Buffer.from(r).toString("hex")), 0, RECORDS.length, 2);
      expect(parallel, options).toEqual(want);
      expect(hex(await reader.readParallel(shuffled, 2)), options).toEqual(shuffled.map((i) => want[i]));
      // A sparse batch (1 record in 25): its spans' records are picked out of reused buffers, on this thread and on the workers.
      const sparse = shuffled.filter((_, k) => k % 25 === 0);
      expect(hex(reader.readSync(sparse)), options).toEqual(sparse.map((i) => want[i]));
      expect(hex(await reader.readParallel(sparse, 2)), options).toEqual(sparse.map((i) => want[i]));
      const sparseAt: string[] = [];
      await reader.forEachAtParallel(sparse, (r, k) => (sparseAt[k] = Buffer.from(r).toString("hex")), 2);
      expect(sparseAt, options).toEqual(sparse.map((i) => want[i]));
      expect(hex(shuffled.map((i) => reader.readSync(i))), options).toEqual(shuffled.map((i) => want[i]));
      expect(hex(await Promise.all(shuffled.slice(0, 50).map((i) => reader.read(i)))), options).toEqual(shuffled.slice(0, 50).map((i) => want[i]));
    }
  });

  it.each(["group_size:60,zstd:3", "group_size:60,uncompressed"])("report a damaged block header inside a chunk of %s as the TypeScript path does, after the same records", async (options) => {
    const bytes = encodeArrayRecord(RECORDS, options);
    const { offsets } = slotsOf(bytes);
    const c = 4;
    const boundary = Math.ceil(offsets[c]! / BLOCK_SIZE) * BLOCK_SIZE;
    expect(boundary).toBeLessThan(offsets[c + 1]!);
    const damaged = bytes.slice();
    damaged[boundary + 9]! ^= 1; // its previous_chunk
    const native = openMemory(damaged);
    // Decode limits keep every read on the TypeScript path.
    const typescript = ArrayRecordReader.openSync(new MemoryByteSource(damaged), "", { limits: { maxChunkBytes: 1 << 30 } });
    const corrupt = { code: "CORRUPT", offset: boundary };
    for (const reader of [native, typescript]) {
      let visited = 0;
      expect(() => reader.forEachSync(() => visited++)).toThrow(expect.objectContaining(corrupt));
      expect(visited).toBe(c * 60);
      let yielded = 0;
      expect(() => {
        for (const _ of reader.records()) yielded++;
      }).toThrow(expect.objectContaining(corrupt));
      expect(yielded).toBeLessThanOrEqual(c * 60);
      expect(() => reader.readSync(c * 60 + 7)).toThrow(expect.objectContaining(corrupt));
      expect(() => reader.readSync([0, c * 60])).toThrow(expect.objectContaining(corrupt));
      expect(() => reader.forEachAtSync([c * 60 + 3], () => {})).toThrow(expect.objectContaining(corrupt));
      await expect(reader.readAllParallel(2)).rejects.toMatchObject(corrupt);
      await expect(reader.forEachParallel(() => {}, 0, RECORDS.length, 2)).rejects.toMatchObject(corrupt);
      await expect(reader.readParallel([c * 60 + 3], 2)).rejects.toMatchObject(corrupt);
      await expect(reader.forEachAtParallel([c * 60 + 3], () => {}, 2)).rejects.toMatchObject(corrupt);
      expect(Buffer.from(reader.readSync((c + 1) * 60)).equals(RECORDS[(c + 1) * 60]!)).toBe(true);
    }
  });

  it("give every record of a local file's uncompressed chunks crossing block headers from the workers' shared memory, and report a damaged block header there (records left where they were read)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-in-place-"));
    try {
      const bytes = encodeArrayRecord(RECORDS, "group_size:60,uncompressed");
      const file = path.join(dir, "gs60.array_record");
      fs.writeFileSync(file, bytes);
      const reader = ArrayRecordReader.openSync(file);
      const parallel: string[] = [];
      let inPlace = 0;
      await reader.forEachParallel(
        (r, i) => {
          parallel[i] = Buffer.from(r).toString("hex");
          // A span (at most 1 MiB of file) is read to the front of its shared memory, the slots for records a block header splits after it.
          if (r.buffer instanceof SharedArrayBuffer && r.byteOffset + r.length <= 1 << 20) inPlace++;
        },
        0,
        RECORDS.length,
        2,
      );
      expect(parallel).toEqual(want);
      expect(inPlace).toBeGreaterThan(RECORDS.length * 0.9);
      const some: string[] = [];
      await reader.forEachParallel((r, i) => (some[i - 100] = Buffer.from(r).toString("hex")), 100, 700, 2);
      expect(some).toEqual(want.slice(100, 700));
      reader.closeSync();
      const { offsets } = slotsOf(bytes);
      const c = 4;
      const boundary = Math.ceil(offsets[c]! / BLOCK_SIZE) * BLOCK_SIZE;
      const damaged = bytes.slice();
      damaged[boundary + 17]! ^= 1; // its next_chunk
      fs.writeFileSync(file, damaged);
      const broken = ArrayRecordReader.openSync(file);
      let visited = 0;
      await expect(broken.forEachParallel(() => visited++, 0, RECORDS.length, 2)).rejects.toMatchObject({ code: "CORRUPT", offset: boundary });
      expect(visited).toBeLessThanOrEqual(c * 60); // a span's records are handed over once all its chunks decoded
      broken.closeSync();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(nativeChunkDecoding).each(["group_size:1,uncompressed", "group_size:60,uncompressed"])(
    "read a local file's %s spans with the addon viewing them where they were read, on this thread and the workers, and report a damaged chunk at its offset",
    async (options) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-viewed-"));
      const viewCalls = vi.spyOn(addon!, "decodeChunks");
      try {
        const bytes = encodeArrayRecord(RECORDS, options);
        const file = path.join(dir, "plain.array_record");
        fs.writeFileSync(file, bytes);
        const reader = ArrayRecordReader.openSync(file);
        const viewed = (): number => viewCalls.mock.calls.filter((args) => args[12] === Stored.VIEW).length;
        expect(hex(reader.records())).toEqual(want);
        expect(viewed()).toBeGreaterThan(0); // this thread's spans went to the addon
        const shuffled = RECORDS.map((_, i) => (i * 337) % RECORDS.length);
        expect(hex(ArrayRecordReader.openSync(file, "max_parallelism:1").readSync(shuffled))).toEqual(shuffled.map((i) => want[i]));
        expect(hex(await reader.readAllParallel(2))).toEqual(want);
        expect(hex(await reader.readRangeParallel(100, 700, 2))).toEqual(want.slice(100, 700));
        expect(hex(await reader.readParallel(shuffled, 2))).toEqual(shuffled.map((i) => want[i]));
        // A sparse batch: the workers pick its records out of their read buffers.
        const sparse = shuffled.filter((_, k) => k % 25 === 0);
        expect(hex(await reader.readParallel(sparse, 2))).toEqual(sparse.map((i) => want[i]));
        // Borrowed: the visits' reused buffers too, and the workers' shared memory.
        const before = viewed();
        const visited: Uint8Array[] = [];
        reader.forEachSync((r) => visited.push(r.slice()));
        expect(hex(visited)).toEqual(want);
        expect(viewed()).toBeGreaterThan(before);
        const picked: string[] = [];
        reader.forEachAtSync(shuffled, (r, k) => (picked[k] = Buffer.from(r).toString("hex")));
        expect(picked).toEqual(shuffled.map((i) => want[i]));
        const parallel: string[] = [];
        await reader.forEachParallel((r, i) => (parallel[i] = Buffer.from(r).toString("hex")), 0, RECORDS.length, 2);
        expect(parallel).toEqual(want);
        reader.closeSync();
        // A damaged value byte in a chunk inside its block, and a damaged block header inside a chunk.
        const { offsets } = slotsOf(bytes);
        const c = options.startsWith("group_size:1,") ? 300 : 4;
        const boundary = Math.ceil(offsets[c]! / BLOCK_SIZE) * BLOCK_SIZE;
        const inBlock = insideOneBlock(bytes, offsets[c]!);
        expect(inBlock).toBe(c === 300);
        const damaged = bytes.slice();
        const at = inBlock ? offsets[c]! + 40 + 50 : boundary + 17;
        damaged[at]! ^= 1;
        fs.writeFileSync(file, damaged);
        const corrupt = { code: "CORRUPT", offset: inBlock ? offsets[c]! : boundary };
        const first = c * (options.startsWith("group_size:1,") ? 1 : 60);
        for (const broken of [ArrayRecordReader.openSync(file), ArrayRecordReader.openSync(file, "max_parallelism:1")]) {
          let yielded = 0;
          expect(() => {
            for (const _ of broken.records()) yielded++;
          }).toThrow(expect.objectContaining(corrupt));
          expect(yielded).toBeLessThanOrEqual(first);
          expect(() => broken.readSync(shuffled)).toThrow(expect.objectContaining(corrupt));
          let visited = 0;
          expect(() => broken.forEachSync(() => visited++)).toThrow(expect.objectContaining(corrupt));
          expect(visited).toBeLessThanOrEqual(first);
          await expect(broken.readAllParallel(2)).rejects.toMatchObject(corrupt);
          await expect(broken.forEachParallel(() => {}, 0, RECORDS.length, 2)).rejects.toMatchObject(corrupt);
          await expect(broken.readParallel([first, 0], 2)).rejects.toMatchObject(corrupt);
          expect(hex(broken.readSync([first - 1, first + 60]))).toEqual([want[first - 1], want[first + 60]]);
          broken.closeSync();
        }
      } finally {
        viewCalls.mockRestore();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("report a damaged chunk as CORRUPT at its offset, after the records before it", async () => {
    const { bytes } = files[0]!;
    const { offsets } = slotsOf(bytes);
    const c = 300;
    expect(insideOneBlock(bytes, offsets[c]!)).toBe(true);
    const damaged = bytes.slice();
    damaged[offsets[c]! + 40 + 50]! ^= 1;
    const reader = openMemory(damaged);
    const corrupt = expect.objectContaining({ code: "CORRUPT", offset: offsets[c]! });
    let visited = 0;
    expect(() => reader.forEachSync(() => visited++)).toThrow(corrupt);
    expect(visited).toBe(c);
    let yielded = 0;
    expect(() => {
      for (const _ of reader.records()) yielded++;
    }).toThrow(corrupt);
    expect(yielded).toBeLessThanOrEqual(c);
    expect(() => reader.readSync([c + 1, c])).toThrow(corrupt);
    expect(() => reader.readSync(c)).toThrow(corrupt);
    await expect(reader.read(c)).rejects.toMatchObject({ code: "CORRUPT", offset: offsets[c]! });
    expect(() => reader.forEachAtSync([c - 1, c], () => {})).toThrow(corrupt);
    await expect(reader.readAllParallel(2)).rejects.toMatchObject({ code: "CORRUPT", offset: offsets[c]! });
    await expect(reader.forEachParallel(() => {}, 0, RECORDS.length, 2)).rejects.toMatchObject({ code: "CORRUPT", offset: offsets[c]! });
    expect(Buffer.from(reader.readSync(c + 1)).equals(RECORDS[c + 1]!)).toBe(true);
  });
});
