import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ZSTD_RAW_LIMIT, readZstdStoredFrame, writeZstdRawFrame, zstdCompressBound, zstdRawFrame } from "../../../src/format/riegeli/zstd-small.js";

const require = createRequire(import.meta.url);
const zstd = require("zstd-napi/binding.js") as typeof import("zstd-napi/binding.js");

function nativeCompress(input: Uint8Array, level: number): Uint8Array {
  const ctx = new zstd.CCtx();
  ctx.setParameter(zstd.CParameter.compressionLevel, level);
  ctx.setPledgedSrcSize(input.length);
  const out = Buffer.alloc(zstd.compressBound(input.length));
  return out.subarray(0, ctx.compress2(out, input));
}

function nativeDecompress(frame: Uint8Array, size: number): Uint8Array {
  const out = Buffer.alloc(size);
  return out.subarray(0, new zstd.DCtx().decompress(out, frame));
}

describe("zstd frames for tiny streams", () => {
  it("writes libzstd's bytes for every input of up to 8 bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: ZSTD_RAW_LIMIT }), fc.constantFrom(-5, 1, 3, 19), (input, level) => {
        expect(Buffer.from(zstdRawFrame(input)).toString("hex")).toBe(Buffer.from(nativeCompress(input, level)).toString("hex"));
      }),
    );
  });

  it("writeZstdRawFrame writes the same frame at an offset into a dirty buffer", () => {
    const out = new Uint8Array(40).fill(0xff);
    expect(writeZstdRawFrame(Uint8Array.of(1, 2, 3), out, 5)).toBe(12);
    expect(Buffer.from(out.subarray(5, 17)).toString("hex")).toBe(Buffer.from(zstdRawFrame(Uint8Array.of(1, 2, 3))).toString("hex"));
    expect(out[4]).toBe(0xff);
    expect(out[17]).toBe(0xff);
  });

  it("zstdCompressBound is libzstd's ZSTD_compressBound", () => {
    for (const n of [0, 1, 8, 9, 100, 1300, 2047, 2048, 65536, 131071, 131072, 131073, 333_000, 10_000_000]) {
      expect(zstdCompressBound(n), `n = ${n}`).toBe(zstd.compressBound(n));
    }
  });

  it("reads stored frames exactly as the native decoder does, and declines the rest", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 300 }).map((n) => new Uint8Array(n).fill(9))), (input) => {
        const frame = nativeCompress(input, 3);
        const ours = readZstdStoredFrame(frame, input.length);
        if (ours !== undefined) expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(nativeDecompress(frame, input.length)).toString("hex"));
        if (input.length <= ZSTD_RAW_LIMIT) expect(ours).toBeDefined();
      }),
    );
  });

  it("declines damaged or different frames instead of guessing", () => {
    const frame = zstdRawFrame(Uint8Array.of(1, 2, 3));
    expect(readZstdStoredFrame(frame, 4)).toBeUndefined();
    expect(readZstdStoredFrame(frame.subarray(0, frame.length - 1), 3)).toBeUndefined();
    expect(readZstdStoredFrame(Uint8Array.of(...frame, 0), 3)).toBeUndefined();
    const withChecksum = frame.slice();
    withChecksum[4]! |= 0x04;
    expect(readZstdStoredFrame(withChecksum, 3)).toBeUndefined();
    const compressed = nativeCompress(new Uint8Array(1000).map((_, i) => i % 7), 3);
    expect(readZstdStoredFrame(compressed, 1000)).toBeUndefined();
  });
});
