import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { batchRecordsToTable, recordToRecordBatches } from "../../src/format/arrow/batches.js";
import { tableToRecords } from "../../src/format/arrow/records.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { writeToArrayRecord } from "../../src/io/write-array-record.js";
import { fromArrowBatches, toArrowBatches } from "../../src/transforms/arrow-batches.js";
import { collect, collected, createRecords, hexMultiset, runDirect, tempDir } from "../io/beam-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const strings = Array.from({ length: 103 }, (_, i) => `hex:${Buffer.from(`row ${i}`).toString("hex")}00ff`);
const records = strings.map((s) => new Uint8Array(Buffer.from(s.slice(4), "hex")));

describe("toArrowBatches / fromArrowBatches", () => {
  it("packs records into Arrow batch records of at most n rows, and back", async () => {
    let batchesKey = "";
    let backKey = "";
    await runDirect((root) => {
      const batches = createRecords(root, strings).apply(toArrowBatches(10));
      batchesKey = collect(batches);
      backKey = collect(batches.apply(fromArrowBatches()));
    });
    const batches = collected<Uint8Array>(batchesKey);
    const sizes = batches.map((b) => recordToRecordBatches(b)[0]!.numRows).sort((a, b) => b - a);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(103);
    expect(sizes.every((n) => n <= 10)).toBe(true);
    expect(sizes.filter((n) => n === 10).length).toBe(10); // one bundle here: only the last is short
    const table = batchRecordsToTable(batches);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["record"]);
    expect(hexMultiset(tableToRecords(table))).toEqual(hexMultiset(records));
    expect(hexMultiset(collected<Uint8Array>(backKey))).toEqual(hexMultiset(records));
  });

  it("batch records are bytes: they go into ArrayRecord files and decode from there", async () => {
    const dir = tempDir("arrow");
    dirs.push(dir);
    const prefix = path.join(dir, "batches.array_record");
    await runDirect((root) => {
      createRecords(root, strings).apply(toArrowBatches(25, { column: "payload" })).apply(writeToArrayRecord(prefix, { numShards: 2 }));
    });
    const stored = [0, 1].flatMap((s) => ArrayRecordReader.openSync(`${prefix}-0000${s}-of-00002`).readAllSync());
    const table = batchRecordsToTable(stored);
    expect(table.numRows).toBe(103);
    expect(hexMultiset(tableToRecords(table, { column: "payload" }))).toEqual(hexMultiset(records));
  });

  it("rejects a bad batch size", () => {
    expect(() => toArrowBatches(0)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });
});
