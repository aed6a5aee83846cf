/**
 * A writer's closed groups encoded as simple chunks and laid out as file bytes in one call of our
 * `native/chunkhash` addon (`encodeChunks`, native/chunkhash/chunkencode.c), byte for byte as the
 * TypeScript path (`encodeSimpleChunkData`, `StreamCompressor`, `writeChunk`) lays them out. Per
 * group_size:1 record this spares ~3.5 µs of JavaScript around the codec (building the chunk data,
 * a codec call, the layout, a deferred hash), of ~8 µs for a Snappy record written.
 */
import { addon, KEY } from "./chunkhash-addon.js";
import { snappyEncoder } from "./codecs.js";
import type { Compression } from "./compressor-options.js";
import { groupRecords, type RecordGroups } from "./simple-chunk.js";
import { BLOCK_SIZE } from "./blocks.js";

/** The addon's name for a compression and its settings. */
export interface NativeCodec {
  /** 0 uncompressed, 1 zstd, 2 Snappy. */
  readonly codec: 0 | 1 | 2;
  /** zstd's level (0 otherwise). */
  readonly level: number;
  /** zstd's window log, 0 for zstd's own choice. */
  readonly windowLog: number;
}

/**
 * The native codec for chunks of `compression` (with `windowLog`) when the addon is loaded and
 * writes the bytes the TypeScript path writes; else undefined. Snappy only where our Snappy addon
 * compresses (the `snappy` package's bytes differ), Brotli never (node:zlib compresses it).
 */
export function nativeCodecFor(compression: Compression, windowLog: number | undefined): NativeCodec | undefined {
  if (addon === null) return undefined;
  switch (compression.type) {
    case "uncompressed":
      return { codec: 0, level: 0, windowLog: 0 };
    case "zstd":
      return { codec: 1, level: compression.level, windowLog: windowLog ?? 0 };
    case "snappy":
      return snappyEncoder === "addon" ? { codec: 2, level: 0, windowLog: 0 } : undefined;
    default:
      return undefined;
  }
}

/** Where {@link encodeGroupsNatively} writes: file bytes at `out[outAt..]`, which is file position `position`. */
export interface ChunkOutput {
  readonly out: Uint8Array;
  readonly outAt: number;
  readonly position: number;
}

/**
 * Encodes groups `[from, to)` of `groups` (`groups.groups` as a Float64Array in `flat`) as simple
 * chunks laid out from `target.position`, as many as surely fit in `target.out`; `begins[k]`
 * becomes the begin of chunk `from + k` and `begins[done]` the end of the last. Returns `done`.
 */
export function encodeGroupsNatively(codec: NativeCodec, groups: RecordGroups, flat: Float64Array, from: number, to: number, target: ChunkOutput, begins: Float64Array): number {
  return addon!.encodeChunks(KEY, codec.codec, codec.level, codec.windowLog, groups.sizes, groups.values, flat, from, to, target.out, target.outAt, target.position, begins);
}

/**
 * {@link encodeGroupsNatively} for an encode worker: each chunk as its 40-byte header and data back
 * to back from `out[outAt]`, position-independent (the writer lays them out); `ends[k]` becomes
 * where chunk `from + k` ends, counted from `outAt`. Returns how many were encoded.
 */
export function encodeGroupsPacked(codec: NativeCodec, groups: RecordGroups, flat: Float64Array, from: number, to: number, out: Uint8Array, outAt: number, ends: Float64Array): number {
  return addon!.encodeChunksPacked(KEY, codec.codec, codec.level, codec.windowLog, groups.sizes, groups.values, flat, from, to, out, outAt, ends);
}

/** True where chunks encoded elsewhere are laid out natively ({@link layOutChunksNatively}). */
export const nativeChunkLayout: boolean = addon !== null;

/**
 * Lays the first `count` chunks of `chunks` (each its 40-byte header with both hashes, then its
 * data: an encode worker's job) out from `target.position` as `writeChunk` lays out a chunk with
 * its header given, as many as fit in `target.out`; `begins` as {@link encodeGroupsNatively}.
 * Returns how many were laid out.
 */
export function layOutChunksNatively(chunks: Uint8Array, count: number, target: ChunkOutput, begins: Float64Array): number {
  return addon!.layOutChunks(KEY, chunks, count, target.out, target.outAt, target.position, begins);
}

/**
 * At least the bytes simple chunks of groups `[from, to)` of `groups` (flat triples, see
 * `RecordGroups`) can take whatever the codec, laid out or packed: a stream of n bytes takes at
 * most n + n / 6 + 42 (Snappy's bound) or n + n / 256 + 74 (zstd's), a chunk adds its header,
 * varints and block headers, and is stretched to at least one position per record.
 */
export function mostChunkBytes(groups: Float64Array, from: number, to: number): number {
  const sizesFrom = from === 0 ? 0 : groups[3 * from - 3]!;
  const valuesFrom = from === 0 ? 0 : groups[3 * from - 2]!;
  const bytes = groups[3 * to - 3]! - sizesFrom + (groups[3 * to - 2]! - valuesFrom);
  let records = 0;
  for (let g = from; g < to; g++) records += groupRecords(groups, g);
  return mostLaidOutBytes(Math.ceil(bytes * 1.2), to - from, records);
}

/**
 * At least the bytes `count` chunks of `bytes` bytes in all (headers and data, or the streams'
 * bound) and `records` records take laid out: with varints and block headers, and stretched to
 * at least one position per record.
 */
export function mostLaidOutBytes(bytes: number, count: number, records: number): number {
  return bytes + 512 * count + records + 2 * BLOCK_SIZE;
}
