/**
 * Beam IO on S3 (Versity Gateway through the counting proxy), on the direct runner: TFRecord shards
 * in the bucket → readFromTFRecord → writeToArrayRecord with 4 shards under an s3:// prefix →
 * readFromArrayRecord back: every record exactly once, no temporary object left, and a second run
 * replaces the first run's shards. A sink whose shard write fails publishes nothing.
 */
import "apache-beam";
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectsV2Command, UploadPartCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { TFRecordWriter } from "../../src/format/tfrecord/writer.js";
import { readFromArrayRecord } from "../../src/io/read-array-record.js";
import { readFromTFRecord } from "../../src/io/tfrecord-io.js";
import { shardNaming, tempDirPrefix } from "../../src/io/shard-names.js";
import { writeToArrayRecord } from "../../src/io/write-array-record.js";
import { collect, collected, createRecords, hexMultiset, runDirect } from "../io/beam-helpers.js";
import { BUCKET, directS3, seededBytes } from "./helpers/env.js";

const client = directS3();
const url = (key: string) => `s3://${BUCKET}/${key}`;

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

describe("Beam TFRecord → ArrayRecord on S3", () => {
  const records = Array.from({ length: 3000 }, (_, i) => seededBytes(i % 13 === 0 ? 0 : 50 + (i % 400), 77 + i));

  it("writes 4 shards to an s3:// prefix and reads every record back once through the Beam source", async () => {
    for (let s = 0; s < 3; s++) {
      const writer = new TFRecordWriter(url(`beam/in.tfrecord-0000${s}-of-00003`));
      for (const r of records.slice(s * 1000, (s + 1) * 1000)) writer.write(r);
      writer.close();
    }
    const prefix = url("beam/out/train.array_record");
    let names = "";
    await runDirect((root) => {
      names = collect(root.apply(readFromTFRecord(url("beam/in.tfrecord-*"))).apply(writeToArrayRecord(prefix, { numShards: 4 })));
    });
    const expected = [0, 1, 2, 3].map((s) => `${prefix}-0000${s}-of-00004`);
    expect(collected<string>(names).sort()).toEqual(expected);
    expect(await keysUnder("beam/out/")).toEqual(expected.map((u) => u.slice(`s3://${BUCKET}/`.length))); // no temporary objects left
    let total = 0;
    for (const file of expected) total += (await ArrayRecordReader.open(file)).numRecords;
    expect(total).toBe(records.length);

    let back = "";
    await runDirect((root) => {
      back = collect(root.apply(readFromArrayRecord(`${prefix}-*-of-00004`)));
    });
    const read = collected<Uint8Array>(back);
    expect(read.length).toBe(records.length);
    expect(hexMultiset(read)).toEqual(hexMultiset(records));
  });

  it("a rerun with fewer shards replaces the earlier shards", async () => {
    const prefix = url("beam/rerun/part");
    for (const numShards of [3, 2]) {
      await runDirect((root) => {
        createRecords(root, ["a", "b", "c", "d", "e"]).apply(writeToArrayRecord(prefix, { numShards }));
      });
    }
    expect(await keysUnder("beam/rerun/")).toEqual(["beam/rerun/part-00000-of-00002", "beam/rerun/part-00001-of-00002"]);
  });

  it("finalize aborts the unfinished uploads a killed worker left under the sink's temporary prefix, and only those", async () => {
    const prefix = url("beam/stale/part");
    const temp = `beam/stale/${tempDirPrefix(shardNaming(prefix))}`;
    // What a worker SIGKILLed mid-shard leaves: an upload with a part, under an earlier run's temporary prefix.
    const killed = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: `${temp}0d1e/shard-1-of-2-x` }));
    await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: `${temp}0d1e/shard-1-of-2-x`, UploadId: killed.UploadId, PartNumber: 1, Body: seededBytes(5 << 20, 3) }));
    const other = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "beam/stale/other.array_record" }));
    const uploadsUnder = async (p: string) => ((await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: p }))).Uploads ?? []).map((u) => u.UploadId);
    expect(await uploadsUnder(temp)).toEqual([killed.UploadId]);
    await runDirect((root) => {
      createRecords(root, ["a", "b", "c"]).apply(writeToArrayRecord(prefix, { numShards: 2 }));
    });
    expect(await uploadsUnder(temp)).toEqual([]);
    expect(await uploadsUnder("beam/stale/other")).toEqual([other.UploadId]);
    expect(await keysUnder("beam/stale/")).toEqual(["beam/stale/part-00000-of-00002", "beam/stale/part-00001-of-00002"]);
    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "beam/stale/other.array_record", UploadId: other.UploadId }));
  });

  it("a failing shard write publishes nothing under a final name", async () => {
    const prefix = url("beam/failing/part");
    await expect(
      runDirect((root) => {
        createRecords(root, ["x", "POISON", "y"]).apply(writeToArrayRecord(prefix, { numShards: 2 }));
      }),
    ).rejects.toThrow();
    expect((await keysUnder("beam/failing/")).filter((k) => !k.includes(".arrayrecord-tmp"))).toEqual([]);
  });
});
