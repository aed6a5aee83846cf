/** Batch reads on worker threads (`readParallel`) give exactly the records at the indices given, and the batch order is a stable sort by chunk. */
import fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { chunkOrder } from "../../../src/format/array-record/batch-order.js";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { textRecords } from "../../helpers/generators.js";
import type { Compression } from "../../../src/format/riegeli/compressor-options.js";

const SEED = 1415;

function same(got: Uint8Array[], want: Uint8Array[]): boolean {
  return got.length === want.length && got.every((r, i) => Buffer.from(r).equals(Buffer.from(want[i]!)));
}

describe("chunkOrder", () => {
  it("is the stable sort of positions by chunk, on both the counting and the comparison path (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(30), { maxLength: 300 }), fc.integer({ min: 0, max: 5000 }), (small, extra) => {
        const numChunks = 31 + extra; // > 4n + 1024 for small batches with large extra: the comparison path
        const chunks = Float64Array.from(small.map((c, k) => (k % 3 === 0 ? c : (c * 97 + extra) % numChunks)));
        const want = Array.from({ length: chunks.length }, (_, k) => k).sort((a, b) => chunks[a]! - chunks[b]! || a - b);
        expect(Array.from(chunkOrder(chunks, numChunks)), `numChunks ${numChunks}`).toEqual(want);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("takes the comparison path when the chunk table would dwarf the batch", () => {
    expect(chunkOrder(Float64Array.of(900_000, 3, 3, 0), 1_000_000)).toBeInstanceOf(Float64Array);
    expect(Array.from(chunkOrder(Float64Array.of(900_000, 3, 3, 0), 1_000_000))).toEqual([3, 1, 2, 0]);
    expect(chunkOrder(Float64Array.of(2, 1), 3)).toBeInstanceOf(Uint32Array);
  });
});

describe("readParallel", () => {
  it("returns exactly the records at any indices, duplicates and any order included, from files and memory (property, fixed seed)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-batch-parallel-"));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 400 }),
          fc.integer({ min: 1, max: 40 }),
          fc.constantFrom("uncompressed", "zstd:1", "snappy", "brotli:1", "transpose:true", "transpose:true,zstd:1"),
          fc.array(fc.nat(), { maxLength: 500 }),
          fc.integer({ min: 1, max: 3 }),
          fc.boolean(),
          async (count, groupSize, codec, picks, workers, fromFile) => {
            const records = textRecords(count * 7 + groupSize, count, 0, 3000);
            const options = `group_size:${groupSize},${codec}`;
            const bytes = encodeArrayRecord(records, options);
            const file = path.join(dir, "f.array_record");
            if (fromFile) fs.writeFileSync(file, bytes);
            // A small readahead makes many spans (several in flight per worker).
            const reader = await ArrayRecordReader.open(fromFile ? file : new MemoryByteSource(bytes), "readahead_buffer_size:16k");
            const indices = picks.map((p) => p % count);
            const got = await reader.readParallel(indices, workers);
            expect(same(got, indices.map((i) => records[i]!)), `${options} ${count} records, ${indices.length} indices, seed ${SEED}`).toBe(true);
            expect(same(got, reader.readSync(indices))).toBe(true);
            await reader.close();
          },
        ),
        { seed: SEED, numRuns: 40 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects bad indices, a damaged chunk and a closed reader with the reader's error codes", async () => {
    const records = textRecords(3, 300, 100, 300);
    const bytes = encodeArrayRecord(records, "group_size:4,snappy");
    const reader = await ArrayRecordReader.open(new MemoryByteSource(bytes, "ok.array_record"));
    expect(await reader.readParallel([], 2)).toEqual([]);
    await expect(reader.readParallel([0, 300], 2)).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    await expect(reader.readParallel([1.5], 2)).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    await expect(reader.readParallel([0], 0)).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    await reader.close();
    await expect(reader.readParallel([0], 2)).rejects.toMatchObject({ code: "CLOSED" });

    const damaged = bytes.slice();
    damaged[20_000]! ^= 0x40;
    const bad = await ArrayRecordReader.open(new MemoryByteSource(damaged, "damaged.array_record"));
    const error = await bad.readParallel(Array.from({ length: 300 }, (_, i) => 299 - i), 2).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORRUPT", file: "damaged.array_record" });
    expect(typeof (error as { offset?: number }).offset).toBe("number");
    await bad.close();
  });
});

describe("parallel reads of local files (workers read the spans themselves)", () => {
  it("give the exact records, and a reader closed mid-read rejects with CLOSED", async () => {
    const records = textRecords(11, 3000, 500, 1500);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-parallel-fd-"));
    try {
      for (const options of ["group_size:1,uncompressed", "group_size:64,uncompressed", "group_size:8,zstd:1"]) {
        const file = path.join(dir, "f.array_record");
        fs.writeFileSync(file, encodeArrayRecord(records, options));
        const reader = await ArrayRecordReader.open(file, "readahead_buffer_size:64k");
        expect(same(await reader.readAllParallel(2), records), options).toBe(true);
        const indices = records.map((_, i) => (i * 7919) % records.length);
        expect(same(await reader.readParallel(indices, 2), indices.map((i) => records[i]!)), options).toBe(true);
        // Sparse spans: the workers copy just these records out of a reused read buffer.
        const sparse = records.map((_, i) => (i * 7919 + 13) % records.length).filter((_, k) => k % 50 === 0);
        expect(same(await reader.readParallel(sparse, 2), sparse.map((i) => records[i]!)), options).toBe(true);
        expect(same(await reader.readParallel([...sparse, ...sparse].reverse(), 1), [...sparse, ...sparse].reverse().map((i) => records[i]!)), options).toBe(true);
        const pending = reader.readAllParallel(2);
        reader.closeSync();
        await expect(pending, options).rejects.toMatchObject({ code: "CLOSED" });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("decodeStream into a target", () => {
  it("decodes every codec's stream into the target given, byte for byte, and returns it", async () => {
    const { StreamCompressor, decodeStream, compressionByte } = await import("../../../src/format/riegeli/codecs.js");
    const codecs: Compression[] = [{ type: "zstd", level: 3 }, { type: "snappy", level: 1 }, { type: "brotli", level: 1 }];
    for (const compression of codecs) {
      const codec = compression.type;
      for (const raw of [new Uint8Array(0), new Uint8Array(10).fill(7), Buffer.from("x".repeat(5000) + "abc".repeat(3000))]) {
        const stream = new StreamCompressor(compression, undefined).encode(raw);
        const into = new Uint8Array(raw.length + 8).fill(0xee).subarray(4, 4 + raw.length);
        const out = decodeStream(compressionByte(compression), stream, raw.length, 0, raw.length, into);
        expect(out, codec).toBe(into);
        expect(Buffer.from(into).equals(Buffer.from(raw)), `${codec} ${raw.length}`).toBe(true);
        expect(new Uint8Array(into.buffer, 0, 4)).toEqual(new Uint8Array(4).fill(0xee)); // nothing before the target touched
        expect(() => decodeStream(compressionByte(compression), stream, raw.length, 0, raw.length, new Uint8Array(raw.length + 1))).toThrow(RangeError);
      }
    }
  });
});

describe("batch reads of local files", () => {
  it("return exactly the records at the indices, sparse spans (copied out of a reused buffer) and dense ones alike (property, fixed seed)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-batch-sparse-"));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 600 }),
          fc.integer({ min: 1, max: 64 }),
          fc.constantFrom("uncompressed", "zstd:1", "snappy", "transpose:true"),
          fc.array(fc.nat(), { maxLength: 200 }),
          fc.boolean(),
          async (count, groupSize, codec, picks, sortedPicks) => {
            const records = textRecords(count * 3 + groupSize, count, 0, 5000);
            const options = `group_size:${groupSize},${codec}`;
            const file = path.join(dir, "f.array_record");
            fs.writeFileSync(file, encodeArrayRecord(records, options));
            const indices = picks.map((p) => p % count);
            if (sortedPicks) indices.sort((a, b) => a - b);
            for (const readerOptions of ["", "readahead_buffer_size:16k"]) {
              const reader = ArrayRecordReader.openSync(file, readerOptions);
              const got = reader.readSync(indices);
              const again = reader.readSync(indices.slice().reverse()); // reuses the scratch buffer
              expect(same(got, indices.map((i) => records[i]!)), `${options} ${count} records, ${indices.length} indices, seed ${SEED}`).toBe(true);
              expect(same(again, indices.slice().reverse().map((i) => records[i]!))).toBe(true);
              reader.closeSync();
            }
          },
        ),
        { seed: SEED, numRuns: 60 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a damaged chunk in a sparse span fails with CORRUPT naming the file", () => {
    const records = textRecords(21, 2000, 500, 1500);
    const bytes = encodeArrayRecord(records, "group_size:100,uncompressed");
    bytes[bytes.length >> 2]! ^= 0x10;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-batch-damaged-"));
    try {
      const file = path.join(dir, "damaged.array_record");
      fs.writeFileSync(file, bytes);
      const reader = ArrayRecordReader.openSync(file);
      const error = (() => {
        try {
          reader.readSync(Array.from({ length: 20 }, (_, i) => i * 100));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toMatchObject({ code: "CORRUPT", file });
      reader.closeSync();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
