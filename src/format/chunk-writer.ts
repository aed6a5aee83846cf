/**
 * Lays chunks out in the file (FORMAT.md §1, §2, §6.1): the 40-byte header and data, zero padding
 * up to the computed chunk end, and a block header spliced in at every 64 KiB boundary inside.
 */
import { BLOCK_HEADER_SIZE, BLOCK_SIZE, USABLE_BLOCK_SIZE, chunkEnd, remainingInBlock, writeBlockHeader } from "./blocks.js";
import { CHUNK_HEADER_SIZE, ChunkType, encodeChunkHeader } from "./chunk-header.js";

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
}

/** The file bytes of `content` placed at chunk begin `begin`, from `begin` to the chunk's end. */
export function layOutChunk(begin: number, content: ChunkContent): Uint8Array {
  const { data } = content;
  const logicalSize = CHUNK_HEADER_SIZE + data.length;
  const end = chunkEnd(begin, logicalSize, content.numRecords);
  const out = new Uint8Array(end - begin);
  const header = new Uint8Array(CHUNK_HEADER_SIZE);
  encodeChunkHeader(header, 0, { ...content, dataSize: data.length }, data);
  let position = begin;
  let logical = 0;
  while (position < end) {
    if (position % BLOCK_SIZE === 0) {
      writeBlockHeader(out, position - begin, position, begin, end);
      position += BLOCK_HEADER_SIZE;
      continue;
    }
    const count = Math.min(BLOCK_SIZE - (position % BLOCK_SIZE), end - position);
    copyLogical(out, position - begin, header, data, logical, Math.min(count, Math.max(0, logicalSize - logical)));
    logical += count;
    position += count;
  }
  return out;
}

/** Copies logical chunk bytes `[from, from + count)` (header then data) to `out[at..]`. */
function copyLogical(out: Uint8Array, at: number, header: Uint8Array, data: Uint8Array, from: number, count: number): void {
  if (count <= 0) return;
  if (from < CHUNK_HEADER_SIZE) {
    const fromHeader = Math.min(count, CHUNK_HEADER_SIZE - from);
    out.set(header.subarray(from, from + fromHeader), at);
    at += fromHeader;
    from += fromHeader;
    count -= fromHeader;
  }
  if (count > 0) out.set(data.subarray(from - CHUNK_HEADER_SIZE, from - CHUNK_HEADER_SIZE + count), at);
}

/**
 * The padding chunk that carries position `position` to the next block boundary, or undefined
 * when it is already on one. When fewer than 40 bytes remain, the padding reaches the boundary after.
 */
export function paddingChunkTo(position: number): ChunkContent | undefined {
  const remaining = remainingInBlock(position);
  if (remaining === 0) return undefined;
  const dataSize = remaining >= CHUNK_HEADER_SIZE ? remaining - CHUNK_HEADER_SIZE : remaining + USABLE_BLOCK_SIZE - CHUNK_HEADER_SIZE;
  return { chunkType: ChunkType.PADDING, data: new Uint8Array(dataSize), numRecords: 0, decodedDataSize: 0 };
}
