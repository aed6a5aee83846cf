/**
 * A {@link ByteSource} over an object in a store: ranged GETs pinned to the version seen at open, so
 * an object replaced mid-read is an error rather than a mix of two files. Opening costs one GET (the
 * object's tail, where ArrayRecord's postscript and usually its footer are). Batches of ranges are
 * merged when close together and fetched concurrently (bounded). The sync methods block on the
 * process's storage bridge (a worker thread running the same store calls).
 */
import pLimit, { type LimitFunction } from "p-limit";
import { ArrayRecordError } from "../format/errors.js";
import type { ByteSource } from "../format/bytes/byte-source.js";
import type { ByteRange } from "../format/bytes/io-plan.js";
import { coalesceRanges } from "./coalesce.js";
import { storeError } from "./errors.js";
import type { RangeResult } from "./object-store.js";
import { storeFor } from "./stores.js";
import { storageBridge } from "./sync-bridge.js";

/** Bytes read from the end of the object at open: the postscript (64 KiB) and, usually, the footer. */
export const TAIL_BYTES = 256 << 10;
/** Ranges at most this far apart share one GET. */
export const MERGE_GAP_BYTES = 256 << 10;
/** A merged GET is at most this big. */
export const MERGE_MAX_BYTES = 16 << 20;
/** A sequential reader (async API) is served from windows this big, the next one fetched ahead. */
export const READAHEAD_WINDOW_BYTES = 8 << 20;
/** GETs in flight at once per source. */
export const READ_CONCURRENCY = 16;

/** What opening learned: size, version and the tail bytes. */
export interface OpenedObject {
  readonly size: number;
  readonly version: string;
  readonly tail: Uint8Array;
}

/** The GET that opens an object: its last {@link TAIL_BYTES} bytes (all of a smaller object). */
export async function openObject(url: string): Promise<OpenedObject> {
  const store = await storeFor(url);
  const { bytes, size, version }: RangeResult = await asIoError(url, store.readRange(url, { start: -TAIL_BYTES, length: TAIL_BYTES }));
  return { size, version, tail: bytes };
}

/**
 * A failure that is not already an {@link ArrayRecordError} (a network or TLS error left once the
 * retries are spent) becomes an IO error naming the object, with the low-level code in its message
 * (e.g. `SELF_SIGNED_CERT_IN_CHAIN`).
 */
async function asIoError<T>(url: string, work: Promise<T>, offset?: number): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof ArrayRecordError) throw e;
    const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail = typeof cause?.code === "string" ? ` (${cause.code})` : typeof cause?.message === "string" ? ` (${cause.message})` : "";
    throw storeError(url, `read failed: ${e instanceof Error ? e.message : String(e)}${detail}`, e, offset);
  }
}

/** Reads `ranges` of one object version: merged, concurrent (at most `limit` GETs at once). */
export async function readObjectRanges(url: string, version: string, size: number, ranges: readonly ByteRange[], limit: LimitFunction): Promise<Uint8Array[]> {
  const store = await storeFor(url);
  const out = new Array<Uint8Array>(ranges.length);
  const clamped = ranges.map(({ position, length }) => ({ position, length: Math.max(0, Math.min(length, size - position)) }));
  await Promise.all(
    coalesceRanges(clamped, MERGE_GAP_BYTES, MERGE_MAX_BYTES).map((read) =>
      limit(async () => {
        const bytes =
          read.length === 0 ? new Uint8Array(0) : (await asIoError(url, store.readRange(url, { start: read.position, length: read.length }, version), read.position)).bytes;
        for (const k of read.members) {
          const at = clamped[k]!.position - read.position;
          out[k] = bytes.subarray(at, at + clamped[k]!.length);
        }
      }),
    ),
  );
  return out;
}

/** Random access to one object version. */
export class RemoteByteSource implements ByteSource {
  private closed = false;
  /** End of the previous single read: a read starting there is sequential. */
  private lastEnd = -1;
  /** Read-ahead windows of a sequential reader (the current one and the next). */
  private windows: { start: number; end: number; bytes: Promise<Uint8Array> }[] = [];
  private readonly tailStart: number;
  private readonly limit = pLimit(READ_CONCURRENCY);

  private constructor(
    readonly name: string,
    private readonly opened: OpenedObject,
  ) {
    this.tailStart = opened.size - opened.tail.length;
  }

  /** Opens `url` (one GET). */
  static async open(url: string): Promise<RemoteByteSource> {
    return new RemoteByteSource(url, await openObject(url));
  }

  /** Sync {@link open}, through the storage bridge. */
  static openSync(url: string): RemoteByteSource {
    return new RemoteByteSource(url, storageBridge().openObject(url));
  }

  /**
   * Sync {@link open} of several objects in one bridge call: the worker runs their opening GETs
   * concurrently ({@link READ_CONCURRENCY} at a time), so the calling thread waits about one GET's
   * time per batch instead of one per object.
   */
  static openManySync(urls: readonly string[]): RemoteByteSource[] {
    const opened = storageBridge().openObjects([...urls]);
    return opened.map((o, k) => new RemoteByteSource(urls[k]!, o));
  }

  get size(): number {
    return this.opened.size;
  }

  /** The object's version tag (ETag or generation) every read is pinned to. */
  get version(): string {
    return this.opened.version;
  }

  readSync(position: number, length: number): Uint8Array {
    return this.fromTail(position, length) ?? this.readManySync([{ position, length }])[0]!;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const tail = this.fromTail(position, length);
    if (tail !== undefined) return tail;
    const end = Math.min(this.size, position + length);
    const sequential = position === this.lastEnd;
    this.lastEnd = end;
    let window = this.windows.find((w) => position >= w.start && end <= w.end);
    const first = this.windows.findIndex((w) => position >= w.start && position < w.end);
    const next = this.windows[first + 1];
    if (window === undefined && first >= 0 && next !== undefined && next.start === this.windows[first]!.end && end <= next.end) {
      // Across two adjacent windows: join their parts, and read ahead past the second.
      const a = this.windows[first]!;
      if (next.end < this.size) this.windows = [next, this.fetchWindow(next.end)];
      const [left, right] = await Promise.all([a.bytes, next.bytes]);
      const out = new Uint8Array(end - position);
      out.set(left.subarray(position - a.start));
      out.set(right.subarray(0, end - next.start), a.end - position);
      return out;
    }
    if (window === undefined && sequential) {
      // A sequential reader: fetch a large window instead, and keep the next one coming.
      this.windows = [this.fetchWindow(position)];
      window = this.windows[0]!;
    }
    if (window === undefined) return (await this.readMany([{ position, length }]))[0]!;
    if (sequential && window === this.windows[this.windows.length - 1] && window.end < this.size) {
      this.windows = [window, this.fetchWindow(window.end)]; // read ahead; older windows are dropped
    }
    const bytes = await window.bytes;
    return bytes.subarray(position - window.start, end - window.start);
  }

  /** Starts the GET of the read-ahead window at `start`. */
  private fetchWindow(start: number): { start: number; end: number; bytes: Promise<Uint8Array> } {
    const end = Math.min(this.size, start + READAHEAD_WINDOW_BYTES);
    const bytes = this.readMany([{ position: start, length: end - start }]).then((out) => out[0]!);
    bytes.catch(() => {}); // a window nobody reads must not become an unhandled rejection
    return { start, end, bytes };
  }

  async readMany(ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
    this.checkOpen();
    const { out, missing } = this.splitByTail(ranges);
    if (missing.length > 0) {
      const fetched = await readObjectRanges(this.name, this.opened.version, this.size, missing.map((k) => ranges[k]!), this.limit);
      missing.forEach((k, j) => (out[k] = fetched[j]!));
    }
    return out as Uint8Array[];
  }

  readManySync(ranges: readonly ByteRange[]): Uint8Array[] {
    this.checkOpen();
    const { out, missing } = this.splitByTail(ranges);
    if (missing.length > 0) {
      const fetched = storageBridge().readRanges(this.name, this.opened.version, this.size, missing.map((k) => ranges[k]!));
      missing.forEach((k, j) => (out[k] = fetched[j]!));
    }
    return out as Uint8Array[];
  }

  /** Ranges the tail read at open already holds are served from it; the others (by index) need GETs. */
  private splitByTail(ranges: readonly ByteRange[]): { out: (Uint8Array | undefined)[]; missing: number[] } {
    const out = ranges.map(({ position, length }) => this.fromTail(position, length));
    const missing: number[] = [];
    out.forEach((bytes, k) => bytes === undefined && missing.push(k));
    return { out, missing };
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    this.closed = true;
    this.windows = [];
  }

  /** The bytes when the tail read at open holds them all. */
  private fromTail(position: number, length: number): Uint8Array | undefined {
    this.checkOpen();
    if (position < this.tailStart) return undefined;
    const at = position - this.tailStart;
    return this.opened.tail.subarray(at, Math.min(this.opened.tail.length, at + length));
  }

  private checkOpen(): void {
    if (this.closed) throw new ArrayRecordError("CLOSED", "source is closed", { file: this.name });
  }
}
