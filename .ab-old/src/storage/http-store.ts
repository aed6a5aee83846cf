/**
 * Read-only `http(s)://` objects: `Range` requests through Node's fetch. The ETag (or, without one,
 * Last-Modified) seen at open must stay the same: it is sent as `If-Match` where it is a strong
 * ETag and compared on every response, so a changed object is an error. A server that ignores
 * `Range` is an error too, never a download of the whole object. Throttling, 5xx and dropped
 * connections are retried with backoff.
 */
import { ArrayRecordError } from "../format/errors.js";
import { changedError, checkLength, READ_TRIES, storeError, withRetries } from "./errors.js";
import type { ObjectRange, ObjectStore, ObjectUpload, RangeResult } from "./object-store.js";

/** An HTTP status as an error the retry logic understands. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An {@link ObjectStore} that only reads. */
export class HttpStore implements ObjectStore {
  /** No client to load: Node's fetch. */
  static async create(): Promise<HttpStore> {
    return new HttpStore();
  }

  async readRange(url: string, range: ObjectRange, version?: string): Promise<RangeResult> {
    const header = range.start < 0 ? `bytes=${range.start}` : `bytes=${range.start}-${range.start + range.length - 1}`;
    return withRetries(READ_TRIES, async () => {
      const headers: Record<string, string> = { Range: header, "Accept-Encoding": "identity" };
      if (version?.startsWith('"')) headers["If-Match"] = version;
      const response = await fetch(url, { headers });
      if (response.status === 412) throw changedError(url, range.start);
      if (response.status === 416) {
        await response.body?.cancel();
        return { bytes: new Uint8Array(0), size: 0, version: version ?? "" };
      }
      if (response.status !== 206) {
        await response.body?.cancel();
        if (response.status === 200) throw new ArrayRecordError("UNSUPPORTED", "server ignores Range requests", { file: url });
        if (response.status === 429 || response.status >= 500) throw new HttpStatusError(response.status, `GET ${header}: HTTP ${response.status}`);
        throw storeError(url, `GET ${header}: HTTP ${response.status}`);
      }
      const tag = response.headers.get("etag") ?? response.headers.get("last-modified") ?? "";
      const size = Number(/\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1] ?? NaN);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (version !== undefined && tag !== version) throw changedError(url, range.start);
      if (!Number.isSafeInteger(size)) throw storeError(url, `GET ${header}: no object size in Content-Range`);
      const start = range.start < 0 ? size - bytes.length : range.start;
      checkLength(url, start, range.start < 0 ? -range.start : range.length, size, bytes.length);
      return { bytes, size, version: tag };
    });
  }

  async list(prefixUrl: string): Promise<string[]> {
    throw new ArrayRecordError("UNSUPPORTED", "http(s) URLs cannot be listed", { file: prefixUrl });
  }

  async upload(url: string): Promise<ObjectUpload> {
    throw new ArrayRecordError("UNSUPPORTED", "http(s) URLs are read-only", { file: url });
  }

  async copy(_from: string, to: string): Promise<void> {
    throw new ArrayRecordError("UNSUPPORTED", "http(s) URLs are read-only", { file: to });
  }

  async delete(url: string): Promise<void> {
    throw new ArrayRecordError("UNSUPPORTED", "http(s) URLs are read-only", { file: url });
  }
}
