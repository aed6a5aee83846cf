/**
 * The sync TFRecord reader's inflate thread: node:zlib's native streaming inflate, run for a
 * calling thread that blocks (see sync-inflate.ts). Each request arrives on the port given in
 * workerData; the reply is posted back on it, then the shared flag is set and notified.
 * One stream per open reader, by id.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import { NativeInflater } from "./native-inflate.js";

/** A call's outcome as plain data (errors keep code, message and offset across the thread boundary). */
export type InflateReply = { ok: true; id: number; output: Uint8Array[] } | { ok: false; code: string; message: string; offset?: number };

/** What the reading thread asks. */
export type InflateRequest =
  | { op: "open"; compression: "gzip" | "zlib" }
  | { op: "push"; id: number; chunk: Uint8Array }
  | { op: "end"; id: number }
  | { op: "destroy"; id: number };

/** What the calling thread hands the worker. */
export interface InflateWorkerData {
  port: MessagePort;
  /** Int32 flag: the worker sets it to 1 (and notifies) once a reply is posted. */
  flag: Int32Array;
}

const { port, flag } = workerData as InflateWorkerData;
const streams = new Map<number, NativeInflater>();
let nextId = 1;

port.on("message", (request: InflateRequest) => {
  void handle(request).then((reply) => {
    // Copied, not transferred: zlib goes on filling the rest of the buffer its output views share.
    port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});

async function handle(request: InflateRequest): Promise<InflateReply> {
  try {
    switch (request.op) {
      case "open": {
        const id = nextId++;
        streams.set(id, new NativeInflater(request.compression));
        return { ok: true, id, output: [] };
      }
      case "push": {
        const output: Uint8Array[] = [];
        for await (const step of stream(request.id).push(request.chunk)) output.push(...step);
        return { ok: true, id: request.id, output };
      }
      case "end": {
        const output = await stream(request.id).end();
        streams.delete(request.id);
        return { ok: true, id: request.id, output };
      }
      case "destroy":
        streams.get(request.id)?.destroy();
        streams.delete(request.id);
        return { ok: true, id: request.id, output: [] };
    }
  } catch (e) {
    if ("id" in request) {
      streams.get(request.id)?.destroy();
      streams.delete(request.id);
    }
    const err = e as { code?: string; reason?: string; message?: string; offset?: number };
    return { ok: false, code: err.code ?? "CORRUPT", message: err.reason ?? err.message ?? String(e), offset: err.offset };
  }
}

function stream(id: number): NativeInflater {
  const s = streams.get(id);
  if (s === undefined) throw new Error(`no inflate stream ${id}`);
  return s;
}
