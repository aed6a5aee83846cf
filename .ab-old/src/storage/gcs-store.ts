/**
 * `gs://bucket/object` through `@google-cloud/storage`. Endpoint and credentials come from its
 * standard environment (STORAGE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_CLOUD_PROJECT).
 * Reads are pinned to the object generation seen at open; uploads are resumable uploads, which
 * create the object only when finished. The SDK retries throttling and 5xx on idempotent calls.
 */
import type * as Gcs from "@google-cloud/storage";
import type { Writable } from "node:stream";
import { ArrayRecordError } from "../format/errors.js";
import { changedError, checkLength, READ_TRIES, statusOf, storeError, uploadPartBytes, withRetries } from "./errors.js";
import { loadOptional } from "./load-sdk.js";
import type { ObjectRange, ObjectStore, ObjectUpload, RangeResult } from "./object-store.js";
import { parseObjectUrl } from "./url.js";

/** An {@link ObjectStore} over one GCS client. */
export class GcsStore implements ObjectStore {
  private constructor(private readonly storage: Gcs.Storage) {}

  /** Loads the SDK and makes a client from the environment. */
  static async create(): Promise<GcsStore> {
    const sdk = await loadOptional<typeof Gcs>("@google-cloud/storage", "gs://");
    const projectId = process.env.GOOGLE_CLOUD_PROJECT ?? process.env.GCLOUD_PROJECT;
    const options: Gcs.StorageOptions = { ...(projectId === undefined ? {} : { projectId }), retryOptions: { autoRetry: true, maxRetries: 4 } };
    return new GcsStore(withEmulatorHost(() => new sdk.Storage(options), options));
  }

  async readRange(url: string, range: ObjectRange, version?: string): Promise<RangeResult> {
    const { bucket, key } = parseObjectUrl(url);
    return withRetries(READ_TRIES, async () => {
      try {
        // The generation pins the version: a replaced object is a 404 for the old generation.
        let size: number;
        let generation: string;
        if (version === undefined) {
          const [meta] = await this.storage.bucket(bucket).file(key).getMetadata();
          size = Number(meta.size);
          generation = String(meta.generation);
        } else {
          size = -1;
          generation = version;
        }
        const file = this.storage.bucket(bucket).file(key, { generation: Number(generation) });
        if (size < 0) size = Number.MAX_SAFE_INTEGER;
        const start = range.start < 0 ? Math.max(0, size - -range.start) : range.start;
        const length = range.start < 0 ? size - start : Math.min(range.length, size - start);
        if (length <= 0) return { bytes: new Uint8Array(0), size, version: generation };
        const [buffer] = await file.download({ start, end: start + length - 1, validation: false });
        const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
        if (size !== Number.MAX_SAFE_INTEGER) checkLength(url, start, length, size, bytes.length);
        else if (bytes.length !== length) throw new ArrayRecordError("IO", `short read: ${bytes.length} of ${length} bytes`, { file: url, offset: start });
        return { bytes, size, version: generation };
      } catch (e) {
        const status = statusOf(e);
        if (version !== undefined && (status === 404 || status === 412)) throw changedError(url, range.start);
        if (status !== undefined && status < 500 && status !== 429) throw storeError(url, `GET: ${(e as Error).message} (${status})`, e);
        throw e;
      }
    });
  }

  async list(prefixUrl: string): Promise<string[]> {
    const { bucket, key } = parseObjectUrl(prefixUrl);
    try {
      const [files] = await this.storage.bucket(bucket).getFiles({ prefix: key, autoPaginate: true });
      return files.map((f) => `gs://${bucket}/${f.name}`);
    } catch (e) {
      throw storeError(prefixUrl, `list: ${(e as Error).message}`, e);
    }
  }

  async upload(url: string): Promise<ObjectUpload> {
    const { bucket, key } = parseObjectUrl(url);
    const stream = this.storage.bucket(bucket).file(key).createWriteStream({
      resumable: true,
      chunkSize: uploadPartBytes(),
      validation: false,
      metadata: { contentType: "application/octet-stream" },
    });
    return new GcsResumableUpload(url, stream);
  }

  async copy(from: string, to: string): Promise<void> {
    const source = parseObjectUrl(from);
    const target = parseObjectUrl(to);
    try {
      await this.storage.bucket(source.bucket).file(source.key).copy(this.storage.bucket(target.bucket).file(target.key));
    } catch (e) {
      throw storeError(to, `copy from ${from}: ${(e as Error).message}`, e);
    }
  }

  async delete(url: string): Promise<void> {
    const { bucket, key } = parseObjectUrl(url);
    try {
      await this.storage.bucket(bucket).file(key).delete({ ignoreNotFound: true });
    } catch (e) {
      throw storeError(url, `delete: ${(e as Error).message}`, e);
    }
  }
}

/** A resumable upload through the SDK's write stream (it holds at most one chunk). */
class GcsResumableUpload implements ObjectUpload {
  private failure: unknown;
  private readonly finished: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly stream: Writable,
  ) {
    this.finished = new Promise<void>((resolve, reject) => {
      stream.on("finish", resolve);
      stream.on("error", (e) => {
        this.failure = e;
        reject(e);
      });
    });
    this.finished.catch(() => {}); // reported by the next write or commit
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.check();
    if (!this.stream.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).slice() as Buffer)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: unknown) => reject(storeError(this.url, `upload: ${(e as Error).message}`, e));
        this.stream.once("drain", () => {
          this.stream.off("error", onError);
          resolve();
        });
        this.stream.once("error", onError);
      });
    }
  }

  async commit(): Promise<void> {
    this.check();
    this.stream.end();
    try {
      await this.finished;
    } catch (e) {
      throw storeError(this.url, `upload: ${(e as Error).message}`, e);
    }
  }

  async abort(): Promise<void> {
    if (!this.stream.destroyed) this.stream.destroy(new Error("upload aborted"));
  }

  private check(): void {
    if (this.failure !== undefined) throw storeError(this.url, `upload: ${(this.failure as Error).message}`, this.failure);
  }
}

/**
 * Makes a client that honours STORAGE_EMULATOR_HOST in its usual form (`host:port` or
 * `http://host:port`, as the other GCS clients take it). This SDK uses the variable verbatim as its
 * JSON API base URL, and as the base of upload URLs too, so neither form works for both: give it the
 * `/storage/v1` base URL while the client is made, and the bare origin as the API endpoint.
 */
export function withEmulatorHost<T>(make: () => T, options: Gcs.StorageOptions): T {
  const host = process.env.STORAGE_EMULATOR_HOST;
  if (host === undefined || host === "") return make();
  const url = new URL(/^https?:\/\//.test(host) ? host : `http://${host}`);
  options.apiEndpoint = url.origin;
  process.env.STORAGE_EMULATOR_HOST = url.pathname === "/" ? `${url.origin}/storage/v1` : `${url.origin}${url.pathname.replace(/\/$/, "")}`;
  try {
    return make(); // the SDK reads the variable only here
  } finally {
    process.env.STORAGE_EMULATOR_HOST = host;
  }
}
