import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planSplits, type ChunkExtents } from "../../src/io/splits.js";

/** A chunk layout from per-chunk record counts (≥ 1) and byte sizes. */
function layout(chunks: { records: number; bytes: number }[]): { offsets: number[]; firstRecord: number[] } & ChunkExtents {
  const offsets = [0];
  const firstRecord = [0];
  for (const c of chunks) {
    offsets.push(offsets.at(-1)! + c.bytes);
    firstRecord.push(firstRecord.at(-1)! + c.records);
  }
  return { offsets, firstRecord };
}

const chunksArb = fc.array(fc.record({ records: fc.integer({ min: 1, max: 50 }), bytes: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 40 });

describe("planSplits", () => {
  it("covers [0, n) exactly once, in order, with non-empty ranges, for any sizes", () => {
    fc.assert(
      fc.property(chunksArb, fc.integer({ min: 1, max: 200_000 }), fc.option(fc.integer({ min: 1, max: 100 })), (chunks, bytes, records) => {
        const extents = layout(chunks);
        const total = extents.firstRecord.at(-1)!;
        const splits = planSplits(extents, { desiredSplitBytes: bytes, desiredSplitRecords: records ?? undefined });
        let next = 0;
        for (const [start, end] of splits) {
          expect(start).toBe(next);
          expect(end).toBeGreaterThan(start);
          if (records !== null) expect(end - start).toBeLessThanOrEqual(records);
          next = end;
        }
        expect(next).toBe(total);
      }),
    );
  });

  it("balances by bytes: a split reaches the target before it closes (but the last)", () => {
    // 10 chunks of 10 records, 1000 bytes each (100 bytes per record).
    const extents = layout(Array.from({ length: 10 }, () => ({ records: 10, bytes: 1000 })));
    expect(planSplits(extents, { desiredSplitBytes: 2500 })).toEqual([
      [0, 25],
      [25, 50],
      [50, 75],
      [75, 100],
    ]);
    expect(planSplits(extents, { desiredSplitBytes: 1 }).length).toBe(100);
    expect(planSplits(extents, { desiredSplitBytes: 1 << 30 })).toEqual([[0, 100]]);
    expect(planSplits(extents, { desiredSplitRecords: 30 })).toEqual([
      [0, 30],
      [30, 60],
      [60, 90],
      [90, 100],
    ]);
  });

  it("gives small records fewer splits than large ones", () => {
    const extents = layout([
      { records: 100, bytes: 1000 },
      { records: 1, bytes: 5000 },
      { records: 1, bytes: 5000 },
    ]);
    expect(planSplits(extents, { desiredSplitBytes: 1000 })).toEqual([
      [0, 100],
      [100, 101],
      [101, 102],
    ]);
  });

  it("plans nothing for an empty file and rejects bad sizes", () => {
    expect(planSplits(layout([]))).toEqual([]);
    expect(() => planSplits(layout([]), { desiredSplitBytes: 0 })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => planSplits(layout([]), { desiredSplitRecords: 1.5 })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });
});
