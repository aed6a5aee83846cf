/**
 * Worker thread of the parallel reader: decodes the data chunks of one span of file bytes and
 * sends their records back in one transferred buffer (the span's own, or a packed copy). See
 * parallel-decode.ts.
 */
import { parentPort } from "node:worker_threads";
import { decodeDataChunkAt, spanChunkEntry } from "./file-layout.js";
import { isArrayRecordError } from "../errors.js";
import type { DecodeRequest, DecodeResponse } from "./parallel-decode.js";
import type { ChunkRecords } from "../riegeli/simple-chunk.js";

/**
 * Decodes a request's chunks. When every chunk's records are views of the span's own bytes
 * (uncompressed chunks, reassembled in place), the span's buffer goes back as is with the records'
 * bounds in it; otherwise every record is packed into one new buffer.
 */
function decode({ bytes, start, chunks: span }: DecodeRequest): { values: Uint8Array; bounds: Float64Array } {
  // The span's bytes were transferred to this worker alone: chunks may be reassembled in place.
  const window = { bytes, start, inPlace: true };
  const chunks: ChunkRecords[] = [];
  for (let k = 0; k < span.numRecords.length; k++) chunks.push(decodeDataChunkAt(window, spanChunkEntry(span, k)));
  let records = 0;
  let size = 0;
  let views = true;
  for (const chunk of chunks) {
    records += chunk.count;
    size += chunk.values.length;
    if (chunk.values.buffer !== bytes.buffer) views = false;
  }
  const bounds = new Float64Array(2 * records);
  const values = views ? new Uint8Array(bytes.buffer as ArrayBuffer) : new Uint8Array(size);
  let at = 0;
  let r = 0;
  for (const chunk of chunks) {
    if (views) at = chunk.values.byteOffset;
    else values.set(chunk.values, at);
    for (let i = 0; i < chunk.count; i++) {
      bounds[r++] = at + (chunk.starts === undefined ? 0 : chunk.starts[i]!);
      bounds[r++] = at + (chunk.starts === undefined ? chunk.values.length : chunk.starts[i + 1]!);
    }
    if (!views) at += chunk.values.length;
  }
  return { values, bounds };
}

parentPort!.on("message", (request: DecodeRequest) => {
  let response: DecodeResponse;
  try {
    const { values, bounds } = decode(request);
    response = { id: request.id, values, bounds };
    parentPort!.postMessage(response, [values.buffer as ArrayBuffer, bounds.buffer as ArrayBuffer]);
  } catch (e) {
    response = isArrayRecordError(e)
      ? { id: request.id, error: { code: e.code, reason: e.reason, offset: e.offset } }
      : { id: request.id, error: { code: "CORRUPT", reason: `decoding failed: ${(e as Error).message}`, offset: undefined } };
    parentPort!.postMessage(response);
  }
});
