/**
 * `inPlace` windows reassemble a chunk split by block headers by moving its pieces over the
 * headers: the parsed header and data must equal those of a copying parse, for chunks placed at
 * every kind of offset (header split by a boundary, data across several boundaries).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { layOutChunk } from "../../../src/format/riegeli/chunk-writer.js";
import { parseChunk } from "../../../src/format/riegeli/chunk-reader.js";
import { ChunkType } from "../../../src/format/riegeli/chunk-header.js";
import { BLOCK_SIZE } from "../../../src/format/riegeli/blocks.js";

describe("parseChunk with an inPlace window", () => {
  it("gives the same header and data as a copying parse (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * BLOCK_SIZE }), fc.integer({ min: 1, max: 3 * BLOCK_SIZE }), (offset, size) => {
        const begin = offset % BLOCK_SIZE <= 24 ? Math.max(BLOCK_SIZE, offset - (offset % BLOCK_SIZE)) : offset; // a valid chunk boundary, not 0 (the signature)
        const data = new Uint8Array(size).map((_, i) => (i * 131 + (i >> 9)) & 0xff);
        const bytes = layOutChunk(begin, { chunkType: ChunkType.SIMPLE, data, numRecords: 1, decodedDataSize: size });
        const range = { limit: begin + bytes.length, limitIsEof: true };
        const copied = parseChunk({ bytes: bytes.slice(), start: begin }, begin, range);
        const window = bytes.slice();
        const inPlace = parseChunk({ bytes: window, start: begin, inPlace: true }, begin, range);
        expect(inPlace.header).toEqual(copied.header);
        expect(inPlace.end).toBe(copied.end);
        expect(Buffer.compare(Buffer.from(inPlace.data), Buffer.from(data))).toBe(0);
        // A chunk within one block stays a plain view in both modes; a split one is a view of the window.
        if (copied.data.buffer !== bytes.buffer) expect(inPlace.data.buffer).toBe(window.buffer);
      }),
      { seed: 1416, numRuns: 120 },
    );
  });
});
