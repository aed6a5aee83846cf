/** Chunk layout (FORMAT.md §1, §6.1): block headers with the right distances, zero padding even in a reused buffer, padding chunk sizes. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { layOutChunk, paddingChunkTo, writeChunk, type ChunkContent } from "../../../src/format/riegeli/chunk-writer.js";
import { OutputBuffer } from "../../../src/format/bytes/output-buffer.js";
import { BLOCK_SIZE, readBlockHeader, roundUpToBoundary } from "../../../src/format/riegeli/blocks.js";
import { ChunkType, decodeChunkHeader } from "../../../src/format/riegeli/chunk-header.js";

const content = (dataSize: number, numRecords: number): ChunkContent => ({
  chunkType: ChunkType.SIMPLE,
  data: new Uint8Array(dataSize).map((_, i) => (i * 13 + 1) & 0xff),
  numRecords,
  decodedDataSize: 3,
});

describe("writeChunk", () => {
  it("writes the same bytes into a dirty reused buffer as into a fresh one, and returns the chunk's end", () => {
    fc.assert(
      fc.property(fc.integer({ min: 64, max: 2 * BLOCK_SIZE }), fc.integer({ min: 0, max: 150_000 }), fc.integer({ min: 0, max: 200_000 }), (b0, dataSize, numRecords) => {
        const begin = roundUpToBoundary(b0);
        const c = content(dataSize, numRecords);
        const clean = layOutChunk(begin, c);
        const out = new OutputBuffer(16);
        out.reserve(clean.length + 100).bytes.fill(0xff);
        out.take(true);
        out.reserve(7).bytes.fill(0xee, 0, 7);
        const end = writeChunk(out, begin, c);
        expect(end - begin).toBe(clean.length);
        const written = out.take(true);
        expect(written.length).toBe(7 + clean.length);
        expect(Buffer.compare(written.subarray(7), clean)).toBe(0);
        expect(written.subarray(0, 7).every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 60, seed: 8 },
    );
  });

  it("puts the header first, the data after it, zeros to the end, and a block header at each boundary", () => {
    const begin = BLOCK_SIZE - 30;
    const c = content(200, 140_000);
    const bytes = layOutChunk(begin, c);
    const end = begin + bytes.length;
    expect(end).toBe(roundUpToBoundary(begin + 140_000));
    // Header: 30 bytes, then the boundary's block header, then its last 10 bytes.
    const header = Uint8Array.of(...bytes.subarray(0, 30), ...bytes.subarray(54, 64));
    expect(decodeChunkHeader(header, begin)).toEqual({ dataSize: 200, chunkType: ChunkType.SIMPLE, numRecords: 140_000, decodedDataSize: 3 });
    expect(end).toBe(205_506);
    for (const boundary of [BLOCK_SIZE, 2 * BLOCK_SIZE, 3 * BLOCK_SIZE]) {
      expect(readBlockHeader(bytes, boundary - begin, boundary)).toEqual({ previousChunk: boundary - begin, nextChunk: end - boundary });
    }
    expect(Buffer.compare(bytes.subarray(64, 264), c.data)).toBe(0);
    const tail = [
      ...bytes.subarray(264, BLOCK_SIZE * 2 - begin),
      ...bytes.subarray(BLOCK_SIZE * 2 - begin + 24, BLOCK_SIZE * 3 - begin),
      ...bytes.subarray(BLOCK_SIZE * 3 - begin + 24),
    ];
    expect(tail.length).toBe(bytes.length - 264 - 24 * 2);
    expect(tail.every((b) => b === 0)).toBe(true);
  });
});

describe("precomputed headers", () => {
  it("a header computed elsewhere (an encode worker's) is placed as given, not the previous chunk's", () => {
    const begin = BLOCK_SIZE - 30;
    const c = content(500, 1);
    const expected = layOutChunk(begin, c);
    // Another chunk first, so a header left over from it would show.
    layOutChunk(64, content(10, 3));
    const full = new Uint8Array(40);
    full.set(expected.subarray(0, 30));
    full.set(expected.subarray(54, 64), 30);
    const out = new OutputBuffer(16);
    writeChunk(out, begin, { ...c, header: full });
    expect(Buffer.compare(out.take(true), expected)).toBe(0);
  });
});

describe("paddingChunkTo", () => {
  it("fills to the next boundary, or the one after when fewer than 40 bytes remain", () => {
    const cases: [number, number][] = [
      [64, BLOCK_SIZE - 64 - 40],
      [BLOCK_SIZE - 40, 0],
      [BLOCK_SIZE - 39, 39 + BLOCK_SIZE - 24 - 40],
      [BLOCK_SIZE - 1, 1 + BLOCK_SIZE - 24 - 40],
      [BLOCK_SIZE + 100, BLOCK_SIZE - 100 - 40],
    ];
    for (const [position, dataSize] of cases) {
      const padding = paddingChunkTo(position)!;
      expect(padding.data.length, String(position)).toBe(dataSize);
      expect(padding).toMatchObject({ chunkType: ChunkType.PADDING, numRecords: 0, decodedDataSize: 0 });
      expect(padding.data.every((b) => b === 0)).toBe(true);
      expect((position + layOutChunk(position, padding).length) % BLOCK_SIZE, String(position)).toBe(0);
    }
    expect(paddingChunkTo(0)).toBeUndefined();
    expect(paddingChunkTo(3 * BLOCK_SIZE)).toBeUndefined();
  });
});
