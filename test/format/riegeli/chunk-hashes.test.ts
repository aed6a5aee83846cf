/**
 * Our chunk-hash addon (native/chunkhash, HighwayHash-64 with AVX2): built and used wherever the
 * CPU has AVX2; its hash equals our engines' on every tail length and key; `verifyChunks` marks
 * exactly the chunks inside one block whose two hashes match, so that damaged or split chunks fall
 * to the parser, which reports them as it always has.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { DeferredChunkHashes, nativeChunkHashes, verifiedSimpleChunkAt, withVerifiedChunks } from "../../../src/format/riegeli/chunk-hashes.js";
import { writeChunk, type ChunkContent } from "../../../src/format/riegeli/chunk-writer.js";
import { OutputBuffer } from "../../../src/format/bytes/output-buffer.js";
import { ChunkType } from "../../../src/format/riegeli/chunk-header.js";
import { chunkEnd, roundUpToBoundary } from "../../../src/format/riegeli/blocks.js";
import { BLOCK_SIZE } from "../../../src/format/riegeli/blocks.js";
import { highwayHash64, RIEGELI_HASH_KEY } from "../../../src/format/riegeli/highwayhash.js";
import { keyToBytes } from "../../../src/format/riegeli/highwayhash-shared.js";

const addon = createRequire(import.meta.url)("arrayrecord-chunkhash") as {
  hash?(key: Uint8Array, data: Uint8Array, out: Uint8Array): void;
  verifyChunks?(key: Uint8Array, bytes: Uint8Array, start: number, offsets: Float64Array, count: number, verified: Uint8Array): number;
  sealChunks?(key: Uint8Array, bytes: Uint8Array, start: number, offsets: Float64Array, count: number): void;
  chunkVerifier?(key: Uint8Array): (bytes: Uint8Array, start: number, begin: number) => boolean;
};
const SEED = 2027;

/** Where the CPU's flags can be read (Linux), whether it has AVX2; elsewhere undefined. */
const cpuHasAvx2 = fs.existsSync("/proc/cpuinfo") ? process.arch === "x64" && /\bavx2\b/.test(fs.readFileSync("/proc/cpuinfo", "utf8")) : undefined;
const hasEngine = addon.verifyChunks !== undefined;

const RIEGELI_KEY = keyToBytes(RIEGELI_HASH_KEY);

/** ~1.3–3.3 KB records one per chunk: 1,200 chunks over ~2.8 MB, some of them across block boundaries. */
const RECORDS = Array.from({ length: 1200 }, (_, i) => Buffer.from(`${i}:`.padEnd(1300 + ((i * 977) % 2000), String.fromCharCode(97 + (i % 26)))));
const FILE = encodeArrayRecord(RECORDS, "group_size:1,uncompressed");

function layoutOf(bytes: Uint8Array): { offsets: Float64Array; chunks: number } {
  const reader = ArrayRecordReader.openSync(new MemoryByteSource(bytes));
  const { offsets } = reader.fileLayout.index;
  return { offsets, chunks: reader.numChunks };
}

/** Whether chunk `begin`'s header and data (`dataSize` read from its header) lie inside one block. */
function insideOneBlock(bytes: Uint8Array, begin: number): boolean {
  const dataSize = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(begin + 8, true));
  const room = (Math.floor(begin / BLOCK_SIZE) + 1) * BLOCK_SIZE - begin;
  return begin % BLOCK_SIZE !== 0 && 40 + dataSize <= room;
}

/** A copy of the chunk `alone` (read alone, header first) with `change` made to its header and the header hash written anew. */
function resealed(alone: Uint8Array, change: (header: Uint8Array) => void): Uint8Array {
  const copy = alone.slice();
  change(copy.subarray(0, 40));
  new DataView(copy.buffer, copy.byteOffset).setBigUint64(0, highwayHash64(copy.subarray(8, 40)), true);
  return copy;
}

describe("chunk-hash addon", () => {
  it("is used exactly when its AVX2 engine is there", () => {
    expect(nativeChunkHashes).toBe(hasEngine);
    expect(addon.hash !== undefined).toBe(hasEngine);
  });

  it.runIf(cpuHasAvx2 !== undefined)("is built (npm ci) and has its engine exactly where the CPU has AVX2", () => {
    expect(hasEngine).toBe(cpuHasAvx2);
  });

  it.runIf(hasEngine)("hashes as our engines do: every tail length, any key, any alignment (property, fixed seed)", () => {
    const out = new Uint8Array(8);
    for (let n = 0; n <= 200; n++) {
      const data = new Uint8Array(n + 3).map((_, i) => (i * 29 + n) & 0xff).subarray(3);
      addon.hash!(RIEGELI_KEY, data, out);
      expect(new DataView(out.buffer).getBigUint64(0, true), `length ${n}`).toBe(highwayHash64(data));
    }
    const word = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    fc.assert(
      fc.property(fc.tuple(word, word, word, word), fc.uint8Array({ maxLength: 5000 }), fc.nat(31), (key, bytes, skew) => {
        const data = new Uint8Array(bytes.length + skew);
        data.set(bytes, skew);
        addon.hash!(keyToBytes(key), data.subarray(skew), out);
        expect(new DataView(out.buffer).getBigUint64(0, true)).toBe(highwayHash64(bytes, key));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it.runIf(hasEngine)("verifyChunks marks the chunks inside one block whose hashes match, and no others", () => {
    const bytes = FILE.slice();
    const { offsets, chunks } = layoutOf(bytes);
    const inside = Array.from({ length: chunks }, (_, c) => insideOneBlock(bytes, offsets[c]!));
    const split = inside.filter((x) => !x).length;
    expect([chunks, split > 20, split < chunks / 2]).toEqual([1200, true, true]);
    const flags = new Uint8Array(chunks);
    expect(addon.verifyChunks!(RIEGELI_KEY, bytes, 0, offsets, chunks, flags)).toBe(chunks - split);
    expect([...flags]).toEqual(inside.map(Number));

    // One byte of data damaged (chunk 7), one header byte (chunk 9's record count), one stored
    // data hash (chunk 11): each of those, and only those, is left to the parser.
    const damaged = [7, 9, 11].filter((c) => inside[c]);
    expect(damaged).toEqual([7, 9, 11]);
    bytes[offsets[7]! + 40 + 100]! ^= 1;
    bytes[offsets[9]! + 26]! ^= 1;
    bytes[offsets[11]! + 16]! ^= 0x80;
    expect(addon.verifyChunks!(RIEGELI_KEY, bytes, 0, offsets, chunks, flags)).toBe(chunks - split - 3);
    expect([...flags]).toEqual(inside.map((x, c) => Number(x && !damaged.includes(c))));
  });

  it.runIf(hasEngine)("chunkVerifier's function answers as verifyChunks does for every chunk, damaged or not, under its own key only", () => {
    const bytes = FILE.slice();
    const { offsets, chunks } = layoutOf(bytes);
    bytes[offsets[7]! + 40 + 100]! ^= 1;
    bytes[offsets[9]! + 26]! ^= 1;
    const flags = new Uint8Array(chunks);
    addon.verifyChunks!(RIEGELI_KEY, bytes, 0, offsets, chunks, flags);
    const verify = addon.chunkVerifier!(RIEGELI_KEY);
    const answers = Array.from({ length: chunks }, (_, c) => verify(bytes, 0, offsets[c]!));
    expect(answers).toEqual([...flags].map(Boolean));
    expect(answers.filter(Boolean).length).toBeGreaterThan(chunks / 2);
    expect([answers[7], answers[9]]).toEqual([false, false]);
    // A window that starts mid-file and one cut before the chunk's end.
    const c = answers.indexOf(true, 20);
    const window = bytes.subarray(offsets[c]! - 5, offsets[c + 1]!);
    expect([verify(window, offsets[c]! - 5, offsets[c]!), verify(window.subarray(0, window.length - 1), offsets[c]! - 5, offsets[c]!)]).toEqual([true, false]);
    expect(addon.chunkVerifier!(new Uint8Array(32).fill(1))(bytes, 0, offsets[c]!)).toBe(false);
    expect(() => verify(bytes, -1, offsets[c]!)).toThrow(TypeError);
    expect(() => addon.chunkVerifier!(new Uint8Array(31))).toThrow(TypeError);
  });

  it.runIf(hasEngine)("verifiedSimpleChunkAt gives the header of a chunk read alone that verifies inside its block and by its limit, else undefined", () => {
    const { offsets, chunks } = layoutOf(FILE);
    const c = [...Array(chunks).keys()].find((k) => k > 5 && insideOneBlock(FILE, offsets[k]!))!;
    const split = [...Array(chunks).keys()].find((k) => !insideOneBlock(FILE, offsets[k]!))!;
    const [begin, end] = [offsets[c]!, offsets[c + 1]!];
    const alone = FILE.slice(begin, end);
    expect(verifiedSimpleChunkAt(alone, begin, end)).toEqual({ chunkType: ChunkType.SIMPLE, numRecords: 1, dataSize: end - begin - 40, decodedDataSize: RECORDS[c]!.length });
    expect(verifiedSimpleChunkAt(alone, begin, end - 1)).toBeUndefined(); // ends past its limit
    expect(verifiedSimpleChunkAt(alone.subarray(0, alone.length - 1), begin, end)).toBeUndefined(); // cut short
    expect(verifiedSimpleChunkAt(FILE.slice(offsets[split]!, offsets[split + 1]!), offsets[split]!, offsets[split + 1]!)).toBeUndefined();
    const damaged = alone.slice();
    damaged[40 + 9]! ^= 1;
    expect(verifiedSimpleChunkAt(damaged, begin, end)).toBeUndefined();
    const transposed = resealed(alone, (h) => (h[24] = ChunkType.TRANSPOSED));
    expect(verifiedSimpleChunkAt(transposed, begin, end)).toBeUndefined();
    expect(verifiedSimpleChunkAt(resealed(alone, () => {}), begin, end)).toBeDefined();
  });

  it.runIf(hasEngine)("a read of a chunk whose verified header disagrees with the footer is CORRUPT at its offset, random or in a span, as before the fast paths", async () => {
    const { offsets } = layoutOf(FILE);
    const c = 301;
    const [begin, end] = [offsets[c]!, offsets[c + 1]!];
    expect(insideOneBlock(FILE, begin)).toBe(true);
    const cases: [string, (header: Uint8Array) => void, RegExp][] = [
      ["two records", (h) => (h[25] = 2), /chunk holds 2 records of \d+ bytes, footer says 1/],
      ["one byte more", (h) => (h[32]! += 1), /chunk holds 1 records of \d+ bytes, footer says 1 of/],
      ["transposed", (h) => (h[24] = ChunkType.TRANSPOSED), /transposed/i],
    ];
    for (const [what, change, message] of cases) {
      const bytes = FILE.slice();
      bytes.set(resealed(bytes.subarray(begin, end), change), begin);
      for (const reader of [ArrayRecordReader.openSync(new MemoryByteSource(bytes))]) {
        const corrupt = expect.objectContaining({ code: "CORRUPT", offset: begin, message: expect.stringMatching(message) });
        expect(() => reader.readSync(c), what).toThrow(corrupt);
        expect(() => reader.readAllSync(), what).toThrow(corrupt);
        expect(() => [...reader.records(c - 3, c + 3)], what).toThrow(corrupt);
        expect(() => reader.readSync([c + 1, c, c - 1]), what).toThrow(corrupt);
        await expect(reader.read(c), what).rejects.toMatchObject({ code: "CORRUPT", offset: begin });
        expect(Buffer.from(reader.readSync(c + 1)).equals(RECORDS[c + 1]!), what).toBe(true);
      }
    }
  });

  it.runIf(hasEngine)("a chunk whose header and data fit its block but whose record count stretches its end past the boundary is parsed in full: the block header in its padding is checked", async () => {
    // 70,000 empty records: a few bytes of compressed sizes, an end stretched to 70,000 positions on.
    const bytes = encodeArrayRecord(Array.from({ length: 70_000 }, () => new Uint8Array(0)), "group_size:70000,zstd:3");
    const { offsets, chunks } = layoutOf(bytes);
    const begin = offsets[0]!;
    expect([chunks, insideOneBlock(bytes, begin), begin < BLOCK_SIZE, offsets[1]! > BLOCK_SIZE + 24]).toEqual([1, true, true, true]);
    const whole = ArrayRecordReader.openSync(new MemoryByteSource(bytes));
    expect([whole.readSync(69_999).length, whole.readAllSync().length]).toEqual([0, 70_000]);
    const damaged = bytes.slice();
    damaged[BLOCK_SIZE + 12]! ^= 1; // the block header at 65536, inside the chunk's padding
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(damaged));
    const corrupt = expect.objectContaining({ code: "CORRUPT", message: expect.stringMatching(/block header/) });
    expect(() => reader.readSync(5)).toThrow(corrupt);
    expect(() => reader.readAllSync()).toThrow(corrupt);
    await expect(reader.read(5)).rejects.toMatchObject({ code: "CORRUPT" });
  });

  it("a writer defers chunk hashes exactly where the engine is", () => {
    expect(DeferredChunkHashes.create() !== undefined).toBe(hasEngine);
    expect(addon.sealChunks !== undefined).toBe(hasEngine);
  });

  it.runIf(hasEngine)("chunks laid out with deferred hashes, then sealed, are the bytes of chunks hashed as laid out (property, fixed seed)", () => {
    const chunk = fc.record({ dataSize: fc.oneof(fc.nat(3000), fc.nat(70_000)), numRecords: fc.nat(4000), fill: fc.nat(255) });
    const seen = { inside: 0, split: 0 };
    fc.assert(
      fc.property(fc.nat(3 * BLOCK_SIZE), fc.array(chunk, { minLength: 1, maxLength: 60 }), (b0, specs) => {
        const begin = roundUpToBoundary(b0);
        const contents: ChunkContent[] = specs.map(({ dataSize, numRecords, fill }) => ({
          chunkType: ChunkType.SIMPLE,
          data: new Uint8Array(dataSize).map((_, i) => (i * 7 + fill) & 0xff),
          numRecords,
          decodedDataSize: dataSize * 2,
        }));
        const layOut = (deferred?: DeferredChunkHashes): { bytes: Uint8Array; inside: number } => {
          const out = new OutputBuffer(16);
          let position = begin;
          let inside = 0;
          for (const c of contents) {
            const end = chunkEnd(position, 40 + c.data.length, c.numRecords);
            if (Math.ceil(position / BLOCK_SIZE) * BLOCK_SIZE >= end) inside++;
            position = writeChunk(out, position, c, deferred);
          }
          const bytes = out.take(false);
          deferred?.seal(bytes, begin);
          return { bytes, inside };
        };
        const hashedNow = layOut();
        const sealed = layOut(DeferredChunkHashes.create()!);
        expect(Buffer.compare(sealed.bytes, hashedNow.bytes)).toBe(0);
        seen.inside += hashedNow.inside;
        seen.split += contents.length - hashedNow.inside;
      }),
      { seed: SEED, numRuns: 60 },
    );
    // Both kinds were laid out: chunks whose hashes were deferred and chunks hashed as laid out.
    expect(seen.inside).toBeGreaterThan(50);
    expect(seen.split).toBeGreaterThan(50);
  });

  it.runIf(hasEngine)("sealChunks refuses a chunk outside one block or outside the bytes, and then writes nothing", () => {
    const bytes = FILE.slice();
    const { offsets } = layoutOf(bytes);
    const insideChunks = [...offsets.subarray(0, 200)].filter((o) => insideOneBlock(bytes, o));
    const split = [...offsets.subarray(0, 200)].find((o) => !insideOneBlock(bytes, o))!;
    for (const o of insideChunks) bytes.fill(0, o, o + 8); // header hashes cleared
    const before = bytes.slice();
    const bad = [Float64Array.from([insideChunks[0]!, split]), Float64Array.from([insideChunks[0]!, 0.5]), Float64Array.from([insideChunks[0]!, FILE.length + 10])];
    for (const begins of bad) {
      expect(() => addon.sealChunks!(RIEGELI_KEY, bytes, 0, begins, 2)).toThrow(TypeError);
      expect(Buffer.compare(bytes, before)).toBe(0);
    }
    expect(() => addon.sealChunks!(RIEGELI_KEY, bytes, 0, Float64Array.from(insideChunks), insideChunks.length + 1)).toThrow(TypeError);
    addon.sealChunks!(RIEGELI_KEY, bytes, 0, Float64Array.from(insideChunks), insideChunks.length);
    expect(Buffer.compare(bytes, FILE)).toBe(0);
  });

  it.runIf(hasEngine)("verifyChunks marks nothing outside the window, and refuses bad arguments", () => {
    const { offsets } = layoutOf(FILE);
    const from = 40;
    const start = offsets[from]!;
    const window = FILE.subarray(start, offsets[from + 10]! - 5); // the tenth chunk cut short
    const flags = new Uint8Array(12).fill(9);
    const begins = Float64Array.from([...offsets.subarray(from - 1, from + 10), start + 0.5]); // one before, one not an integer
    addon.verifyChunks!(RIEGELI_KEY, window, start, begins, 12, flags);
    expect([...flags]).toEqual([0, ...Array.from({ length: 9 }, (_, k) => Number(insideOneBlock(FILE, offsets[from + k]!))), 0, 0]);
    expect(() => addon.verifyChunks!(RIEGELI_KEY, window, start, begins, 13, flags)).toThrow(TypeError); // count > offsets
    expect(() => addon.verifyChunks!(RIEGELI_KEY, window, -1, begins, 1, flags)).toThrow(TypeError);
    expect(() => addon.verifyChunks!(RIEGELI_KEY.subarray(1), window, start, begins, 1, flags)).toThrow(TypeError);
    expect(() => (addon.verifyChunks as unknown as (...a: unknown[]) => number)(RIEGELI_KEY, window, start, [start], 1, flags)).toThrow(TypeError);
    expect(() => addon.hash!(RIEGELI_KEY, window, new Uint8Array(7))).toThrow(TypeError);
  });

  it("a reader finds damage in a chunk the addon left unmarked, at the chunk's offset, by every path", async () => {
    const { offsets } = layoutOf(FILE);
    const c = 300;
    expect(insideOneBlock(FILE, offsets[c]!)).toBe(true);
    const bytes = FILE.slice();
    bytes[offsets[c]! + 40 + 7]! ^= 4;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "chunk-hashes-")), "damaged.array_record");
    fs.writeFileSync(file, bytes);
    const corrupt = { code: "CORRUPT", offset: offsets[c], message: expect.stringContaining("chunk data hash mismatch") };
    for (const reader of [ArrayRecordReader.openSync(file), ArrayRecordReader.openSync(new MemoryByteSource(bytes))]) {
      expect(() => reader.readAllSync()).toThrow(expect.objectContaining(corrupt));
      expect(() => [...reader.records()]).toThrow(expect.objectContaining(corrupt));
      expect(() => reader.forEachSync(() => {})).toThrow(expect.objectContaining(corrupt));
      expect(() => reader.forEachAtSync([c, c + 1], () => {})).toThrow(expect.objectContaining(corrupt));
      expect(() => reader.readSync(Array.from({ length: 1200 }, (_, i) => i))).toThrow(expect.objectContaining(corrupt));
      await expect(reader.forEachParallel(() => {}, 0, reader.numRecords, 2)).rejects.toMatchObject(corrupt);
      await expect(reader.readAllParallel(2)).rejects.toMatchObject(corrupt);
      expect(() => reader.readSync(c)).toThrow(expect.objectContaining(corrupt));
      await expect(reader.read(c)).rejects.toMatchObject(corrupt);
      expect(Buffer.from(reader.readSync(c - 1)).equals(RECORDS[c - 1]!)).toBe(true);
      reader.closeSync();
    }
    fs.rmSync(path.dirname(file), { recursive: true });
  });

  it.runIf(hasEngine)("marks a window's verified chunks for the parser, found in file order or out of it", () => {
    const { offsets } = layoutOf(FILE);
    const window = withVerifiedChunks({ bytes: FILE, start: 0 }, offsets, 10, 20);
    const marked = (c: number) => window.verified?.has(offsets[c]!) === true;
    const order = [19, 10, 11, 15, 12, 9, 20, 13];
    expect(order.map(marked)).toEqual(order.map((c) => c >= 10 && c < 20 && insideOneBlock(FILE, offsets[c]!)));
  });
});
