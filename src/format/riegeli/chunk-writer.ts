/**
 * Lays chunks out in the file (FORMAT.md §1, §2, §6.1): the 40-byte header and data, zero padding
 * up to the computed chunk end, and a block header spliced in at every 64 KiB boundary inside.
 */
import { BLOCK_HEADER_SIZE, BLOCK_SIZE, USABLE_BLOCK_SIZE, chunkEnd, remainingInBlock, writeBlockHeader } from "./blocks.js";
import { CHUNK_HEADER_SIZE, ChunkType, encodeChunkHeader, encodeChunkHeaderFields } from "./chunk-header.js";
import type { DeferredChunkHashes } from "./chunk-hashes.js";
import { OutputBuffer } from "../bytes/output-buffer.js";

/** A chunk ready to be placed: its type, data and record counts. */
export interface ChunkContent {
  /** One of the chunk type bytes. */
  chunkType: number;
  /** Chunk data (after the 40-byte header). */
  data: Uint8Array;
  /** Records it holds. */
  numRecords: number;
  /** Sum of their decoded lengths. */
  decodedDataSize: number;
  /** The 40-byte header already computed for these fields and data (by an encode worker), if any. */
  header?: Uint8Array;
}

const headerScratch = new Uint8Array(CHUNK_HEADER_SIZE);

/**
 * Appends the file bytes of `content`, placed at chunk begin `begin`, to `out`; returns the chunk's
 * end. With `deferred`, a chunk that lies inside one block (most small chunks) is laid out without
 * its two hashes and added to `deferred`, whose owner must seal it before the bytes are used.
 */
export function writeChunk(out: OutputBuffer, begin: number, content: ChunkContent, deferred?: DeferredChunkHashes): number {
  const { data } = content;
  const end = chunkEnd(begin, CHUNK_HEADER_SIZE + data.length, content.numRecords);
  const firstBoundary = Math.ceil(begin / BLOCK_SIZE) * BLOCK_SIZE;
  const fields = { chunkType: content.chunkType, dataSize: data.length, numRecords: content.numRecords, decodedDataSize: content.decodedDataSize };
  if (content.header !== undefined) headerScratch.set(content.header);
  else if (deferred !== undefined && firstBoundary >= end) {
    encodeChunkHeaderFields(headerScratch, 0, fields);
    deferred.add(begin);
  } else encodeChunkHeader(headerScratch, 0, fields, data);
  const { bytes, at } = out.reserve(end - begin);
  if (firstBoundary >= end) {
    // The common case: no block header inside, the chunk is header, data and zero padding.
    bytes.set(headerScratch, at);
    bytes.set(data, at + CHUNK_HEADER_SIZE);
    bytes.fill(0, at + CHUNK_HEADER_SIZE + data.length, at + end - begin);
    return end;
  }
  let position = begin;
  let logical = 0;
  while (position < end) {
    const room = remainingInBlock(position);
    if (room === 0) {
      writeBlockHeader(bytes, at + position - begin, position, begin, end);
      position += BLOCK_HEADER_SIZE;
      continue;
    }
    const count = Math.min(room, end - position);
    copyLogical(bytes, at + position - begin, data, logical, count);
    logical += count;
    position += count;
  }
  return end;
}

/** Writes logical chunk bytes `[from, from + count)` (header, then data, then zeros) at `out[at..]`. */
function copyLogical(out: Uint8Array, at: number, data: Uint8Array, from: number, count: number): void {
  const stop = at + count;
  if (from < CHUNK_HEADER_SIZE) {
    const fromHeader = Math.min(count, CHUNK_HEADER_SIZE - from);
    out.set(headerScratch.subarray(from, from + fromHeader), at);
    at += fromHeader;
    from += fromHeader;
  }
  const dataFrom = from - CHUNK_HEADER_SIZE;
  const fromData = Math.max(0, Math.min(stop - at, data.length - dataFrom));
  if (fromData > 0) {
    out.set(data.subarray(dataFrom, dataFrom + fromData), at);
    at += fromData;
  }
  out.fill(0, at, stop);
}

/** The file bytes of `content` placed at `begin`, as one new array (for tests and tools). */
export function layOutChunk(begin: number, content: ChunkContent): Uint8Array {
  const target = new OutputBuffer(0);
  writeChunk(target, begin, content);
  return target.take(true);
}

/**
 * The padding chunk that carries position `position` to the next block boundary, or undefined
 * when it is already on one. When fewer than 40 bytes remain, the padding reaches the boundary after.
 */
export function paddingChunkTo(position: number): ChunkContent | undefined {
  const remaining = remainingInBlock(position);
  if (remaining === 0) return undefined;
  const dataSize = remaining >= CHUNK_HEADER_SIZE ? remaining - CHUNK_HEADER_SIZE : remaining + USABLE_BLOCK_SIZE - CHUNK_HEADER_SIZE;
  return { chunkType: ChunkType.PADDING, data: zeros(dataSize), numRecords: 0, decodedDataSize: 0 };
}

let zeroBytes = new Uint8Array(0);

/** A shared all-zero view of `n` bytes (padding data is zeros, never written to). */
function zeros(n: number): Uint8Array {
  if (zeroBytes.length < n) zeroBytes = new Uint8Array(Math.max(n, BLOCK_SIZE));
  return zeroBytes.subarray(0, n);
}
