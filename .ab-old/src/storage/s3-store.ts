/**
 * `s3://bucket/key` through `@aws-sdk/client-s3` v3. Endpoint, credentials and region come from
 * the SDK's standard environment and config (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_REGION, …);
 * a custom endpoint switches to path-style addressing. Throttling and 5xx are retried by the SDK's
 * standard retry strategy; a body cut off mid-stream is retried here, pinned to the same ETag.
 */
import type * as S3 from "@aws-sdk/client-s3";
import { ArrayRecordError } from "../format/errors.js";
import { changedError, checkLength, READ_TRIES, statusOf, storeError, uploadPartBytes, withRetries } from "./errors.js";
import { loadOptional } from "./load-sdk.js";
import { abortStaleUploads, abortUploadsUnder } from "./s3-stale-uploads.js";
import type { ObjectRange, ObjectStore, ObjectUpload, RangeResult } from "./object-store.js";
import { parseObjectUrl } from "./url.js";

type Sdk = typeof S3;

/** An {@link ObjectStore} over one S3 client. */
export class S3Store implements ObjectStore {
  private constructor(
    private readonly sdk: Sdk,
    private readonly client: S3.S3Client,
  ) {}

  /** Loads the SDK and makes a client from the environment. */
  static async create(): Promise<S3Store> {
    const sdk = await loadOptional<Sdk>("@aws-sdk/client-s3", "s3://");
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    const client = new sdk.S3Client({
      ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
      maxAttempts: 5,
      // Checksums only where S3 requires them: S3-compatible servers differ in the newer ones.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    return new S3Store(sdk, client);
  }

  async readRange(url: string, range: ObjectRange, version?: string): Promise<RangeResult> {
    const { bucket, key } = parseObjectUrl(url);
    const header = range.start < 0 ? `bytes=${range.start}` : `bytes=${range.start}-${range.start + range.length - 1}`;
    if (range.start >= 0 && range.length === 0) return this.head(url, version);
    return withRetries(READ_TRIES, async () => {
      let out: S3.GetObjectCommandOutput;
      try {
        out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: bucket, Key: key, Range: header, IfMatch: version }));
      } catch (e) {
        const status = statusOf(e);
        if (status === 412) throw changedError(url, range.start);
        if (status === 416) return this.head(url, version); // empty object: no byte to range over
        if (status !== undefined && status < 500 && status !== 429) throw storeError(url, `GET ${header}: ${(e as Error).name} (${status})`, e);
        throw e;
      }
      const asked = range.start < 0 ? -range.start : range.length;
      if (out.ContentLength !== undefined && out.ContentLength > asked) {
        (out.Body as { destroy?: () => void } | undefined)?.destroy?.(); // never buffer a body bigger than asked for
        throw storeError(url, `GET ${header}: the server sent ${out.ContentLength} bytes for a range of ${asked}`);
      }
      const bytes = await bodyBytes(out.Body!, out.ContentLength);
      const size = totalSize(out.ContentRange) ?? out.ContentLength ?? bytes.length;
      const tag = out.ETag ?? "";
      if (version !== undefined && tag !== version) throw changedError(url, range.start);
      const start = range.start < 0 ? size - bytes.length : range.start;
      checkLength(url, start, range.start < 0 ? -range.start : range.length, size, bytes.length);
      return { bytes, size, version: tag };
    });
  }

  private async head(url: string, version?: string): Promise<RangeResult> {
    const { bucket, key } = parseObjectUrl(url);
    try {
      const out = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: bucket, Key: key, IfMatch: version }));
      return { bytes: new Uint8Array(0), size: out.ContentLength ?? 0, version: out.ETag ?? "" };
    } catch (e) {
      if (statusOf(e) === 412) throw changedError(url);
      throw storeError(url, `HEAD: ${(e as Error).name}`, e);
    }
  }

  async list(prefixUrl: string): Promise<string[]> {
    const { bucket, key } = parseObjectUrl(prefixUrl);
    const out: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
        for (const object of page.Contents ?? []) if (object.Key !== undefined) out.push(`s3://${bucket}/${object.Key}`);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (e) {
      throw storeError(prefixUrl, `list: ${(e as Error).name}`, e);
    }
    return out;
  }

  async upload(url: string): Promise<ObjectUpload> {
    return new S3MultipartUpload(this.sdk, this.client, url);
  }

  async copy(from: string, to: string): Promise<void> {
    const source = parseObjectUrl(from);
    const target = parseObjectUrl(to);
    try {
      await this.client.send(
        new this.sdk.CopyObjectCommand({ Bucket: target.bucket, Key: target.key, CopySource: encodeURI(`${source.bucket}/${source.key}`) }),
      );
    } catch (e) {
      throw storeError(to, `copy from ${from}: ${(e as Error).name}`, e);
    }
  }

  async abortUploads(prefixUrl: string): Promise<number> {
    const { bucket, key } = parseObjectUrl(prefixUrl);
    return (await abortUploadsUnder(this.sdk, this.client, bucket, key)).length;
  }

  async delete(url: string): Promise<void> {
    const { bucket, key } = parseObjectUrl(url);
    try {
      await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      if (statusOf(e) !== 404) throw storeError(url, `delete: ${(e as Error).name}`, e);
    }
  }
}

/**
 * Streams an object as a multipart upload: parts of {@link uploadPartBytes} go out as they fill, so
 * memory holds one part; `commit` completes the upload (the object appears only then) and `abort`
 * aborts it. An object smaller than one part is one PutObject at commit. After a commit, incomplete
 * uploads of the same key left by killed writers are aborted (`s3-stale-uploads.ts`).
 */
class S3MultipartUpload implements ObjectUpload {
  private readonly partBytes = uploadPartBytes();
  private part: Uint8Array | undefined;
  private filled = 0;
  private uploadId: string | undefined;
  private readonly parts: { PartNumber: number; ETag: string }[] = [];
  private readonly bucket: string;
  private readonly key: string;
  private done = false;

  constructor(
    private readonly sdk: Sdk,
    private readonly client: S3.S3Client,
    private readonly url: string,
  ) {
    ({ bucket: this.bucket, key: this.key } = parseObjectUrl(url));
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.done) throw new ArrayRecordError("CLOSED", "upload is finished", { file: this.url });
    let at = 0;
    while (at < bytes.length) {
      this.part ??= new Uint8Array(this.partBytes);
      const n = Math.min(bytes.length - at, this.partBytes - this.filled);
      this.part.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.partBytes) await this.sendPart();
    }
  }

  async commit(): Promise<void> {
    if (this.done) throw new ArrayRecordError("CLOSED", "upload is finished", { file: this.url });
    try {
      if (this.uploadId === undefined) {
        const body = this.part?.subarray(0, this.filled) ?? new Uint8Array(0);
        await this.client.send(new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: body, ContentLength: body.length }));
      } else {
        if (this.filled > 0) await this.sendPart();
        await this.client.send(
          new this.sdk.CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
        );
      }
      this.done = true;
      this.part = undefined;
    } catch (e) {
      await this.abort();
      throw storeError(this.url, `upload: ${(e as Error).message}`, e);
    }
    // The object is complete: uploads of this key left by killed writers go now (bounded, never throws).
    await abortStaleUploads(this.sdk, this.client, this.bucket, this.key, this.uploadId);
  }

  async abort(): Promise<void> {
    this.done = true;
    this.part = undefined;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    if (uploadId === undefined) return;
    try {
      await this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId }));
    } catch {
      // Best effort: an upload never completed never becomes an object; a bucket lifecycle rule cleans it.
    }
  }

  private async sendPart(): Promise<void> {
    try {
      if (this.uploadId === undefined) {
        const created = await this.client.send(new this.sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key }));
        this.uploadId = created.UploadId;
      }
      const PartNumber = this.parts.length + 1;
      const body = this.part!.subarray(0, this.filled);
      const out = await this.client.send(
        new this.sdk.UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: body, ContentLength: body.length }),
      );
      this.parts.push({ PartNumber, ETag: out.ETag ?? "" });
      this.filled = 0;
    } catch (e) {
      await this.abort();
      throw storeError(this.url, `upload part ${this.parts.length + 1}: ${(e as Error).message}`, e);
    }
  }
}

/**
 * The body's bytes. With a known length (Node's response stream) the chunks are copied straight into
 * one buffer of that size — the SDK's `transformToByteArray` keeps every chunk and then joins them,
 * a second full copy and twice the memory for a 16 MiB ranged GET. More bytes than announced stop
 * the read; fewer are left to the caller's length check ("short read").
 */
async function bodyBytes(body: NonNullable<S3.GetObjectCommandOutput["Body"]>, length: number | undefined): Promise<Uint8Array> {
  const stream = body as unknown as AsyncIterable<Uint8Array>;
  if (length === undefined || typeof stream[Symbol.asyncIterator] !== "function") return body.transformToByteArray();
  const out = new Uint8Array(length);
  let at = 0;
  for await (const chunk of stream) {
    if (at + chunk.length > length) throw new Error(`body longer than its Content-Length ${length}`); // retried like a dropped body
    out.set(chunk, at);
    at += chunk.length;
  }
  return at === length ? out : out.subarray(0, at);
}

/** The total size in a `Content-Range: bytes a-b/total` header. */
function totalSize(contentRange: string | undefined): number | undefined {
  const m = /\/(\d+)$/.exec(contentRange ?? "");
  return m === null ? undefined : Number(m[1]);
}
