/** Object-store URLs: `s3://bucket/key`, `gs://bucket/object`, `http(s)://host/path`. */
import { ArrayRecordError } from "../format/errors.js";

/** The URL schemes the storage layer serves. */
export type StoreScheme = "s3" | "gs" | "http";

/** A parsed object URL. */
export interface ObjectUrl {
  /** Which client serves it (`http` covers `https` too). */
  readonly scheme: StoreScheme;
  /** Bucket (S3, GCS) or origin `http(s)://host:port` (HTTP). */
  readonly bucket: string;
  /** Object key, without a leading slash (for HTTP: the path and query). */
  readonly key: string;
  /** The URL as given. */
  readonly url: string;
}

const PATTERN = /^(s3|gs):\/\/([^/]+)\/?(.*)$/;

/** Whether `path` is an object-store URL this layer serves. */
export function isObjectUrl(path: string): boolean {
  return /^(s3|gs|https?):\/\//i.test(path);
}

/** Parses `url`; throws INVALID_OPTIONS for anything that is not an object URL. */
export function parseObjectUrl(url: string): ObjectUrl {
  const m = PATTERN.exec(url);
  if (m !== null) {
    if (m[2] === "") throw new ArrayRecordError("INVALID_OPTIONS", `no bucket in ${url}`, { file: url });
    return { scheme: m[1] as "s3" | "gs", bucket: m[2]!, key: m[3]!, url };
  }
  if (/^https?:\/\//i.test(url)) {
    const parsed = new URL(url);
    return { scheme: "http", bucket: parsed.origin, key: `${parsed.pathname.slice(1)}${parsed.search}`, url };
  }
  throw new ArrayRecordError("INVALID_OPTIONS", `not an object URL (s3://, gs://, http(s)://): ${url}`, { file: url });
}

/** The URL of `key` in the same bucket as `base`. */
export function siblingUrl(base: ObjectUrl, key: string): string {
  return base.scheme === "http" ? `${base.bucket}/${key}` : `${base.scheme}://${base.bucket}/${key}`;
}

/** The directory part of an object URL (everything up to the last `/`, without it). */
export function urlDirname(url: string): string {
  const { scheme, bucket, key } = parseObjectUrl(url);
  const slash = key.lastIndexOf("/");
  return siblingUrl({ scheme, bucket, key: "", url }, slash < 0 ? "" : key.slice(0, slash)).replace(/\/$/, "");
}
