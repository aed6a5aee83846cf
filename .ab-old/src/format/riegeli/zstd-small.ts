/**
 * Zstd frames for tiny streams without a native call. Riegeli compresses a chunk's record sizes as
 * their own stream: with small groups that is a frame around 1–10 bytes per chunk, and the
 * zstd-napi call (context reset, frame setup) cost about 3 µs of the ~9 µs a group_size:1 record
 * took to read (bench/bench.ts). libzstd stores inputs of at most 8 bytes as one raw block, which
 * {@link zstdRawFrame} writes byte for byte; {@link readZstdStoredFrame} reads any single frame made
 * only of raw and RLE blocks, and leaves every other frame to the native decoder.
 */

/** Inputs up to this size are stored (never compressed) by libzstd at every level. */
export const ZSTD_RAW_LIMIT = 8;

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** The frame libzstd writes for an input of at most {@link ZSTD_RAW_LIMIT} bytes: one raw block. */
export function zstdRawFrame(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + input.length);
  writeZstdRawFrame(input, out, 0);
  return out;
}

/** Writes {@link zstdRawFrame}`(input)` at `out[at..]` (9 + input.length bytes); returns its length. */
export function writeZstdRawFrame(input: Uint8Array, out: Uint8Array, at: number): number {
  const n = input.length;
  if (n > ZSTD_RAW_LIMIT) throw new RangeError(`zstdRawFrame is for inputs up to ${ZSTD_RAW_LIMIT} bytes`);
  out.set(MAGIC, at);
  out[at + 4] = 0x20; // single segment, 1-byte content size, no checksum, no dictionary
  out[at + 5] = n;
  out[at + 6] = (n << 3) | 1; // last block, raw, size n
  out[at + 7] = 0;
  out[at + 8] = 0;
  out.set(input, at + 9);
  return 9 + n;
}

/**
 * ZSTD_COMPRESSBOUND of zstd.h (a public macro): the most a one-shot compression of `n` bytes
 * writes. Computed here rather than through zstd-napi's compressBound: one N-API call less per chunk.
 */
export function zstdCompressBound(n: number): number {
  return n + Math.floor(n / 256) + (n < 128 * 1024 ? Math.floor((128 * 1024 - n) / 2048) : 0);
}

/**
 * The content of a frame made only of raw and RLE blocks, declaring no dictionary and no checksum,
 * that fills exactly `payload` and decodes to `size` bytes: a view for one raw block, else a copy.
 * Undefined for any other frame (compressed blocks, checksums, several frames, damage): the native
 * decoder then takes it and reports errors.
 */
export function readZstdStoredFrame(payload: Uint8Array, size: number): Uint8Array | undefined {
  if (payload.length < 8 || payload[0] !== 0x28 || payload[1] !== 0xb5 || payload[2] !== 0x2f || payload[3] !== 0xfd) return undefined;
  const descriptor = payload[4]!;
  if ((descriptor & 0x0f) !== 0) return undefined; // dictionary id, checksum or reserved bit
  const singleSegment = (descriptor & 0x20) !== 0;
  const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >>> 6]!;
  let at = 5 + (singleSegment ? 0 : 1) + contentSizeBytes;
  const blocks: Uint8Array[] = [];
  let produced = 0;
  for (;;) {
    if (at + 3 > payload.length) return undefined;
    const header = payload[at]! | (payload[at + 1]! << 8) | (payload[at + 2]! << 16);
    at += 3;
    const type = (header >>> 1) & 3;
    const blockSize = header >>> 3;
    if (type === 0) {
      if (at + blockSize > payload.length) return undefined;
      blocks.push(payload.subarray(at, at + blockSize));
      at += blockSize;
    } else if (type === 1) {
      if (at + 1 > payload.length) return undefined;
      blocks.push(new Uint8Array(blockSize).fill(payload[at]!));
      at += 1;
    } else {
      return undefined;
    }
    produced += blockSize;
    if (produced > size) return undefined;
    if (header & 1) break;
  }
  if (at !== payload.length || produced !== size) return undefined;
  if (blocks.length === 1) return blocks[0]!;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const block of blocks) {
    out.set(block, pos);
    pos += block.length;
  }
  return out;
}
