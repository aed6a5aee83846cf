/** Parallel reads (worker threads) give exactly the records of the sequential reader, and its errors. */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { recordsSha256 } from "../../helpers/golden.js";
import { conformanceFixtures, fixture } from "../../helpers/fixtures.js";
import { textRecords } from "../../helpers/generators.js";

describe("readRangeParallel / readAllParallel", () => {
  it("reads every conformance fixture exactly (transposed ones included)", async () => {
    const fixtures = conformanceFixtures();
    expect(fixtures).toHaveLength(25);
    for (const f of fixtures) {
      const reader = await ArrayRecordReader.open(f.path(), "readahead_buffer_size:64k");
      expect(recordsSha256(await reader.readAllParallel(2)), f.name).toBe(f.expect.records_sha256);
      await reader.close();
    }
  });

  it("partial ranges across many spans match the sequential reader", async () => {
    const records = textRecords(5, 3000, 0, 2000);
    const bytes = encodeArrayRecord(records, "group_size:10,zstd:1");
    const reader = await ArrayRecordReader.open(new MemoryByteSource(bytes));
    for (const [start, end] of [[0, 3000], [1, 2], [15, 2985], [2990, 3000], [100, 100]] as const) {
      const got = await reader.readRangeParallel(start, end, 3);
      expect(recordsSha256(got)).toBe(recordsSha256(records.slice(start, end)));
    }
    await expect(reader.readRangeParallel(0, 3001)).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    await reader.close();
  });

  it("a damaged chunk fails with CORRUPT naming file and offset", async () => {
    const bytes = encodeArrayRecord(textRecords(6, 400, 100, 300), "group_size:4,snappy");
    const damaged = bytes.slice();
    damaged[20_000]! ^= 0x40;
    const reader = await ArrayRecordReader.open(new MemoryByteSource(damaged, "damaged.array_record"));
    const error = await reader.readAllParallel(2).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORRUPT", file: "damaged.array_record" });
    expect(typeof (error as { offset?: number }).offset).toBe("number");
    await reader.close();
  });

  it("workers do not outlive the reader: close() and closeSync() end their threads", async () => {
    const file = fixture("zstd_gs8").path();
    // OS threads of this process (Linux): worker threads are threads, so leaked ones show here.
    const threads = () => fs.readdirSync("/proc/self/task").length;
    const settle = async (limit: number) => {
      for (let i = 0; i < 100 && threads() > limit; i++) await new Promise((r) => setTimeout(r, 50));
      return threads();
    };
    // Warm up (libuv's thread pool, V8's helpers) so the baseline is stable.
    const warm = await ArrayRecordReader.open(file);
    await warm.readAllParallel(2);
    await warm.close();
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = threads();
    for (let cycle = 0; cycle < 5; cycle++) {
      const reader = await ArrayRecordReader.open(file);
      await reader.readAllParallel(2);
      expect(threads()).toBeGreaterThanOrEqual(baseline + 2); // the two decode workers run
      if (cycle % 2 === 0) await reader.close();
      else reader.closeSync();
      await expect(reader.readAllParallel(2)).rejects.toMatchObject({ code: "CLOSED" });
    }
    expect(await settle(baseline)).toBeLessThanOrEqual(baseline);
  });
});
