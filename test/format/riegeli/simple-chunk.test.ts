/** Simple chunks (FORMAT.md §4): the builder's exact bytes, and every inconsistency the decoder rejects. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SimpleChunkBuilder, decodeSimpleChunk, recordAt } from "../../../src/format/riegeli/simple-chunk.js";
import { StreamCompressor } from "../../../src/format/riegeli/codecs.js";
import { textRecords } from "../../helpers/generators.js";

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

  it("grows past its first buffers (1 KiB of sizes, 64 KiB of values) and round-trips through every codec", () => {
    const codecs = [none, new StreamCompressor({ type: "zstd", level: 3 }, undefined), new StreamCompressor({ type: "snappy" }, undefined), new StreamCompressor({ type: "brotli", level: 1 }, undefined)];
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 3000 }), { minLength: 2, maxLength: 900 }), fc.constantFrom(...codecs), (lengths, compressor) => {
        const builder = new SimpleChunkBuilder();
        const records = lengths.map((n, i) => new Uint8Array(n).fill(i & 0xff));
        // A record added then the builder reused: finish must have emptied it.
        builder.add(Uint8Array.of(1, 2, 3));
        builder.finish(compressor);
        for (const r of records) builder.add(r);
        const total = lengths.reduce((a, b) => a + b, 0);
        expect(builder.decodedDataSize).toBe(total);
        const data = Uint8Array.from(builder.finish(compressor));
        expect(data[0]).toBe([0x00, 0x7a, 0x73, 0x62][codecs.indexOf(compressor)]);
        const decoded = decodeSimpleChunk(data, records.length, total, 0);
        records.forEach((r, i) => expect(hex(recordAt(decoded, i)), `record ${i}`).toBe(hex(r)));
      }),
      { numRuns: 40, seed: 8 },
    );
  });

  it("detach hands the closed groups over and continues in the buffers it is given", () => {
    const builder = new SimpleChunkBuilder();
    builder.add(Uint8Array.of(5, 6));
    builder.add(Uint8Array.of(7));
    expect([builder.count, builder.decodedDataSize]).toEqual([2, 3]);
    builder.endGroup();
    expect([builder.count, builder.decodedDataSize, builder.closedGroups, builder.heldBytes]).toEqual([0, 0, 1, 3]);
    builder.add(Uint8Array.of(8));
    expect([builder.count, builder.decodedDataSize]).toEqual([1, 1]);
    builder.endGroup();
    const spare = { sizes: new Uint8Array(16), values: new Uint8Array(16) };
    const batch = builder.detach(spare);
    // Group ends (sizes end, values end, records): [2, 3, 2] then [3, 4, 1].
    expect(batch.groups).toEqual([2, 3, 2, 3, 4, 1]);
    expect(hex(batch.sizes.subarray(0, 3))).toBe("020101");
    expect(hex(batch.values.subarray(0, 4))).toBe("05060708");
    expect([builder.count, builder.decodedDataSize, builder.closedGroups, builder.heldBytes]).toEqual([0, 0, 0, 0]);
    builder.add(Uint8Array.of(9, 9, 9));
    expect(spare.values.subarray(0, 3)).toEqual(Uint8Array.of(9, 9, 9));
    expect(hex(builder.finish(none))).toBe("00" + "01" + "03" + "090909");
    // Without spare buffers it takes fresh ones: the detached groups stay intact.
    builder.add(Uint8Array.of(1));
    builder.endGroup();
    const second = builder.detach();
    builder.add(Uint8Array.of(2));
    expect(hex(second.values.subarray(0, second.groups[1]))).toBe("01");
  });

  it("grows its size and value buffers for thousands of records and a 200 KB one", () => {
    const builder = new SimpleChunkBuilder();
    const records = [...Array.from({ length: 2000 }, (_, i) => new Uint8Array(100).fill(i & 0xff)), new Uint8Array(200_000).fill(7), Uint8Array.of(1)];
    for (const r of records) builder.add(r);
    const data = Uint8Array.from(builder.finish(none));
    // Compression byte, sizes length (2 bytes), sizes (1 byte each, 3 for the big one), values.
    expect(data.length).toBe(1 + 2 + (2000 + 3 + 1) + 2000 * 100 + 200_001);
    const decoded = decodeSimpleChunk(data, records.length, 2000 * 100 + 200_001, 0);
    records.forEach((r, i) => expect(hex(recordAt(decoded, i)), `record ${i}`).toBe(hex(r)));
    // The builder reused afterwards still encodes exactly.
    builder.add(Uint8Array.of(4, 5));
    expect(hex(builder.finish(none))).toBe("00" + "01" + "02" + "0405");
  });

  it("reads record sizes of 1, 2 and 3 varint bytes, canonical or not", () => {
    // Sizes 5, 300 (ac 02), 20000 (a0 9c 01), 0 written as 80 00, then 1: values follow.
    const sizes = [0x05, 0xac, 0x02, 0xa0, 0x9c, 0x01, 0x80, 0x00, 0x01];
    const total = 5 + 300 + 20000 + 0 + 1;
    const data = Uint8Array.from([0, sizes.length, ...sizes, ...new Uint8Array(total).map((_, i) => i & 0xff)]);
    const decoded = decodeSimpleChunk(data, 5, total, 0);
    expect([0, 1, 2, 3, 4].map((i) => recordAt(decoded, i).length)).toEqual([5, 300, 20000, 0, 1]);
    expect(recordAt(decoded, 2)[0]).toBe(305 & 0xff);
    // A 2-byte size cut off at the end of the sizes stream.
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 2, 1, 0xac, 0x61), 2, 1, 9)).toThrow(corrupt(9, "truncated varint"));
  });

  it("a chunk of only empty records has sizes up to its very end", () => {
    const decoded = decodeSimpleChunk(Uint8Array.of(0, 2, 0, 0), 2, 0, 0);
    expect([recordAt(decoded, 0).length, recordAt(decoded, 1).length]).toEqual([0, 0]);
    // Just the compression byte: the sizes length is missing.
    expect(() => decodeSimpleChunk(Uint8Array.of(0), 1, 0, 5)).toThrow(corrupt(5, "truncated varint"));
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
    // Stored sizes longer than 10 bytes per record (the bound on a varint) are refused before they are read.
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 11, ...new Uint8Array(11)), 1, 0, 77)).toThrow(corrupt(77, "claims 11 bytes, at most 10 allowed"));
    expect(() => decodeSimpleChunk(Uint8Array.of(0, 21, ...new Uint8Array(20).fill(0x80), 0), 2, 0, 77)).toThrow(corrupt(77, "claims 21 bytes, at most 20 allowed"));
  });
});

describe("decoding a chunk through one record (random reads)", () => {
  const SEED = 4242;
  /** 300 records of 600–1,400 bytes of the golden generator's text: ~300 KB, three zstd blocks. */
  const records = textRecords(SEED, 300, 600, 1400);
  const same = (a: Uint8Array, b: Uint8Array | undefined): boolean => b !== undefined && Buffer.compare(a, b) === 0;
  const build = (compressor: StreamCompressor): { data: Uint8Array; size: number } => {
    const builder = new SimpleChunkBuilder();
    for (const r of records) builder.add(r);
    const size = builder.decodedDataSize;
    return { data: builder.finish(compressor).slice(), size };
  };
  const zstd3 = build(new StreamCompressor({ type: "zstd", level: 3 }, undefined));

  it("holds exactly the records through the one read, decoding a zstd stream only as far as its block (property, fixed seed)", () => {
    expect(zstd3.size).toBeGreaterThan(256 * 1024);
    fc.assert(
      fc.property(fc.nat(records.length - 1), (through) => {
        const chunk = decodeSimpleChunk(zstd3.data, records.length, zstd3.size, 7, undefined, through);
        expect(chunk.count).toBeGreaterThan(through);
        for (let i = 0; i < chunk.count; i++) expect(same(recordAt(chunk, i), records[i]), `record ${i}`).toBe(true);
        // Only the last record's block needs the whole stream.
        expect(chunk.count === records.length).toBe(chunk.starts![through + 1]! === zstd3.size);
        expect(chunk.values.length).toBe(chunk.count === records.length ? zstd3.size : chunk.starts![through + 1]);
      }),
      { seed: SEED, numRuns: 60 },
    );
    expect(decodeSimpleChunk(zstd3.data, records.length, zstd3.size, 7, undefined, 3).count).toBe(4);
  });

  it("decodes other codecs' chunks whole, and still checks every size", () => {
    for (const compressor of [none, new StreamCompressor({ type: "snappy" }, undefined)]) {
      const { data, size } = build(compressor);
      const chunk = decodeSimpleChunk(data, records.length, size, 0, undefined, 5);
      expect(chunk.count).toBe(records.length);
      expect(same(recordAt(chunk, 299), records[299])).toBe(true);
    }
    expect(() => decodeSimpleChunk(zstd3.data, records.length, zstd3.size + 1, 9, undefined, 0)).toThrow(corrupt(9, "sum to"));
  });

  it("a stream damaged after the records read is reported when a read needs the damage, not before", () => {
    expect(zstd3.data.length).toBeGreaterThan(30_000);
    const cut = zstd3.data.slice(0, zstd3.data.length - 3_000); // the last of its three blocks cut short
    const first = decodeSimpleChunk(cut, records.length, zstd3.size, 11, undefined, 0);
    expect(first.count).toBe(1);
    expect(same(recordAt(first, 0), records[0])).toBe(true);
    expect(() => decodeSimpleChunk(cut, records.length, zstd3.size, 11, undefined, 299)).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 11 }));
    expect(() => decodeSimpleChunk(cut, records.length, zstd3.size, 11)).toThrow(expect.objectContaining({ code: "CORRUPT", offset: 11 }));
  });
});
