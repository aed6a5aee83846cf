/** Parallel reads (worker threads) give exactly the records of the sequential reader, and its errors. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { recordsSha256 } from "../../helpers/golden.js";
import { conformanceFixtures, fixture } from "../../helpers/fixtures.js";
import { textRecords } from "../../helpers/generators.js";
import { runTsxChild } from "../../helpers/tsx-child.js";

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

  it("uncompressed chunks split by block headers come back as views of the span, equal to the sequential reader's", async () => {
    const records = textRecords(9, 700, 500, 3000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-parallel-views-"));
    try {
      for (const options of ["group_size:64,uncompressed", "group_size:5,uncompressed", "group_size:64,zstd:1"]) {
        const file = path.join(dir, "f.array_record");
        fs.writeFileSync(file, encodeArrayRecord(records, options));
        const reader = await ArrayRecordReader.open(file);
        expect(recordsSha256(await reader.readRangeParallel(0, 700, 2)), options).toBe(recordsSha256(records));
        expect(recordsSha256(await reader.readRangeParallel(33, 650, 3)), options).toBe(recordsSha256(records.slice(33, 650)));
        await reader.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("records stay intact when workers alternate between compressed spans (read into a reused buffer) and uncompressed ones", async () => {
    const records = textRecords(11, 1500, 500, 3000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-parallel-reuse-"));
    try {
      // Each compressed file leaves the workers reading into their reused buffer; the uncompressed
      // file after it must still come back as records of their own (256 KiB spans: ~10 per file).
      for (const options of ["group_size:64,zstd:1", "group_size:64,uncompressed", "group_size:5,snappy", "group_size:5,uncompressed", "group_size:1,uncompressed"]) {
        const file = path.join(dir, `${options.replace(/\W+/g, "_")}.array_record`);
        fs.writeFileSync(file, encodeArrayRecord(records, options));
        const reader = await ArrayRecordReader.open(file, "readahead_buffer_size:256k");
        const all = await reader.readAllParallel(2);
        const some = await reader.readRangeParallel(100, 1400, 2);
        expect(recordsSha256(all), options).toBe(recordsSha256(records));
        expect(recordsSha256(some), options).toBe(recordsSha256(records.slice(100, 1400)));
        await reader.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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

  it("decode workers are shared: more readers add no threads, a closed reader rejects, and idle workers do not keep the process alive", async () => {
    const file = fixture("zstd_gs8").path();
    // OS threads of this process (Linux): worker threads are threads, so leaked ones show here.
    const threads = () => fs.readdirSync("/proc/self/task").length;
    const settle = async (limit: number) => {
      for (let i = 0; i < 100 && threads() > limit; i++) await new Promise((r) => setTimeout(r, 50));
      return threads();
    };
    // Warm up (libuv's thread pool, V8's helpers, the shared pool's two workers) so the baseline is stable.
    const warm = await ArrayRecordReader.open(file);
    await warm.readAllParallel(2);
    await warm.close();
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = threads();
    const expected = recordsSha256(await (await ArrayRecordReader.open(file)).readAllParallel(2));
    for (let cycle = 0; cycle < 5; cycle++) {
      const reader = await ArrayRecordReader.open(file);
      expect(recordsSha256(await reader.readAllParallel(2))).toBe(expected);
      if (cycle % 2 === 0) await reader.close();
      else reader.closeSync();
      await expect(reader.readAllParallel(2)).rejects.toMatchObject({ code: "CLOSED" });
    }
    expect(await settle(baseline)).toBeLessThanOrEqual(baseline);
    // A process that read in parallel and never closed its reader still exits by itself.
    const script = `import { ArrayRecordReader } from "./src/format/array-record/reader.ts";
      const r = await ArrayRecordReader.open(${JSON.stringify(file)});
      console.log((await r.readAllParallel(2)).length);`;
    const child = runTsxChild({ source: script }, { timeoutMs: 60_000 });
    expect(child.error, "the child must exit by itself within 60 s").toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    expect(Number(child.stdout.trim())).toBeGreaterThan(0);
  });
});
