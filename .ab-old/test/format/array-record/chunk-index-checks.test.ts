/** ChunkIndex on hand-made footers: record → chunk mapping for uniform and uneven groups, and each footer contradiction rejected. */
import { describe, expect, it } from "vitest";
import { ChunkIndex } from "../../../src/format/array-record/chunk-index.js";
import type { FooterEntry } from "../../../src/format/array-record/footer.js";

const meta = (numRecords: number, numChunks: number) => ({ version: 1, numChunks, numRecords, writerOptions: "" });
const entries = (counts: number[], step = 100): FooterEntry[] => counts.map((numRecords, c) => ({ chunkOffset: c * step, numRecords, decodedDataSize: numRecords * 3 }));
const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
const index = (counts: number[]) => new ChunkIndex(meta(total(counts), counts.length), entries(counts), counts.length * 100, 7);

describe("ChunkIndex", () => {
  it("uniform groups: offsets, counts, sizes and chunkOf by division", () => {
    const ix = index([4, 4, 4, 2]);
    expect([...ix.offsets]).toEqual([0, 100, 200, 300, 400]);
    expect([...ix.decodedSizes]).toEqual([12, 12, 12, 6]);
    expect(ix.groupSize).toBe(4);
    expect(ix.numChunks).toBe(4);
    expect(ix.numRecords).toBe(14);
    expect([0, 1, 2, 3].map((c) => ix.recordsIn(c))).toEqual([4, 4, 4, 2]);
    expect(Array.from({ length: 14 }, (_, i) => ix.chunkOf(i))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3]);
  });

  it("uneven groups (not written by C++): chunkOf by binary search", () => {
    for (const counts of [[1, 3, 2, 5], [5, 1], [2, 2, 3], [3, 3, 1, 3], [1]]) {
      const ix = index(counts);
      const expected = counts.flatMap((n, c) => Array<number>(n).fill(c));
      expect(Array.from({ length: expected.length }, (_, i) => ix.chunkOf(i)), counts.join(",")).toEqual(expected);
      expect(ix.groupSize, counts.join(",")).toBe(counts.length === 1 ? counts[0] : counts.slice(0, -1).every((n) => n === counts[0]) && counts.at(-1)! <= counts[0]! ? counts[0] : 0);
    }
  });

  it("an empty file has no chunks and group size 0", () => {
    const ix = new ChunkIndex(meta(0, 0), [], 0, 0);
    expect(ix.numChunks).toBe(0);
    expect(ix.numRecords).toBe(0);
    expect(ix.groupSize).toBe(0);
    expect([...ix.offsets]).toEqual([0]);
  });

  it("rejects footers that contradict themselves, with CORRUPT at the given offset", () => {
    const corrupt = (fn: () => unknown, pattern: RegExp) => expect(fn).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 7, message: expect.stringMatching(pattern) }));
    const e = entries([2, 2, 2]);
    corrupt(() => new ChunkIndex(meta(6, 3), [e[0]!, e[2]!, e[1]!], 300, 7), /entry 2: chunk offset 100 out of order/);
    corrupt(() => new ChunkIndex(meta(6, 3), [e[0]!, e[0]!, e[2]!], 300, 7), /entry 1: chunk offset 0 out of order/);
    corrupt(() => new ChunkIndex(meta(6, 3), e, 200, 7), /entry 2: chunk offset 200 out of order or past the footer/);
    corrupt(() => new ChunkIndex(meta(4, 3), entries([2, 0, 2]), 300, 7), /entry 1: chunk with no records/);
    corrupt(() => new ChunkIndex(meta(7, 3), e, 300, 7), /hold 6 records, footer metadata says 7/);
    // Offsets one apart are allowed (the check is order, not size).
    expect(new ChunkIndex(meta(4, 2), [{ chunkOffset: 10, numRecords: 2, decodedDataSize: 0 }, { chunkOffset: 11, numRecords: 2, decodedDataSize: 0 }], 12, 7).offsets[2]).toBe(12);
  });
});
