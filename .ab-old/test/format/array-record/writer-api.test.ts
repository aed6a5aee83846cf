/**
 * The writer's contract with its sink: output handed over in 1 MiB pieces (sync and async, the
 * async pieces never reused while the sink holds them), counts and options reported, close and
 * abort idempotent, a committed sink never aborted, failures aborting the sink and naming the file.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ArrayRecordWriter, encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { parseWriterOptions } from "../../../src/format/array-record/options.js";
import type { ByteSink } from "../../../src/format/bytes/file-sink.js";
import { decodeChunkHeader } from "../../../src/format/riegeli/chunk-header.js";
import { BLOCK_HEADER_SIZE, BLOCK_SIZE } from "../../../src/format/riegeli/blocks.js";

/**
 * A sink that records each call. Like an fs write, its async `write` holds the caller's bytes
 * (no copy) until a later tick, and only then copies them.
 */
class RecordingSink implements ByteSink {
  readonly name = "mem://recorded.array_record";
  readonly writes: Uint8Array[] = [];
  readonly calls: string[] = [];
  failCommit = false;

  writeSync(bytes: Uint8Array): void {
    this.calls.push("writeSync");
    this.writes.push(Uint8Array.from(bytes));
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.calls.push("write");
    await new Promise((resolve) => setImmediate(resolve));
    this.writes.push(Uint8Array.from(bytes));
  }

  commitSync(): void {
    this.calls.push("commit");
    if (this.failCommit) throw new Error("disk full");
  }

  async commit(): Promise<void> {
    this.commitSync();
  }

  abortSync(): void {
    this.calls.push("abort");
  }

  get bytes(): Uint8Array {
    return Uint8Array.from(Buffer.concat(this.writes));
  }
}

const MiB = 1 << 20;
/** With padding every 100-byte record takes one 64 KiB block: 16 records make exactly 1 MiB. */
const PADDED = "group_size:1,uncompressed,pad_to_block_boundary:true";
const record = (i: number) => new Uint8Array(100).fill(i);

let dir = "";
afterEach(() => {
  if (dir !== "") fs.rmSync(dir, { recursive: true, force: true });
  dir = "";
});

describe("ArrayRecordWriter and its sink", () => {
  it("writeSync hands over the output once 1 MiB is pending, not before", () => {
    const sink = new RecordingSink();
    const writer = new ArrayRecordWriter(sink, PADDED);
    for (let i = 0; i < 15; i++) writer.writeSync(record(i));
    expect(sink.writes).toHaveLength(0);
    writer.writeSync(record(15));
    expect(sink.writes.map((w) => w.length)).toEqual([MiB]);
    for (let i = 16; i < 33; i++) writer.writeSync(record(i));
    expect(sink.writes.map((w) => w.length)).toEqual([MiB, MiB]);
    expect(writer.numRecords).toBe(33);
    writer.closeSync();
    expect(sink.calls.filter((c) => c !== "writeSync")).toEqual(["commit"]);
    expect(Buffer.compare(sink.bytes, encodeArrayRecord(Array.from({ length: 33 }, (_, i) => record(i)), PADDED))).toBe(0);
  });

  it("write does the same, and the bytes a slow sink holds are never overwritten by later records", async () => {
    const sink = new RecordingSink();
    const writer = new ArrayRecordWriter(sink, PADDED);
    for (let i = 0; i < 15; i++) await writer.write(record(i));
    expect(sink.writes).toHaveLength(0);
    await writer.write(record(15));
    expect(sink.writes.map((w) => w.length)).toEqual([MiB]);
    for (let i = 16; i < 50; i++) await writer.write(record(i));
    expect(writer.numRecords).toBe(50);
    await writer.close();
    expect(Buffer.compare(sink.bytes, encodeArrayRecord(Array.from({ length: 50 }, (_, i) => record(i)), PADDED))).toBe(0);
    expect(sink.calls.filter((c) => c === "write")).toHaveLength(4);
  });

  it("async writes of records smaller than a block keep a slow sink's bytes intact too", async () => {
    const sink = new RecordingSink();
    const writer = new ArrayRecordWriter(sink, "group_size:4,uncompressed");
    const records = Array.from({ length: 3000 }, (_, i) => new Uint8Array(1000).fill(i & 0xff));
    for (const r of records) await writer.write(r);
    await writer.close();
    expect(sink.calls.filter((c) => c === "write").length).toBeGreaterThan(2);
    expect(Buffer.compare(sink.bytes, encodeArrayRecord(records, "group_size:4,uncompressed"))).toBe(0);
  });

  it("writes not awaited one by one (Promise.all) give the same file: a piece in flight is never reused", async () => {
    const sink = new RecordingSink();
    const writer = new ArrayRecordWriter(sink, PADDED);
    const records = Array.from({ length: 40 }, (_, i) => record(i));
    await Promise.all(records.map((r) => writer.write(r)));
    await writer.close();
    expect(sink.calls.filter((c) => c === "write")).toHaveLength(3);
    expect(Buffer.compare(sink.bytes, encodeArrayRecord(records, PADDED))).toBe(0);
  });

  it("reports its record count and canonical options string", () => {
    const sink = new RecordingSink();
    const writer = new ArrayRecordWriter(sink, "snappy,group_size:7");
    expect(writer.numRecords).toBe(0);
    expect(writer.writerOptions).toBe("group_size:7,transpose:false,pad_to_block_boundary:false,snappy,max_parallelism:1");
    writer.writeSync("a");
    writer.writeSync(new Uint8Array(3));
    expect(writer.numRecords).toBe(2);
    writer.closeSync();
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(sink.bytes));
    expect(reader.writerOptions).toBe(writer.writerOptions);
    expect(reader.numRecords).toBe(2);
  });

  it("close and closeSync twice are no-ops; abort after close never aborts the committed sink", async () => {
    const sink = new RecordingSink();
    const writer = new ArrayRecordWriter(sink);
    writer.writeSync("x");
    writer.closeSync();
    writer.closeSync();
    await writer.close();
    writer.abort();
    expect(sink.calls.filter((c) => c !== "writeSync")).toEqual(["commit"]);
    const asyncSink = new RecordingSink();
    const asyncWriter = new ArrayRecordWriter(asyncSink);
    await asyncWriter.write("y");
    await asyncWriter.close();
    await asyncWriter.close();
    asyncWriter.closeSync();
    asyncWriter.abort();
    expect(asyncSink.calls.filter((c) => c !== "write")).toEqual(["commit"]);
  });

  it("a bad record or a failing commit aborts the sink; the errors name the file; the writer then refuses use", async () => {
    const sink = new RecordingSink();
    const writer = new ArrayRecordWriter(sink);
    await writer.write("fine");
    await expect(writer.write(7 as unknown as string)).rejects.toMatchObject({ code: "INVALID_OPTIONS", file: sink.name });
    expect(sink.calls).toEqual(["abort"]);
    await expect(writer.write("more")).rejects.toMatchObject({ code: "CLOSED", file: sink.name, message: expect.stringContaining("failed") });
    expect(() => writer.writeSync("more")).toThrow(expect.objectContaining({ code: "CLOSED", file: sink.name }));
    await expect(writer.close()).rejects.toMatchObject({ code: "CLOSED", file: sink.name });

    for (const close of [(w: ArrayRecordWriter) => w.close(), async (w: ArrayRecordWriter) => w.closeSync()]) {
      const failing = new RecordingSink();
      failing.failCommit = true;
      const w = new ArrayRecordWriter(failing);
      w.writeSync("r");
      await expect(close(w)).rejects.toThrow("disk full");
      expect(failing.calls.slice(-2)).toEqual(["commit", "abort"]);
      expect(() => w.writeSync("again")).toThrow(expect.objectContaining({ code: "CLOSED" }));
    }
  });

  it("bad options abort the sink at once and name the file", () => {
    const sink = new RecordingSink();
    expect(() => new ArrayRecordWriter(sink, "group_size:0")).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS", file: sink.name }));
    expect(sink.calls).toEqual(["abort"]);
  });

  it("open and openSync take parsed WriterOptions as well as strings", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-writer-api-"));
    const options = parseWriterOptions("group_size:3,brotli:4");
    const sync = ArrayRecordWriter.openSync(path.join(dir, "a.array_record"), options);
    const viaAsync = await ArrayRecordWriter.open(path.join(dir, "b.array_record"), options);
    for (let i = 0; i < 10; i++) {
      sync.writeSync(`r${i}`);
      await viaAsync.write(`r${i}`);
    }
    sync.closeSync();
    await viaAsync.close();
    for (const name of ["a.array_record", "b.array_record"]) {
      const reader = ArrayRecordReader.openSync(path.join(dir, name));
      expect(reader.writerOptions).toBe("group_size:3,transpose:false,pad_to_block_boundary:false,brotli:4,max_parallelism:1");
      expect(reader.numChunks).toBe(4);
      expect(reader.readAllSync().map((r) => Buffer.from(r).toString())).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
      reader.closeSync();
    }
  });

  it("a padded chunk ending exactly on a block boundary gets no padding chunk", () => {
    // Chunk at 64: 40-byte header, compression byte, sizes length, a 3-byte size, then the record.
    const exact = 65536 - 64 - 40 - 1 - 1 - 3;
    for (const n of [exact - 1, exact, exact + 1]) {
      const records = [new Uint8Array(n).fill(1), new Uint8Array(5).fill(2)];
      const bytes = encodeArrayRecord(records, PADDED);
      const reader = ArrayRecordReader.openSync(new MemoryByteSource(bytes));
      expect(reader.readAllSync().map((r) => r.length)).toEqual([n, 5]);
      expect(reader.numChunks).toBe(2);
    }
    // The second data chunk starts right at the boundary: 65536 + the 24-byte block header is where its header is.
    const bytes = encodeArrayRecord([new Uint8Array(exact), new Uint8Array(5)], PADDED);
    expect(bytes[65536 + 24 + 24]).toBe(0x72);
  });

  it("the postscript chunk (the last block) holds the postscript record 3 times, as C++ writes it", () => {
    for (const [records, options] of [[[], ""], [["a", "bc"], "group_size:1"], [["x".repeat(70_000)], "zstd"]] as const) {
      const bytes = encodeArrayRecord([...records], options);
      expect(bytes.length % BLOCK_SIZE).toBe(0);
      const begin = bytes.length - BLOCK_SIZE;
      const header = decodeChunkHeader(bytes.subarray(begin + BLOCK_HEADER_SIZE, begin + BLOCK_HEADER_SIZE + 40), begin);
      expect(header.numRecords).toBe(3);
      expect(header.decodedDataSize % 3).toBe(0);
    }
  });
});
