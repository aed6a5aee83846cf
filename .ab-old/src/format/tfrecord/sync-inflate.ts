/**
 * Synchronous streaming GZIP/ZLIB decompression with node:zlib's native inflate, for the sync
 * TFRecord reader (Beam DoFns and scripts cannot await). node:zlib has no public synchronous
 * streaming API, so one worker thread per process (made on first use) runs the native
 * streaming inflater (native-inflate.ts) while the calling thread blocks on each step. Memory stays
 * bounded: each call sends one input chunk and gets back its output (at most ~64 MiB per 64 KiB of
 * input, as native-inflate.ts steps). Same checks as the async path (zlib's per-member trailer
 * checks, our own ZLIB trailer check).
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { ArrayRecordError, type ArrayRecordErrorCode } from "../errors.js";
import type { InflateReply, InflateRequest, InflateWorkerData } from "./inflate-worker.js";

const FROM_SOURCES = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCES ? "./inflate-worker.ts" : "./inflate-worker.js", import.meta.url);
/** A blocked call gives up after this long (a hung or dead worker must not hang the reader forever). */
const CALL_TIMEOUT_MS = 5 * 60_000;

interface InflateThread {
  port: MessagePort;
  flag: Int32Array;
}

let thread: InflateThread | undefined;

/** This process's (or worker thread's) inflate thread, started on first use; it never keeps the process alive. */
function inflateThread(): InflateThread {
  if (thread !== undefined) return thread;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const workerData: InflateWorkerData = { port: port2, flag };
  const options = { workerData, transferList: [port2], execArgv: [] };
  // From the TypeScript sources (tests, tsx) the worker registers tsx's loader first.
  const worker = FROM_SOURCES
    ? new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`, { ...options, eval: true })
    : new Worker(WORKER_URL, options);
  worker.unref();
  port1.unref();
  thread = { port: port1, flag };
  return thread;
}

/**
 * Sends `request` and blocks until the reply (the pattern synckit uses, written out here because
 * the format core does not depend on synckit): the worker posts the reply, then sets and notifies
 * the shared flag; the reply is then taken off the port synchronously.
 */
function inflateCall(request: InflateRequest, file: string | undefined): InflateReply {
  const { port, flag } = inflateThread();
  Atomics.store(flag, 0, 0);
  port.postMessage(request);
  if (Atomics.wait(flag, 0, 0, CALL_TIMEOUT_MS) === "timed-out") {
    throw new ArrayRecordError("IO", `inflate thread did not answer within ${CALL_TIMEOUT_MS} ms`, { file });
  }
  const received = receiveMessageOnPort(port);
  if (received === undefined) throw new ArrayRecordError("IO", "inflate thread signalled without a reply", { file });
  return received.message as InflateReply;
}

/** Compressed bytes sent per call: large enough to amortise the thread round trip. */
const CALL_BYTES = 256 * 1024;

/** One GZIP or ZLIB stream inflated natively on the inflate thread, fed synchronously. */
export class SyncNativeInflater {
  private readonly id: number;
  private consumed = 0;
  private done = false;

  constructor(
    compression: "gzip" | "zlib",
    private readonly file?: string,
  ) {
    this.id = this.unwrap(inflateCall({ op: "open", compression }, file)).id;
  }

  /** Decompresses `chunk` (`final` ends the stream), passing the output of each call to `sink`. */
  push(chunk: Uint8Array, final: boolean, sink: (output: Uint8Array[]) => void): void {
    for (let pos = 0; pos < chunk.length; pos += CALL_BYTES) {
      const piece = chunk.subarray(pos, pos + CALL_BYTES);
      const output = this.unwrap(inflateCall({ op: "push", id: this.id, chunk: piece }, this.file)).output;
      this.consumed += piece.length;
      if (output.length > 0) sink(output);
    }
    if (final) {
      this.done = true;
      const output = this.unwrap(inflateCall({ op: "end", id: this.id }, this.file)).output;
      if (output.length > 0) sink(output);
    }
  }

  /** Frees the worker's stream of a reader that stopped early. */
  destroy(): void {
    if (this.done) return;
    this.done = true;
    inflateCall({ op: "destroy", id: this.id }, this.file);
  }

  private unwrap(reply: InflateReply): Extract<InflateReply, { ok: true }> {
    if (reply.ok) return reply;
    this.done = true;
    throw new ArrayRecordError(reply.code as ArrayRecordErrorCode, reply.message, { file: this.file, offset: reply.offset ?? this.consumed });
  }
}
