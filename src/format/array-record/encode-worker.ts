/**
 * Worker thread of the parallel writer: compresses groups of records into simple chunks with
 * their headers (both position-independent, `encode-groups.ts`), then hands the group's buffers
 * back for reuse. See parallel-encode.ts for the protocol.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import type { EncodeRequest, EncodeResponse } from "./parallel-encode.js";
import { encodeGroups } from "./encode-groups.js";

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

port.on("message", (request: EncodeRequest) => {
  const back = [request.sizes.buffer as ArrayBuffer, request.values.buffer as ArrayBuffer];
  let response: EncodeResponse;
  try {
    const { chunks, lengths } = encodeGroups(request, request.compression, request.windowLog);
    response = { id: request.id, chunks, lengths, sizes: request.sizes, values: request.values };
    port.postMessage(response, [chunks.buffer as ArrayBuffer, ...back]);
  } catch (e) {
    response = { id: request.id, error: `encoding a chunk failed: ${(e as Error).message}`, sizes: request.sizes, values: request.values };
    port.postMessage(response, back);
  }
  // Wake a writer blocked in Atomics.wait (the message is already queued on its port).
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
