/** Shared pieces of the storage tests: the bucket, S3 through a counting proxy, seeded bytes. */
import { S3Client, PutObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import "../../../src/storage/register.js";

/** The test bucket (made by the global setup). */
export const BUCKET = process.env.ARRAYRECORD_TEST_BUCKET ?? "arrayrecord-test";

/** A plain S3 client straight to the server, for test setup and checks. */
export function directS3(): S3Client {
  return new S3Client({ endpoint: process.env.ARRAYRECORD_TEST_S3_BACKEND, forcePathStyle: true, region: "us-east-1" });
}

/** Uploads `bytes` as `key` of the test bucket, directly. */
export async function putObject(client: S3Client, key: string, bytes: Uint8Array): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
}

/** Whether `key` exists in the test bucket. */
export async function objectExists(client: S3Client, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

export { seededBytes } from "../../helpers/generators.js";
