/**
 * Worker thread of the parallel writer: compresses groups of records into simple-chunk data and
 * computes their chunk headers (both position-independent), then hands the group's buffers back for
 * reuse. See parallel-encode.ts for the protocol.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import { StreamCompressor } from "../riegeli/codecs.js";
import { CHUNK_HEADER_SIZE, ChunkType, encodeChunkHeader } from "../riegeli/chunk-header.js";
import { encodeSimpleChunkData } from "../riegeli/simple-chunk.js";
import type { EncodeRequest, EncodeResponse } from "./parallel-encode.js";
import { grownKeeping, ownedBytes } from "../bytes/slab.js";

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

/**
 * Where a job's chunks are laid out (40-byte header, then data, back to back), reused: the codec
 * writes up to its bound (about the group's size), so a fresh buffer per chunk had the compressor
 * fault in and zero ~333 KB per group_size:256 chunk, which made zstd ~35% slower here than on the
 * writer's thread; and at group_size:1 an allocation per ~1 KB chunk cost the workers more than
 * Snappy did. The job's chunks are copied out once, at their compressed size.
 */
let scratch: Uint8Array = new Uint8Array(0);

/** Each group's chunk (40-byte header, then data), back to back in one fresh (transferable) buffer. */
function encode(request: EncodeRequest): { chunks: Uint8Array; lengths: number[] } {
  const { sizes, values, groups } = request;
  const compressor = compressorFor(request);
  const lengths: number[] = [];
  let at = 0;
  for (let g = 0; g < groups.length; g += 3) {
    const sizesFrom = g === 0 ? 0 : groups[g - 3]!;
    const valuesFrom = g === 0 ? 0 : groups[g - 2]!;
    const valuesTo = groups[g + 1]!;
    const dataAt = at + CHUNK_HEADER_SIZE;
    const data = encodeSimpleChunkData(compressor, sizes.subarray(sizesFrom, groups[g]!), values.subarray(valuesFrom, valuesTo), (length) =>
      (scratch = grownKeeping(scratch, dataAt + length, at)).subarray(dataAt, dataAt + length),
    );
    const fields = { chunkType: ChunkType.SIMPLE, dataSize: data.length, numRecords: groups[g + 2]!, decodedDataSize: valuesTo - valuesFrom };
    encodeChunkHeader(scratch, at, fields, data);
    lengths.push(CHUNK_HEADER_SIZE + data.length);
    at = dataAt + data.length;
  }
  const chunks = ownedBytes(at);
  chunks.set(scratch.subarray(0, at));
  return { chunks, lengths };
}

port.on("message", (request: EncodeRequest) => {
  const back = [request.sizes.buffer as ArrayBuffer, request.values.buffer as ArrayBuffer];
  let response: EncodeResponse;
  try {
    const { chunks, lengths } = encode(request);
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
