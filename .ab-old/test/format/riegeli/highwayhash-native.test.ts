/** The native HighwayHash engine (large Riegeli-keyed inputs) agrees with the portable one byte for byte. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { riegeliHashMatches, writeRiegeliHash } from "../../../src/format/riegeli/highwayhash.js";
import { portableHash } from "../../../src/format/riegeli/highwayhash-portable.js";
import { result } from "../../../src/format/riegeli/highwayhash-shared.js";
import { NATIVE_MIN_BYTES, loadNativeRiegeliHash } from "../../../src/format/riegeli/highwayhash-native.js";

function portableLe(data: Uint8Array): Uint8Array {
  portableHash(data, null);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setInt32(0, result[0]!, true);
  new DataView(out.buffer).setInt32(4, result[1]!, true);
  return out;
}

describe("native HighwayHash", () => {
  it("is installed (npm ci builds it) and passes its self-check", () => {
    expect(loadNativeRiegeliHash()).not.toBeNull();
  });

  it("large inputs at any offset hash as the portable engine does", () => {
    fc.assert(
      fc.property(fc.integer({ min: NATIVE_MIN_BYTES - 2, max: 200_000 }), fc.nat(7), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (n, skew, seed) => {
        const backing = new Uint8Array(n + skew);
        let s = seed;
        for (let i = 0; i < backing.length; i++) backing[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
        const data = backing.subarray(skew);
        const expected = portableLe(data);
        const out = new Uint8Array(8);
        writeRiegeliHash(data, out, 0);
        expect([...out]).toEqual([...expected]);
        expect(riegeliHashMatches(data, expected, 0)).toBe(true);
        expected[3] ^= 1;
        expect(riegeliHashMatches(data, expected, 0)).toBe(false);
      }),
      { numRuns: 25, seed: 14 },
    );
  });
});
