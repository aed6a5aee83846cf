/**
 * Our Snappy decoder addon (native/snappy-decode, built by node-gyp on install) must be built
 * here, agree with the `snappy` package on every stream that package writes, and refuse
 * malformed streams (-1, never a crash or an out-of-bounds write) so chunks fail as CORRUPT.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import { compressSync } from "snappy";
import { describe, expect, it } from "vitest";
import { CompressionByte, decodeStream, snappyDecoder } from "../../../src/format/riegeli/codecs.js";
import { writeVarint, varintSize } from "../../../src/format/varint.js";

const addon = createRequire(import.meta.url)("arrayrecord-snappy-decode") as { decodeInto(src: Uint8Array, dst: Uint8Array): number };
const SEED = 1415;

/** Bytes with long repeats and short overlapping ones, so every element kind appears. */
const compressible = fc
  .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300 })), { maxLength: 40 })
  .map((parts) => {
    const out: number[] = [];
    for (const [bytes, repeat] of parts) for (let r = 0; r < repeat && out.length < 200_000; r++) out.push(...bytes);
    return Uint8Array.from(out);
  });

describe("snappy decode addon", () => {
  it("is built and used", () => {
    expect(snappyDecoder).toBe("addon");
  });

  it("decodes exactly what the snappy package encodes (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.oneof(compressible, fc.uint8Array({ maxLength: 70_000 })), (raw) => {
        const packed = new Uint8Array(compressSync(Buffer.from(raw)));
        const out = new Uint8Array(raw.length);
        expect(addon.decodeInto(packed, out)).toBe(raw.length);
        expect(Buffer.compare(Buffer.from(out), Buffer.from(raw))).toBe(0);
        // Through the chunk-stream decoder, as a reader uses it.
        const stream = new Uint8Array(varintSize(raw.length) + packed.length);
        stream.set(packed, writeVarint(stream, 0, raw.length));
        expect(Buffer.compare(Buffer.from(decodeStream(CompressionByte.SNAPPY, stream, raw.length, 0, raw.length)), Buffer.from(raw))).toBe(0);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("refuses truncated, damaged and mis-sized streams without touching memory past the output", () => {
    fc.assert(
      fc.property(compressible, fc.nat(), fc.integer({ min: 0, max: 255 }), (raw, at, flip) => {
        const packed = new Uint8Array(compressSync(Buffer.from(raw)));
        // A guard byte after the output window must survive every call.
        const backing = new Uint8Array(raw.length + 1).fill(0xa5);
        const out = backing.subarray(0, raw.length);
        if (packed.length > 1) expect(addon.decodeInto(packed.subarray(0, packed.length - 1 - (at % (packed.length - 1))), out)).toBe(-1);
        const damaged = packed.slice();
        damaged[at % damaged.length]! ^= flip;
        const n = addon.decodeInto(damaged, out);
        expect(n === -1 || n === raw.length).toBe(true);
        expect(addon.decodeInto(packed, backing.subarray(0, raw.length + 1))).toBe(-1); // preamble ≠ output size
        expect(backing[raw.length]).toBe(0xa5);
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect(() => addon.decodeInto(new Uint8Array([5]), new Uint8Array(0))).not.toThrow();
    expect(addon.decodeInto(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), new Uint8Array(4))).toBe(-1);
    // A copy reaching before the output start.
    expect(addon.decodeInto(new Uint8Array([4, 0x01 | (0 << 2), 0x05]), new Uint8Array(4))).toBe(-1);
    expect(() => (addon.decodeInto as (a: unknown, b: unknown) => number)("x", 1)).toThrow(TypeError);
  });

  it("a truncated stream inside a chunk stream is CORRUPT at its offset", () => {
    const raw = new Uint8Array(5000).map((_, i) => i % 11);
    const packed = new Uint8Array(compressSync(Buffer.from(raw))).subarray(0, -3);
    const stream = new Uint8Array(varintSize(raw.length) + packed.length);
    stream.set(packed, writeVarint(stream, 0, raw.length));
    expect(() => decodeStream(CompressionByte.SNAPPY, stream, raw.length, 777, raw.length)).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 777 }));
  });
});
