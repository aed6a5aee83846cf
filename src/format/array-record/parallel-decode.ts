/**
 * Decoding data chunks on worker threads: the main thread reads spans of file bytes and hands each
 * span to a worker, which verifies and decompresses its chunks and returns the records packed in
 * one transferred buffer. Used by the reader's parallel reads (`readRangeParallel`, `readParallel`,
 * the borrowed visits) and its batches of large spans (`read(indices)` and, blocking on the
 * answers, `readSync(indices)`; see batch-workers.ts).
 */
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
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

/** What each decode worker starts with (its `workerData`): the synchronous channel's end and the flags it raises. */
export interface DecodeWorkerData {
  /** Where synchronous requests come ({@link DecodePool.decodeFileSync}); each answer goes back on it. */
  syncPort: MessagePort;
  /**
   * Bumped (and notified) after each synchronous answer and when the worker exits: what a main
   * thread blocked in {@link DecodePool.waitSync} wakes on. One for all the pool's workers.
   */
  signal: Int32Array;
  /** Set to 1 as the worker exits: a main thread blocked in `Atomics.wait` sees no 'exit' event. */
  exited: Int32Array;
}

/**
 * Starts a worker. Its bootstrap first hooks the worker's exit (so that a crash, even while its
 * module loads, raises `exited` and wakes a blocked waiter), then imports the worker script, run
 * from the TypeScript sources (tests, tsx) through tsx's loader.
 */
function startWorker(workerData: DecodeWorkerData): Worker {
  const load = FROM_SOURCES ? `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })` : `import(${JSON.stringify(WORKER_URL.href)})`;
  // import(), not require: a worker inherits the process's --input-type=module, which makes this code a module.
  const bootstrap = `import("node:worker_threads").then(({ workerData: { exited, signal } }) => {
  process.on("exit", () => { Atomics.store(exited, 0, 1); Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); });
  return ${load};
});`;
  return new Worker(bootstrap, { eval: true, workerData, transferList: [workerData.syncPort] });
}

/** Default worker count for a reader's `max_parallelism` option. */
export function workerCount(maxParallelism: number | "auto"): number {
  return maxParallelism === "auto" ? Math.max(1, availableParallelism()) : Math.max(1, maxParallelism);
}

/** How long {@link DecodePool.waitSync} waits for a live worker's answer before giving the worker up (a span takes milliseconds). */
const SYNC_ANSWER_TIMEOUT_MS = 120_000;

/** How long one `Atomics.wait` of {@link DecodePool.waitSync} lasts before it looks at the worker again. */
const SYNC_WAIT_SLICE_MS = 1_000;

/** A started worker: its async requests out, its sync ones not answered yet, and how to tell it died. */
interface WorkerState {
  worker: Worker;
  pending: number;
  syncPending: Set<number>;
  alive: boolean;
  syncPort: MessagePort;
  exited: Int32Array;
}

/** An async request's caller. */
interface Waiter {
  resolve: (records: PackedRecords) => void;
  reject: (e: unknown) => void;
  state: WorkerState;
  file: string;
  into?: SharedArrayBuffer;
}

/**
 * Decode workers shared by every reader of the process (starting a worker costs tens of
 * milliseconds, more than decoding a typical file's span): they stay started between reads but
 * keep the process alive only while they have work, and grow to the largest count asked for.
 *
 * Async requests go over each worker's own port and settle through the event loop. Sync ones
 * (`readSync(indices)` of a local file) go over a second channel whose answers this thread takes
 * with `receiveMessageOnPort` while it blocks in `Atomics.wait` on a shared counter the workers
 * bump after each answer: no event loop turns, so a dead worker is seen by a flag its exit hook
 * raises, and one that never answers by a timeout.
 */
export class DecodePool {
  private readonly workers: WorkerState[] = [];
  private readonly waiting = new Map<number, Waiter>();
  private readonly syncOwners = new Map<number, WorkerState>();
  private readonly syncAnswers = new Map<number, DecodeResponse>();
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 0;

  /** @param answerTimeoutMs how long a sync wait lasts before the worker is given up ({@link SYNC_ANSWER_TIMEOUT_MS}). */
  constructor(private readonly answerTimeoutMs = SYNC_ANSWER_TIMEOUT_MS) {}

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
    return this.post(fileRequest(this.nextId++, fd, start, length, chunks, mapped, rest), size, file, []);
  }

  /**
   * {@link decodeFile} for a caller that blocks: sends the request over the worker's sync channel
   * and returns its id, for {@link waitSync} (or {@link abandonSync}). No shared memory (`into`):
   * the records of a sync read are the caller's to keep.
   */
  decodeFileSync(fd: number, start: number, length: number, chunks: SpanChunks, size: number, extra: { pick?: Float64Array | undefined; mapped?: boolean } = {}): number {
    // Answers in, so the least busy worker is the one with the fewest spans still to decode: a
    // worker whose answers wait to be taken in span order is idle.
    this.drainSync();
    const state = this.workers[this.leastBusy(size)]!;
    const id = this.nextId++;
    state.syncPort.postMessage(fileRequest(id, fd, start, length, chunks, extra.mapped, { pick: extra.pick }));
    state.syncPending.add(id);
    this.syncOwners.set(id, state);
    return id;
  }

  /**
   * Blocks until request `id` (from {@link decodeFileSync}) is answered; its records, or throws its
   * error (`file` names the file). Throws IO when its worker exits first, or gives no answer within
   * the pool's timeout (the worker is then terminated; the next request starts another).
   */
  waitSync(id: number, file: string): PackedRecords {
    const deadline = performance.now() + this.answerTimeoutMs;
    for (;;) {
      // Loaded before polling: an answer posted after the poll's drain has bumped the counter past it.
      const seen = Atomics.load(this.signal, 0);
      const records = this.pollSync(id, file, deadline);
      if (records !== undefined) return records;
      Atomics.wait(this.signal, 0, seen, Math.min(SYNC_WAIT_SLICE_MS, deadline - performance.now()));
    }
  }

  /**
   * Request `id`'s records if its answer has come, else undefined, without blocking; throws as
   * {@link waitSync} does (its error, or IO when its worker has exited or `deadline`, a
   * `performance.now()` time, has passed).
   */
  pollSync(id: number, file: string, deadline = Infinity): PackedRecords | undefined {
    const state = this.syncOwners.get(id);
    if (state === undefined) throw new ArrayRecordError("IO", `no decode request ${id} is waiting`, { file });
    this.drainSync();
    const response = this.syncAnswers.get(id);
    if (response !== undefined) {
      this.forget(id);
      return unpack(response, file, undefined);
    }
    const failure = Atomics.load(state.exited, 0) === 1 ? "decode worker exited before answering" : performance.now() >= deadline ? `decode worker gave no answer in ${this.answerTimeoutMs / 1000} s` : undefined;
    if (failure === undefined) return undefined;
    this.retire(state);
    this.forget(id);
    throw new ArrayRecordError("IO", failure, { file });
  }

  /** Drops sync requests no longer wanted (a batch failed before them): their answers are discarded as they come. */
  abandonSync(ids: Iterable<number>): void {
    for (const id of ids) this.forget(id);
  }

  private forget(id: number): void {
    this.syncOwners.get(id)?.syncPending.delete(id);
    this.syncOwners.delete(id);
    this.syncAnswers.delete(id);
  }

  /** Takes every answer waiting on the workers' sync channels; those of abandoned requests are dropped. */
  private drainSync(): void {
    for (const state of this.workers) {
      for (let message = receiveMessageOnPort(state.syncPort); message !== undefined; message = receiveMessageOnPort(state.syncPort)) {
        const response = message.message as DecodeResponse;
        if (state.syncPending.delete(response.id)) this.syncAnswers.set(response.id, response);
      }
    }
  }

  /** A worker that exited (or is given up) is terminated and replaced on the next request; its async requests fail on its 'exit' event. */
  private retire(state: WorkerState): void {
    if (!state.alive) return;
    state.alive = false;
    Atomics.store(state.exited, 0, 1);
    void state.worker.terminate();
    state.syncPort.close();
  }

  private post(request: DecodeRequest, size: number, file: string, transfer: ArrayBuffer[]): Promise<PackedRecords> {
    const state = this.workers[this.leastBusy(size)]!;
    return new Promise<PackedRecords>((resolve, reject) => {
      this.waiting.set(request.id, { resolve, reject, state, file, ...(request.into === undefined ? {} : { into: request.into }) });
      if (state.pending++ === 0) state.worker.ref();
      state.worker.postMessage(request, transfer);
    });
  }

  /** The slot of the worker with the fewest requests out among the first `size`, starting or replacing one where a slot is empty or its worker dead. */
  private leastBusy(size: number): number {
    const limit = Math.max(1, size);
    for (const state of this.workers) if (state.alive && Atomics.load(state.exited, 0) === 1) this.retire(state); // died while no event turned
    const dead = this.workers.findIndex((w, k) => k < limit && !w.alive);
    if (dead >= 0) return this.spawn(dead);
    if (this.workers.length < limit) return this.spawn(this.workers.length);
    const load = (k: number): number => this.workers[k]!.pending + this.workers[k]!.syncPending.size;
    let best = 0;
    for (let k = 1; k < limit; k++) if (load(k) < load(best)) best = k;
    return best;
  }

  private spawn(slot: number): number {
    const { port1, port2 } = new MessageChannel();
    port1.unref(); // answers are taken with receiveMessageOnPort: this end never holds the process open
    const exited = new Int32Array(new SharedArrayBuffer(4));
    const worker = startWorker({ syncPort: port2, signal: this.signal, exited });
    const state: WorkerState = { worker, pending: 0, syncPending: new Set(), alive: true, syncPort: port1, exited };
    this.workers[slot] = state;
    worker.on("message", (response: DecodeResponse) => this.settle(response));
    let failure: unknown;
    worker.on("error", (e) => (failure = e));
    worker.on("exit", (code) => this.failAll(state, failure ?? new Error(`exited with code ${code}`)));
    worker.unref(); // after the listeners: adding a 'message' listener refs the worker again
    return slot;
  }

  private settle(response: DecodeResponse): void {
    const waiter = this.waiting.get(response.id);
    if (waiter === undefined) return;
    this.waiting.delete(response.id);
    if (--waiter.state.pending === 0) waiter.state.worker.unref();
    try {
      waiter.resolve(unpack(response, waiter.file, waiter.into));
    } catch (e) {
      waiter.reject(e);
    }
  }

  /** A worker that exited fails its pending async spans and is replaced on the next request. */
  private failAll(state: WorkerState, e: unknown): void {
    this.retire(state);
    for (const [id, waiter] of this.waiting) {
      if (waiter.state !== state) continue;
      this.waiting.delete(id);
      waiter.reject(new ArrayRecordError("IO", `decode worker failed: ${(e as Error).message}`, { file: waiter.file }, { cause: e }));
    }
  }
}

/** A request for a span of a local file (see {@link DecodePool.decodeFile}). */
function fileRequest(id: number, fd: number, start: number, length: number, chunks: SpanChunks, mapped: boolean | undefined, extra: SpanExtras): DecodeRequest {
  return { id, file: { fd, length, ...(mapped === true ? { mapped } : {}) }, start, chunks, ...withExtras(extra) };
}

/** A response's records (values in `into` when the request brought it), or its error as an ArrayRecordError naming `file`. */
function unpack(response: DecodeResponse, file: string, into: SharedArrayBuffer | undefined): PackedRecords {
  if ("error" in response) {
    const { code, reason, offset } = response.error;
    throw new ArrayRecordError(code, reason, { file, offset });
  }
  const values = response.values ?? new Uint8Array(into!);
  return response.inFile === undefined ? { values, bounds: response.bounds } : { values, bounds: response.bounds, inFile: response.inFile };
}

let shared: DecodePool | undefined;

/** The process-wide decode pool (started lazily). */
export function sharedDecodePool(): DecodePool {
  return (shared ??= new DecodePool());
}
