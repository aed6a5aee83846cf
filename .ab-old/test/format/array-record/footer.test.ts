/**
 * The footer records' wire format (FORMAT.md §6.3, §6.4), byte by byte: what the encoder writes,
 * and how the decoders take unknown fields, other field orders and damaged messages.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decodeFooterColumns,
  decodeFooterEntry,
  decodeFooterMetadata,
  decodePostscript,
  encodeFooterEntry,
  encodeFooterMetadata,
  encodePostscript,
  type FooterEntry,
} from "../../../src/format/array-record/footer.js";
import type { ChunkRecords } from "../../../src/format/riegeli/simple-chunk.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
/** The postscript magic 0x71930e704fdae05e as a varint. */
const MAGIC = "dec0ebfe84cec3c971";

/** A decoded footer chunk: record 0 (metadata, here empty) then the given entry records. */
function footerChunk(entryRecords: Uint8Array[]): ChunkRecords {
  const records = [new Uint8Array(0), ...entryRecords];
  const starts = new Float64Array(records.length + 1);
  records.forEach((r, i) => (starts[i + 1] = starts[i]! + r.length));
  const values = new Uint8Array(starts[records.length]!);
  records.forEach((r, i) => values.set(r, starts[i]!));
  return { count: records.length, values, starts };
}

const corruptAt = (offset: number, message?: string) =>
  expect.objectContaining({ code: "CORRUPT", offset, ...(message === undefined ? {} : { message: expect.stringContaining(message) }) });

describe("footer encoding", () => {
  it("metadata: field 1 holds version, chunks, records and the options string, as protoc writes it", () => {
    const out = encodeFooterMetadata({ version: 1, numChunks: 2, numRecords: 300, writerOptions: "ab" });
    expect(hex(out)).toBe("0a0b" + "0801" + "1002" + "18ac02" + "22026162");
    // An options string of 128+ bytes takes a two-byte length, and so does the outer message.
    const long = encodeFooterMetadata({ version: 1, numChunks: 0, numRecords: 0, writerOptions: "x".repeat(130) });
    expect(hex(long.subarray(0, 12))).toBe("0a8b01" + "0801" + "1000" + "1800" + "228201");
    expect(long.length).toBe(142);
    expect(decodeFooterMetadata(long, 0).writerOptions).toBe("x".repeat(130));
  });

  it("entries: fields 1, 2, 3 always present, zeros included", () => {
    expect(hex(encodeFooterEntry({ chunkOffset: 65536, decodedDataSize: 0, numRecords: 1 }))).toBe("0880800410001801");
    expect(hex(encodeFooterEntry({ chunkOffset: 0, decodedDataSize: 0, numRecords: 0 }))).toBe("080010001800");
    expect(hex(encodeFooterEntry({ chunkOffset: 2 ** 40, decodedDataSize: 300, numRecords: 2 ** 32 }))).toBe(
      "08808080808020" + "10ac02" + "188080808010",
    );
  });

  it("postscript: footer offset, then the magic", () => {
    expect(hex(encodePostscript(131072))).toBe("0880800810" + MAGIC);
    expect(hex(encodePostscript(0))).toBe("080010" + MAGIC);
    expect(decodePostscript(encodePostscript(2 ** 45 + 3), 9)).toBe(2 ** 45 + 3);
  });

  it("every encoder's output decodes to what it was given", () => {
    fc.assert(
      fc.property(
        fc.record({ chunkOffset: fc.maxSafeNat(), decodedDataSize: fc.maxSafeNat(), numRecords: fc.maxSafeNat() }),
        fc.record({ version: fc.constant(1), numChunks: fc.maxSafeNat(), numRecords: fc.maxSafeNat(), writerOptions: fc.string({ unit: "grapheme", maxLength: 200 }) }),
        (entry, meta) => {
          expect(decodeFooterEntry(encodeFooterEntry(entry), 0, 0)).toEqual(entry);
          expect(decodeFooterMetadata(encodeFooterMetadata(meta), 0)).toEqual(meta);
          expect(decodePostscript(encodePostscript(entry.chunkOffset), 0)).toBe(entry.chunkOffset);
        },
      ),
      { numRuns: 200, seed: 8 },
    );
  });
});

describe("postscript decoding", () => {
  it("skips unknown fields of every wire type and takes fields in any order", () => {
    // field 2 (magic) first; unknown fixed64 (field 3), fixed32 (field 4), bytes (field 5), varint (field 6).
    const record = bytes(`10${MAGIC} 190102030405060708 25aabbccdd 2a03010203 3005 08ff01`);
    expect(decodePostscript(record, 0)).toBe(255);
    // A wire-type-mismatched field 1 (bytes) does not count as the offset.
    expect(() => decodePostscript(bytes(`0a0101 10${MAGIC}`), 70)).toThrow(corruptAt(70, "no footer_offset"));
  });

  it("rejects a missing, a wrong, a short, a long and an overlong magic as CORRUPT at the given offset", () => {
    expect(() => decodePostscript(bytes("0801"), 5)).toThrow(corruptAt(5, "no magic"));
    expect(() => decodePostscript(bytes(`0801 10${MAGIC.slice(0, -2)}70`), 5)).toThrow(corruptAt(5, "wrong magic"));
    expect(() => decodePostscript(bytes("0801 1001"), 5)).toThrow(corruptAt(5, "wrong magic"));
    // A varint that never ends within 10 bytes, and one cut off by the end of the record.
    expect(() => decodePostscript(bytes(`0801 10${"80".repeat(10)}01`), 6)).toThrow(corruptAt(6, "malformed varint"));
    expect(() => decodePostscript(bytes("0801 108080"), 6)).toThrow(corruptAt(6, "malformed varint"));
    expect(() => decodePostscript(bytes(`10${MAGIC}`), 7)).toThrow(corruptAt(7, "no footer_offset"));
    // The magic as the varint it is (wrong wire type: bytes) is no magic.
    expect(() => decodePostscript(bytes(`0801 1209${MAGIC}`), 7)).toThrow(corruptAt(7, "no magic"));
  });

  it("rejects field number 0, wire types 3, 4, 6, 7 and fields running past the record", () => {
    expect(() => decodePostscript(bytes("0001"), 3)).toThrow(corruptAt(3, "field number 0"));
    for (const wireType of [3, 4, 6, 7]) {
      expect(() => decodePostscript(Uint8Array.of((5 << 3) | wireType, 0), 3), `wire type ${wireType}`).toThrow(corruptAt(3, `wire type ${wireType}`));
    }
    expect(() => decodePostscript(bytes("2a05010203"), 4)).toThrow(corruptAt(4, "length runs past"));
    expect(() => decodePostscript(bytes("19010203040506 07"), 4)).toThrow(corruptAt(4, "fixed field runs past"));
    expect(() => decodePostscript(bytes("25010203"), 4)).toThrow(corruptAt(4, "fixed field runs past"));
    // Exactly fitting fixed fields are fine.
    expect(decodePostscript(bytes(`190102030405060708 2501020304 0801 10${MAGIC}`), 4)).toBe(1);
  });
});

describe("footer metadata decoding", () => {
  it("reads the inner fields whatever their order, ignoring unknown and mistyped ones", () => {
    const inner = bytes("2202 6869" + "1805" + "3801" + "1003" + "0801" + "120100");
    const record = Uint8Array.of(0x0a, inner.length, ...inner);
    expect(decodeFooterMetadata(record, 0)).toEqual({ version: 1, numChunks: 3, numRecords: 5, writerOptions: "hi" });
    // Mistyped known fields (field 2 as bytes, field 4 as a varint) are not taken.
    const mistyped = bytes("0801" + "1201ff" + "2007");
    expect(decodeFooterMetadata(Uint8Array.of(0x0a, mistyped.length, ...mistyped), 0)).toEqual({ version: 1, numChunks: 0, numRecords: 0, writerOptions: "" });
    // A mistyped duplicate after the real field does not overwrite it (fields 1, 3 as bytes, 4 as a varint).
    const duplicates = bytes("0801" + "0a0100" + "1805" + "1a0100" + "22026869" + "2007");
    expect(decodeFooterMetadata(Uint8Array.of(0x0a, duplicates.length, ...duplicates), 0)).toEqual({ version: 1, numChunks: 0, numRecords: 5, writerOptions: "hi" });
  });

  it("rejects no array_record_metadata, a mistyped one and any version but 1", () => {
    expect(() => decodeFooterMetadata(bytes(""), 11)).toThrow(corruptAt(11, "no array_record_metadata"));
    expect(() => decodeFooterMetadata(bytes("0801"), 11)).toThrow(corruptAt(11, "no array_record_metadata"));
    expect(() => decodeFooterMetadata(bytes("12020801"), 11)).toThrow(corruptAt(11, "no array_record_metadata"));
    expect(() => decodeFooterMetadata(bytes("0a020802"), 11)).toThrow(corruptAt(11, "version number 2"));
    expect(() => decodeFooterMetadata(bytes("0a00"), 11)).toThrow(corruptAt(11, "version number 0"));
    expect(() => decodeFooterMetadata(bytes("0a03080110"), 11)).toThrow(expect.objectContaining({ code: "CORRUPT" }));
  });
});

describe("footer entry decoding", () => {
  it("takes the C++ layout, other orders, unknown varint fields and repeated fields (last wins)", () => {
    expect(decodeFooterEntry(bytes("0880800410051803"), 0, 0)).toEqual({ chunkOffset: 65536, decodedDataSize: 5, numRecords: 3 });
    expect(decodeFooterEntry(bytes("1803 1005 0807"), 0, 0)).toEqual({ chunkOffset: 7, decodedDataSize: 5, numRecords: 3 });
    expect(decodeFooterEntry(bytes("0807 2009"), 0, 0)).toEqual({ chunkOffset: 7, decodedDataSize: 0, numRecords: 0 });
    expect(decodeFooterEntry(bytes("0807 0809 1801 1802"), 0, 0)).toEqual({ chunkOffset: 9, decodedDataSize: 0, numRecords: 2 });
  });

  it("skips unknown fields of other wire types through the general parser", () => {
    expect(decodeFooterEntry(bytes("0807 2a020102 1005 210000000000000000 1803"), 0, 0)).toEqual({
      chunkOffset: 7,
      decodedDataSize: 5,
      numRecords: 3,
    });
    // Known field numbers with another wire type are not taken.
    expect(decodeFooterEntry(bytes("0807 120105 1d01020304"), 0, 0)).toEqual({ chunkOffset: 7, decodedDataSize: 0, numRecords: 0 });
    // An unknown varint field after the known ones, on the general parser's path, changes nothing.
    expect(decodeFooterEntry(bytes("0807 1005 1803 2a0100 2009"), 0, 0)).toEqual({ chunkOffset: 7, decodedDataSize: 5, numRecords: 3 });
  });

  it("rejects an entry with no chunk_offset, naming its index, and damaged fields", () => {
    expect(() => decodeFooterEntry(bytes("10051803"), 4, 99)).toThrow(corruptAt(99, "at index 4: no chunk_offset"));
    expect(() => decodeFooterEntry(bytes(""), 5, 99)).toThrow(corruptAt(99, "at index 5: no chunk_offset"));
    expect(() => decodeFooterEntry(bytes("0a0107"), 6, 99)).toThrow(corruptAt(99, "at index 6: no chunk_offset"));
    expect(() => decodeFooterEntry(bytes("0807 0001"), 0, 99)).toThrow(corruptAt(99, "field number 0"));
    expect(() => decodeFooterEntry(bytes("0001"), 0, 99)).toThrow(corruptAt(99, "field number 0"));
    // Only a bytes field whose payload looks like a tag: skipped whole, so no chunk_offset.
    expect(() => decodeFooterEntry(bytes("0a010a"), 7, 99)).toThrow(corruptAt(99, "at index 7: no chunk_offset"));
    expect(() => decodeFooterEntry(bytes("0807 2a09"), 0, 99)).toThrow(corruptAt(99, "length runs past"));
    expect(() => decodeFooterEntry(bytes("0807 0f"), 0, 99)).toThrow(corruptAt(99, "wire type 7"));
  });
});

describe("footer columns", () => {
  const entry = (chunkOffset: number, decodedDataSize: number, numRecords: number): FooterEntry => ({ chunkOffset, decodedDataSize, numRecords });

  it("the fast path's columns: 4-byte varints, and 5-byte ones through the per-entry parser", () => {
    const entries = [entry(0, 0, 0), entry(2 ** 28 - 1, 127, 128), entry(2 ** 28, 2 ** 32 - 1, 16_384), entry(2 ** 33, 2 ** 21, 2 ** 14 - 1)];
    const columns = decodeFooterColumns(footerChunk(entries.map(encodeFooterEntry)), entries.length, 0);
    expect(columns.numRecords).toBeInstanceOf(Uint32Array);
    expect(columns.decodedSizes).toBeInstanceOf(Uint32Array);
    expect([...columns.chunkOffsets]).toEqual([0, 2 ** 28 - 1, 2 ** 28, 2 ** 33, 0]);
    expect([...columns.decodedSizes]).toEqual([0, 127, 2 ** 32 - 1, 2 ** 21]);
    expect([...columns.numRecords]).toEqual([0, 128, 16_384, 2 ** 14 - 1]);
  });

  it("other field orders, extra fields and missing fields go through the per-entry parser", () => {
    const records = [bytes("1803 1005 0807"), bytes("0809 1002 1801 2001"), bytes("0806 1004"), bytes("080a 1003 1802 180c")];
    const columns = decodeFooterColumns(footerChunk(records), 4, 0);
    expect([...columns.chunkOffsets]).toEqual([7, 9, 6, 10, 0]);
    expect([...columns.decodedSizes]).toEqual([5, 2, 4, 3]);
    expect([...columns.numRecords]).toEqual([3, 1, 0, 12]);
  });

  it("a count or size of 2^32 or more switches both columns to Float64Array", () => {
    const entries = [entry(64, 10, 2), entry(200, 2 ** 32, 3), entry(300, 5, 2 ** 40), entry(400, 7, 2 ** 32)];
    const columns = decodeFooterColumns(footerChunk(entries.map(encodeFooterEntry)), 4, 0);
    expect(columns.numRecords).toBeInstanceOf(Float64Array);
    expect(columns.decodedSizes).toBeInstanceOf(Float64Array);
    expect([...columns.decodedSizes]).toEqual([10, 2 ** 32, 5, 7]);
    expect([...columns.numRecords]).toEqual([2, 3, 2 ** 40, 2 ** 32]);
    expect([...columns.chunkOffsets]).toEqual([64, 200, 300, 400, 0]);
    // Exactly 2^32 records alone is enough to switch.
    const one = decodeFooterColumns(footerChunk([encodeFooterEntry(entry(64, 1, 2 ** 32))]), 1, 0);
    expect([...one.numRecords]).toEqual([2 ** 32]);
  });

  it("a damaged entry is CORRUPT at the footer's offset, naming the entry", () => {
    expect(() => decodeFooterColumns(footerChunk([encodeFooterEntry(entry(1, 2, 3)), bytes("1005")]), 2, 4242)).toThrow(
      corruptAt(4242, "at index 1: no chunk_offset"),
    );
    // A varint cut off by the end of the entry is located at the footer too, not inside the record.
    expect(() => decodeFooterColumns(footerChunk([bytes("08ff")]), 1, 4242)).toThrow(corruptAt(4242, "truncated varint"));
    expect(() => decodeFooterMetadata(bytes("0a03080110"), 11)).toThrow(corruptAt(11, "truncated varint"));
  });

  it("agrees with the per-entry parser on random entries", () => {
    const value = fc.oneof(fc.nat({ max: 300 }), fc.nat({ max: 2 ** 28 + 5 }), fc.maxSafeNat());
    fc.assert(
      fc.property(fc.array(fc.record({ chunkOffset: value, decodedDataSize: value, numRecords: value }), { maxLength: 20 }), (entries) => {
        const columns = decodeFooterColumns(footerChunk(entries.map(encodeFooterEntry)), entries.length, 0);
        entries.forEach((e, c) => {
          expect(columns.chunkOffsets[c]).toBe(e.chunkOffset);
          expect(columns.decodedSizes[c]).toBe(e.decodedDataSize);
          expect(columns.numRecords[c]).toBe(e.numRecords);
        });
      }),
      { numRuns: 150, seed: 8 },
    );
  });
});
