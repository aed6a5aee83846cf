import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { layOutChunk, paddingChunkTo } from "../../../src/format/riegeli/chunk-writer.js";
import { parseChunk, chunkEndAt } from "../../../src/format/riegeli/chunk-reader.js";
import { ChunkType } from "../../../src/format/riegeli/chunk-header.js";
import { roundUpToBoundary } from "../../../src/format/riegeli/blocks.js";
import { isArrayRecordError } from "../../../src/format/errors.js";

/** Places `bytes` at file position `begin` in a zero-filled file image. */
function fileWith(begin: number, bytes: Uint8Array): Uint8Array {
  const file = new Uint8Array(begin + bytes.length);
  file.set(bytes, begin);
  return file;
}

describe("chunk layout and parsing", () => {
  it("round-trips chunks placed anywhere, across block boundaries", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 64, max: 3 * 65536 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 0, max: 70_000 }),
        (b0, dataSize, numRecords) => {
          const begin = roundUpToBoundary(b0);
          const data = new Uint8Array(dataSize).map((_, i) => (i * 7 + 3) & 0xff);
          const bytes = layOutChunk(begin, { chunkType: ChunkType.SIMPLE, data, numRecords, decodedDataSize: 5 });
          const file = fileWith(begin, bytes);
          const range = { limit: file.length, limitIsEof: true };
          expect(chunkEndAt({ bytes: file.subarray(begin), start: begin }, begin, range)).toBe(file.length);
          const chunk = parseChunk({ bytes: file, start: 0 }, begin, range);
          expect(chunk.end).toBe(begin + bytes.length);
          expect(chunk.header).toEqual({ dataSize, chunkType: ChunkType.SIMPLE, numRecords, decodedDataSize: 5 });
          expect(Buffer.compare(chunk.data, data)).toBe(0);
        },
      ),
      { numRuns: 120 },
    );
  });

  it("padding chunks end exactly on the next block boundary", () => {
    for (const position of [64, 100, 65000, 65495, 65496, 65511, 65535, 65561, 131000]) {
      const padding = paddingChunkTo(position)!;
      const bytes = layOutChunk(position, padding);
      expect((position + bytes.length) % 65536).toBe(0);
    }
    expect(paddingChunkTo(65536)).toBeUndefined();
  });

  it("a chunk overrunning its range is TRUNCATED at end of file, CORRUPT before a known next chunk", () => {
    const bytes = layOutChunk(64, { chunkType: ChunkType.SIMPLE, data: new Uint8Array(100), numRecords: 1, decodedDataSize: 0 });
    const file = fileWith(64, bytes);
    const window = { bytes: file, start: 0 };
    expect(() => parseChunk(window, 64, { limit: file.length - 1, limitIsEof: true })).toThrow(expect.objectContaining({ code: "TRUNCATED", offset: 64 }));
    expect(() => parseChunk(window, 64, { limit: file.length - 1, limitIsEof: false })).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 64 }));
    expect(() => parseChunk(window, 65536 + 10, { limit: 1e6, limitIsEof: true })).toThrow(
      expect.objectContaining({ code: "CORRUPT", message: expect.stringContaining("inside a block header") }),
    );
  });

  it("every flipped byte of a chunk spanning a boundary is detected", () => {
    const begin = 65536 - 100;
    const data = new Uint8Array(300).fill(0xab);
    const bytes = layOutChunk(begin, { chunkType: ChunkType.SIMPLE, data, numRecords: 1, decodedDataSize: 0 });
    for (let k = 0; k < bytes.length; k++) {
      const damaged = fileWith(begin, bytes);
      damaged[begin + k]! ^= 0x10;
      let error: unknown;
      try {
        parseChunk({ bytes: damaged, start: 0 }, begin, { limit: damaged.length, limitIsEof: true });
      } catch (e) {
        error = e;
      }
      expect(isArrayRecordError(error), `byte ${k}`).toBe(true);
    }
  });
});
