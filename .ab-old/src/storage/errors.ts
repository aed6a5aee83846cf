/** Turning store and network failures into {@link ArrayRecordError}s, and deciding what to retry. */
import { ArrayRecordError } from "../format/errors.js";

/** An IO error on `url`. */
export function storeError(url: string, message: string, cause?: unknown, offset?: number): ArrayRecordError {
  if (cause instanceof ArrayRecordError) return cause;
  return new ArrayRecordError("IO", message, { file: url, offset }, { cause });
}

/** The object changed since it was opened (its version tag differs). */
export function changedError(url: string, offset?: number): ArrayRecordError {
  return new ArrayRecordError("IO", "object changed while being read (version tag differs from the one seen at open)", { file: url, offset });
}

/** HTTP status of an SDK or fetch error, if it has one. */
export function statusOf(e: unknown): number | undefined {
  const any = e as { $metadata?: { httpStatusCode?: number }; code?: unknown; status?: unknown } | undefined;
  if (typeof any?.$metadata?.httpStatusCode === "number") return any.$metadata.httpStatusCode;
  if (typeof any?.code === "number") return any.code;
  if (typeof any?.status === "number") return any.status;
  return undefined;
}

/**
 * Whether a failed read may be tried again: a connection dropped mid-body (no status), throttling
 * (429) or a server error (5xx). Never other 4xx, never our own errors (short read, changed object).
 */
export function isRetryable(e: unknown): boolean {
  if (e instanceof ArrayRecordError) return false;
  const status = statusOf(e);
  if (status === undefined) return true;
  return status === 429 || status >= 500;
}

/** Runs `attempt` up to `tries` times while {@link isRetryable}, with exponential backoff from 50 ms. */
export async function withRetries<T>(tries: number, attempt: () => Promise<T>): Promise<T> {
  for (let k = 1; ; k++) {
    try {
      return await attempt();
    } catch (e) {
      if (k >= tries || !isRetryable(e)) throw e;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (k - 1) * (0.5 + Math.random())));
    }
  }
}

/** Retries of one read on top of the SDK's own (which do not cover a body cut off mid-stream). */
export const READ_TRIES = 4;

/** Bytes per upload part (S3 multipart part, GCS resumable chunk): env ARRAYRECORD_UPLOAD_PART_BYTES, default 8 MiB. */
export function uploadPartBytes(): number {
  const configured = Number(process.env.ARRAYRECORD_UPLOAD_PART_BYTES);
  const bytes = Number.isSafeInteger(configured) && configured > 0 ? configured : 8 << 20;
  return Math.max(5 << 20, Math.ceil(bytes / (256 << 10)) * (256 << 10)); // S3 minimum; GCS wants 256 KiB multiples
}

/** Checks that a ranged read returned every byte asked for that the object has. */
export function checkLength(url: string, start: number, asked: number, size: number, got: number): void {
  const expected = Math.max(0, Math.min(asked, size - start));
  if (got !== expected) {
    throw new ArrayRecordError("IO", `short read: ${got} of ${expected} bytes`, { file: url, offset: start });
  }
}
