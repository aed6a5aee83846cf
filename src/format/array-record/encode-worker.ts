/**
 * Worker thread of the parallel writer: compresses one group of records into simple-chunk data and
 * computes its chunk header (both position-independent), then hands the group's buffers back for
 * reuse. See parallel-encode.ts for the protocol.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import { StreamCompressor } from "../riegeli/codecs.js";
import { CHUNK_HEADER_SIZE, ChunkType, encodeChunkHeader } from "../riegeli/chunk-header.js";
import { encodeSimpleChunkData } from "../riegeli/simple-chunk.js";
import type { EncodeRequest, EncodeResponse } from "./parallel-encode.js";

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

/** One compressor per distinct (compression, window log): zstd contexts are reused across chunks. */
const compressors = new Map<string, StreamCompressor>();

function compressorFor(request: EncodeRequest): StreamCompressor {
  const key = `${JSON.stringify(request.compression)}/${request.windowLog}`;
  let compressor = compressors.get(key);
  if (compressor === undefined) {
    compressor = new StreamCompressor(request.compression, request.windowLog);
    compressors.set(key, compressor);
  }
  return compressor;
}

/** The chunk's 40-byte header followed by its data, in one fresh (transferable) buffer. */
function encode(request: EncodeRequest): Uint8Array {
  const sizes = request.sizes.subarray(0, request.sizesLength);
  const values = request.values.subarray(0, request.valuesLength);
  let chunk = new Uint8Array(0);
  const data = encodeSimpleChunkData(compressorFor(request), sizes, values, (length) => {
    chunk = new Uint8Array(CHUNK_HEADER_SIZE + length);
    return chunk.subarray(CHUNK_HEADER_SIZE);
  });
  const fields = { chunkType: ChunkType.SIMPLE, dataSize: data.length, numRecords: request.numRecords, decodedDataSize: request.valuesLength };
  encodeChunkHeader(chunk, 0, fields, data);
  return chunk;
}

port.on("message", (request: EncodeRequest) => {
  const back = [request.sizes.buffer as ArrayBuffer, request.values.buffer as ArrayBuffer];
  let response: EncodeResponse;
  try {
    const chunk = encode(request);
    response = { id: request.id, chunk, sizes: request.sizes, values: request.values };
    port.postMessage(response, [chunk.buffer as ArrayBuffer, ...back]);
  } catch (e) {
    response = { id: request.id, error: `encoding a chunk failed: ${(e as Error).message}`, sizes: request.sizes, values: request.values };
    port.postMessage(response, back);
  }
  // Wake a writer blocked in Atomics.wait (the message is already queued on its port).
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
