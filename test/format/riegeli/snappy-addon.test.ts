/**
 * Our Snappy addon (native/snappy, built by node-gyp on install) must be built here. Its
 * decoder must agree with the `snappy` package on every stream that package writes, and refuse
 * malformed streams (-1, never a crash or an out-of-bounds write) so chunks fail as CORRUPT. Its
 * compressor must write streams the package (libsnappy) decodes back to the input, within its
 * stated bound, about as small as the package's.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import { compressSync, uncompressSync } from "snappy";
import { describe, expect, it } from "vitest";
import { CompressionByte, StreamCompressor, decodeStream, snappyDecoder, snappyEncoder } from "../../../src/format/riegeli/codecs.js";
import { writeVarint, varintSize } from "../../../src/format/varint.js";
import { textRecords } from "../../helpers/generators.js";

const addon = createRequire(import.meta.url)("arrayrecord-snappy") as {
  decodeInto(src: Uint8Array, dst: Uint8Array): number;
  compressInto(src: Uint8Array, dst: Uint8Array): number;
};
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
        // The decoder's fast paths write fixed 8/16-byte pieces: the 16 guard bytes after the
        // output window must survive a valid decode too.
        const backing = new Uint8Array(raw.length + 16).fill(0xa5);
        const out = backing.subarray(0, raw.length);
        expect(addon.decodeInto(packed, out)).toBe(raw.length);
        expect(Buffer.compare(Buffer.from(out), Buffer.from(raw))).toBe(0);
        expect(backing.subarray(raw.length).every((b) => b === 0xa5)).toBe(true);
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

  it("writes nothing past the output when an element ends near it (the fast paths' slack)", () => {
    const decodeGuarded = (stream: number[], size: number): [number, Uint8Array, boolean] => {
      const backing = new Uint8Array(size + 32).fill(0xa5);
      const n = addon.decodeInto(Uint8Array.from(stream), backing.subarray(0, size));
      return [n, backing.subarray(0, size), backing.subarray(size).every((b) => b === 0xa5)];
    };
    // A 1-byte literal into a 1-byte output, with 16 more (junk) input bytes after it.
    expect(decodeGuarded([1, 0x00, 0x41, ...new Array<number>(16).fill(0xff)], 1)).toEqual([-1, Uint8Array.of(0x41), true]);
    // An 8-byte literal, then a 4-byte copy at offset 8 that ends the 12-byte output.
    const letters = [...Buffer.from("ABCDEFGH")];
    expect(decodeGuarded([12, 7 << 2, ...letters, 0x01, 8], 12)).toEqual([12, Uint8Array.from([...letters, ...letters.slice(0, 4)]), true]);
    // A 20-byte copy at offset 8 (overlapping, two pattern repeats and a half) that ends the output.
    expect(decodeGuarded([28, 7 << 2, ...letters, (19 << 2) | 2, 8, 0], 28)).toEqual([28, Uint8Array.from([...letters, ...letters, ...letters, ...letters.slice(0, 4)]), true]);
  });

  it("a truncated stream inside a chunk stream is CORRUPT at its offset", () => {
    const raw = new Uint8Array(5000).map((_, i) => i % 11);
    const packed = new Uint8Array(compressSync(Buffer.from(raw))).subarray(0, -3);
    const stream = new Uint8Array(varintSize(raw.length) + packed.length);
    stream.set(packed, writeVarint(stream, 0, raw.length));
    expect(() => decodeStream(CompressionByte.SNAPPY, stream, raw.length, 777, raw.length)).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 777 }));
  });
});

const maxCompressed = (n: number): number => 32 + n + Math.floor(n / 6);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Compresses with the addon into an exactly bounded window followed by a guard byte, which must survive. */
function addonCompress(raw: Uint8Array): Uint8Array {
  const bound = maxCompressed(raw.length);
  const backing = new Uint8Array(bound + 1).fill(0x5a);
  const n = addon.compressInto(raw, backing.subarray(0, bound));
  expect(n).toBeGreaterThan(0);
  expect(n).toBeLessThanOrEqual(bound);
  expect(backing[bound]).toBe(0x5a);
  return backing.subarray(0, n);
}

describe("snappy compressor in the addon", () => {
  it("is built and used by the writer", () => {
    expect(snappyEncoder).toBe("addon");
    const raw = new TextEncoder().encode("the quick brown fox jumps over the lazy dog; ".repeat(40));
    const packed = addonCompress(raw);
    const stream = new StreamCompressor({ type: "snappy" }, undefined).encode(raw);
    expect(hex(stream)).toBe(hex(new Uint8Array([...varintBytes(raw.length), ...packed])));
  });

  it("writes the elements the format defines, with exact bytes", () => {
    const ascii = (t: string): Uint8Array => new TextEncoder().encode(t);
    // One literal "abcd", then a 16-byte copy at offset 4 (2-byte offset form: longer than 11).
    expect(hex(addonCompress(ascii("abcd".repeat(5))))).toBe("14" + "0c" + hex(ascii("abcd")) + "3e0400");
    // Literal, an 8-byte copy at offset 4 (1-byte offset form), then the 7-byte tail literal.
    expect(hex(addonCompress(ascii("abcdabcdabcdxyzwvut")))).toBe("13" + "0c" + hex(ascii("abcd")) + "1104" + "18" + hex(ascii("xyzwvut")));
    // Under 15 bytes: the preamble and one literal; empty: the preamble alone.
    expect(hex(addonCompress(ascii("aaaaaaaaaaaaaa")))).toBe("0e" + "34" + hex(ascii("aaaaaaaaaaaaaa")));
    expect(hex(addonCompress(new Uint8Array(0)))).toBe("00");
    // 300 zero bytes: literal of 1, copies of 64 × 4 and a last one of 43 at offset 1 (2-byte form).
    expect(hex(addonCompress(new Uint8Array(300)))).toBe("ac02" + "0000" + "fe0100".repeat(4) + "aa0100");
  });

  it("round-trips through the snappy package and our decoder (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.oneof(compressible, fc.uint8Array({ maxLength: 140_000 })), (raw) => {
        const packed = addonCompress(raw);
        expect(hex(new Uint8Array(uncompressSync(Buffer.from(packed)) as Buffer))).toBe(hex(raw));
        const out = new Uint8Array(raw.length);
        expect(addon.decodeInto(packed, out)).toBe(raw.length);
        expect(hex(out)).toBe(hex(raw));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("refuses an output shorter than its bound, writing nothing", () => {
    const raw = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    const out = new Uint8Array(maxCompressed(raw.length) - 1).fill(0x33);
    expect(addon.compressInto(raw, out)).toBe(-1);
    expect(out.every((b) => b === 0x33)).toBe(true);
    expect(() => (addon.compressInto as (a: unknown, b: unknown) => number)(raw, "x")).toThrow(TypeError);
  });

  it("compresses text records about as small as the snappy package (within 3%)", () => {
    const records = textRecords(1234, 2000, 1200, 1400);
    let ours = 0;
    let theirs = 0;
    for (const r of records) {
      ours += addonCompress(r).length;
      theirs += compressSync(Buffer.from(r)).length;
    }
    const group = new Uint8Array(Buffer.concat(records.slice(0, 256)));
    expect(Math.abs(ours / theirs - 1)).toBeLessThan(0.03);
    expect(Math.abs(addonCompress(group).length / compressSync(Buffer.from(group)).length - 1)).toBeLessThan(0.03);
  });
});

function varintBytes(n: number): Uint8Array {
  const out = new Uint8Array(varintSize(n));
  writeVarint(out, 0, n);
  return out;
}
