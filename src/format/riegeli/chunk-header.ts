/** The 40-byte Riegeli chunk header (FORMAT.md §2): hashes, sizes, type and record count. */
import { ArrayRecordError } from "../errors.js";
import { readU64, writeU64 } from "./blocks.js";
import { riegeliHashMatches, writeRiegeliHash } from "./highwayhash.js";

/** Size of a chunk header. */
export const CHUNK_HEADER_SIZE = 40;

/** Chunk type bytes. */
export const ChunkType = {
  /** File signature, mandatory at offset 0. */
  SIGNATURE: 0x73,
  /** File metadata (a transposed chunk holding one RecordsMetadata). */
  METADATA: 0x6d,
  /** Padding up to a block boundary. */
  PADDING: 0x70,
  /** Simple chunk of records. */
  SIMPLE: 0x72,
  /** Transposed chunk of records. */
  TRANSPOSED: 0x74,
} as const;

/** Decoded fields of a chunk header. */
export interface ChunkHeader {
  /** Bytes of chunk data (block headers excluded). */
  dataSize: number;
  /** One of {@link ChunkType} (or an unknown byte). */
  chunkType: number;
  /** Records in the chunk (56-bit on disk). */
  numRecords: number;
  /** Sum of the decoded record lengths. */
  decodedDataSize: number;
}

/**
 * Decodes and verifies a chunk header from its 40 bytes. `fileOffset` is where the header begins
 * (for error messages). The data hash is left in place at bytes 16..24 for {@link dataHashMatches}.
 */
export function decodeChunkHeader(header: Uint8Array, fileOffset: number): ChunkHeader {
  if (header.length < CHUNK_HEADER_SIZE) {
    throw new ArrayRecordError("TRUNCATED", "truncated chunk header", { offset: fileOffset });
  }
  if (!riegeliHashMatches(header.subarray(8, CHUNK_HEADER_SIZE), header, 0)) {
    throw new ArrayRecordError("CORRUPT", "chunk header hash mismatch", { offset: fileOffset });
  }
  return decodeVerifiedChunkHeader(header, fileOffset);
}

/** {@link decodeChunkHeader} of 40 header bytes whose hash has already been verified. */
export function decodeVerifiedChunkHeader(header: Uint8Array, fileOffset: number): ChunkHeader {
  return decodeVerifiedChunkHeaderAt(header, 0, fileOffset);
}

/** {@link decodeVerifiedChunkHeader} of the 40 bytes at `bytes[at]` (no view of them made). */
export function decodeVerifiedChunkHeaderAt(bytes: Uint8Array, at: number, fileOffset: number): ChunkHeader {
  const chunkType = bytes[at + 24]!;
  // num_records is the upper 56 bits of the u64 at 24: read it as a u64 after dropping the type byte.
  const lo = (bytes[at + 25]! | (bytes[at + 26]! << 8) | (bytes[at + 27]! << 16)) >>> 0;
  const hi = (bytes[at + 28]! | (bytes[at + 29]! << 8) | (bytes[at + 30]! << 16) | (bytes[at + 31]! << 24)) >>> 0;
  if (hi > 0x1fffffff) {
    throw new ArrayRecordError("CORRUPT", "chunk num_records exceeds 2^53 - 1", { offset: fileOffset });
  }
  return {
    dataSize: readU64(bytes, at + 8, fileOffset),
    chunkType,
    numRecords: hi * 0x1000000 + lo,
    decodedDataSize: readU64(bytes, at + 32, fileOffset),
  };
}

/** True when `data` hashes to the data hash stored in `header` (bytes 16..24). */
export function dataHashMatches(header: Uint8Array, data: Uint8Array): boolean {
  return riegeliHashMatches(data, header, 16);
}

/** Encodes a chunk header for `data` into `out[at..at+40)`, computing both hashes. */
export function encodeChunkHeader(out: Uint8Array, at: number, fields: ChunkHeader, data: Uint8Array): void {
  encodeChunkHeaderFields(out, at, fields);
  writeRiegeliHash(data, out, at + 16);
  writeRiegeliHash(out.subarray(at + 8, at + CHUNK_HEADER_SIZE), out, at);
}

/**
 * Encodes every field of a chunk header into `out[at..at+40)` but the two hashes (bytes 0..8 and
 * 16..24, left as they are: the caller writes them, or defers them to `DeferredChunkHashes`).
 */
export function encodeChunkHeaderFields(out: Uint8Array, at: number, fields: ChunkHeader): void {
  writeU64(out, at + 8, fields.dataSize);
  // u64 at 24 = type | num_records << 8
  const n = fields.numRecords;
  out[at + 24] = fields.chunkType;
  out[at + 25] = n;
  out[at + 26] = n >>> 8;
  out[at + 27] = n >>> 16;
  const high = Math.floor(n / 0x1000000);
  out[at + 28] = high;
  out[at + 29] = high >>> 8;
  out[at + 30] = high >>> 16;
  out[at + 31] = high >>> 24;
  writeU64(out, at + 32, fields.decodedDataSize);
}
