import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { viewOf } from "../../../src/format/bytes/views.js";
import { allocBytes } from "../../../src/format/bytes/slab.js";

describe("viewOf", () => {
  it("views the same bytes as subarray, inside a view that starts past its buffer's start", () => {
    const buffer = new Uint8Array(64).map((_, i) => i);
    const bytes = buffer.subarray(8, 40);
    fc.assert(
      fc.property(fc.nat(32), fc.nat(32), (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const view = viewOf(bytes, from, to);
        expect(view.buffer).toBe(buffer.buffer);
        expect([...view]).toEqual([...bytes.subarray(from, to)]);
      }),
    );
  });

  it("refuses a range outside the view instead of clamping it or reaching into the rest of the buffer", () => {
    const bytes = new Uint8Array(64).subarray(8, 40);
    expect(() => viewOf(bytes, 0, 33)).toThrow(RangeError);
    expect(() => viewOf(bytes, -1, 4)).toThrow(RangeError);
    expect(() => viewOf(bytes, 5, 4)).toThrow(RangeError);
    expect(() => viewOf(bytes, 0, Number.NaN)).toThrow(RangeError);
  });
});

describe("allocBytes", () => {
  it("hands out disjoint small arrays of the sizes asked for", () => {
    const arrays = [100, 1, 4096, 8192, 7].map((n) => allocBytes(n));
    expect(arrays.map((a) => a.length)).toEqual([100, 1, 4096, 8192, 7]);
    arrays.forEach((a, k) => a.fill(k + 1));
    arrays.forEach((a, k) => expect(a.every((x) => x === k + 1)).toBe(true));
  });
});
