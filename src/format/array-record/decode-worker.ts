/**
 * Worker thread of the parallel reader: decodes the data chunks of one span of file bytes and
 * sends their records back packed in one transferred buffer. See parallel-decode.ts.
 */
import { parentPort } from "node:worker_threads";
import { decodeDataChunkAt } from "./file-layout.js";
import { isArrayRecordError } from "../errors.js";
import type { DecodeRequest, DecodeResponse } from "./parallel-decode.js";
import type { ChunkRecords } from "../riegeli/simple-chunk.js";

/** Decodes a request's chunks and packs every record into one buffer with one offsets table. */
function decode({ bytes, start, entries }: DecodeRequest): { values: Uint8Array; starts: Float64Array } {
  // The span's bytes were transferred to this worker alone: chunks may be reassembled in place.
  const chunks: ChunkRecords[] = entries.map((entry) => decodeDataChunkAt({ bytes, start, inPlace: true }, entry));
  let records = 0;
  let size = 0;
  for (const chunk of chunks) {
    records += chunk.count;
    size += chunk.values.length;
  }
  const values = new Uint8Array(size);
  const starts = new Float64Array(records + 1);
  let at = 0;
  let r = 0;
  for (const chunk of chunks) {
    values.set(chunk.values, at);
    for (let i = 0; i < chunk.count; i++) starts[++r] = at + (chunk.starts === undefined ? chunk.values.length : chunk.starts[i + 1]!);
    at += chunk.values.length;
  }
  return { values, starts };
}

parentPort!.on("message", (request: DecodeRequest) => {
  let response: DecodeResponse;
  try {
    const { values, starts } = decode(request);
    response = { id: request.id, values, starts };
    parentPort!.postMessage(response, [values.buffer as ArrayBuffer, starts.buffer as ArrayBuffer]);
  } catch (e) {
    response = isArrayRecordError(e)
      ? { id: request.id, error: { code: e.code, reason: e.reason, offset: e.offset } }
      : { id: request.id, error: { code: "CORRUPT", reason: `decoding failed: ${(e as Error).message}`, offset: undefined } };
    parentPort!.postMessage(response);
  }
});
