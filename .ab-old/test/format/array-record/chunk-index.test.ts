/** The compact chunk index: uniform groups computed (12 bytes per chunk), other layouts searched; fast footer parsing. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ChunkIndex } from "../../../src/format/array-record/chunk-index.js";
import { decodeFooterColumns, encodeFooterEntry, type FooterEntry } from "../../../src/format/array-record/footer.js";
import type { ChunkRecords } from "../../../src/format/riegeli/simple-chunk.js";

const meta = (numRecords: number, numChunks: number) => ({ version: 1, numChunks, numRecords, writerOptions: "" });

/** A decoded footer chunk holding record 0 (metadata, here empty) and one record per entry. */
function footerChunk(entries: FooterEntry[]): ChunkRecords {
  const records = [new Uint8Array(0), ...entries.map(encodeFooterEntry)];
  const starts = new Float64Array(records.length + 1);
  records.forEach((r, i) => (starts[i + 1] = starts[i]! + r.length));
  const values = new Uint8Array(starts[records.length]!);
  records.forEach((r, i) => values.set(r, starts[i]!));
  return { count: records.length, values, starts };
}

describe("ChunkIndex", () => {
  it("uniform groups: 12 bytes per chunk, record starts computed, last chunk short", () => {
    const entries = [0, 1, 2].map((c) => ({ chunkOffset: 100 + c * 50, numRecords: c < 2 ? 4 : 3, decodedDataSize: 7 }));
    const index = new ChunkIndex(meta(11, 3), entries, 300, 300);
    expect(index.bytesPerChunk).toBe(12);
    expect(index.groupSize).toBe(4);
    expect([0, 1, 2, 3].map((c) => index.recordStart(c))).toEqual([0, 4, 8, 11]);
    expect([0, 3, 4, 10].map((i) => index.chunkOf(i))).toEqual([0, 0, 1, 2]);
    expect(index.recordsIn(2)).toBe(3);
    expect([...index.offsets]).toEqual([100, 150, 200, 300]);
  });

  it("non-uniform groups keep starts and find chunks by binary search", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 40 }), (counts) => {
        const entries = counts.map((n, c) => ({ chunkOffset: 64 + c * 100, numRecords: n, decodedDataSize: n * 2 }));
        const total = counts.reduce((a, b) => a + b, 0);
        const index = new ChunkIndex(meta(total, counts.length), entries, 64 + counts.length * 100, 0);
        let i = 0;
        counts.forEach((n, c) => {
          expect(index.recordStart(c)).toBe(i);
          expect(index.recordsIn(c)).toBe(n);
          for (let k = 0; k < n; k++) expect(index.chunkOf(i++)).toBe(c);
        });
        expect(index.recordStart(counts.length)).toBe(total);
      }),
      { numRuns: 100, seed: 14 },
    );
  });

  it("decodeFooterColumns agrees with the per-entry parser, large values included", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ chunkOffset: fc.maxSafeNat(), numRecords: fc.oneof(fc.nat(1000), fc.maxSafeNat()), decodedDataSize: fc.oneof(fc.nat(5000), fc.maxSafeNat()) }), { maxLength: 30 }),
        (entries) => {
          const columns = decodeFooterColumns(footerChunk(entries), entries.length, 0);
          expect([...columns.chunkOffsets.subarray(0, entries.length)]).toEqual(entries.map((e) => e.chunkOffset));
          expect([...columns.numRecords]).toEqual(entries.map((e) => e.numRecords));
          expect([...columns.decodedSizes]).toEqual(entries.map((e) => e.decodedDataSize));
        },
      ),
      { numRuns: 200, seed: 14 },
    );
  });

  it("a footer entry without chunk_offset is CORRUPT", () => {
    const chunk = footerChunk([{ chunkOffset: 1, numRecords: 1, decodedDataSize: 1 }]);
    const bad = { ...chunk, values: Uint8Array.of(0x10, 0x01, 0x18, 0x01), starts: Float64Array.of(0, 0, 4) };
    expect(() => decodeFooterColumns(bad, 1, 77)).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 77 }));
  });
});
