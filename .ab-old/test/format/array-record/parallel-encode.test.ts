/**
 * The writer's `max_parallelism` ≥ 2 compresses chunks on worker threads: the file must be
 * byte-identical to the single-threaded writer's, sync and async, and an aborted writer leaves
 * nothing behind and does not disturb the next one.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArrayRecordWriter, encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { encodeWorkerCount } from "../../../src/format/array-record/parallel-encode.js";
import { textRecords } from "../../helpers/generators.js";

const SEED = 1414;

describe("writer max_parallelism (encode workers)", () => {
  it("uses workers only for an explicit max_parallelism of 2 or more, and only to compress", () => {
    const zstd = { type: "zstd", level: 3 } as const;
    expect(encodeWorkerCount("auto", zstd)).toBe(0);
    expect(encodeWorkerCount(1, zstd)).toBe(0);
    expect(encodeWorkerCount(2, zstd)).toBe(2);
    expect(encodeWorkerCount(2, { type: "snappy" })).toBe(2);
    expect(encodeWorkerCount(2, { type: "uncompressed" })).toBe(0);
  });

  it("writes exactly the single-threaded bytes (property, fixed seed)", () => {
    const compression = fc.constantFrom("uncompressed", "zstd:3", "zstd:1,window_log:10", "snappy", "brotli:3");
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 1, max: 70 }),
        compression,
        fc.boolean(),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 2, max: 3 }),
        (count, groupSize, codec, pad, maxLength, workers) => {
          const records = textRecords(count + maxLength, count, 0, maxLength);
          const options = `group_size:${groupSize},${codec},pad_to_block_boundary:${pad}`;
          const single = encodeArrayRecord(records, options);
          const parallel = encodeArrayRecord(records, `${options},max_parallelism:${workers}`);
          expect(Buffer.compare(Buffer.from(parallel), Buffer.from(single)), `${options} ${count} records`).toBe(0);
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("a large file: identical bytes, and it reads back", async () => {
    const records = textRecords(7, 5000, 1200, 1400);
    const single = encodeArrayRecord(records, "group_size:256,zstd:3");
    const parallel = encodeArrayRecord(records, "group_size:256,zstd:3,max_parallelism:2");
    expect(Buffer.compare(Buffer.from(parallel), Buffer.from(single))).toBe(0);
    const reader = await ArrayRecordReader.open(new MemoryByteSource(parallel));
    expect(reader.numRecords).toBe(5000);
    expect(Buffer.from(reader.readSync(4321)).equals(Buffer.from(records[4321]!))).toBe(true);
    await reader.close();
  });

  it("async open/write/close gives the same file; abort leaves none and the pool keeps working", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-parallel-encode-"));
    try {
      const records = textRecords(8, 3000, 500, 1500);
      const file = path.join(dir, "a.array_record");
      const writer = await ArrayRecordWriter.open(file, "group_size:64,snappy,max_parallelism:2");
      for (const r of records) await writer.write(r);
      await writer.close();
      expect(Buffer.compare(fs.readFileSync(file), Buffer.from(encodeArrayRecord(records, "group_size:64,snappy")))).toBe(0);

      const aborted = ArrayRecordWriter.openSync(path.join(dir, "b.array_record"), "group_size:16,zstd:3,max_parallelism:2");
      for (const r of records) aborted.writeSync(r); // leaves chunks in flight
      aborted.abort();
      expect(fs.readdirSync(dir)).toEqual(["a.array_record"]);

      const again = encodeArrayRecord(records, "group_size:16,zstd:3,max_parallelism:2");
      expect(Buffer.compare(Buffer.from(again), Buffer.from(encodeArrayRecord(records, "group_size:16,zstd:3")))).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
