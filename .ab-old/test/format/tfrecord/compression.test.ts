/** The streaming GZIP/ZLIB compressor writes streams zlib (and so TensorFlow) reads back exactly. */
import { gunzipSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { StreamDeflater } from "../../../src/format/tfrecord/compression.js";

/** Zero-heavy data like TFRecord framing of empty records: it once produced streams zlib rejected. */
function sample(length: number, salt: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i % 16 < 12 ? 0 : (i * 131 + salt) & 0xff));
}

describe("StreamDeflater", () => {
  it("every stream decodes with node:zlib to the bytes pushed, for any piece sizes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 70_000 }), fc.constantFrom("gzip", "zlib") as fc.Arbitrary<"gzip" | "zlib">, fc.integer({ min: 0, max: 9 }), (length, piece, compression, level) => {
        const data = sample(length, length);
        const deflater = new StreamDeflater(compression, level as 0);
        const out: Uint8Array[] = [];
        for (let at = 0; at < data.length; at += piece) out.push(...deflater.push(data.subarray(at, at + piece), false));
        out.push(...deflater.push(new Uint8Array(0), true));
        const stream = Buffer.concat(out);
        const back = compression === "gzip" ? gunzipSync(stream) : inflateSync(stream);
        expect(Buffer.compare(back, Buffer.from(data))).toBe(0);
      }),
      { numRuns: 400 },
    );
  });
});
