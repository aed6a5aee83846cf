/**
 * Stale multipart uploads. A writer killed mid-upload (SIGKILL, lost machine) leaves an incomplete
 * multipart upload: never an object, but its parts are stored (and billed) until someone aborts it.
 * Two cleaners, both bounded (one listing page, at most {@link STALE_UPLOAD_LIMITS}.count aborts,
 * within {@link STALE_UPLOAD_LIMITS}.ms) and best effort (they never throw, so they never fail the
 * write that triggered them):
 * - {@link abortStaleUploads}: the next writer of the same key, once its commit succeeded, aborts
 *   the other uploads of that key. With its own object complete under the key, another upload of it
 *   can only be abandoned, or a concurrent writer of the same key whose completion would replace
 *   the object just written (S3 does not order concurrent writers of one key); that writer's
 *   close() then fails, it never leaves a partial object.
 * - {@link abortUploadsUnder}: every upload under a prefix; the Beam sink's finalize uses it on its
 *   temporary prefix (keys named per attempt, never written again).
 * Uploads of keys nobody writes again are left to a bucket lifecycle rule (AbortIncompleteMultipartUpload).
 */
import type * as S3 from "@aws-sdk/client-s3";

/** How many stale uploads one cleanup aborts at most, and how long it may spend on them. */
const STALE_UPLOAD_LIMITS = { count: 100, ms: 10_000 } as const;

/** The SDK classes the cleaners use (a fake in tests). */
type UploadCommands = Pick<typeof S3, "ListMultipartUploadsCommand" | "AbortMultipartUploadCommand">;
type Limits = { count: number; ms: number };

/**
 * Aborts the incomplete multipart uploads of exactly `key` in `bucket` other than `ownUploadId`
 * (at most `limits.count`, within `limits.ms`). Returns the ids of the uploads aborted; errors
 * (no permission to list, a timeout, an upload gone meanwhile) end the cleanup quietly.
 */
export function abortStaleUploads(
  sdk: UploadCommands,
  client: Pick<S3.S3Client, "send">,
  bucket: string,
  key: string,
  ownUploadId?: string,
  limits: Limits = STALE_UPLOAD_LIMITS,
): Promise<string[]> {
  // Listed by key, then initiation time; `key` sorts before every longer key it prefixes, so its
  // own uploads come first and one page of count + 1 holds all we may abort (ours included).
  return abortListed(sdk, client, bucket, key, (k, id) => k === key && id !== ownUploadId, limits);
}

/**
 * Aborts the incomplete multipart uploads whose keys start with `prefix` (at most `limits.count`,
 * within `limits.ms`). Returns the ids of the uploads aborted; never throws.
 */
export function abortUploadsUnder(
  sdk: UploadCommands,
  client: Pick<S3.S3Client, "send">,
  bucket: string,
  prefix: string,
  limits: Limits = STALE_UPLOAD_LIMITS,
): Promise<string[]> {
  return abortListed(sdk, client, bucket, prefix, (k) => k.startsWith(prefix), limits);
}

async function abortListed(
  sdk: UploadCommands,
  client: Pick<S3.S3Client, "send">,
  bucket: string,
  prefix: string,
  wanted: (key: string, uploadId: string) => boolean,
  limits: Limits,
): Promise<string[]> {
  const aborted: string[] = [];
  const signal = AbortSignal.timeout(limits.ms);
  try {
    const page = await client.send(new sdk.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, MaxUploads: limits.count + 1 }), { abortSignal: signal });
    const stale = (page.Uploads ?? []).filter((u) => u.Key !== undefined && u.UploadId !== undefined && wanted(u.Key, u.UploadId)).slice(0, limits.count);
    for (const upload of stale) {
      try {
        await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }), { abortSignal: signal });
        aborted.push(upload.UploadId!);
      } catch {
        // Gone meanwhile (another writer's cleanup) or not ours to abort: the next one may still go.
        if (signal.aborted) break;
      }
    }
  } catch {
    // No permission to list uploads, or out of time: the lifecycle rule is the fallback.
  }
  return aborted;
}
