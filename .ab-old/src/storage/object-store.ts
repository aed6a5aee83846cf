/**
 * What the storage layer needs from an object store, as one small async interface with plain-data
 * arguments (so the sync bridge's worker can run the same calls). Implementations: S3, GCS, HTTP.
 */

/** Bytes of a ranged GET, with what the server said of the whole object. */
export interface RangeResult {
  /** The bytes returned. */
  readonly bytes: Uint8Array;
  /** Size of the whole object. */
  readonly size: number;
  /** The object's version tag (ETag, generation or Last-Modified); a change means a new object. */
  readonly version: string;
}

/** A byte range of an object: `length` bytes at `start`, or (start < 0) the last `-start` bytes. */
export interface ObjectRange {
  /** First byte, or minus the length of a suffix. */
  readonly start: number;
  /** Number of bytes (ignored for a suffix). */
  readonly length: number;
}

/** An upload that makes its object visible only at {@link ObjectUpload.commit}. */
export interface ObjectUpload {
  /** Sends bytes (memory: at most one part is held). */
  write(bytes: Uint8Array): Promise<void>;
  /** Finishes the object under its name. */
  commit(): Promise<void>;
  /** Abandons the upload; no object appears. Never throws. */
  abort(): Promise<void>;
}

/** The operations of one store (one client, any bucket of it). */
export interface ObjectStore {
  /**
   * Reads a range of `url`. With `version`, a different object version is an IO error ("changed");
   * fewer bytes than asked (before the object's end) is an IO error ("short read").
   */
  readRange(url: string, range: ObjectRange, version?: string): Promise<RangeResult>;
  /** URLs of the objects whose keys start with the key of `prefixUrl`. */
  list(prefixUrl: string): Promise<string[]>;
  /** Starts an upload of `url`. */
  upload(url: string): Promise<ObjectUpload>;
  /** Server-side copy of `from` to `to` (same store). */
  copy(from: string, to: string): Promise<void>;
  /** Deletes `url` (no error if it is gone). */
  delete(url: string): Promise<void>;
  /**
   * Aborts the incomplete uploads whose keys start with the key of `prefixUrl` (bounded, best
   * effort, never throws); returns how many. Absent where unfinished uploads cannot be listed (GCS
   * resumable sessions expire by themselves).
   */
  abortUploads?(prefixUrl: string): Promise<number>;
}
