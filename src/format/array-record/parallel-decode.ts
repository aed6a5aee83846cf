/**
 * Decoding data chunks on worker threads: the main thread reads spans of file bytes and hands each
 * span to a worker, which verifies and decompresses its chunks and returns the records packed in
 * one transferred buffer. Used by `ArrayRecordReader.readRangeParallel`.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { ArrayRecordError, type ArrayRecordErrorCode } from "../errors.js";
import type { SpanChunks } from "./file-layout.js";

/**
 * A span to decode: its bytes (their buffer is transferred) or, for a local file, the descriptor
 * and length for the worker to read them itself; where they start; its chunks.
 */
export interface DecodeRequest {
  id: number;
  bytes?: Uint8Array;
  file?: { fd: number; length: number; mapped?: boolean };
  start: number;
  chunks: SpanChunks;
  /**
   * Only these records of the span (indices from its first record, grouped by chunk in file
   * order; any order and repeats within a chunk, as a batch's positions come) are wanted: the worker copies them into a small buffer (and reuses its read buffer) instead of
   * returning the whole span; the response's bounds then follow `pick`.
   */
  pick?: Float64Array;
  /**
   * Shared memory to decode the span's records into (at least the sum of its chunks' decoded
   * sizes): the response then carries only the bounds, into it. The span's own bytes go to the
   * worker's reused read buffer (see shared-slots.ts).
   */
  into?: SharedArrayBuffer;
}

/**
 * A decoded span: record i = `values[bounds[2i], bounds[2i+1])` (values omitted: the request's
 * `into`), or, where `inFile[i]` is 1, bytes `[bounds[2i], bounds[2i+1])` of the file itself
 * (mapped requests); or the error.
 */
export type DecodeResponse =
  | { id: number; values?: Uint8Array; bounds: Float64Array; inFile?: Uint8Array }
  | { id: number; error: { code: ArrayRecordErrorCode; reason: string; offset: number | undefined } };

/**
 * Records of a span: record i is `values[bounds[2i], bounds[2i+1])`, or, where `inFile[i]` is 1,
 * bytes `[bounds[2i], bounds[2i+1])` of the file (of the reader's mapping of it).
 */
export interface PackedRecords {
  values: Uint8Array;
  bounds: Float64Array;
  inFile?: Uint8Array;
}

/** What a span's request may add: the records wanted ({@link DecodeRequest.pick}), shared memory to decode into ({@link DecodeRequest.into}). */
export interface SpanExtras {
  pick?: Float64Array | undefined;
  into?: SharedArrayBuffer | undefined;
}

/** The extras that are set, as request fields (a structured clone sends absent fields for nothing). */
function withExtras({ pick, into }: SpanExtras): SpanExtras {
  return { ...(pick === undefined ? {} : { pick }), ...(into === undefined ? {} : { into }) };
}

/** The worker script beside this module. */
const FROM_SOURCES = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCES ? "./decode-worker.ts" : "./decode-worker.js", import.meta.url);

/** Starts a worker; run from the TypeScript sources (tests, tsx), it first registers tsx's loader. */
function startWorker(): Worker {
  if (!FROM_SOURCES) return new Worker(WORKER_URL);
  const bootstrap = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

/** Default worker count for a reader's `max_parallelism` option. */
export function workerCount(maxParallelism: number | "auto"): number {
  return maxParallelism === "auto" ? Math.max(1, availableParallelism()) : Math.max(1, maxParallelism);
}

/**
 * Decode workers shared by every reader of the process (starting a worker costs tens of
 * milliseconds, more than decoding a typical file's span): they stay started between reads but
 * keep the process alive only while they have work, and grow to the largest count asked for.
 */
export class DecodePool {
  private readonly workers: { worker: Worker; pending: number; alive: boolean }[] = [];
  private readonly waiting = new Map<number, { resolve: (records: PackedRecords) => void; reject: (e: unknown) => void; slot: number; file: string; into?: SharedArrayBuffer }>();
  private nextId = 0;

  /**
   * Decodes a span on the least busy of the first `size` workers. `bytes` is transferred when
   * `owned` (its buffer is this read's alone), else copied first (a source may share its buffer).
   */
  decode(bytes: Uint8Array, start: number, chunks: SpanChunks, size: number, file: string, owned: boolean, extra: SpanExtras = {}): Promise<PackedRecords> {
    const whole = owned && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer);
    const own = whole ? bytes : new Uint8Array(bytes); // a copy (Buffer#slice would be a view)
    return this.post({ id: this.nextId++, bytes: own, start, chunks, ...withExtras(extra) }, size, file, [own.buffer as ArrayBuffer]);
  }

  /**
   * Decodes the span of `length` bytes at `start` of the local file open as `fd`, which the worker
   * reads itself: this thread allocates, reads and transfers nothing (reading 1 MiB spans here and
   * posting them cost the main thread a fifth of a parallel read of an uncompressed file). With
   * `mapped` (the reader maps the file) the worker maps it too and returns the file positions of
   * records of uncompressed chunks that no block header splits (`inFile`) instead of their bytes.
   */
  decodeFile(fd: number, start: number, length: number, chunks: SpanChunks, size: number, file: string, extra: SpanExtras & { mapped?: boolean } = {}): Promise<PackedRecords> {
    const { mapped, ...rest } = extra;
    return this.post({ id: this.nextId++, file: { fd, length, ...(mapped === true ? { mapped } : {}) }, start, chunks, ...withExtras(rest) }, size, file, []);
  }

  private post(request: DecodeRequest, size: number, file: string, transfer: ArrayBuffer[]): Promise<PackedRecords> {
    const slot = this.leastBusy(size);
    const state = this.workers[slot]!;
    return new Promise<PackedRecords>((resolve, reject) => {
      this.waiting.set(request.id, { resolve, reject, slot, file, ...(request.into === undefined ? {} : { into: request.into }) });
      if (state.pending++ === 0) state.worker.ref();
      state.worker.postMessage(request, transfer);
    });
  }

  private leastBusy(size: number): number {
    const limit = Math.max(1, size);
    const dead = this.workers.findIndex((w, k) => k < limit && !w.alive);
    if (dead >= 0) return this.spawn(dead);
    if (this.workers.length < limit) return this.spawn(this.workers.length);
    let best = 0;
    for (let k = 1; k < limit; k++) if (this.workers[k]!.pending < this.workers[best]!.pending) best = k;
    return best;
  }

  private spawn(slot: number): number {
    const worker = startWorker();
    this.workers[slot] = { worker, pending: 0, alive: true };
    worker.unref();
    worker.on("message", (response: DecodeResponse) => this.settle(response));
    worker.on("error", (e) => this.failAll(slot, e));
    return slot;
  }

  private settle(response: DecodeResponse): void {
    const waiter = this.waiting.get(response.id);
    if (waiter === undefined) return;
    this.waiting.delete(response.id);
    const state = this.workers[waiter.slot];
    if (state !== undefined && --state.pending === 0) state.worker.unref();
    if ("error" in response) {
      const { code, reason, offset } = response.error;
      waiter.reject(new ArrayRecordError(code, reason, { file: waiter.file, offset }));
    } else {
      const values = response.values ?? new Uint8Array(waiter.into!);
      waiter.resolve(response.inFile === undefined ? { values, bounds: response.bounds } : { values, bounds: response.bounds, inFile: response.inFile });
    }
  }

  /** A worker that crashed fails its pending spans and is replaced on the next request. */
  private failAll(slot: number, e: unknown): void {
    const state = this.workers[slot];
    if (state !== undefined) state.alive = false;
    for (const [id, waiter] of this.waiting) {
      if (waiter.slot !== slot) continue;
      this.waiting.delete(id);
      waiter.reject(new ArrayRecordError("IO", `decode worker failed: ${(e as Error).message}`, { file: waiter.file }, { cause: e }));
    }
  }
}

let shared: DecodePool | undefined;

/** The process-wide decode pool (started lazily). */
export function sharedDecodePool(): DecodePool {
  return (shared ??= new DecodePool());
}
