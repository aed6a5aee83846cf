/**
 * gs:// against fake-gcs-server on loopback: every golden file reads exactly (async and sync APIs);
 * writes are resumable uploads, invisible until close and absent after an abort; globs list the
 * bucket; an object replaced between reads (new generation) is an error.
 */
import * as fs from "node:fs";
import { Storage } from "@google-cloud/storage";
import { beforeAll, describe, expect, it } from "vitest";
import { ArrayRecordDataSource } from "../../src/format/array-record/data-source.js";
import { isArrayRecordError } from "../../src/format/errors.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { ArrayRecordWriter, encodeArrayRecord } from "../../src/format/array-record/writer.js";
import { goldenFiles, recordsSha256 } from "../helpers/golden.js";
import { withEmulatorHost } from "../../src/storage/gcs-store.js";
import { BUCKET, seededBytes } from "./helpers/env.js";

const options = { projectId: process.env.GOOGLE_CLOUD_PROJECT };
const storage = withEmulatorHost(() => new Storage(options), options);
const bucket = storage.bucket(BUCKET);
const url = (key: string) => `gs://${BUCKET}/${key}`;

beforeAll(async () => {
  const [exists] = await bucket.exists();
  if (!exists) await storage.createBucket(BUCKET);
  await Promise.all(goldenFiles().map(({ path, expect: g }) => bucket.file(`golden/${g.file}`).save(fs.readFileSync(path), { resumable: false })));
});

describe.each(goldenFiles())("golden $expect.file from GCS", ({ expect: golden }) => {
  it("reads exactly (async and sync APIs)", async () => {
    const reader = await ArrayRecordReader.open(url(`golden/${golden.file}`));
    expect(reader.numRecords).toBe(golden.num_records);
    expect(reader.fileSize).toBe(golden.file_size);
    const syncReader = ArrayRecordReader.openSync(url(`golden/${golden.file}`));
    expect(recordsSha256(await reader.readAll())).toBe(golden.records_sha256);
    expect(recordsSha256(syncReader.readAllSync())).toBe(golden.records_sha256);
    await reader.close();
    syncReader.closeSync();
  });
});

describe("GCS writes and listing", () => {
  const records = Array.from({ length: 7 }, (_, i) => seededBytes(1 << 20, 500 + i));

  it("the async writer uploads resumably; nothing is visible before close", async () => {
    const key = "writes/async.array_record";
    const writer = await ArrayRecordWriter.open(url(key), "group_size:2,uncompressed");
    for (const record of records) await writer.write(record);
    expect((await bucket.file(key).exists())[0]).toBe(false);
    await writer.close();
    const reader = await ArrayRecordReader.open(url(key));
    expect(recordsSha256(await reader.readAll())).toBe(recordsSha256(records));
    await reader.close();
  });

  it("the sync writer (bridge) writes; an aborted one leaves no object", async () => {
    const writer = ArrayRecordWriter.openSync(url("writes/sync.array_record"), "group_size:1,zstd:3");
    for (const record of records) writer.writeSync(record);
    writer.closeSync();
    expect(recordsSha256(ArrayRecordReader.openSync(url("writes/sync.array_record")).readAllSync())).toBe(recordsSha256(records));
    const aborted = ArrayRecordWriter.openSync(url("writes/aborted.array_record"), "group_size:1");
    for (const record of records) aborted.writeSync(record);
    aborted.abort();
    const asyncAborted = await ArrayRecordWriter.open(url("writes/aborted2.array_record"), "group_size:1");
    for (const record of records) await asyncAborted.write(record);
    asyncAborted.abort();
    await new Promise((r) => setTimeout(r, 200));
    expect((await bucket.file("writes/aborted.array_record").exists())[0]).toBe(false);
    expect((await bucket.file("writes/aborted2.array_record").exists())[0]).toBe(false);
  });

  it("a glob lists the bucket in shard order", async () => {
    for (const s of [1, 0]) await bucket.file(`glob/part.array_record-0000${s}-of-00002`).save(Buffer.from(encodeArrayRecord([`r${s}`])), { resumable: false });
    const source = await ArrayRecordDataSource.open(url("glob/part.array_record-*"));
    expect(source.files).toEqual([url("glob/part.array_record-00000-of-00002"), url("glob/part.array_record-00001-of-00002")]);
    expect(Buffer.from(await source.get(1)).toString()).toBe("r1");
    await source.close();
  });

  it("an object replaced between reads is an IO error", async () => {
    const key = "changing.array_record";
    const many = Array.from({ length: 2000 }, (_, i) => seededBytes(500, i + 9));
    await bucket.file(key).save(Buffer.from(encodeArrayRecord(many, "group_size:8,uncompressed")), { resumable: false });
    const reader = await ArrayRecordReader.open(url(key));
    await bucket.file(key).save(Buffer.from(encodeArrayRecord(many.slice().reverse(), "group_size:8,uncompressed")), { resumable: false });
    await expect(reader.readRange(0, 10)).rejects.toSatisfy((e) => isArrayRecordError(e, "IO") && /changed/.test((e as Error).message));
  });
});
