/**
 * The simple zstd and Snappy chunks of a span verified and decoded in one call of our
 * `native/chunkhash` addon (`decodeChunks`, native/chunkhash/chunkdecode.c), for the reader's span
 * paths. Per group_size:1 chunk (~500 bytes decoding to ~1.3 KB) this spares a codec call from
 * JavaScript (zstd-napi's costs ~0.6 µs more than zstd's own loop) and the TypeScript parse of
 * the chunk and its streams (~1 µs), of a ~7 µs zstd read. Uncompressed chunks too where the
 * caller asks (`stored`). A chunk the addon does not decode (Brotli, transposed, damaged, with
 * data over 16 MiB crossing block headers, or no addon at all) is left to the caller's TypeScript
 * path, which also reports what is wrong.
 */
import { addon, KEY } from "./chunkhash-addon.js";

/** The footer's view of a span's chunks, as the addon takes it. */
export interface ChunkSlots {
  /** Chunk begins, then the footer limit of the last chunk: `count + 1` file positions. */
  readonly offsets: Float64Array;
  /** Records of each chunk (`count`). */
  readonly numRecords: Float64Array;
  /** Decoded bytes of each chunk (`count`). */
  readonly decodedSizes: Float64Array;
}

/**
 * How {@link decodeChunksNatively} takes uncompressed simple chunks: not at all (`NO`), their
 * values copied into their slots (`COPY`), or left where they lie in `bytes` but for the records
 * a block header splits, copied into their slots (`IN_PLACE`: `out` must begin with `bytes`, the
 * same memory, and the slots lie after them). `VIEW` takes only uncompressed chunks, and all of
 * the span's or none: their records are left in `bytes` (bounds are positions in it), a chunk
 * crossing block headers reassembled in place by moving its data over them (so `bytes` must be
 * the caller's own, as an in-place window's); `out` is not used, and when any chunk is not one
 * it takes, `bytes` is left as it was and nothing is decoded.
 */
export const Stored = { NO: 0, COPY: 1, IN_PLACE: 2, VIEW: 3 } as const;
export type Stored = (typeof Stored)[keyof typeof Stored];

/** True where chunks can be decoded natively here. */
export const nativeChunkDecoding: boolean = addon !== null;

/**
 * Decodes what it can of the `slots.numRecords.length` chunks in `bytes` (`bytes[0]` at file
 * position `start`). Chunk k owns the `decodedSizes[k]` bytes of `out` after those of the chunks
 * before it (from `outAt`) and as many `[from, to)` pairs of `bounds` as it has records (from
 * `boundsAt`); `decoded[k]` becomes 1 where its records were written there (each pair a range of
 * `out`), 0 where the caller must decode it. With `stored` ({@link Stored}), uncompressed simple
 * chunks are taken too (for callers whose slots are reused memory: records of their own are
 * better off viewing the bytes where they were read). Returns how many were decoded (0 without
 * the addon). Throws TypeError when a slot would not fit, or `IN_PLACE` is asked of an `out`
 * that does not begin with `bytes`.
 */
export function decodeChunksNatively(
  bytes: Uint8Array,
  start: number,
  slots: ChunkSlots,
  out: Uint8Array,
  outAt: number,
  bounds: Float64Array,
  boundsAt: number,
  decoded: Uint8Array,
  stored: Stored = Stored.NO,
): number {
  if (addon === null) return 0;
  const { offsets, numRecords, decodedSizes } = slots;
  return addon.decodeChunks(KEY, bytes, start, offsets, numRecords.length, numRecords, decodedSizes, out, outAt, bounds, boundsAt, decoded, stored);
}

/** The addon's decoder of one chunk, bound to the Riegeli key. */
const decodeOne = addon?.chunkDecoder(KEY) ?? null;

/**
 * Decodes the chunk read alone into `bytes` (`bytes[0]` at its file position `begin`; its footer
 * range ends at `limit`) into `out` as a simple zstd or Snappy chunk of one record decoding to
 * exactly `out.length` bytes, as {@link decodeChunksNatively} would: a random read's chunk, in one
 * call of a decoder bound to the key (two typed arrays per call against eight). False when not
 * decoded (`out` then holds garbage, and the caller decodes the chunk itself).
 */
export function decodeRecordChunkNatively(bytes: Uint8Array, begin: number, limit: number, out: Uint8Array): boolean {
  return decodeOne !== null && decodeOne(bytes, begin, begin, limit, out);
}
