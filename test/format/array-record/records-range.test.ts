/**
 * `records(start, end)` and `readRangeSync(start, end)` cut exactly `[start, end)` out of files with
 * one record per chunk (the chunk's whole data is the record) and several (views by record starts),
 * whatever the group size and where the range begins and ends.
 */
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
