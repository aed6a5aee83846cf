/**
 * Encoding data chunks on worker threads, for a writer with `max_parallelism` ≥ 2: the main thread
 * collects the records of one or more groups (small groups are batched, so a message carries at
 * least ~64 KiB), transfers their buffers to a worker, which compresses each group and computes
 * its chunk header (neither depends on the chunk's position), and the writer places the finished
 * chunks in file order. Buffers travel by transfer both ways and are reused.
 *
 * The writer waits synchronously (`Atomics.wait` on a shared counter the workers bump after each
 * reply, then `receiveMessageOnPort`), so `writeSync` and `closeSync` work with workers, and a
 * writer never waits longer than the oldest chunk it has in flight. One pool serves every writer
 * of the process; its workers stay started (unreferenced, so they never keep the process alive).
 */
import { availableParallelism } from "node:os";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { ArrayRecordError } from "../errors.js";
import type { Compression } from "../riegeli/compressor-options.js";
import type { RecordGroups } from "../riegeli/simple-chunk.js";

/** Groups to encode, one simple chunk each (see {@link RecordGroups}); `sizes` and `values` travel by transfer. */
export interface EncodeRequest {
  id: number;
  sizes: Uint8Array;
  values: Uint8Array;
  groups: number[];
  compression: Compression;
  windowLog: number | undefined;
}

/**
 * The chunks back to back (each a 40-byte header, then its data; chunk g is `lengths[g]` bytes),
 * or the error, with the groups' buffers given back.
 */
export type EncodeResponse =
  | { id: number; chunks: Uint8Array; lengths: number[]; sizes: Uint8Array; values: Uint8Array }
  | { id: number; error: string; sizes: Uint8Array; values: Uint8Array };

const FROM_SOURCES = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCES ? "./encode-worker.ts" : "./encode-worker.js", import.meta.url);

/** Index in the shared signal: a counter bumped after every reply. */
const REPLIES = 0;
/** Index in the shared signal: set when a worker's script failed to load. */
const LOAD_FAILED = 1;
/** Atomics.wait slice; a worker that failed to load is noticed within it. */
const WAIT_SLICE_MS = 1000;

/**
 * Worker threads a writer with `max_parallelism` uses: 0 (encode on the calling thread) unless ≥ 2
 * and the chunks are compressed.
 */
export function encodeWorkerCount(maxParallelism: number | "auto", compression: Compression): number {
  // "auto" is also the default, and C++ writes on one thread unless given a pool: so only an
  // explicit number asks for workers, capped by the cores (but 2 always gives 2).
  if (maxParallelism === "auto" || maxParallelism < 2) return 0;
  // Uncompressed chunks leave a worker nothing but hashing, which costs less than the transfers:
  // measured (npm run bench:compare, quiet machine) 619k records/s on this thread vs 250k on 2
  // workers at group_size:1, 902k vs 308k at group_size:256.
  if (compression.type === "uncompressed") return 0;
  return Math.min(maxParallelism, Math.max(2, availableParallelism()));
}

/** Chunk encoders on worker threads, shared by the writers of this process. */
export class EncodePool {
  private readonly workers: { worker: Worker; port: MessagePort; pending: number }[] = [];
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  /** Replies received but not yet claimed by their writer. */
  private readonly replies = new Map<number, EncodeResponse>();
  /** Jobs whose writer gave up; their replies are dropped. */
  private readonly abandoned = new Set<number>();
  /** Which worker runs each job in flight. */
  private readonly jobSlot = new Map<number, number>();
  private nextId = 0;

  /** Starts workers until there are `count`. */
  grow(count: number): void {
    while (this.workers.length < count) this.spawn();
  }

  /** Sends `batch` to the least busy of the first `limit` workers; returns its job id. */
  submit(batch: RecordGroups, compression: Compression, windowLog: number | undefined, limit: number): number {
    this.grow(limit);
    let slot = 0;
    for (let k = 1; k < limit; k++) if (this.workers[k]!.pending < this.workers[slot]!.pending) slot = k;
    const state = this.workers[slot]!;
    const id = this.nextId++;
    const request: EncodeRequest = { id, sizes: batch.sizes, values: batch.values, groups: batch.groups, compression, windowLog };
    state.pending++;
    this.jobSlot.set(id, slot);
    state.port.postMessage(request, [batch.sizes.buffer as ArrayBuffer, batch.values.buffer as ArrayBuffer]);
    return id;
  }

  /** Blocks until job `id` is done and returns its reply. */
  wait(id: number, file: string): EncodeResponse {
    for (;;) {
      // Read the counter before draining: a reply posted after the drain bumps it past `seen`.
      const seen = Atomics.load(this.signal, REPLIES);
      this.drain();
      const reply = this.replies.get(id);
      if (reply !== undefined) {
        this.replies.delete(id);
        return reply;
      }
      if (Atomics.load(this.signal, LOAD_FAILED) !== 0) {
        throw new ArrayRecordError("IO", `encode worker failed to start (${WORKER_URL.href})`, { file });
      }
      Atomics.wait(this.signal, REPLIES, seen, WAIT_SLICE_MS);
    }
  }

  /** Forgets jobs whose writer was aborted. */
  abandon(ids: Iterable<number>): void {
    for (const id of ids) {
      if (this.replies.delete(id)) continue;
      if (this.jobSlot.has(id)) this.abandoned.add(id);
    }
  }

  private drain(): void {
    for (const state of this.workers) {
      for (let m = receiveMessageOnPort(state.port); m !== undefined; m = receiveMessageOnPort(state.port)) {
        const reply = m.message as EncodeResponse;
        const slot = this.jobSlot.get(reply.id);
        this.jobSlot.delete(reply.id);
        if (slot !== undefined) this.workers[slot]!.pending--;
        if (this.abandoned.delete(reply.id)) continue;
        this.replies.set(reply.id, reply);
      }
    }
  }

  private spawn(): void {
    const { port1, port2 } = new MessageChannel();
    const load = FROM_SOURCES
      ? `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`
      : `import(${JSON.stringify(WORKER_URL.href)})`;
    // A script that fails to load flags it in the shared signal, so a waiting writer throws instead of hanging.
    const bootstrap = `${load}.catch(async (e) => { const { workerData } = await import("node:worker_threads"); Atomics.store(workerData.signal, ${LOAD_FAILED}, 1); Atomics.add(workerData.signal, ${REPLIES}, 1); Atomics.notify(workerData.signal, ${REPLIES}); throw e; });`;
    const worker = new Worker(bootstrap, { eval: true, workerData: { port: port2, signal: this.signal }, transferList: [port2] });
    worker.unref();
    worker.on("error", () => Atomics.store(this.signal, LOAD_FAILED, 1));
    port1.unref();
    this.workers.push({ worker, port: port1, pending: 0 });
  }
}

let shared: EncodePool | undefined;

/** The process-wide encode pool (started lazily). */
export function sharedEncodePool(): EncodePool {
  return (shared ??= new EncodePool());
}
