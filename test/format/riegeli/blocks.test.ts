import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addWithOverhead, blockOffset, chunkEnd, isValidChunkBoundary, roundUpToBoundary, remainingInBlock } from "../../../src/format/riegeli/blocks.js";

describe("block arithmetic (FORMAT.md §1)", () => {
  it("roundUpToBoundary skips the 24 bytes after a block boundary", () => {
    expect([0, 1, 25, 26, 65536, 65537, 65561, 65562].map(roundUpToBoundary)).toEqual([0, 25, 25, 26, 65536, 65561, 65561, 65562]);
  });

  it("valid chunk boundaries are never inside or right after a block header", () => {
    expect([0, 24, 25, 65535, 65536, 65560, 65561].map(isValidChunkBoundary)).toEqual([true, false, true, true, true, false, true]);
  });

  it("matches the worked examples of FORMAT.md §8", () => {
    expect(addWithOverhead(462, 40 + 65034)).toBe(65536);
    expect(addWithOverhead(65536, 84)).toBe(65644);
    expect(chunkEnd(64, 40 + 34, 65473)).toBe(65561);
    expect(chunkEnd(64, 40 + 34, 65496)).toBe(65561);
    expect(chunkEnd(64, 40 + 34, 65472)).toBe(65536);
  });

  it("blockOffset is pos % 65536 and remainingInBlock its distance to the next boundary, past 2^32 too", () => {
    expect([0, 1, 65535, 65536, 65537, 2 ** 32 + 5, 2 ** 53 - 1].map(blockOffset)).toEqual([0, 1, 65535, 0, 1, 5, 65535]);
    fc.assert(
      fc.property(fc.maxSafeNat(), (pos) => {
        expect(blockOffset(pos)).toBe(pos % 65536);
        expect(remainingInBlock(pos)).toBe((65536 - (pos % 65536)) % 65536);
      }),
      { numRuns: 1000 },
    );
  });

  it("addWithOverhead counts one header per boundary with chunk bytes after it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 * 65536 }), fc.integer({ min: 0, max: 300_000 }), (b0, n) => {
        const b = roundUpToBoundary(b0);
        // Walk byte by byte over block headers: the reference definition.
        let pos = b;
        let left = n;
        while (left > 0) {
          if (pos % 65536 === 0) pos += 24;
          const take = Math.min(left, 65536 - (pos % 65536));
          pos += take;
          left -= take;
        }
        expect(addWithOverhead(b, n)).toBe(pos);
        expect(remainingInBlock(pos)).toBeLessThan(65536);
      }),
      { numRuns: 300 },
    );
  });
});
