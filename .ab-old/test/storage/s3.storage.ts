/**
 * s3:// against Versity Gateway on loopback, through a counting proxy: every golden file reads
 * exactly (async and sync APIs); opening costs ≤ 2 GETs; reads are ranged GETs only; batch reads
 * are coalesced; large writes are multipart; a failed or aborted write leaves no object; injected
 * faults are retried (503, dropped connection) or reported (short body, changed object).
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArrayRecordDataSource } from "../../src/format/array-record/data-source.js";
import { isArrayRecordError } from "../../src/format/errors.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { ArrayRecordWriter, encodeArrayRecord } from "../../src/format/array-record/writer.js";
import { goldenFiles, recordsSha256 } from "../helpers/golden.js";
import { BUCKET, directS3, objectExists, putObject, seededBytes } from "./helpers/env.js";
import { proxyControl as proxy } from "./helpers/proxy.js";

const client = directS3();
const url = (key: string) => `s3://${BUCKET}/${key}`;

/** GETs the proxy saw while `action` ran. */
async function getsDuring(action: () => Promise<unknown> | unknown) {
  const before = (await proxy.log()).length;
  await action();
  return (await proxy.log()).slice(before).filter((r) => r.method === "GET");
}

beforeAll(async () => {
  await Promise.all(goldenFiles().map(({ path, expect: g }) => putObject(client, `golden/${g.file}`, fs.readFileSync(path))));
});

afterAll(async () => {
  await proxy.clear();
});

describe.each(goldenFiles())("golden $expect.file from S3", ({ expect: golden }) => {
  it("reads exactly (async API, ≤ 2 GETs to open, ranged GETs only)", async () => {
    let reader!: ArrayRecordReader;
    const openGets = await getsDuring(async () => (reader = await ArrayRecordReader.open(url(`golden/${golden.file}`))));
    expect(openGets.length).toBeLessThanOrEqual(2);
    expect(reader.numRecords).toBe(golden.num_records);
    expect(reader.fileSize).toBe(golden.file_size);
    const gets = await getsDuring(async () => expect(recordsSha256(await reader.readAll())).toBe(golden.records_sha256));
    expect(gets.every((g) => g.range !== undefined)).toBe(true);
    await reader.close();
  });

  it("reads exactly (sync API through the bridge)", () => {
    const reader = ArrayRecordReader.openSync(url(`golden/${golden.file}`));
    expect(reader.numRecords).toBe(golden.num_records);
    expect(recordsSha256(reader.readAllSync())).toBe(golden.records_sha256);
    reader.closeSync();
  });
});

describe("S3 reads", () => {
  const records = Array.from({ length: 20_000 }, (_, i) => seededBytes(200 + (i % 100), i + 1));
  const key = "reads/group1.array_record";

  beforeAll(async () => {
    await putObject(client, key, encodeArrayRecord(records, "group_size:1,uncompressed"));
  });

  it("read(indices) coalesces nearby chunks into few concurrent ranged GETs", async () => {
    const reader = await ArrayRecordReader.open(url(key));
    let seed = 7;
    const indices = Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % records.length);
    let got: Uint8Array[] = [];
    const gets = await getsDuring(async () => (got = await reader.read(indices)));
    expect(got.map((r) => Buffer.from(r).toString("hex"))).toEqual(indices.map((i) => Buffer.from(records[i]!).toString("hex")));
    expect(gets.every((g) => g.range !== undefined)).toBe(true);
    expect(gets.length).toBeLessThan(32); // 4096 chunks at most 256 KiB apart: a handful of GETs
    const syncGot = reader.readSync(indices.slice(0, 100));
    expect(syncGot.map((r) => r.length)).toEqual(indices.slice(0, 100).map((i) => records[i]!.length));
    await reader.close();
  });

  it("a glob lists the bucket; the data source reads the shards in order", async () => {
    for (let s = 0; s < 3; s++) {
      await putObject(client, `glob/train.array_record-0000${s}-of-00003`, encodeArrayRecord([`shard ${s} a`, `shard ${s} b`], "group_size:1"));
    }
    await putObject(client, "glob/other.array_record", encodeArrayRecord(["nope"]));
    const source = await ArrayRecordDataSource.open(url("glob/train.array_record-*-of-00003"));
    expect(source.files).toEqual([0, 1, 2].map((s) => url(`glob/train.array_record-0000${s}-of-00003`)));
    expect([...(await source.getMany([0, 3, 5]))].map((r) => Buffer.from(r).toString())).toEqual(["shard 0 a", "shard 1 b", "shard 2 b"]);
    const syncSource = ArrayRecordDataSource.openSync(url("glob/train.array_record-*-of-00003"));
    expect(syncSource.length).toBe(6);
    syncSource.closeSync();
    await source.close();
  });
});

describe("S3 faults", () => {
  const records = Array.from({ length: 3000 }, (_, i) => seededBytes(1000, 100 + i));
  const key = "faults/file.array_record";

  beforeAll(async () => {
    await putObject(client, key, encodeArrayRecord(records, "group_size:16,uncompressed"));
  });

  it.each(["503", "drop-mid-body"] as const)("%s then success: the read is retried and exact", async (fault) => {
    const reader = await ArrayRecordReader.open(url(key));
    await proxy.failRangedGets(fault, 2);
    expect(recordsSha256(await reader.readAll())).toBe(recordsSha256(records));
    await reader.close();
  });

  it("a short body is an IO error, never wrong records", async () => {
    const reader = await ArrayRecordReader.open(url(key));
    await proxy.failRangedGets("short-body", 1);
    await expect(reader.readRange(0, 100)).rejects.toSatisfy((e) => isArrayRecordError(e, "IO") && /short read/.test((e as Error).message));
    await reader.close();
  });

  it("an object changed between reads is an IO error", async () => {
    const changing = "faults/changing.array_record";
    await putObject(client, changing, encodeArrayRecord(records, "group_size:16,uncompressed"));
    const reader = await ArrayRecordReader.open(url(changing));
    await putObject(client, changing, encodeArrayRecord(records.slice().reverse(), "group_size:16,uncompressed"));
    await expect(reader.readRange(0, 100)).rejects.toSatisfy((e) => isArrayRecordError(e, "IO") && /changed/.test((e as Error).message));
    const syncReader = ArrayRecordReader.openSync(url(changing));
    await putObject(client, changing, encodeArrayRecord(records, "group_size:16,uncompressed"));
    expect(() => syncReader.readRangeSync(0, 100)).toThrow(/changed/);
    await reader.close();
  });
});

describe("S3 writes", () => {
  const big = Array.from({ length: 12 }, (_, i) => seededBytes(1 << 20, 1000 + i)); // 12 MiB, incompressible

  it("a large write is a multipart upload, visible only after close", async () => {
    process.env.ARRAYRECORD_UPLOAD_PART_BYTES = String(5 << 20);
    const key = "writes/big.array_record";
    const writer = await ArrayRecordWriter.open(url(key), "group_size:1,uncompressed");
    const before = (await proxy.log()).length;
    for (const record of big) await writer.write(record);
    expect(await objectExists(client, key)).toBe(false);
    await writer.close();
    const requests = (await proxy.log()).slice(before);
    expect(requests.filter((r) => r.method === "PUT" && /partNumber=/.test(r.query)).length).toBe(3);
    expect(requests.some((r) => r.method === "POST" && /uploadId=/.test(r.query))).toBe(true);
    const reader = await ArrayRecordReader.open(url(key));
    expect(recordsSha256(await reader.readAll())).toBe(recordsSha256(big));
    await reader.close();
  });

  it("the sync writer (through the bridge) writes the same bytes as a local write", async () => {
    const key = "writes/sync.array_record";
    const writer = ArrayRecordWriter.openSync(url(key), "group_size:4,zstd:3");
    for (const record of big.slice(0, 7)) writer.writeSync(record);
    writer.closeSync();
    const reader = ArrayRecordReader.openSync(url(key));
    expect(recordsSha256(reader.readAllSync())).toBe(recordsSha256(big.slice(0, 7)));
    reader.closeSync();
  });

  it("an aborted write (async or sync) leaves no object", async () => {
    const key = "writes/aborted.array_record";
    const writer = await ArrayRecordWriter.open(url(key), "group_size:1,uncompressed");
    for (const record of big) await writer.write(record); // parts already uploaded
    writer.abort();
    const syncWriter = ArrayRecordWriter.openSync(url(`${key}.sync`), "group_size:1,uncompressed");
    for (const record of big) syncWriter.writeSync(record);
    syncWriter.abort();
    await new Promise((r) => setTimeout(r, 200));
    expect(await objectExists(client, key)).toBe(false);
    expect(await objectExists(client, `${key}.sync`)).toBe(false);
  });
});
