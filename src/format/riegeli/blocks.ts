/**
 * 64 KiB block arithmetic of the Riegeli container (FORMAT.md §1). A 24-byte block header is
 * spliced into the chunk stream at every multiple of 65536; chunk sizes never count them.
 */
import { ArrayRecordError } from "../errors.js";
import { riegeliHashMatches, writeRiegeliHash } from "./highwayhash.js";

/** Block size: a block header sits at every multiple of this. */
export const BLOCK_SIZE = 65536;
/** Size of a block header. */
export const BLOCK_HEADER_SIZE = 24;
/** Chunk bytes that fit in one block. */
export const USABLE_BLOCK_SIZE = BLOCK_SIZE - BLOCK_HEADER_SIZE;

/**
 * Where `pos` (≥ 0) lies inside its block: `pos % BLOCK_SIZE`, without `%`. File positions are
 * doubles to V8 (they come from Float64Arrays and pass 2^31), and its `%` on doubles calls fmod:
 * ~11 ns a time here against ~2 for this, five times per chunk on a read's path.
 */
export function blockOffset(pos: number): number {
  return pos - Math.floor(pos / BLOCK_SIZE) * BLOCK_SIZE;
}

/** Bytes from `pos` to the next block boundary; 0 at a boundary. */
export function remainingInBlock(pos: number): number {
  const offset = blockOffset(pos);
  return offset === 0 ? 0 : BLOCK_SIZE - offset;
}

/** The first block boundary after `pos` (where the block holding `pos` ends). */
export function nextBlockBoundary(pos: number): number {
  return (Math.floor(pos / BLOCK_SIZE) + 1) * BLOCK_SIZE;
}

/** True when a chunk may begin (or end) at `pos`: never inside or right after a block header. */
export function isValidChunkBoundary(pos: number): boolean {
  return remainingInBlock(pos) < USABLE_BLOCK_SIZE;
}

/** The first valid chunk boundary at or after `pos`. */
export function roundUpToBoundary(pos: number): number {
  return pos + Math.max(0, remainingInBlock(pos) - (USABLE_BLOCK_SIZE - 1));
}

/** File position reached after writing `n` chunk bytes from chunk begin `begin`, block headers included. */
export function addWithOverhead(begin: number, n: number): number {
  return begin + n + BLOCK_HEADER_SIZE * Math.floor((n + blockOffset(begin + USABLE_BLOCK_SIZE - 1)) / USABLE_BLOCK_SIZE);
}

/** Where the chunk beginning at `begin` ends: its bytes, stretched to span at least `numRecords` positions. */
export function chunkEnd(begin: number, headerAndDataSize: number, numRecords: number): number {
  return Math.max(addWithOverhead(begin, headerAndDataSize), roundUpToBoundary(begin + numRecords));
}

/** Writes the block header for a boundary inside chunk `[chunkBegin, chunkEndPos)` at `out[at..at+24)`. */
export function writeBlockHeader(out: Uint8Array, at: number, boundary: number, chunkBegin: number, chunkEndPos: number): void {
  writeU64(out, at + 8, boundary - chunkBegin);
  writeU64(out, at + 16, chunkEndPos - boundary);
  writeRiegeliHash(out.subarray(at + 8, at + BLOCK_HEADER_SIZE), out, at);
}

/** Decoded fields of a block header. */
export interface BlockHeader {
  /** Distance back from the boundary to the beginning of the chunk it interrupts. */
  previousChunk: number;
  /** Distance from the boundary to the end of that chunk. */
  nextChunk: number;
}

/**
 * Reads and verifies the block header at `bytes[at..at+24)` (file position `boundary`).
 * Throws CORRUPT when its hash fails or a field is beyond 2^53.
 */
export function readBlockHeader(bytes: Uint8Array, at: number, boundary: number): BlockHeader {
  const header = bytes.subarray(at, at + BLOCK_HEADER_SIZE);
  if (header.length < BLOCK_HEADER_SIZE) {
    throw new ArrayRecordError("TRUNCATED", "truncated block header", { offset: boundary });
  }
  if (!riegeliHashMatches(header.subarray(8), header, 0)) {
    throw new ArrayRecordError("CORRUPT", "block header hash mismatch", { offset: boundary });
  }
  return { previousChunk: readU64(header, 8, boundary), nextChunk: readU64(header, 16, boundary) };
}

/** Reads a u64 little-endian field as an exact number; CORRUPT when above 2^53 − 1. */
export function readU64(bytes: Uint8Array, at: number, fileOffset: number): number {
  const lo = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
  const hi = bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24);
  if (hi >>> 0 > 0x1fffff) {
    throw new ArrayRecordError("CORRUPT", "64-bit field exceeds 2^53 - 1", { offset: fileOffset });
  }
  return (hi >>> 0) * 0x100000000 + (lo >>> 0);
}

/** Writes a non-negative safe integer as u64 little-endian at `out[at..at+8)`. */
export function writeU64(out: Uint8Array, at: number, value: number): void {
  const lo = value >>> 0;
  const hi = Math.floor(value / 0x100000000);
  out[at] = lo;
  out[at + 1] = lo >>> 8;
  out[at + 2] = lo >>> 16;
  out[at + 3] = lo >>> 24;
  out[at + 4] = hi;
  out[at + 5] = hi >>> 8;
  out[at + 6] = hi >>> 16;
  out[at + 7] = hi >>> 24;
}
