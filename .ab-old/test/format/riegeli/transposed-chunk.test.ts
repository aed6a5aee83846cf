/** Transposed chunks: our encoder's output decodes to exactly its input, for every kind of record and compression. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { StreamCompressor } from "../../../src/format/riegeli/codecs.js";
import type { Compression } from "../../../src/format/riegeli/compressor-options.js";
import { recordAt } from "../../../src/format/riegeli/simple-chunk.js";
import { TransposedChunkBuilder, splitIntoBuckets } from "../../../src/format/riegeli/transposed-chunk-encoder.js";
import { decodeTransposedChunk } from "../../../src/format/riegeli/transposed-chunk-decoder.js";
import { isProtoMessage } from "../../../src/format/riegeli/proto-wire.js";
import { encodeFields, recordArbitrary } from "../../helpers/proto-arbitrary.js";

const COMPRESSIONS: Compression[] = [{ type: "uncompressed" }, { type: "zstd", level: 3 }, { type: "brotli", level: 6 }, { type: "snappy" }];
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function roundTrip(records: Uint8Array[], compression: Compression, bucketSize: number): Uint8Array[] {
  const builder = new TransposedChunkBuilder(bucketSize);
  for (const r of records) builder.add(r);
  const decodedDataSize = builder.decodedDataSize;
  const data = builder.finish(new StreamCompressor(compression, undefined));
  const chunk = decodeTransposedChunk(data, records.length, decodedDataSize, 0);
  return Array.from({ length: chunk.count }, (_, i) => recordAt(chunk, i));
}

describe("transposed chunk encoder and decoder", () => {
  describe.each(COMPRESSIONS)("$type", (compression) => {
    for (const kind of ["proto", "nonproto", "mixed"] as const) {
      it(`round-trips ${kind} records with several bucket sizes`, () => {
        fc.assert(
          fc.property(fc.array(recordArbitrary(kind), { minLength: 1, maxLength: 40 }), fc.constantFrom(1, 64, 256, 4096, 2 ** 40), (records, bucketSize) => {
            expect(roundTrip(records, compression, bucketSize).map(hex)).toEqual(records.map(hex));
          }),
          { seed: 12, numRuns: compression.type === "uncompressed" ? 150 : 60 },
        );
      });
    }
  });

  it("proto records become columns; anything else is stored verbatim", () => {
    const message = encodeFields([
      { kind: "varint", field: 1, value: 300n },
      { kind: "message", field: 2, fields: [{ kind: "bytes", field: 1, value: new Uint8Array([1, 2]) }] },
    ]);
    expect(isProtoMessage(message, 0, message.length)).toBe(true);
    // Non-canonical varint (0x80 0x00 for 0) and a field number 0 are not messages.
    expect(isProtoMessage(Uint8Array.of(0x08, 0x80, 0x00), 0, 3)).toBe(false);
    expect(isProtoMessage(Uint8Array.of(0x00, 0x01), 0, 2)).toBe(false);
    // Unmatched group end, wire type 7.
    expect(isProtoMessage(Uint8Array.of(0x0c), 0, 1)).toBe(false);
    expect(isProtoMessage(Uint8Array.of(0x0f), 0, 1)).toBe(false);
    const records = [message, Uint8Array.of(0x08, 0x80, 0x00), new Uint8Array(0), Uint8Array.of(0xff)];
    for (const c of COMPRESSIONS) expect(roundTrip(records, c, 256).map(hex)).toEqual(records.map(hex));
  });

  it("reaches more than 64 distinct states through no-op states", () => {
    // 300 distinct top-level fields in varying order: explicit transitions to far states.
    const records = Array.from({ length: 50 }, (_, i) =>
      encodeFields(Array.from({ length: 30 }, (_, k) => ({ kind: "varint" as const, field: 1 + ((i * 37 + k * 11) % 300), value: BigInt(i * k + 4) }))),
    );
    expect(roundTrip(records, { type: "zstd", level: 3 }, 256).map(hex)).toEqual(records.map(hex));
  });

  it("stores records verbatim when there are too many distinct fields for the state machine", () => {
    const records = Array.from({ length: 5000 }, (_, i) => encodeFields([{ kind: "varint", field: 1 + i, value: 7n }, { kind: "varint", field: 1 + ((i * 7919) % 5000), value: 9n }]));
    expect(roundTrip(records, { type: "uncompressed" }, 256).map(hex)).toEqual(records.map(hex));
  });

  it("deeply nested submessages round-trip (beyond 100 levels they are strings)", () => {
    let fields = encodeFields([{ kind: "varint", field: 1, value: 5n }]);
    for (let i = 0; i < 150; i++) fields = encodeFields([{ kind: "bytes", field: 2, value: fields }]);
    expect(roundTrip([fields, fields], { type: "snappy" }, 256).map(hex)).toEqual([hex(fields), hex(fields)]);
  });

  it("a chunk that decodes to far more than its own size grows its output as records appear", () => {
    // 2,000 records of a 5,000-byte zero string: ~1 KB of zstd data, 10 MB of records.
    const record = new Uint8Array(5002);
    record.set([0x0a, 0x88, 0x27]);
    const records = Array.from({ length: 2000 }, () => record);
    const got = roundTrip(records, { type: "zstd", level: 3 }, 256);
    expect(got.length).toBe(2000);
    expect(got.every((r) => Buffer.compare(r, record) === 0)).toBe(true);
  });

  it("rejects a declared size the records do not fill, or overflow, with CORRUPT", () => {
    const builder = new TransposedChunkBuilder(256);
    const records = [encodeFields([{ kind: "bytes", field: 1, value: new Uint8Array(100) }]), Uint8Array.of(0xff, 0x01)];
    for (const r of records) builder.add(r);
    const size = builder.decodedDataSize;
    const data = builder.finish(new StreamCompressor({ type: "uncompressed" }, undefined)).slice();
    for (const [n, declared] of [[2, size + 1], [2, size - 1], [2, 2 ** 40], [1, size], [3, size]] as const) {
      expect(() => decodeTransposedChunk(data, n, declared, 77)).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 77 }));
    }
    expect(decodeTransposedChunk(data, 2, size, 77).count).toBe(2);
  });

  it("splits buffers into buckets from the largest down", () => {
    expect(splitIntoBuckets([10, 20, 300, 400], 256)).toEqual([{ from: 0, to: 3 }, { from: 3, to: 4 }]);
    expect(splitIntoBuckets([1, 2, 3], Number.POSITIVE_INFINITY)).toEqual([{ from: 0, to: 3 }]);
    expect(splitIntoBuckets([100, 100, 100, 100], 150)).toEqual([{ from: 0, to: 1 }, { from: 1, to: 2 }, { from: 2, to: 3 }, { from: 3, to: 4 }]);
    expect(splitIntoBuckets([10, 100, 100, 100], 200)).toEqual([{ from: 0, to: 2 }, { from: 2, to: 4 }]);
  });
});
