/** Simple chunks (FORMAT.md §4): the builder's exact bytes, and every inconsistency the decoder rejects. */
import { describe, expect, it } from "vitest";
import { SimpleChunkBuilder, decodeSimpleChunk, recordAt } from "../../../src/format/riegeli/simple-chunk.js";
import { StreamCompressor } from "../../../src/format/riegeli/codecs.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const corrupt = (offset: number, message: string) => expect.objectContaining({ code: "CORRUPT", offset, message: expect.stringContaining(message) });
const none = new StreamCompressor({ type: "uncompressed" }, undefined);

describe("simple chunk", () => {
  it("the builder writes compression byte, sizes length, sizes, values", () => {
    const builder = new SimpleChunkBuilder();
    for (const r of ["ab", "", "cde"]) builder.add(new TextEncoder().encode(r));
    expect(builder.count).toBe(3);
    expect(builder.decodedDataSize).toBe(5);
    expect(hex(builder.finish(none))).toBe("00" + "03" + "020003" + "6162636465");
    // finish empties the builder.
    expect(builder.count).toBe(0);
    expect(builder.decodedDataSize).toBe(0);
    builder.add(Uint8Array.of(9));
    expect(hex(builder.finish(none))).toBe("00" + "01" + "01" + "09");
  });

  it("decodes records as views, one record without an offsets table", () => {
    const three = decodeSimpleChunk(Uint8Array.of(0, 3, 2, 0, 3, 0x61, 0x62, 0x63, 0x64, 0x65), 3, 5, 0);
    expect([0, 1, 2].map((i) => hex(recordAt(three, i)))).toEqual(["6162", "", "636465"]);
    expect([...three.starts!]).toEqual([0, 2, 2, 5]);
    const one = decodeSimpleChunk(Uint8Array.of(0, 1, 2, 0x61, 0x62), 1, 2, 0);
    expect(one.starts).toBeUndefined();
    expect(hex(recordAt(one, 0))).toBe("6162");
  });

  it("rejects each inconsistency as CORRUPT at the chunk's offset", () => {
    expect(() => decodeSimpleChunk(new Uint8Array(0), 1, 0, 77)).toThrow(corrupt(77, "no compression byte"));
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 0x80), 1, 0, 77)).toThrow(corrupt(77, "truncated varint"));
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 5, 1, 1), 2, 2, 77)).toThrow(corrupt(77, "sizes run past"));
    // One record: its size must be the decoded size, and nothing may follow it.
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 1, 3, 0x61, 0x62), 1, 2, 77)).toThrow(corrupt(77, "record size 3 does not match"));
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 2, 2, 0, 0x61, 0x62), 1, 2, 77)).toThrow(corrupt(77, "record size 2 does not match"));
    // Several: running past the decoded size, summing short of it, bytes left after the sizes.
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 2, 3, 3, 0x61, 0x62, 0x63), 2, 3, 77)).toThrow(corrupt(77, "exceed the chunk's decoded size"));
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 2, 1, 1, 0x61, 0x62, 0x63), 2, 3, 77)).toThrow(corrupt(77, "sum to 2"));
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 3, 1, 2, 0, 0x61, 0x62, 0x63), 2, 3, 77)).toThrow(corrupt(77, "unconsumed bytes"));
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 2, 1, 0x80, 0x61), 2, 1, 77)).toThrow(corrupt(77, "truncated varint"));
  });
});
