/**
 * Async batch reads (`read(indices)`) of local files decode large spans on the decode
 * workers and everything else on the calling thread (batch-workers.ts); either way the records
 * are exactly the ones asked for.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { batchWorkerCount, WORKER_BATCH_MIN_SPAN_BYTES } from "../../../src/format/array-record/batch-workers.js";
import { sharedDecodePool } from "../../../src/format/array-record/parallel-decode.js";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { ArrayRecordDataSource } from "../../../src/format/array-record/data-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { textRecords } from "../../helpers/generators.js";

describe("batchWorkerCount", () => {
  it("picks the workers only for spans that decode to enough each, with 2 or more of them", () => {
    const big = 4 * WORKER_BATCH_MIN_SPAN_BYTES;
    expect(batchWorkerCount(2, 4, big)).toBe(2);
    expect(batchWorkerCount(3, 4, big)).toBe(3);
    expect(batchWorkerCount(2, 4, big - 1)).toBe(0); // just under the average
    expect(batchWorkerCount(1, 4, big)).toBe(0);
    expect(batchWorkerCount(2, 0, 0)).toBe(0);
  });
});

describe("async batch reads of local files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-batch-workers-"));
  const records = textRecords(31, 1500, 1200, 1400);
  const file = (options: string): string => {
    const name = path.join(dir, `${options.replace(/[^a-z0-9]+/gi, "_")}.array_record`);
    if (!fs.existsSync(name)) fs.writeFileSync(name, encodeArrayRecord(records, options));
    return name;
  };
  const indices = Array.from({ length: 40 }, (_, k) => (k * 613 + 7) % records.length).concat([5, 5, 1499]);
  const same = (got: Uint8Array[]): boolean => got.length === indices.length && got.every((r, k) => Buffer.from(r).equals(Buffer.from(records[indices[k]!]!)));

  let decodeFile: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    decodeFile = vi.spyOn(sharedDecodePool(), "decodeFile");
  });
  afterAll(() => {
    decodeFile.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, string, boolean][] = [
    ["group_size:256,zstd:3", "max_parallelism:2", true], // ~330 KB chunks: on the workers
    ["group_size:256,zstd:3", "max_parallelism:1", false],
    ["group_size:256,uncompressed", "max_parallelism:2", true],
    ["group_size:1,zstd:3", "max_parallelism:2", false], // 1.3 KB spans: this thread
  ];
  for (const [options, readerOptions, onWorkers] of cases) {
    it(`${options} with ${readerOptions}: exact records, ${onWorkers ? "decoded on the workers" : "decoded on this thread"}`, async () => {
      decodeFile.mockClear();
      const reader = await ArrayRecordReader.open(file(options), readerOptions);
      try {
        expect(same(await reader.read(indices))).toBe(true);
        expect(decodeFile.mock.calls.length > 0).toBe(onWorkers);
      } finally {
        await reader.close();
      }
    });
  }

  it("a data source's getMany takes the same path", async () => {
    decodeFile.mockClear();
    const source = await ArrayRecordDataSource.open([file("group_size:256,zstd:3")], "max_parallelism:2");
    try {
      expect(same(await source.getMany(indices))).toBe(true);
      expect(decodeFile).toHaveBeenCalled();
    } finally {
      await source.close();
    }
  });
});
