/**
 * The reader's own logic, through a byte source that counts its reads: how batches, ranges and
 * iteration group chunks into I/Os (at most one span each, adjacent chunks only), the chunk cache,
 * positions, bounds and closing — with the exact records every time.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { MemoryByteSource, type ByteSource } from "../../../src/format/bytes/byte-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { ArrayRecordError } from "../../../src/format/errors.js";

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

/** 400 records of ~3 KB, 4 per chunk: 100 chunks of ~12 KB, so a 1 MiB span holds ~85 chunks. */
const RECORDS = Array.from({ length: 400 }, (_, i) => `${i}:`.padEnd(3000 + (i % 7), String.fromCharCode(97 + (i % 26))));
const FILE = encodeArrayRecord(RECORDS, "group_size:4,uncompressed");

/** A memory source that logs each read (and may offer readMany/readManySync). */
class CountingSource implements ByteSource {
  readonly reads: [number, number][] = [];
  readonly name = "counted.array_record";
  readonly size: number;
  closedCount = 0;
  private readonly inner: MemoryByteSource;

  constructor(bytes: Uint8Array) {
    this.inner = new MemoryByteSource(bytes);
    this.size = bytes.length;
  }

  readSync(position: number, length: number): Uint8Array {
    this.reads.push([position, length]);
    return this.inner.readSync(position, length);
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    return this.readSync(position, length);
  }

  closeSync(): void {
    this.closedCount++;
  }

  async close(): Promise<void> {
    this.closedCount++;
  }
}

/** A counting source that also reads several ranges per call, as object-store sources do. */
class ManySource extends CountingSource {
  readonly manyCalls: number[] = [];
  failWith: Error | undefined;

  readManySync(ranges: readonly { position: number; length: number }[]): Uint8Array[] {
    if (this.failWith !== undefined) throw this.failWith;
    this.manyCalls.push(ranges.length);
    return ranges.map((r) => this.readSync(r.position, r.length));
  }

  async readMany(ranges: readonly { position: number; length: number }[]): Promise<Uint8Array[]> {
    return this.readManySync(ranges);
  }
}

/**
 * Two one-record chunks whose bytes (offsets[2] − offsets[0]) are exactly `span`, then a small
 * third chunk. The record sizes are found by re-encoding: block headers make a chunk's size a step
 * function of its record's, so a step that jumps over the target moves the first record instead.
 */
function fileSpanning(span: number): { bytes: Uint8Array; records: string[] } {
  let a = span / 2;
  let b = span / 2 - 100;
  const tried = new Set<string>();
  for (let attempt = 0; attempt < 40; attempt++) {
    const records = ["a".padEnd(a, "x"), "b".padEnd(b, "y"), "tail"];
    const bytes = encodeArrayRecord(records, "group_size:1,uncompressed");
    const { offsets } = ArrayRecordReader.openSync(new MemoryByteSource(bytes)).fileLayout.index;
    const miss = span - (offsets[2]! - offsets[0]!);
    if (miss === 0) return { bytes, records };
    tried.add(`${a},${b}`);
    b += miss;
    if (tried.has(`${a},${b}`)) a += 1;
  }
  throw new Error(`no record sizes give two chunks of exactly ${span} bytes`);
}

/** Opens FILE through a counting source, forgetting the reads opening made. */
function open(options = ""): { reader: ArrayRecordReader; source: CountingSource } {
  const source = new CountingSource(FILE);
  const reader = ArrayRecordReader.openSync(source, options);
  source.reads.length = 0;
  return { reader, source };
}

describe("ArrayRecordReader", () => {
  it("reports counts, group size, options, size and name", () => {
    const { reader } = open();
    expect(reader.numRecords).toBe(400);
    expect(reader.numChunks).toBe(100);
    expect(reader.groupSize).toBe(4);
    expect(reader.writerOptions).toBe("group_size:4,transpose:false,pad_to_block_boundary:false,uncompressed,max_parallelism:1");
    expect(reader.fileSize).toBe(FILE.length);
    expect(reader.name).toBe("counted.array_record");
    expect(reader.recovery).toBeUndefined();
    const empty = ArrayRecordReader.openSync(new MemoryByteSource(encodeArrayRecord([])));
    expect([empty.numRecords, empty.numChunks, empty.groupSize]).toEqual([0, 0, 0]);
    expect(empty.readAllSync()).toEqual([]);
    expect(empty.readNextSync()).toBeUndefined();
  });

  it("single reads hit a one-chunk cache: one I/O per chunk change", () => {
    const { reader, source } = open();
    expect(text(reader.readSync(9))).toBe(RECORDS[9]);
    expect(text(reader.readSync(8))).toBe(RECORDS[8]);
    expect(text(reader.readSync(11))).toBe(RECORDS[11]);
    expect(source.reads).toHaveLength(1);
    const offsets = reader.fileLayout.index.offsets;
    expect(source.reads[0]).toEqual([offsets[2], offsets[3]! - offsets[2]!]);
    expect(text(reader.readSync(12))).toBe(RECORDS[12]);
    expect(text(reader.readSync(8))).toBe(RECORDS[8]);
    expect(source.reads).toHaveLength(3);
  });

  it("single reads from a file, sync and async, give records that stay intact across later reads (property, fixed seed)", async () => {
    // ~3 KB records 64 to a chunk: ~190 KB chunks, read into the reader's reused buffer (records of
    // uncompressed ones are copied out of it); group_size:400 makes one chunk over a span (1 MiB);
    // group_size:1 chunks are small: sync reads copy from the mapping, async ones come from the page cache.
    // zstd chunks of more than one 128 KiB block are first decoded only through the record read,
    // then whole when a later read needs more of the same chunk.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-large-chunks-"));
    try {
      for (const options of ["group_size:64,uncompressed", "group_size:64,zstd:1", "group_size:400,uncompressed", "group_size:400,zstd:3", "group_size:1,uncompressed", "group_size:1,snappy"]) {
        const file = path.join(dir, "large.array_record");
        fs.writeFileSync(file, encodeArrayRecord(RECORDS, options));
        const reader = await ArrayRecordReader.open(file);
        await fc.assert(
          fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: RECORDS.length - 1 }), fc.boolean()), { minLength: 1, maxLength: 40 }), async (steps) => {
            const got: [number, Uint8Array][] = [];
            for (const [i, sync] of steps) got.push([i, sync ? reader.readSync(i) : await reader.read(i)]);
            // Checked only after all the reads: a record left viewing the reused buffer would have changed by now.
            for (const [i, record] of got) expect(text(record), `${options} record ${i}`).toBe(RECORDS[i]);
          }),
          { seed: 1515, numRuns: 40 },
        );
        await reader.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("async single reads share the cache", async () => {
    const { reader, source } = open();
    expect(text(await reader.read(21))).toBe(RECORDS[21]);
    expect(text(await reader.read(20))).toBe(RECORDS[20]);
    expect(text(reader.readSync(23))).toBe(RECORDS[23]);
    expect(source.reads).toHaveLength(1);
    expect(text(await reader.read(399))).toBe(RECORDS[399]);
    expect(source.reads).toHaveLength(2);
  });

  it("a batch reads each needed chunk once, adjacent chunks in one I/O of at most a span", () => {
    const { reader, source } = open();
    const offsets = reader.fileLayout.index.offsets;
    // Chunks 0, 1, 2 adjacent (one I/O), chunk 50 alone, chunk 1 again (no new read).
    const indices = [8, 0, 200, 5, 9, 201, 4];
    expect(reader.readSync(indices).map(text)).toEqual(indices.map((i) => RECORDS[i]));
    expect(source.reads).toEqual([
      [offsets[0], offsets[3]! - offsets[0]!],
      [offsets[50], offsets[51]! - offsets[50]!],
    ]);
    // Every record: adjacent runs cut at 1 MiB.
    source.reads.length = 0;
    const all = Array.from({ length: 400 }, (_, i) => 399 - i);
    expect(reader.readSync(all).map(text)).toEqual(all.map((i) => RECORDS[i]));
    expect(source.reads.length).toBe(2);
    expect(source.reads[0]![0]).toBe(offsets[0]);
    expect(source.reads[0]![1]).toBeLessThanOrEqual(1 << 20);
    expect(source.reads[0]![0] + source.reads[0]![1]).toBe(source.reads[1]![0]);
    expect(source.reads[1]![0] + source.reads[1]![1]).toBe(offsets[100]);
  });

  it("a span holds adjacent chunks of exactly spanBytes (1 MiB) in one I/O, one byte more in two", async () => {
    for (const [span, ios] of [[1 << 20, 1], [(1 << 20) + 1, 2]] as const) {
      const { bytes, records } = fileSpanning(span);
      const source = new CountingSource(bytes);
      const reader = ArrayRecordReader.openSync(source);
      const { offsets } = reader.fileLayout.index;
      const whole: [number, number][] = [[offsets[0]!, span]];
      const split: [number, number][] = [
        [offsets[0]!, offsets[1]! - offsets[0]!],
        [offsets[1]!, offsets[2]! - offsets[1]!],
      ];
      const expected = ios === 1 ? whole : split;
      source.reads.length = 0;
      expect(reader.readSync([1, 0]).map(text)).toEqual([records[1], records[0]]);
      expect(source.reads).toEqual(expected);
      source.reads.length = 0;
      expect(reader.readRangeSync(0, 2).map(text)).toEqual(records.slice(0, 2));
      expect(source.reads).toEqual(expected);
      source.reads.length = 0;
      expect((await reader.readRange(0, 3)).map(text)).toEqual(records);
      // With the small third chunk: after a whole first span it is a span alone; after a cut, chunk 1 takes it along.
      const three: [number, number][] = ios === 1
        ? [...whole, [offsets[2]!, offsets[3]! - offsets[2]!]]
        : [split[0]!, [offsets[1]!, offsets[3]! - offsets[1]!]];
      expect(source.reads).toEqual(three);
    }
  });

  it("readahead_buffer_size above 1 MiB widens the spans", () => {
    const { reader, source } = open("readahead_buffer_size:4M");
    expect(reader.readSync(Array.from({ length: 400 }, (_, i) => i)).map(text)).toEqual(RECORDS);
    expect(source.reads).toEqual([[reader.fileLayout.index.offsets[0], reader.fileLayout.index.offsets[100]! - reader.fileLayout.index.offsets[0]!]]);
    source.reads.length = 0;
    expect(reader.readAllSync().map(text)).toEqual(RECORDS);
    expect(source.reads).toHaveLength(1);
  });

  it("ranges and iteration read spans of adjacent chunks and cut records to [start, end)", async () => {
    const { reader, source } = open();
    expect(reader.readRangeSync(5, 7).map(text)).toEqual(RECORDS.slice(5, 7));
    expect(source.reads).toHaveLength(1);
    expect(reader.readRangeSync(3, 398).map(text)).toEqual(RECORDS.slice(3, 398));
    expect(reader.readRangeSync(7, 7)).toEqual([]);
    expect((await reader.readRange(1, 399)).map(text)).toEqual(RECORDS.slice(1, 399));
    expect([...reader.records(397)].map(text)).toEqual(RECORDS.slice(397));
    expect([...reader.records(2, 3)].map(text)).toEqual([RECORDS[2]]);
    const streamed: string[] = [];
    for await (const r of reader.recordsAsync(390, 395)) streamed.push(text(r)!);
    expect(streamed).toEqual(RECORDS.slice(390, 395));
    source.reads.length = 0;
    expect(reader.readAllSync()).toHaveLength(400);
    expect(source.reads.length).toBe(2);
    for (const [position, length] of source.reads) {
      expect(length).toBeLessThanOrEqual(1 << 20);
      expect(position).toBeGreaterThan(0);
    }
  });

  it("sequential reads, seek and the position", async () => {
    const { reader } = open();
    expect(reader.recordIndex).toBe(0);
    expect(text(reader.readNextSync())).toBe(RECORDS[0]);
    expect(reader.recordIndex).toBe(1);
    reader.seek(399);
    expect(text(await reader.readNext())).toBe(RECORDS[399]);
    expect(reader.recordIndex).toBe(400);
    expect(reader.readNextSync()).toBeUndefined();
    expect(await reader.readNext()).toBeUndefined();
    reader.seek(400);
    expect(reader.recordIndex).toBe(400);
    reader.seek(0);
    expect(text(reader.readNextSync())).toBe(RECORDS[0]);
  });

  it("indices, ranges and seeks out of bounds are OUT_OF_RANGE naming the file", async () => {
    const { reader } = open();
    const outOfRange = expect.objectContaining({ code: "OUT_OF_RANGE", file: "counted.array_record" });
    for (const bad of [-1, 400, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => reader.readSync(bad), String(bad)).toThrow(outOfRange);
      await expect(reader.read(bad), String(bad)).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
      expect(() => reader.readSync([0, bad]), String(bad)).toThrow(outOfRange);
    }
    for (const bad of [-1, 401, 0.5]) expect(() => reader.seek(bad), String(bad)).toThrow(outOfRange);
    for (const [start, end] of [[-1, 3], [0, 401], [5, 4], [0.5, 3], [0, Number.POSITIVE_INFINITY]]) {
      expect(() => reader.readRangeSync(start!, end!), `${start}:${end}`).toThrow(outOfRange);
      await expect(reader.readRange(start!, end!), `${start}:${end}`).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    }
    expect(reader.readRangeSync(400, 400)).toEqual([]);
    expect(reader.readRangeSync(0, 400)).toHaveLength(400);
  });

  it("close is idempotent, closes the source once, and every read afterwards is CLOSED", async () => {
    const { reader, source } = open();
    reader.closeSync();
    reader.closeSync();
    await reader.close();
    expect(source.closedCount).toBe(1);
    const closed = expect.objectContaining({ code: "CLOSED", file: "counted.array_record" });
    expect(() => reader.readSync(0)).toThrow(closed);
    expect(() => reader.readSync([0, 1])).toThrow(closed);
    expect(() => reader.readRangeSync(0, 1)).toThrow(closed);
    expect(() => reader.readNextSync()).toThrow(closed);
    expect(() => reader.seek(0)).toThrow(closed);
    expect(() => [...reader]).toThrow(closed);
    await expect(reader.read(0)).rejects.toMatchObject({ code: "CLOSED" });
    await expect(reader.readAll()).rejects.toMatchObject({ code: "CLOSED" });
    const second = open();
    await second.reader.close();
    await second.reader.close();
    second.reader.closeSync();
    expect(second.source.closedCount).toBe(1);
    await expect(second.reader.readNext()).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("a file that fails to open closes its source and names it", async () => {
    const damaged = FILE.slice(0, FILE.length - 10);
    const source = new CountingSource(damaged);
    expect(() => ArrayRecordReader.openSync(source)).toThrow(expect.objectContaining({ file: "counted.array_record" }));
    expect(source.closedCount).toBe(1);
    const asyncSource = new CountingSource(damaged);
    await expect(ArrayRecordReader.open(asyncSource)).rejects.toMatchObject({ file: "counted.array_record" });
    expect(asyncSource.closedCount).toBe(1);
  });

  it("a damaged chunk fails the read that needs it with CORRUPT naming the file and the chunk", async () => {
    const bytes = Uint8Array.from(FILE);
    const reader0 = ArrayRecordReader.openSync(new MemoryByteSource(FILE));
    const at = reader0.fileLayout.index.offsets[30]! + 100;
    bytes[at]! ^= 1;
    const source = new CountingSource(bytes);
    const reader = ArrayRecordReader.openSync(source);
    const corrupt = expect.objectContaining({ code: "CORRUPT", file: "counted.array_record", offset: reader0.fileLayout.index.offsets[30] });
    expect(text(reader.readSync(119))).toBe(RECORDS[119]);
    expect(() => reader.readSync(120)).toThrow(corrupt);
    expect(() => reader.readSync([3, 121])).toThrow(corrupt);
    expect(() => reader.readRangeSync(100, 130)).toThrow(corrupt);
    await expect(reader.readRange(100, 130)).rejects.toMatchObject({ code: "CORRUPT", file: "counted.array_record" });
    await expect(reader.read(120)).rejects.toMatchObject({ code: "CORRUPT", file: "counted.array_record" });
    expect(reader.readRangeSync(0, 120).map(text)).toEqual(RECORDS.slice(0, 120));
  });

  it("parallel reads refuse a worker count that is not a positive integer", async () => {
    const { reader } = open();
    for (const workers of [0, -1, 1.5]) {
      await expect(reader.readRangeParallel(0, 4, workers)).rejects.toMatchObject({ code: "INVALID_OPTIONS", file: "counted.array_record" });
    }
    await reader.close();
  });

  it("a batch through readMany asks for all its spans in one call; its failures name the file", async () => {
    const source = new ManySource(FILE);
    const reader = ArrayRecordReader.openSync(source);
    const offsets = reader.fileLayout.index.offsets;
    source.reads.length = 0;
    const indices = [200, 8, 0, 5, 399];
    expect(reader.readSync(indices).map(text)).toEqual(indices.map((i) => RECORDS[i]));
    expect((await reader.read(indices)).map(text)).toEqual(indices.map((i) => RECORDS[i]));
    expect(source.manyCalls).toEqual([3, 3]);
    expect(source.reads.slice(0, 3)).toEqual([
      [offsets[0], offsets[3]! - offsets[0]!],
      [offsets[50], offsets[51]! - offsets[50]!],
      [offsets[99], offsets[100]! - offsets[99]!],
    ]);
    source.failWith = new ArrayRecordError("IO", "connection reset");
    expect(() => reader.readSync([1, 2])).toThrow(expect.objectContaining({ code: "IO", file: "counted.array_record" }));
    source.failWith = new ArrayRecordError("IO", "connection reset");
    await expect(reader.read([1, 2])).rejects.toMatchObject({ code: "IO", file: "counted.array_record" });
  });

  it("a fresh reader's first read may be in any chunk (chunk 1 included)", async () => {
    expect(text(open().reader.readSync(5))).toBe(RECORDS[5]);
    expect(text(await open().reader.read(6))).toBe(RECORDS[6]);
    expect(open().reader.readSync([4]).map(text)).toEqual([RECORDS[4]]);
  });

  it("opens paths as well as sources, sync and async", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-reader-api-"));
    try {
      const file = path.join(dir, "f.array_record");
      fs.writeFileSync(file, FILE);
      const sync = ArrayRecordReader.openSync(file);
      expect(sync.name).toBe(file);
      expect(text(sync.readSync(123))).toBe(RECORDS[123]);
      sync.closeSync();
      const viaAsync = await ArrayRecordReader.open(file);
      expect(text(await viaAsync.read(321))).toBe(RECORDS[321]);
      await viaAsync.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("withLayout reuses another reader's index: no footer read, same records", () => {
    const { reader } = open();
    const source = new CountingSource(FILE);
    const again = ArrayRecordReader.withLayout(source, reader.fileLayout, "readahead_buffer_size:4M");
    expect(again.numRecords).toBe(400);
    expect(source.reads).toEqual([]);
    expect(again.readAllSync().map(text)).toEqual(RECORDS);
    expect(source.reads).toHaveLength(1);
  });

  it("closeSync alone and close alone each close the source and refuse further reads", async () => {
    const a = open();
    a.reader.closeSync();
    expect(a.source.closedCount).toBe(1);
    expect(() => a.reader.readSync(0)).toThrow(expect.objectContaining({ code: "CLOSED" }));
    const b = open();
    await b.reader.close();
    expect(b.source.closedCount).toBe(1);
    expect(() => b.reader.readSync(0)).toThrow(expect.objectContaining({ code: "CLOSED" }));
  });

  it("parallel reads of partial ranges, on one worker or two, give the records in order", async () => {
    const { reader } = open();
    try {
      expect((await reader.readRangeParallel(3, 398, 2)).map(text)).toEqual(RECORDS.slice(3, 398));
      expect((await reader.readRangeParallel(0, 9, 1)).map(text)).toEqual(RECORDS.slice(0, 9));
      expect((await reader.readAllParallel(2)).map(text)).toEqual(RECORDS);
      expect(await reader.readRangeParallel(5, 5, 2)).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it("parallel reads of more spans than 2 × workers, from memory and from a file (read into owned buffers)", async () => {
    // 1,300 records of ~3 KB: ~4 MB, 4 spans of at most 1 MiB, so one worker's 2 prefetched spans must be followed by more.
    const records = Array.from({ length: 1300 }, (_, i) => `${i}:`.padEnd(3000 + (i % 11), String.fromCharCode(97 + (i % 26))));
    const bytes = encodeArrayRecord(records, "group_size:4,uncompressed");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reader-api-"));
    const file = path.join(dir, "big.array_record");
    fs.writeFileSync(file, bytes);
    const source = new CountingSource(bytes);
    const fromMemory = ArrayRecordReader.openSync(source);
    const fromFile = await ArrayRecordReader.open(file);
    try {
      source.reads.length = 0;
      expect((await fromMemory.readAllParallel(1)).map(text)).toEqual(records);
      expect(source.reads.length).toBeGreaterThan(2);
      expect((await fromFile.readAllParallel(1)).map(text)).toEqual(records);
      expect((await fromFile.readRangeParallel(7, 1293, 1)).map(text)).toEqual(records.slice(7, 1293));
      expect((await fromFile.readRangeParallel(1290, 1300, 2)).map(text)).toEqual(records.slice(1290));
    } finally {
      await fromMemory.close();
      await fromFile.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("chunk stats, async iteration and empty async ranges", async () => {
    const { reader, source } = open();
    const stats = reader.dataChunkStatsSync();
    expect(stats.chunkTypes).toEqual({ simple: 100, transposed: 0 });
    expect(stats.dataBytes).toBe(reader.fileLayout.index.offsets[100]! - reader.fileLayout.index.offsets[0]!);
    expect(await reader.dataChunkStats()).toEqual(stats);
    const streamed: string[] = [];
    for await (const r of reader) streamed.push(text(r)!);
    expect(streamed).toEqual(RECORDS);
    expect(await reader.readRange(7, 7)).toEqual([]);
    // The async range reads fetch exactly the data chunks, in spans of at most 1 MiB.
    source.reads.length = 0;
    expect(await reader.readAll()).toHaveLength(400);
    const offsets = reader.fileLayout.index.offsets;
    expect(source.reads.reduce((n, [, length]) => n + length, 0)).toBe(offsets[100]! - offsets[0]!);
    for (const [, length] of source.reads) expect(length).toBeLessThanOrEqual(1 << 20);
  });

  it("a damaged chunk read through readMany is CORRUPT too", async () => {
    const bytes = Uint8Array.from(FILE);
    const clean = ArrayRecordReader.openSync(new MemoryByteSource(FILE));
    bytes[clean.fileLayout.index.offsets[30]! + 100]! ^= 1;
    const reader = ArrayRecordReader.openSync(new ManySource(bytes));
    expect(() => reader.readSync([3, 121])).toThrow(expect.objectContaining({ code: "CORRUPT", file: "counted.array_record" }));
    await expect(reader.read([3, 121])).rejects.toMatchObject({ code: "CORRUPT", file: "counted.array_record" });
  });

  it("random batches (duplicates, any order) read exactly through sources with and without readMany", async () => {
    const withMany = new ManySource(FILE);
    const plain = new CountingSource(FILE);
    const a = ArrayRecordReader.openSync(withMany);
    const b = ArrayRecordReader.openSync(plain);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 399 }), { maxLength: 60 }), async (indices) => {
        const expected = indices.map((i) => RECORDS[i]);
        expect(a.readSync(indices).map(text)).toEqual(expected);
        expect(b.readSync(indices).map(text)).toEqual(expected);
        expect((await a.read(indices)).map(text)).toEqual(expected);
        expect((await b.read(indices)).map(text)).toEqual(expected);
      }),
      { numRuns: 40, seed: 8 },
    );
  });
});
