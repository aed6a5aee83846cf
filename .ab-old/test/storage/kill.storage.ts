/**
 * A writer process killed mid-upload (after several multipart parts went out) leaves no object under
 * its final name: the multipart upload is never completed. S3 and GCS, async and sync writers. On
 * S3 the killed writer's incomplete upload is aborted by the next writer of the same key once that
 * one committed; uploads of other keys (even keys it prefixes) stay.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { Storage } from "@google-cloud/storage";
import { describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { ArrayRecordWriter } from "../../src/format/array-record/writer.js";
import { withEmulatorHost } from "../../src/storage/gcs-store.js";
import { BUCKET, directS3, objectExists } from "./helpers/env.js";
import { proxyControl as proxy } from "./helpers/proxy.js";

const CHILD = fileURLToPath(new URL("./helpers/write-until-killed.ts", import.meta.url));

/** Runs the child until it reports uploaded parts, then SIGKILLs it. */
async function killMidWrite(target: string, mode: "async" | "sync"): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, target, mode], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ARRAYRECORD_UPLOAD_PART_BYTES: String(5 << 20) },
    timeout: 90_000,
    killSignal: "SIGKILL",
  });
  let errors = "";
  child.stderr.on("data", (d: Buffer) => (errors += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("parts")) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`writer exited (${code}) before uploading parts: ${errors}`)));
  });
  await new Promise((resolve) => child.once("exit", resolve));
}

describe("a killed writer leaves no object", () => {
  it.each(["async", "sync"] as const)("S3, %s writer", async (mode) => {
    const key = `killed/${mode}.array_record`;
    await killMidWrite(`s3://${BUCKET}/${key}`, mode);
    const parts = (await proxy.log()).filter((r) => r.method === "PUT" && r.path.endsWith(key) && /partNumber=/.test(r.query));
    expect(parts.length).toBeGreaterThanOrEqual(2); // the upload was well under way
    expect(await objectExists(directS3(), key)).toBe(false);
  });

  it.each(["async", "sync"] as const)("S3: the next %s writer of the key aborts the killed writer's upload, and only uploads of that key", async (mode) => {
    const client = directS3();
    const key = `killed/next-${mode}.array_record`;
    const uploadsOf = async (k: string) =>
      ((await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: k }))).Uploads ?? []).filter((u) => u.Key === k).map((u) => u.UploadId);
    await killMidWrite(`s3://${BUCKET}/${key}`, "async");
    await killMidWrite(`s3://${BUCKET}/${key}`, "sync");
    expect(await uploadsOf(key)).toHaveLength(2);
    // Another writer's upload of a longer key (this key is its prefix) is not this key's.
    const other = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: `${key}-00001` }));
    const url = `s3://${BUCKET}/${key}`;
    if (mode === "sync") {
      const writer = ArrayRecordWriter.openSync(url, "group_size:1");
      writer.writeSync(new TextEncoder().encode("the next run"));
      writer.closeSync();
    } else {
      const writer = await ArrayRecordWriter.open(url, "group_size:1");
      await writer.write(new TextEncoder().encode("the next run"));
      await writer.close();
    }
    expect(await uploadsOf(key)).toEqual([]);
    expect(await uploadsOf(`${key}-00001`)).toEqual([other.UploadId]);
    const reader = await ArrayRecordReader.open(url);
    expect((await reader.readAll()).map((r) => new TextDecoder().decode(r))).toEqual(["the next run"]);
    await reader.close();
    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: `${key}-00001`, UploadId: other.UploadId }));
  });

  it("GCS, async writer", async () => {
    const options = { projectId: process.env.GOOGLE_CLOUD_PROJECT };
    const bucket = withEmulatorHost(() => new Storage(options), options).bucket(BUCKET);
    if (!(await bucket.exists())[0]) await bucket.create();
    await killMidWrite(`gs://${BUCKET}/killed/async.array_record`, "async");
    expect((await bucket.file("killed/async.array_record").exists())[0]).toBe(false);
  });
});
