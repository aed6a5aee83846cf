/**
 * TFRecord compression told from the content (issue 9, item 5): a valid plain header first
 * (whatever the name), then GZIP magic, then a ZLIB header; an explicit choice wins; a file that
 * fails every reading says what was tried.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  ArrayRecordError,
  decodeTFRecords,
  detectTFRecordCompression,
  encodeTFRecords,
  readTFRecords,
  readTFRecordsSync,
  type TFRecordReadOptions,
} from "../../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "tfrecord-detect-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const tempPath = (suffix: string) => join(dir, `f${counter++}${suffix}`);
const hex = (records: readonly Uint8Array[]) => records.map((r) => Buffer.from(r).toString("hex"));

function readSync(path: string, options?: TFRecordReadOptions): Uint8Array[] {
  return [...readTFRecordsSync(path, options)].map((r) => r.slice());
}
async function readAsync(path: string, options?: TFRecordReadOptions): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const r of readTFRecords(path, options)) out.push(r.slice());
  return out;
}
function errorOf(run: () => unknown): ArrayRecordError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ArrayRecordError);
    return e as ArrayRecordError;
  }
  throw new Error("expected an ArrayRecordError");
}

const compress = { none: (b: Uint8Array) => b, gzip: (b: Uint8Array) => gzipSync(b), zlib: (b: Uint8Array) => deflateSync(b) } as const;

describe("TFRecord compression detected from content", () => {
  it("reads plain, GZIP and ZLIB files whatever their names, sync, async and in memory (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.constantFrom("none", "gzip", "zlib"),
        fc.constantFrom(".tfrecord", ".gz", ".zz", ""),
        fc.integer({ min: 1, max: 4096 }),
        async (records, compression, suffix, chunkBytes) => {
          const bytes = compress[compression](encodeTFRecords(records));
          const path = tempPath(suffix);
          writeFileSync(path, bytes);
          const want = hex(records);
          expect(hex(readSync(path, { chunkBytes }))).toEqual(want);
          expect(hex(await readAsync(path, { chunkBytes }))).toEqual(want);
          expect(hex(decodeTFRecords(bytes, { compression: "auto" }))).toEqual(want);
          // The explicit choice reads it too.
          expect(hex(readSync(path, { compression }))).toEqual(want);
        },
      ),
      { seed: 9, numRuns: 150 },
    );
  });

  it("a valid plain header wins over a name ending in .gz and over bytes that look like a ZLIB header", () => {
    // A first record of 0x9c78 bytes starts the file with 78 9c, a valid 2-byte zlib header.
    const records = [new Uint8Array(0x9c78).fill(7), Uint8Array.of(1, 2, 3)];
    const framed = encodeTFRecords(records);
    expect([framed[0], framed[1]]).toEqual([0x78, 0x9c]);
    const path = tempPath(".tfrecord.gz");
    writeFileSync(path, framed);
    expect(detectTFRecordCompression(framed.subarray(0, 12))).toMatchObject({ compression: "none" });
    expect(hex(readSync(path))).toEqual(hex(records));
  });

  it("an explicit compression wins over detection", async () => {
    const records = [new TextEncoder().encode("explicit")];
    const gz = tempPath(".tfrecord");
    writeFileSync(gz, gzipSync(encodeTFRecords(records)));
    expect(errorOf(() => readSync(gz, { compression: "none" })).code).toBe("CORRUPT");
    const plain = tempPath(".gz");
    writeFileSync(plain, encodeTFRecords(records));
    expect(errorOf(() => readSync(plain, { compression: "gzip" })).code).toBe("CORRUPT");
    await expect(readAsync(plain, { compression: "zlib" })).rejects.toBeInstanceOf(ArrayRecordError);
  });

  it("a file that fails every reading says what was tried", async () => {
    const path = tempPath(".tfrecord");
    writeFileSync(path, Buffer.from("this is not a TFRecord file at all"));
    const e = errorOf(() => readSync(path));
    expect(e).toMatchObject({ code: "CORRUPT", file: path, offset: 0 });
    expect(e.message).toMatch(/tried plain .*length CRC mismatch.*GZIP.*ZLIB/);
    await expect(readAsync(path)).rejects.toMatchObject({ code: "CORRUPT", offset: 0 });
    expect(() => decodeTFRecords(readFileSync(path), { compression: "auto", file: path })).toThrow(/tried plain/);
  });

  it("a damaged file read by detection says how its compression was detected", async () => {
    const gz = gzipSync(encodeTFRecords([new Uint8Array(5000).fill(3)]));
    gz.fill(0xff, 20, 40);
    const path = tempPath(".bin");
    writeFileSync(path, gz);
    expect(errorOf(() => readSync(path)).message).toContain("read as GZIP, detected from GZIP magic 1f 8b");
    await expect(readAsync(path)).rejects.toThrow(/read as GZIP, detected from GZIP magic 1f 8b/);
  });

  it("short files: empty is plain and empty; a few plain bytes are TRUNCATED", async () => {
    const empty = tempPath(".tfrecord");
    writeFileSync(empty, new Uint8Array(0));
    expect(readSync(empty)).toEqual([]);
    expect(await readAsync(empty)).toEqual([]);
    const short = tempPath(".tfrecord");
    writeFileSync(short, encodeTFRecords([Uint8Array.of(1)]).subarray(0, 7));
    expect(errorOf(() => readSync(short)).code).toBe("TRUNCATED");
  });

  it("ZLIB: bytes after the stream fail our own trailer check (sync and the native async path)", async () => {
    const path = tempPath(".zz");
    writeFileSync(path, Buffer.concat([deflateSync(encodeTFRecords([Uint8Array.of(1, 2)])), Buffer.from("junk")]));
    expect(errorOf(() => readSync(path)).code).toBe("CORRUPT");
    await expect(readAsync(path)).rejects.toMatchObject({ code: "CORRUPT" });
  });

  it("GZIP on the native async path: several members, a cut stream, a damaged CRC", async () => {
    const framed = encodeTFRecords(Array.from({ length: 200 }, (_, i) => new Uint8Array(100 + i).fill(i)));
    const two = tempPath(".gz");
    writeFileSync(two, Buffer.concat([gzipSync(framed.subarray(0, 5000)), gzipSync(framed.subarray(5000))]));
    expect((await readAsync(two)).length).toBe(200);
    const gz = gzipSync(framed);
    const cut = tempPath(".gz");
    writeFileSync(cut, gz.subarray(0, gz.length - 3));
    await expect(readAsync(cut)).rejects.toMatchObject({ code: "TRUNCATED", file: cut });
    const badCrc = Buffer.from(gz);
    badCrc[badCrc.length - 6]! ^= 0xff;
    const bad = tempPath(".gz");
    writeFileSync(bad, badCrc);
    await expect(readAsync(bad)).rejects.toMatchObject({ code: "CORRUPT", file: bad });
  });
});

describe("sync reader inflaters", () => {
  it("the native inflate thread (default) and fflate (ARRAYRECORD_SYNC_INFLATE=fflate) read the same records", () => {
    const records = Array.from({ length: 400 }, (_, i) => new Uint8Array(i * 7).fill(i));
    const framed = encodeTFRecords(records);
    for (const [name, bytes] of [["a.gz", gzipSync(framed)], ["a.zz", deflateSync(framed)]] as const) {
      const path = tempPath(name);
      writeFileSync(path, bytes);
      const native = hex(readSync(path, { chunkBytes: 5000 }));
      process.env["ARRAYRECORD_SYNC_INFLATE"] = "fflate";
      try {
        expect(hex(readSync(path, { chunkBytes: 5000 }))).toEqual(native);
      } finally {
        delete process.env["ARRAYRECORD_SYNC_INFLATE"];
      }
      expect(native).toEqual(hex(records));
    }
  });

  it("a sync read stopped early leaves the inflate thread usable", () => {
    const path = tempPath(".gz");
    writeFileSync(path, gzipSync(encodeTFRecords(Array.from({ length: 3000 }, (_, i) => new Uint8Array(500).fill(i)))));
    for (let round = 0; round < 20; round++) {
      for (const _ of readTFRecordsSync(path)) break;
    }
    expect(readSync(path)).toHaveLength(3000);
  });
});
