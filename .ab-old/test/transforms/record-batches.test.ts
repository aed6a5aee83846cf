import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isArrayRecordError } from "../../src/format/errors.js";
import { packRecords, RecordBatchBuilder, unpackRecords } from "../../src/transforms/record-batches.js";

describe("record batches", () => {
  it("unpack(pack(records)) gives the records back, byte for byte (property, seeded)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 60 }), (records) => {
        const batch = packRecords(records);
        expect(batch.length).toBe(records.reduce((n, r) => n + r.length + (r.length < 128 ? 1 : 2), 0));
        expect([...unpackRecords(batch)].map((r) => [...r])).toEqual(records.map((r) => [...r]));
      }),
      { seed: 1010, numRuns: 200 },
    );
  });

  it("exact encoding: varint length + bytes; the builder resets after take()", () => {
    const b = new RecordBatchBuilder();
    b.add(new Uint8Array([7]));
    b.add(new Uint8Array(200).fill(1));
    b.add(new Uint8Array(0));
    expect([b.length, b.bytes]).toEqual([3, 2 + 202 + 1]);
    const batch = b.take();
    expect([...batch.subarray(0, 5)]).toEqual([1, 7, 0xc8, 0x01, 1]);
    expect(batch[batch.length - 1]).toBe(0);
    expect([b.length, b.bytes, b.take().length]).toEqual([0, 0, 0]);
  });

  it("a length past the batch's end is CORRUPT with its offset", () => {
    const batch = packRecords([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])]);
    let error: unknown;
    try {
      [...unpackRecords(batch.subarray(0, batch.length - 1))];
    } catch (e) {
      error = e;
    }
    expect(isArrayRecordError(error) && error.code === "CORRUPT" && error.offset === 5).toBe(true);
  });
});
