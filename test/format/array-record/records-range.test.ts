/**
 * `records(start, end)` and `readRangeSync(start, end)` cut exactly `[start, end)` out of files with
 * one record per chunk (the chunk's whole data is the record) and several (views by record starts),
 * whatever the group size and where the range begins and ends. From a local file, `records()`
 * reads spans into a reused buffer: records it yielded earlier must stay intact.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArrayRecordReader, MemoryByteSource } from "../../../src/index.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("range reads", () => {
  it("records(start, end) and readRangeSync(start, end) equal the slice (property, seed 1417)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom("uncompressed", "zstd", "snappy"),
        fc.nat(),
        fc.nat(),
        (records, groupSize, codec, a, b) => {
          const file = encodeArrayRecord(records, `group_size:${groupSize},${codec}`);
          const reader = ArrayRecordReader.openSync(new MemoryByteSource(file));
          const n = records.length;
          const start = a % (n + 1);
          const end = start + (b % (n - start + 1));
          const want = records.slice(start, end).map(hex);
          expect([...reader.records(start, end)].map(hex)).toEqual(want);
          expect(reader.readRangeSync(start, end).map(hex)).toEqual(want);
          expect([...reader.records()].map(hex)).toEqual(records.map(hex));
        },
      ),
      { seed: 1417, numRuns: 150 },
    );
  });
});

describe("sequential reads from a local file", () => {
  it("records() and readSync(indices) kept without copying stay intact while later spans are read (property, seed 1418)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "records-reuse-"));
    try {
      fc.assert(
        fc.property(
          // Tiny records make stored zstd frames and literal snappy streams (views of the read
          // buffer); larger ones compress into arrays of their own. Spans are 1 MiB.
          fc.array(fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ minLength: 100, maxLength: 3000 }).map((r) => r.map((b, i) => (i % 3 === 0 ? 97 : b)))), {
            minLength: 1,
            maxLength: 1500,
          }),
          fc.constantFrom(1, 3, 64),
          fc.constantFrom("uncompressed", "zstd", "snappy", "zstd,pad_to_block_boundary:true"),
          (records, groupSize, codec) => {
            const file = path.join(dir, "f.array_record");
            fs.writeFileSync(file, encodeArrayRecord(records, `group_size:${groupSize},${codec}`));
            const reader = ArrayRecordReader.openSync(file, "readahead_buffer_size:1M");
            // Every record, out of order: each span serves all its records (no copies are made).
            const order = records.map((_, i) => (i * 7919) % records.length).filter((i, k, all) => all.indexOf(i) === k);
            const batch = reader.readSync(order);
            const kept = [...reader.records()];
            const again = [...reader.records(Math.floor(records.length / 2))];
            const batchAgain = reader.readSync(order);
            reader.closeSync();
            expect(batch.map(hex)).toEqual(order.map((i) => hex(records[i]!)));
            expect(batchAgain.map(hex)).toEqual(order.map((i) => hex(records[i]!)));
            expect(kept.map(hex)).toEqual(records.map(hex));
            expect(again.map(hex)).toEqual(records.slice(Math.floor(records.length / 2)).map(hex));
          },
        ),
        { seed: 1418, numRuns: 40 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
