/**
 * Chunk stream codecs (FORMAT.md §4): the type bytes, the `varint(size) + payload` framing, the
 * compressor settings that reach the payload, and every way a stream can lie about its size.
 */
import { brotliCompressSync, constants as zlibConstants } from "node:zlib";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CompressionByte, StreamCompressor, compressionByte, decodeStream } from "../../../src/format/riegeli/codecs.js";
import type { Compression } from "../../../src/format/riegeli/compressor-options.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const varint = (n: number) => {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  return [...out, n];
};
const corrupt = (offset: number, message: string) => expect.objectContaining({ code: "CORRUPT", offset, message: expect.stringContaining(message) });
/** Compressible bytes: a repeating phrase with a counter, `n` long. */
const text = (n: number) => new TextEncoder().encode(Array.from({ length: Math.ceil(n / 5) + 1 }, (_, i) => `line ${i % 97} ok;`).join("")).subarray(0, n);

const CODECS: { compression: Compression; windowLog?: number; byte: number }[] = [
  { compression: { type: "uncompressed" }, byte: 0x00 },
  { compression: { type: "brotli", level: 1 }, byte: 0x62 },
  { compression: { type: "brotli", level: 6 }, windowLog: 16, byte: 0x62 },
  { compression: { type: "zstd", level: 3 }, byte: 0x7a },
  { compression: { type: "zstd", level: -5 }, windowLog: 10, byte: 0x7a },
  { compression: { type: "snappy" }, byte: 0x73 },
];

describe("compression type bytes", () => {
  it("are Riegeli's: none 0x00, brotli 'b', zstd 'z', snappy 's'", () => {
    expect(CompressionByte).toEqual({ NONE: 0x00, BROTLI: 0x62, ZSTD: 0x7a, SNAPPY: 0x73 });
    for (const { compression, byte } of CODECS) expect(compressionByte(compression), compression.type).toBe(byte);
  });
});

describe("StreamCompressor", () => {
  it("uncompressed streams are the raw bytes; others start with the uncompressed length as a varint", () => {
    const raw = text(300);
    expect(new StreamCompressor({ type: "uncompressed" }, undefined).encode(raw)).toBe(raw);
    for (const { compression, windowLog } of CODECS.slice(1)) {
      const stream = new StreamCompressor(compression, windowLog).encode(raw);
      expect(hex(stream.subarray(0, 2)), compression.type).toBe("ac02");
      expect(stream.length, compression.type).toBeLessThan(raw.length);
    }
  });

  it("tiny zstd and snappy streams are stored frames and literals, with exact bytes", () => {
    // zstd: magic, a single-segment header with a 1-byte content size, one raw last block.
    expect(hex(new StreamCompressor({ type: "zstd", level: 3 }, undefined).encode(Uint8Array.of(1, 2, 3)))).toBe("03" + "28b52ffd" + "2003" + "190000" + "010203");
    // snappy: the preamble (length) and one literal tag.
    expect(hex(new StreamCompressor({ type: "snappy" }, undefined).encode(Uint8Array.of(7, 8)))).toBe("02" + "02" + "04" + "0708");
  });

  it("encodeInto writes what encode returns, within directBound, at any offset (property, fixed seed)", () => {
    // zstd streams and Snappy through the addon go straight into the caller's buffer; the rest have no bound.
    expect(new StreamCompressor({ type: "uncompressed" }, undefined).directBound(100)).toBeUndefined();
    expect(new StreamCompressor({ type: "brotli", level: 1 }, undefined).directBound(100)).toBeUndefined();
    expect(new StreamCompressor({ type: "zstd", level: 3 }, undefined).directBound(8)).toBe(1 + 9 + 8); // a stored frame
    expect(new StreamCompressor({ type: "zstd", level: 3 }, undefined).directBound(9)).toBeGreaterThan(9);
    expect(new StreamCompressor({ type: "snappy" }, undefined).directBound(14)).toBeUndefined(); // one literal
    expect(new StreamCompressor({ type: "snappy" }, undefined).directBound(15)).toBe(1 + 32 + 15 + 2);
    const direct = CODECS.filter((c) => c.compression.type === "zstd" || c.compression.type === "snappy");
    fc.assert(
      fc.property(fc.constantFrom(...direct), fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 70_000 })), fc.integer({ min: 0, max: 40 }), (codec, n, at) => {
        const raw = text(n).map((b, i) => (i % 61 === 0 ? (i * 13) & 0xff : b));
        const c = new StreamCompressor(codec.compression, codec.windowLog);
        const want = hex(c.encode(raw));
        const bound = c.directBound(n);
        if (bound === undefined) return; // a one-literal Snappy stream: encode only
        const out = new Uint8Array(at + bound + 1).fill(0xee);
        const written = c.encodeInto(raw, out.subarray(0, at + bound), at);
        expect(hex(out.subarray(at, at + written))).toBe(want);
        expect(out.subarray(0, at).every((b) => b === 0xee)).toBe(true);
        expect(out[at + bound]).toBe(0xee);
      }),
      { seed: 1416, numRuns: 60 },
    );
  });

  it("the compression level reaches the compressor", () => {
    const raw = text(200_000).map((b, i) => (i % 1000 < 3 ? (i * 7) & 0xff : b));
    const size = (compression: Compression) => new StreamCompressor(compression, undefined).encode(raw).length;
    expect(size({ type: "brotli", level: 11 })).toBeLessThan(size({ type: "brotli", level: 0 }));
    expect(size({ type: "zstd", level: 19 })).toBeLessThan(size({ type: "zstd", level: -5 }));
    // Brotli at quality 5 with the size hint and the default window (22) is what zlib gives for those settings.
    const brotli = new StreamCompressor({ type: "brotli", level: 5 }, undefined).encode(raw);
    const reference = brotliCompressSync(raw, {
      params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_LGWIN]: 22, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    });
    expect(Buffer.compare(brotli.subarray(3), reference)).toBe(0);
  });

  it("zstd's window_log limits the frame's window only when the stream is longer than the window", () => {
    const raw = text(5000);
    const frame = (windowLog: number | undefined, input: Uint8Array) => {
      const stream = new StreamCompressor({ type: "zstd", level: 3 }, windowLog).encode(input);
      // 5000 takes a 2-byte varint; then the frame: magic, then the frame header descriptor.
      const payload = stream.subarray(2);
      expect(hex(payload.subarray(0, 4))).toBe("28b52ffd");
      return payload;
    };
    // Frame header descriptor bit 5: single segment (no window descriptor, window = content size).
    const limited = frame(10, raw);
    expect(limited[4]! & 0x20).toBe(0);
    expect(10 + (limited[5]! >> 3)).toBe(10);
    const unlimited = frame(undefined, raw);
    expect(unlimited[4]! & 0x20).toBe(0x20);
    const short = frame(13, raw);
    expect(short[4]! & 0x20).toBe(0x20);
  });

  it("every codec's stream decodes back, sizes 0..3000 across the literal and stored-frame limits", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CODECS), fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 3000 }).map(text)), (codec, raw) => {
        const compressor = new StreamCompressor(codec.compression, codec.windowLog);
        const stream = Uint8Array.from(compressor.encode(raw));
        expect(hex(decodeStream(codec.byte, stream, raw.length, 0, raw.length))).toBe(hex(raw));
        expect(hex(decodeStream(codec.byte, stream, raw.length + 5, 0))).toBe(hex(raw));
      }),
      { numRuns: 300, seed: 8 },
    );
  });
});

describe("decodeStream rejects streams that lie", () => {
  const raw = text(1000);
  const stream = (compression: Compression) => Uint8Array.from(new StreamCompressor(compression, undefined).encode(raw));

  it("an unknown compression byte", () => {
    expect(() => decodeStream(0x01, stream({ type: "zstd", level: 1 }), 2000, 31)).toThrow(corrupt(31, "unknown compression type 0x01"));
    // Our own errors pass through as they are, not wrapped as a codec failure.
    expect(() => decodeStream(0x01, stream({ type: "zstd", level: 1 }), 2000, 31)).toThrow(expect.objectContaining({ reason: "unknown compression type 0x01" }));
    expect(() => decodeStream(0x5a, stream({ type: "zstd", level: 1 }), 2000, 31)).toThrow(corrupt(31, "unknown compression type 0x5a"));
  });

  it("a size other than the exact one expected, or above the bound (the bound itself is allowed)", () => {
    for (const compression of CODECS.map((c) => c.compression)) {
      const s = stream(compression);
      const byte = compressionByte(compression);
      expect(() => decodeStream(byte, s, 5000, 17, 999), compression.type).toThrow(corrupt(17, "expected 999"));
      expect(() => decodeStream(byte, s, 999, 17), compression.type).toThrow(corrupt(17, "at most 999 allowed"));
      expect(decodeStream(byte, s, 1000, 17).length).toBe(1000);
    }
  });

  it("a payload that decodes to fewer or more bytes than the stream declares", () => {
    for (const compression of [{ type: "brotli", level: 4 }, { type: "zstd", level: 3 }] as const) {
      const s = stream(compression);
      // Declared 1001 (ac02 → e907): the payload yields 1000.
      const longer = Uint8Array.of(0xe9, 0x07, ...s.subarray(2));
      expect(() => decodeStream(compressionByte(compression), longer, 5000, 9), compression.type).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 9 }));
      // Declared 999: the decoder must stop, not write past the allocation.
      const shorter = Uint8Array.of(0xe7, 0x07, ...s.subarray(2));
      expect(() => decodeStream(compressionByte(compression), shorter, 5000, 9), compression.type).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 9 }));
    }
    const brotliShort = Uint8Array.of(0xe9, 0x07, ...stream({ type: "brotli", level: 4 }).subarray(2));
    expect(() => decodeStream(CompressionByte.BROTLI, brotliShort, 5000, 9)).toThrow(corrupt(9, "decompressed 1000 bytes, stream declares 1001"));
  });

  it("a malformed size varint is CORRUPT at the chunk's offset", () => {
    for (const byte of [CompressionByte.BROTLI, CompressionByte.ZSTD, CompressionByte.SNAPPY]) {
      expect(() => decodeStream(byte, Uint8Array.of(0x80), 100, 44)).toThrow(corrupt(44, "truncated varint"));
      expect(() => decodeStream(byte, new Uint8Array(11).fill(0xff), 100, 44)).toThrow(corrupt(44, "longer than 64 bits"));
    }
    // Snappy's own preamble, cut off.
    expect(() => decodeStream(CompressionByte.SNAPPY, Uint8Array.of(0x20, 0x80), 100, 45)).toThrow(corrupt(45, "truncated varint"));
  });

  it("snappy's own length preamble must agree with the stream's", () => {
    const s = stream({ type: "snappy" });
    const lying = Uint8Array.of(0xe9, 0x07, ...s.subarray(2));
    expect(() => decodeStream(CompressionByte.SNAPPY, lying, 5000, 12)).toThrow(corrupt(12, "snappy payload declares 1000 bytes, stream declares 1001"));
  });

  it("garbage payloads are CORRUPT with the codec's message as the cause", () => {
    const garbage = Uint8Array.of(0x0a, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7, 0xf6, 0xf5, 0xf4, 0xf3, 0xf2, 0xf1, 0xf0);
    for (const byte of [CompressionByte.BROTLI, CompressionByte.ZSTD, CompressionByte.SNAPPY]) {
      let error: unknown;
      try {
        decodeStream(byte, garbage, 100, 44);
      } catch (e) {
        error = e;
      }
      expect(error, `type ${byte}`).toMatchObject({ code: "CORRUPT", offset: 44 });
    }
    let brotliError: unknown;
    try {
      decodeStream(CompressionByte.BROTLI, garbage, 100, 44);
    } catch (e) {
      brotliError = e;
    }
    expect(brotliError).toMatchObject({ message: expect.stringContaining("cannot decompress chunk stream") });
    expect((brotliError as Error).cause).toBeInstanceOf(Error);
  });

  it("brotli stops at the declared size instead of inflating a small stream to its full size", () => {
    const bomb = Uint8Array.from(new StreamCompressor({ type: "brotli", level: 1 }, undefined).encode(new Uint8Array(16 << 20)));
    // Declare 10 bytes: the decoder must give up after 10, not produce 16 MiB and compare afterwards.
    const lying = Uint8Array.of(10, ...bomb.subarray(4));
    expect(() => decodeStream(CompressionByte.BROTLI, lying, 100, 8)).toThrow(corrupt(8, "cannot decompress chunk stream"));
  });

  it("zstd streams above 64 MiB decode through the growing path; more output than declared or a cut-off frame is CORRUPT", () => {
    const size = (64 << 20) + (1 << 20);
    const raw = new Uint8Array(size).map((_, i) => (i % 4099 === 0 ? i & 0xff : 0));
    const valid = Uint8Array.from(new StreamCompressor({ type: "zstd", level: 1 }, undefined).encode(raw));
    const out = decodeStream(CompressionByte.ZSTD, valid, size, 2, size);
    expect(out.length).toBe(size);
    expect(Buffer.compare(out, raw)).toBe(0);
    const sizeBytes = valid[0]! < 0x80 ? 1 : valid[1]! < 0x80 ? 2 : valid[2]! < 0x80 ? 3 : 4;
    expect(sizeBytes).toBe(4);
    const frame = valid.subarray(sizeBytes);
    // Declared 512 KiB short of the output (still above 64 MiB): decoding stops one byte past the declared size.
    const declared = (64 << 20) + (512 << 10);
    const shorter = Uint8Array.of(...varint(declared), ...frame);
    expect(() => decodeStream(CompressionByte.ZSTD, shorter, size, 2)).toThrow(corrupt(2, `decompressed ${declared + 1} bytes, stream declares ${declared}`));
    const cut = Uint8Array.of(...valid.subarray(0, sizeBytes), ...frame.subarray(0, frame.length - 8));
    expect(() => decodeStream(CompressionByte.ZSTD, cut, size, 2)).toThrow(corrupt(2, "truncated zstd stream"));
  });

  it("a zstd stream declaring a huge size is decoded without trusting it: CORRUPT, not a huge allocation", () => {
    const frame = stream({ type: "zstd", level: 3 }).subarray(2);
    const declared = 3 * 2 ** 30;
    const size = new Uint8Array(5);
    let n = declared;
    for (let i = 0; i < 5; i++, n = Math.floor(n / 128)) size[i] = (n & 0x7f) | (i < 4 ? 0x80 : 0);
    const lying = Uint8Array.of(...size, ...frame);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => decodeStream(CompressionByte.ZSTD, lying, 2 ** 32, 3)).toThrow(corrupt(3, `decompressed 1000 bytes, stream declares ${declared}`));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 << 20);
    // A truncated frame under a large declared size stops with CORRUPT.
    const truncated = Uint8Array.of(...size, ...frame.subarray(0, frame.length - 20));
    expect(() => decodeStream(CompressionByte.ZSTD, truncated, 2 ** 32, 3)).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 3 }));
  });
});
