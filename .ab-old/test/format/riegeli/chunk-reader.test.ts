/**
 * Chunk parsing rules (FORMAT.md §1, §2, §7 step 6) one at a time: chunk types and their sizes,
 * block headers inside a chunk that point elsewhere, windows that end early, and the two-read plan.
 */
import { describe, expect, it } from "vitest";
import { layOutChunk } from "../../../src/format/riegeli/chunk-writer.js";
import { MAX_CHUNK_HEADER_SPAN, chunkEndAt, parseChunk, readChunkAt } from "../../../src/format/riegeli/chunk-reader.js";
import { ChunkType } from "../../../src/format/riegeli/chunk-header.js";
import { BLOCK_SIZE, writeBlockHeader } from "../../../src/format/riegeli/blocks.js";
import type { ChunkContent } from "../../../src/format/riegeli/chunk-writer.js";

/** A file image with `content` laid out at `begin` (zeros before it). */
function fileWith(begin: number, content: ChunkContent): Uint8Array {
  const bytes = layOutChunk(begin, content);
  const file = new Uint8Array(begin + bytes.length);
  file.set(bytes, begin);
  return file;
}

const chunk = (chunkType: number, dataSize: number, numRecords: number, decodedDataSize: number): ChunkContent => ({
  chunkType,
  data: new Uint8Array(dataSize).fill(0x5a),
  numRecords,
  decodedDataSize,
});

const parse = (file: Uint8Array, begin: number, limitIsEof = true) => parseChunk({ bytes: file, start: 0 }, begin, { limit: file.length, limitIsEof });
const corrupt = (offset: number, message: string) => expect.objectContaining({ code: "CORRUPT", offset, message: expect.stringContaining(message) });

describe("chunk types", () => {
  it("a file must begin with a signature chunk of no data, records or decoded bytes", () => {
    expect(parse(fileWith(0, chunk(ChunkType.SIGNATURE, 0, 0, 0)), 0).end).toBe(64);
    expect(() => parse(fileWith(0, chunk(ChunkType.SIMPLE, 4, 1, 4)), 0)).toThrow(corrupt(0, "does not begin with a Riegeli signature"));
    expect(() => parse(fileWith(0, chunk(ChunkType.SIGNATURE, 1, 0, 0)), 0)).toThrow(corrupt(0, "signature chunk with non-zero sizes"));
    expect(() => parse(fileWith(0, chunk(ChunkType.SIGNATURE, 0, 1, 0)), 0)).toThrow(corrupt(0, "signature chunk with non-zero sizes"));
    expect(() => parse(fileWith(0, chunk(ChunkType.SIGNATURE, 0, 0, 1)), 0)).toThrow(corrupt(0, "signature chunk with non-zero sizes"));
  });

  it("padding may hold data but no records or decoded bytes; metadata no records; unknown types no records", () => {
    expect(parse(fileWith(100, chunk(ChunkType.PADDING, 30, 0, 0)), 100).header.dataSize).toBe(30);
    expect(() => parse(fileWith(100, chunk(ChunkType.PADDING, 30, 1, 0)), 100)).toThrow(corrupt(100, "padding chunk with non-zero sizes"));
    expect(() => parse(fileWith(100, chunk(ChunkType.PADDING, 30, 0, 2)), 100)).toThrow(corrupt(100, "padding chunk with non-zero sizes"));
    expect(parse(fileWith(100, chunk(ChunkType.METADATA, 30, 0, 9)), 100).header.chunkType).toBe(ChunkType.METADATA);
    expect(() => parse(fileWith(100, chunk(ChunkType.METADATA, 30, 2, 9)), 100)).toThrow(corrupt(100, "file metadata chunk with records"));
    expect(parse(fileWith(100, chunk(0x41, 30, 0, 9)), 100).header.chunkType).toBe(0x41);
    expect(() => parse(fileWith(100, chunk(0x41, 30, 3, 9)), 100)).toThrow(corrupt(100, "unknown chunk type 0x41 with records"));
    expect(parse(fileWith(100, chunk(ChunkType.TRANSPOSED, 30, 3, 9)), 100).header.numRecords).toBe(3);
    // The same rules when the chunk crosses a block boundary (the slow path).
    const begin = BLOCK_SIZE - 50;
    expect(() => parse(fileWith(begin, chunk(ChunkType.PADDING, 100, 1, 0)), begin)).toThrow(corrupt(begin, "padding chunk with non-zero sizes"));
    expect(() => parse(fileWith(begin, chunk(0x41, 100, 3, 9)), begin)).toThrow(corrupt(begin, "unknown chunk type 0x41 with records"));
  });

  it("a chunk stretched by its record count ends at begin + numRecords (rounded past a block header)", () => {
    const file = fileWith(100, chunk(ChunkType.SIMPLE, 10, 500, 0));
    expect(parse(file, 100).end).toBe(600);
    expect(chunkEndAt({ bytes: file.subarray(100), start: 100 }, 100, { limit: file.length, limitIsEof: true })).toBe(600);
  });
});

describe("block headers inside a chunk", () => {
  const begin = BLOCK_SIZE - 100;
  const content = chunk(ChunkType.SIMPLE, 300, 1, 0);

  it("are spliced out of the header and the data", () => {
    const file = fileWith(begin, content);
    const parsed = parse(file, begin);
    expect(parsed.end).toBe(begin + 40 + 300 + 24);
    expect(parsed.data).toEqual(content.data);
    // A header split by the boundary.
    const split = BLOCK_SIZE - 20;
    const f2 = fileWith(split, content);
    expect(parse(f2, split).header).toEqual({ chunkType: ChunkType.SIMPLE, dataSize: 300, numRecords: 1, decodedDataSize: 0 });
    expect(chunkEndAt({ bytes: f2.subarray(split, split + MAX_CHUNK_HEADER_SPAN), start: split }, split, { limit: f2.length, limitIsEof: true })).toBe(split + 364);
  });

  it("with a wrong previous_chunk or next_chunk (hash valid) are CORRUPT at the boundary", () => {
    for (const [previous, next, message] of [
      [99, 264, "previous_chunk 99"],
      [100, 265, "next_chunk 265"],
    ] as const) {
      const file = fileWith(begin, content);
      const end = begin + 364;
      expect(end - BLOCK_SIZE).toBe(264);
      writeBlockHeader(file, BLOCK_SIZE, BLOCK_SIZE, BLOCK_SIZE - previous, BLOCK_SIZE + next);
      expect(() => parse(file, begin), message).toThrow(corrupt(BLOCK_SIZE, message));
    }
    // A header split by the boundary: chunkEndAt already checks that block header.
    const split = BLOCK_SIZE - 20;
    for (const [previous, next, message] of [
      [19, 344, "previous_chunk 19"],
      [20, 343, "next_chunk 343"],
    ] as const) {
      const file = fileWith(split, content);
      writeBlockHeader(file, BLOCK_SIZE, BLOCK_SIZE, BLOCK_SIZE - previous, BLOCK_SIZE + next);
      const window = { bytes: file.subarray(split, split + MAX_CHUNK_HEADER_SPAN), start: split };
      expect(() => chunkEndAt(window, split, { limit: file.length, limitIsEof: true }), message).toThrow(corrupt(BLOCK_SIZE, message));
      expect(() => parse(file, split), message).toThrow(corrupt(BLOCK_SIZE, message));
    }
  });

  it("in a chunk's zero padding are checked too", () => {
    // 10 data bytes stretched by 70,000 records: two boundaries fall in the padding.
    const file = fileWith(100, chunk(ChunkType.SIMPLE, 10, 70_000, 0));
    const parsed = parse(file, 100);
    expect(parsed.end).toBe(70_100);
    writeBlockHeader(file, BLOCK_SIZE, BLOCK_SIZE, 100, parsed.end + 1);
    expect(() => parse(file, 100)).toThrow(corrupt(BLOCK_SIZE, "next_chunk"));
  });

  it("a chunk may end exactly on a boundary: that block header is the next chunk's", () => {
    const at = BLOCK_SIZE - 100;
    const file = fileWith(at, chunk(ChunkType.PADDING, 60, 0, 0));
    expect(file.length).toBe(BLOCK_SIZE);
    const withNext = new Uint8Array(BLOCK_SIZE + 24).fill(0xff);
    withNext.set(file);
    expect(parse(withNext, at).end).toBe(BLOCK_SIZE);
    const zero = fileWith(BLOCK_SIZE - 40, chunk(ChunkType.PADDING, 0, 0, 0));
    expect(parse(zero, BLOCK_SIZE - 40).data.length).toBe(0);
  });
});

describe("windows and ranges", () => {
  it("bytes ending early: TRUNCATED at end of file, CORRUPT before a known limit, at the chunk's begin", () => {
    for (const begin of [100, BLOCK_SIZE - 100]) {
      const file = fileWith(begin, chunk(ChunkType.SIMPLE, 300, 1, 0));
      const short = file.subarray(0, file.length - 1);
      expect(() => parseChunk({ bytes: short, start: 0 }, begin, { limit: file.length, limitIsEof: true })).toThrow(
        expect.objectContaining({ code: "TRUNCATED", offset: begin }),
      );
      expect(() => parseChunk({ bytes: short, start: 0 }, begin, { limit: file.length, limitIsEof: false })).toThrow(
        expect.objectContaining({ code: "CORRUPT", offset: begin }),
      );
      // A range ending before the chunk does.
      expect(() => parseChunk({ bytes: file, start: 0 }, begin, { limit: file.length - 1, limitIsEof: false })).toThrow(corrupt(begin, "past its range"));
      // A header claiming more records than bytes remain.
      expect(() => parseChunk({ bytes: file, start: 0 }, begin, { limit: begin + 41, limitIsEof: true })).toThrow(expect.objectContaining({ code: "TRUNCATED", offset: begin }));
    }
  });

  it("a flipped data byte fails the data hash on the in-block path and the block-crossing path, at the chunk's begin", () => {
    for (const begin of [100, BLOCK_SIZE - 100]) {
      const file = fileWith(begin, chunk(ChunkType.SIMPLE, 300, 1, 0));
      const dataAt = begin + 40 + (begin === 100 ? 0 : 24) + 150;
      file[dataAt]! ^= 4;
      expect(() => parse(file, begin), String(begin)).toThrow(corrupt(begin, "chunk data hash mismatch"));
    }
  });

  it("readChunkAt on a cut-off file is TRUNCATED", () => {
    const file = fileWith(100, chunk(ChunkType.SIMPLE, 500, 2, 7));
    const plan = readChunkAt(file.length - 1, 100);
    plan.next();
    expect(() => plan.next(file.subarray(100, 100 + MAX_CHUNK_HEADER_SPAN))).toThrow(expect.objectContaining({ code: "TRUNCATED", offset: 100 }));
  });

  it("padding that ends exactly on a boundary does not read the next chunk's block header", () => {
    const begin = 100;
    const file = fileWith(begin, chunk(ChunkType.SIMPLE, 10, 2 * BLOCK_SIZE - begin, 0));
    expect(file.length).toBe(2 * BLOCK_SIZE);
    expect(parse(file, begin).end).toBe(2 * BLOCK_SIZE);
    expect(parseChunk({ bytes: file, start: 0 }, begin, { limit: file.length, limitIsEof: false }).end).toBe(2 * BLOCK_SIZE);
  });

  it("a window cut inside a block header within the chunk is an overrun at the chunk's begin", () => {
    const begin = BLOCK_SIZE - 100;
    const file = fileWith(begin, chunk(ChunkType.SIMPLE, 300, 1, 0));
    const cut = file.subarray(0, BLOCK_SIZE + 10);
    expect(() => parseChunk({ bytes: cut, start: 0 }, begin, { limit: file.length, limitIsEof: false })).toThrow(corrupt(begin, "incomplete chunk"));
  });

  it("an in-place window gives the same data, spliced in its own buffer", () => {
    for (const begin of [BLOCK_SIZE - 100, BLOCK_SIZE - 20, 100]) {
      const content = chunk(ChunkType.SIMPLE, 150_000, 1, 0);
      content.data.forEach((_, i) => (content.data[i] = (i * 7 + (i >> 8)) & 0xff));
      const file = fileWith(begin, content);
      const parsed = parseChunk({ bytes: file.slice(), start: 0, inPlace: true }, begin, { limit: file.length, limitIsEof: true });
      expect(parsed.header.dataSize).toBe(150_000);
      expect(Buffer.compare(parsed.data, content.data), String(begin)).toBe(0);
    }
  });

  it("a chunk may not begin inside a block header", () => {
    const file = new Uint8Array(3 * BLOCK_SIZE);
    for (const begin of [BLOCK_SIZE + 1, BLOCK_SIZE + 24, 2 * BLOCK_SIZE + 12]) {
      expect(() => parse(file, begin), String(begin)).toThrow(corrupt(begin, "inside a block header"));
      expect(() => chunkEndAt({ bytes: file, start: 0 }, begin, { limit: file.length, limitIsEof: true })).toThrow(corrupt(begin, "inside a block header"));
    }
  });

  it("readChunkAt reads the header span first, then exactly the chunk", () => {
    const begin = 100;
    const file = fileWith(begin, chunk(ChunkType.SIMPLE, 500, 2, 7));
    const plan = readChunkAt(file.length, begin);
    const first = plan.next();
    expect(first.value).toEqual({ position: begin, length: MAX_CHUNK_HEADER_SPAN });
    const second = plan.next(file.subarray(begin, begin + MAX_CHUNK_HEADER_SPAN));
    expect(second.value).toEqual({ position: begin, length: 540 });
    const done = plan.next(file.subarray(begin, begin + 540));
    expect(done.done).toBe(true);
    expect(done.value).toMatchObject({ begin, end: 640, header: { dataSize: 500, numRecords: 2, decodedDataSize: 7 } });
    // Near the end of the file the first read is cut to what is there.
    const tiny = fileWith(begin, chunk(ChunkType.PADDING, 0, 0, 0));
    expect(readChunkAt(tiny.length, begin).next().value).toEqual({ position: begin, length: 40 });
  });
});
