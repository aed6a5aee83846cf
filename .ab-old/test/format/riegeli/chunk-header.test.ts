/** The 40-byte chunk header (FORMAT.md §2), byte by byte, against one written by Google's library. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CHUNK_HEADER_SIZE, ChunkType, dataHashMatches, decodeChunkHeader, encodeChunkHeader } from "../../../src/format/riegeli/chunk-header.js";
import { writeRiegeliHash } from "../../../src/format/riegeli/highwayhash.js";
import { conformanceFixtures } from "../../helpers/fixtures.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const u64 = (n: bigint) => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return hex(out);
};

describe("chunk header", () => {
  it("the type bytes are Riegeli's", () => {
    expect(ChunkType).toEqual({ SIGNATURE: 0x73, METADATA: 0x6d, PADDING: 0x70, SIMPLE: 0x72, TRANSPOSED: 0x74 });
    expect(CHUNK_HEADER_SIZE).toBe(40);
  });

  it("encodes exactly the header C++ wrote for the first data chunk of a fixture", () => {
    const fixture = conformanceFixtures().find((f) => f.name === "uncompressed_gs16")!;
    const file = fixture.bytes();
    // The signature chunk is 40 bytes at 24 (after the block header); the first data chunk follows at 64.
    const cpp = file.subarray(64, 64 + CHUNK_HEADER_SIZE);
    const fields = decodeChunkHeader(cpp, 64);
    expect(fields.chunkType).toBe(ChunkType.SIMPLE);
    expect(fields.numRecords).toBe(16);
    const data = file.subarray(64 + CHUNK_HEADER_SIZE, 64 + CHUNK_HEADER_SIZE + fields.dataSize);
    const ours = new Uint8Array(CHUNK_HEADER_SIZE + 3).fill(0xee);
    encodeChunkHeader(ours, 3, fields, data);
    expect(hex(ours.subarray(3))).toBe(hex(cpp));
    expect(hex(ours.subarray(0, 3))).toBe("eeeeee");
    expect(dataHashMatches(cpp, data)).toBe(true);
    const changed = Uint8Array.from(data);
    changed[changed.length - 1]! ^= 1;
    expect(dataHashMatches(cpp, changed)).toBe(false);
    // The signature header too: type 's', no data, no records.
    const signature = file.subarray(24, 64);
    const sig = new Uint8Array(CHUNK_HEADER_SIZE);
    encodeChunkHeader(sig, 0, { chunkType: ChunkType.SIGNATURE, dataSize: 0, numRecords: 0, decodedDataSize: 0 }, new Uint8Array(0));
    expect(hex(sig)).toBe(hex(signature));
  });

  it("lays the fields out little-endian, records in the upper 56 bits beside the type byte", () => {
    const out = new Uint8Array(CHUNK_HEADER_SIZE);
    const numRecords = 2 ** 52 + 2 ** 40 + 0x030201;
    encodeChunkHeader(out, 0, { chunkType: 0x74, dataSize: 2 ** 33 + 7, numRecords, decodedDataSize: 2 ** 53 - 1 }, new Uint8Array(0));
    expect(hex(out.subarray(8, 16))).toBe(u64(2n ** 33n + 7n));
    expect(hex(out.subarray(24, 32))).toBe(u64((BigInt(numRecords) << 8n) | 0x74n));
    expect(hex(out.subarray(32, 40))).toBe(u64(2n ** 53n - 1n));
    expect(decodeChunkHeader(out, 0)).toEqual({ dataSize: 2 ** 33 + 7, chunkType: 0x74, numRecords, decodedDataSize: 2 ** 53 - 1 });
  });

  it("round-trips any safe sizes and counts", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.nat({ max: 255 }), fc.maxSafeNat(), fc.maxSafeNat(), (dataSize, chunkType, numRecords, decodedDataSize) => {
        const out = new Uint8Array(CHUNK_HEADER_SIZE);
        encodeChunkHeader(out, 0, { dataSize, chunkType, numRecords, decodedDataSize }, Uint8Array.of(1, 2));
        expect(decodeChunkHeader(out, 0)).toEqual({ dataSize, chunkType, numRecords, decodedDataSize });
      }),
      { numRuns: 300, seed: 8 },
    );
  });

  it("rejects a short header (TRUNCATED), a bad hash and counts or sizes above 2^53 - 1 (CORRUPT), at the header's offset", () => {
    const good = new Uint8Array(CHUNK_HEADER_SIZE);
    encodeChunkHeader(good, 0, { chunkType: ChunkType.SIMPLE, dataSize: 10, numRecords: 2, decodedDataSize: 5 }, new Uint8Array(10));
    expect(() => decodeChunkHeader(good.subarray(0, 39), 500)).toThrow(expect.objectContaining({ code: "TRUNCATED", offset: 500 }));
    for (let k = 0; k < CHUNK_HEADER_SIZE; k++) {
      const bad = Uint8Array.from(good);
      bad[k]! ^= 0x40;
      expect(() => decodeChunkHeader(bad, 500), `byte ${k}`).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 500, message: expect.stringContaining("hash mismatch") }));
    }
    // Valid hashes over out-of-range fields: num_records 2^53, then data_size 2^53.
    const rehash = (h: Uint8Array) => (writeRiegeliHash(h.subarray(8, 40), h, 0), h);
    const tooMany = Uint8Array.from(good);
    tooMany.set([0, 0, 0, 0, 0, 0, 0x20], 25);
    expect(() => decodeChunkHeader(rehash(tooMany), 500)).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 500, message: expect.stringContaining("num_records") }));
    const most = Uint8Array.from(good);
    most.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f], 25);
    expect(decodeChunkHeader(rehash(most), 500).numRecords).toBe(2 ** 53 - 1);
    const tooBig = Uint8Array.from(good);
    tooBig.set([0, 0, 0, 0, 0, 0, 0x20, 0], 8);
    expect(() => decodeChunkHeader(rehash(tooBig), 500)).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 500 }));
  });
});
