/**
 * Stale multipart uploads of one key. A writer killed mid-upload (SIGKILL, lost machine) leaves an
 * incomplete multipart upload: never an object, but its parts are stored (and billed) until someone
 * aborts it. The next writer of the same key that commits aborts them: once its own object is
 * complete under the key, another upload of that key can only be abandoned, or a concurrent writer
 * of the same key whose completion would replace the object just written (S3 does not order
 * concurrent writers of one key; that writer's close() then fails, it never leaves a partial
 * object). Bounded: one listing page, at most {@link STALE_UPLOAD_LIMITS}.count aborts, within
 * {@link STALE_UPLOAD_LIMITS}.ms; best effort: it never fails the write that triggered it.
 * Uploads of keys nobody writes again are left to a bucket lifecycle rule
 * (AbortIncompleteMultipartUpload).
 */
import type * as S3 from "@aws-sdk/client-s3";

/** How many stale uploads of a key one commit aborts at most, and how long it may spend on them. */
export const STALE_UPLOAD_LIMITS = { count: 100, ms: 10_000 } as const;

/**
 * Aborts the incomplete multipart uploads of exactly `key` in `bucket` other than `ownUploadId`
 * (at most `limits.count`, within `limits.ms`). Returns the ids of the uploads aborted; errors
 * (no permission to list, a timeout, an upload gone meanwhile) end the cleanup quietly.
 */
export async function abortStaleUploads(
  sdk: Pick<typeof S3, "ListMultipartUploadsCommand" | "AbortMultipartUploadCommand">,
  client: Pick<S3.S3Client, "send">,
  bucket: string,
  key: string,
  ownUploadId?: string,
  limits: { count: number; ms: number } = STALE_UPLOAD_LIMITS,
): Promise<string[]> {
  const aborted: string[] = [];
  const signal = AbortSignal.timeout(limits.ms);
  try {
    // Listed by key, then initiation time; `key` sorts before every longer key it prefixes, so its
    // own uploads come first and one page of count + 1 holds all we may abort (ours included).
    const page = await client.send(new sdk.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key, MaxUploads: limits.count + 1 }), { abortSignal: signal });
    const stale = (page.Uploads ?? []).filter((u) => u.Key === key && u.UploadId !== undefined && u.UploadId !== ownUploadId).slice(0, limits.count);
    for (const upload of stale) {
      try {
        await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId }), { abortSignal: signal });
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
