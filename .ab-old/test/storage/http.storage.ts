/**
 * http:// range reads against a loopback file server: golden files read exactly (async and sync),
 * a 503 is retried, a changed file is an error, and the URLs are read-only.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isArrayRecordError } from "../../src/format/errors.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { ArrayRecordWriter, encodeArrayRecord } from "../../src/format/array-record/writer.js";
import { goldenFiles, recordsSha256 } from "../helpers/golden.js";
import { seededBytes } from "./helpers/env.js";
import "../../src/storage/register.js";

const root = process.env.ARRAYRECORD_TEST_HTTP_ROOT!;
const base = process.env.ARRAYRECORD_TEST_HTTP_URL!;

beforeAll(() => {
  for (const { path: file, expect: g } of goldenFiles()) fs.copyFileSync(file, path.join(root, g.file));
});

describe.each(goldenFiles())("golden $expect.file over HTTP", ({ expect: golden }) => {
  it("reads exactly (async and sync APIs)", async () => {
    const reader = await ArrayRecordReader.open(`${base}/${golden.file}`);
    expect(reader.numRecords).toBe(golden.num_records);
    expect(recordsSha256(await reader.readAll())).toBe(golden.records_sha256);
    expect(recordsSha256(ArrayRecordReader.openSync(`${base}/${golden.file}`).readAllSync())).toBe(golden.records_sha256);
  });
});

describe("HTTP faults", () => {
  const records = Array.from({ length: 1000 }, (_, i) => seededBytes(700, i + 3));

  it("503 then success is retried", async () => {
    fs.writeFileSync(path.join(root, "retry.array_record"), encodeArrayRecord(records, "group_size:4"));
    const reader = await ArrayRecordReader.open(`${base}/retry.array_record`);
    await fetch(`${base}/__fail/503?path=/retry.array_record`, { method: "POST" });
    expect(recordsSha256(await reader.readAll())).toBe(recordsSha256(records));
  });

  it("a file changed between reads is an IO error", async () => {
    const file = path.join(root, "changing.array_record");
    fs.writeFileSync(file, encodeArrayRecord(records, "group_size:4"));
    const reader = await ArrayRecordReader.open(`${base}/changing.array_record`);
    fs.writeFileSync(file, encodeArrayRecord(records.slice().reverse(), "group_size:4"));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await expect(reader.readAll()).rejects.toSatisfy((e) => isArrayRecordError(e, "IO") && /changed/.test((e as Error).message));
  });

  it("http URLs are read-only", async () => {
    await expect(ArrayRecordWriter.open(`${base}/new.array_record`)).rejects.toSatisfy((e) => isArrayRecordError(e, "UNSUPPORTED"));
  });
});
