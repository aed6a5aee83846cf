/**
 * Beam IO on GCS (fake-gcs-server) and TFRecord sinks on S3, on the direct runner:
 * - TFRecord shards in a gs:// bucket → readFromTFRecord → writeToArrayRecord with 4 shards under a
 *   gs:// prefix → readFromArrayRecord back: every record exactly once, no temporary object left;
 * - writeToTFRecord straight to an s3:// prefix (3 shards, gzip): the final objects only, every
 *   record once when read back (readTFRecords and the Beam TFRecord source).
 */
import "apache-beam";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Storage } from "@google-cloud/storage";
import { beforeAll, describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { readTFRecords } from "../../src/format/tfrecord/reader.js";
import { TFRecordWriter } from "../../src/format/tfrecord/writer.js";
import { readFromArrayRecord } from "../../src/io/read-array-record.js";
import { readFromTFRecord, writeToTFRecord } from "../../src/io/tfrecord-io.js";
import { writeToArrayRecord } from "../../src/io/write-array-record.js";
import { withEmulatorHost } from "../../src/storage/gcs-store.js";
import { collect, collected, createRecords, hexMultiset, runDirect } from "../io/beam-helpers.js";
import { BUCKET, directS3, seededBytes } from "./helpers/env.js";

const storageOptions = { projectId: process.env.GOOGLE_CLOUD_PROJECT };
const storage = withEmulatorHost(() => new Storage(storageOptions), storageOptions);
const bucket = storage.bucket(BUCKET);
const s3 = directS3();
const records = Array.from({ length: 2000 }, (_, i) => seededBytes(i % 11 === 0 ? 0 : 40 + (i % 300), 900 + i));

beforeAll(async () => {
  const [exists] = await bucket.exists();
  if (!exists) await storage.createBucket(BUCKET);
});

describe("Beam TFRecord → ArrayRecord on GCS", () => {
  const gs = (key: string) => `gs://${BUCKET}/${key}`;

  it("writes 4 shards to a gs:// prefix and reads every record back once through the Beam source", async () => {
    for (let s = 0; s < 2; s++) {
      const writer = new TFRecordWriter(gs(`beam-gcs/in.tfrecord-0000${s}-of-00002`));
      for (const r of records.slice(s * 1000, (s + 1) * 1000)) writer.write(r);
      writer.close();
    }
    const prefix = gs("beam-gcs/out/train.array_record");
    let names = "";
    await runDirect((root) => {
      names = collect(root.apply(readFromTFRecord(gs("beam-gcs/in.tfrecord-*"))).apply(writeToArrayRecord(prefix, { numShards: 4 })));
    });
    const expected = [0, 1, 2, 3].map((s) => `${prefix}-0000${s}-of-00004`);
    expect(collected<string>(names).sort()).toEqual(expected);
    const [files] = await bucket.getFiles({ prefix: "beam-gcs/out/" });
    expect(files.map((f) => gs(f.name)).sort()).toEqual(expected); // no temporary objects left
    let total = 0;
    for (const file of expected) {
      const reader = await ArrayRecordReader.open(file);
      total += reader.numRecords;
      await reader.close();
    }
    expect(total).toBe(records.length);

    let back = "";
    await runDirect((root) => {
      back = collect(root.apply(readFromArrayRecord(`${prefix}-*-of-00004`)));
    });
    const read = collected<Uint8Array>(back);
    expect(read.length).toBe(records.length);
    expect(hexMultiset(read)).toEqual(hexMultiset(records));
  });
});

describe("writeToTFRecord to S3", () => {
  const s3url = (key: string) => `s3://${BUCKET}/${key}`;

  it("writes 3 gzip shards under an s3:// prefix: final objects only, every record once", async () => {
    const prefix = s3url("tfrecord-sink/part");
    let names = "";
    await runDirect((root) => {
      names = collect(createRecords(root, records.map((r) => `hex:${Buffer.from(r).toString("hex")}`)).apply(writeToTFRecord(prefix, { numShards: 3, compression: "gzip" })));
    });
    const expected = [0, 1, 2].map((s) => `${prefix}-0000${s}-of-00003`);
    expect(collected<string>(names).sort()).toEqual(expected);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "tfrecord-sink/" }));
    expect((listed.Contents ?? []).map((o) => s3url(o.Key!)).sort()).toEqual(expected); // no temporary objects left
    const direct: Uint8Array[] = [];
    for (const file of expected) for await (const r of readTFRecords(file, { compression: "gzip" })) direct.push(r);
    expect(hexMultiset(direct)).toEqual(hexMultiset(records));

    let back = "";
    await runDirect((root) => {
      back = collect(root.apply(readFromTFRecord(`${prefix}-*-of-00003`, { compression: "gzip" })));
    });
    expect(hexMultiset(collected<Uint8Array>(back))).toEqual(hexMultiset(records));
  });
});
