/**
 * Opening an ArrayRecord file and decoding its data chunks, as I/O plans shared by the sync and
 * async readers (FORMAT.md §7): postscript → footer → index; chunk c = bytes [offset[c], offset[c+1]).
 */
import { ArrayRecordError } from "../errors.js";
import { BLOCK_SIZE } from "../riegeli/blocks.js";
import { CHUNK_HEADER_SIZE, ChunkType, type ChunkHeader } from "../riegeli/chunk-header.js";
import { parseChunk, simpleChunkAsIs, type Chunk, type FileWindow } from "../riegeli/chunk-reader.js";
import { verifiedSimpleChunkAt, withVerifiedChunks } from "../riegeli/chunk-hashes.js";
import { ChunkIndex } from "./chunk-index.js";
import { decodeFooterColumns, decodeFooterMetadata, decodePostscript, type FooterMetadata } from "./footer.js";
import type { IoPlan } from "../bytes/io-plan.js";
import { decodeTransposedChunk } from "../riegeli/transposed-chunk-decoder.js";
import { decodeSimpleChunk, recordAt, type ChunkRecords } from "../riegeli/simple-chunk.js";
import { checkChunkLimits, checkRecordLimit, type DecodeLimits } from "./decode-limits.js";
import { viewOf } from "../bytes/views.js";

/** What opening a file learns: the footer metadata and the chunk index. */
export interface FileLayout {
  /** Footer record 0. */
  readonly meta: FooterMetadata;
  /** Where the data chunks are. */
  readonly index: ChunkIndex;
  /** Chunk begin of the footer. */
  readonly footerOffset: number;
  /** File size in bytes. */
  readonly fileSize: number;
  /** Largest chunk and record to decode (none when undefined). */
  readonly limits?: DecodeLimits;
}

/** Reads the postscript and the footer of a file of `fileSize` bytes and builds its index. */
export function* openLayout(fileSize: number): IoPlan<FileLayout> {
  if (fileSize < BLOCK_SIZE) {
    throw new ArrayRecordError("CORRUPT", `not an ArrayRecord file: ${fileSize} bytes, it should be at least 64 KiB`);
  }
  const postscriptAt = fileSize - BLOCK_SIZE;
  const tail = yield { position: postscriptAt, length: BLOCK_SIZE };
  const postscript = decodeRecordsChunk({ bytes: tail, start: postscriptAt }, postscriptAt, fileSize, true, "postscript");
  if (postscript.count < 1) throw new ArrayRecordError("CORRUPT", "invalid postscript: no records", { offset: postscriptAt });
  const footerOffset = decodePostscript(recordAt(postscript, 0), postscriptAt);
  if (footerOffset >= postscriptAt) {
    throw new ArrayRecordError("CORRUPT", `footer offset ${footerOffset} is not before the postscript`, { offset: postscriptAt });
  }
  const footerBytes = yield { position: footerOffset, length: postscriptAt - footerOffset };
  const footer = decodeRecordsChunk({ bytes: footerBytes, start: footerOffset }, footerOffset, postscriptAt, false, "footer");
  if (footer.count < 1) throw new ArrayRecordError("CORRUPT", "footer has no records", { offset: footerOffset });
  const meta = decodeFooterMetadata(recordAt(footer, 0), footerOffset);
  if (footer.count - 1 < meta.numChunks) {
    throw new ArrayRecordError("CORRUPT", `footer lists ${footer.count - 1} chunks, its metadata says ${meta.numChunks}`, { offset: footerOffset });
  }
  const entries = decodeFooterColumns(footer, meta.numChunks, footerOffset);
  return { meta, index: new ChunkIndex(meta, entries, footerOffset, footerOffset), footerOffset, fileSize };
}

/** What the footer says of one data chunk: where it is and what it holds (plain data, for workers too). */
export interface DataChunkEntry {
  /** Chunk begin. */
  begin: number;
  /** Where the chunk's byte range ends (the next data chunk, or the footer). */
  limit: number;
  /** Records the footer lists for it. */
  numRecords: number;
  /** Their decoded size, as the footer lists it. */
  decodedDataSize: number;
  /** Largest chunk and record to decode. */
  limits?: DecodeLimits;
}

/**
 * The footer's entries of the adjacent data chunks `[first, last]` as columns: posting them to a
 * worker clones three typed arrays, where an array of {@link DataChunkEntry} objects cost one
 * structured-clone object per chunk (17% of the main thread's profile with 1.3 KB chunks).
 */
export interface SpanChunks {
  /** `n + 1` positions: chunk k is `[offsets[k], offsets[k+1])` (the last is where the range of the span's last chunk ends). */
  offsets: Float64Array;
  /** Records each chunk holds, per the footer. */
  numRecords: Float64Array;
  /** Each chunk's decoded size, per the footer. */
  decodedSizes: Float64Array;
  /** Largest chunk and record to decode. */
  limits?: DecodeLimits;
}

/** The footer's entries of data chunks `[first, last]` (see {@link SpanChunks}). */
export function spanChunks(layout: FileLayout, first: number, last: number): SpanChunks {
  const { index } = layout;
  const n = last - first + 1;
  const numRecords = new Float64Array(n);
  for (let k = 0; k < n; k++) numRecords[k] = index.recordsIn(first + k);
  return {
    offsets: index.offsets.slice(first, last + 2),
    numRecords,
    decodedSizes: Float64Array.from(index.decodedSizes.subarray(first, last + 1)),
    ...(layout.limits === undefined ? {} : { limits: layout.limits }),
  };
}

/** The bytes a span's chunks decode to, per the footer (the worker checks each chunk against it before it sizes anything). */
export function spanDecodedSize(chunks: SpanChunks): number {
  let size = 0;
  for (const n of chunks.decodedSizes) size += n;
  return size;
}

/** `window`, holding data chunks `[first, last]`, with their hashes verified in one native call where the addon is built (chunk-hashes.ts). */
export function verifiedSpan(layout: FileLayout, window: FileWindow, first: number, last: number): FileWindow {
  return withVerifiedChunks(window, layout.index.offsets, first, last + 1);
}

/** The records a span's chunks hold, per the footer. */
export function spanRecordCount(chunks: SpanChunks): number {
  let records = 0;
  for (const n of chunks.numRecords) records += n;
  return records;
}

/** Chunk `k` of a {@link SpanChunks} as a {@link DataChunkEntry}. */
export function spanChunkEntry(chunks: SpanChunks, k: number): DataChunkEntry {
  return { begin: chunks.offsets[k]!, limit: chunks.offsets[k + 1]!, numRecords: chunks.numRecords[k]!, decodedDataSize: chunks.decodedSizes[k]!, limits: chunks.limits };
}

/** The footer's entry for data chunk `c`. */
export function dataChunkEntry(layout: FileLayout, c: number): DataChunkEntry {
  const { index } = layout;
  return { begin: index.offsets[c]!, limit: index.offsets[c + 1]!, numRecords: index.recordsIn(c), decodedDataSize: index.decodedSizes[c]!, limits: layout.limits };
}

/**
 * Decodes data chunk `c` from a window holding its byte range, checking it against the footer: a
 * chunk the window marks as verified goes through {@link decodeAsIs} when it can.
 */
export function decodeDataChunk(layout: FileLayout, window: FileWindow, c: number): ChunkRecords {
  const { offsets } = layout.index;
  const begin = offsets[c]!;
  const at = begin - window.start;
  const header = layout.limits === undefined && window.verified?.has(begin) === true ? simpleChunkAsIs(window.bytes, at, begin, offsets[c + 1]!) : undefined;
  return decodeAsIs(layout, window, at, c, header);
}

/**
 * {@link decodeDataChunk} of a window read for chunk `c` alone, its hashes verified natively where
 * the addon is built (`verifiedSimpleChunkAt`). With `through` (the record a random read wants),
 * a compressed chunk may be decoded only as far as that record (`decodeSimpleChunk`): the
 * result's `count` says how many records it holds.
 */
export function decodeReadDataChunk(layout: FileLayout, window: FileWindow, c: number, through?: number): ChunkRecords {
  const { offsets } = layout.index;
  const begin = offsets[c]!;
  const header = window.start === begin && layout.limits === undefined ? verifiedSimpleChunkAt(window.bytes, begin, offsets[c + 1]!) : undefined;
  return decodeAsIs(layout, window, 0, c, header, through);
}

/**
 * The records of data chunk `c` at `window.bytes[at]`. Given `header`, its hashes were verified
 * natively and the full parse would take it as it is (`simpleChunkAsIs`; callers derive it only
 * where no decode limits are set): when it agrees with the footer, the chunk is decoded straight
 * from that in-place header, with no parse, entry or chunk objects (~10% of a group_size:1 random
 * read). Otherwise (no header, or one that disagrees) the chunk is parsed in full, which reports
 * what is wrong.
 */
function decodeAsIs(layout: FileLayout, window: FileWindow, at: number, c: number, header: ChunkHeader | undefined, through?: number): ChunkRecords {
  const { index } = layout;
  if (header === undefined || header.numRecords !== index.recordsIn(c) || header.decodedDataSize !== index.decodedSizes[c]) {
    return decodeDataChunkAt(window, dataChunkEntry(layout, c), through);
  }
  const data = viewOf(window.bytes, at + CHUNK_HEADER_SIZE, at + CHUNK_HEADER_SIZE + header.dataSize);
  return decodeSimpleChunk(data, header.numRecords, header.decodedDataSize, index.offsets[c]!, undefined, through);
}

/** Decodes the data chunk `entry` describes from a window holding its byte range (through record `through`: see {@link decodeReadDataChunk}). */
export function decodeDataChunkAt(window: FileWindow, entry: DataChunkEntry, through?: number): ChunkRecords {
  return decodeParsedDataChunk(parseChunk(window, entry.begin, { limit: entry.limit, limitIsEof: false }), entry, undefined, through);
}

/**
 * Checks an already parsed (and hash-verified) chunk against the footer's `entry` and the decode
 * limits, before anything is allocated for its records.
 */
export function checkDataChunk(chunk: Chunk, entry: DataChunkEntry): void {
  const { begin } = entry;
  if (chunk.begin !== begin || chunk.end > entry.limit) {
    throw new ArrayRecordError("CORRUPT", `data chunk [${chunk.begin}, ${chunk.end}) is not within its footer range [${begin}, ${entry.limit})`, { offset: begin });
  }
  const { chunkType, numRecords, decodedDataSize } = chunk.header;
  if (chunkType !== ChunkType.SIMPLE && chunkType !== ChunkType.TRANSPOSED) {
    throw new ArrayRecordError("CORRUPT", `footer points at a chunk of type 0x${chunkType.toString(16)}, not records`, { offset: begin });
  }
  if (numRecords !== entry.numRecords || decodedDataSize !== entry.decodedDataSize) {
    throw new ArrayRecordError(
      "CORRUPT",
      `chunk holds ${numRecords} records of ${decodedDataSize} bytes, footer says ${entry.numRecords} of ${entry.decodedDataSize}`,
      { offset: begin },
    );
  }
  checkChunkLimits(decodedDataSize, numRecords, entry.limits, begin);
}

/**
 * Decodes an already parsed (and hash-verified) chunk as the data chunk `entry` describes. With
 * `into` (`entry.decodedDataSize` bytes), a compressed simple chunk's records are decoded into it.
 */
export function decodeParsedDataChunk(chunk: Chunk, entry: DataChunkEntry, into?: Uint8Array, through?: number): ChunkRecords {
  checkDataChunk(chunk, entry);
  return decodeCheckedDataChunk(chunk, entry, into, through);
}

/** {@link decodeParsedDataChunk} of a chunk {@link checkDataChunk} has already passed (the decode workers check a span's chunks before sizing its output). */
export function decodeCheckedDataChunk(chunk: Chunk, entry: DataChunkEntry, into?: Uint8Array, through?: number): ChunkRecords {
  const { begin } = entry;
  const { chunkType, numRecords, decodedDataSize } = chunk.header;
  const records =
    chunkType === ChunkType.TRANSPOSED
      ? decodeTransposedChunk(chunk.data, numRecords, decodedDataSize, begin)
      : decodeSimpleChunk(chunk.data, numRecords, decodedDataSize, begin, into, through);
  if (entry.limits?.maxRecordBytes !== undefined) {
    for (let i = 0; i < records.count; i++) checkRecordLimit(recordAt(records, i).length, entry.limits, begin);
  }
  return records;
}

/** Parses the simple chunk at `begin` (postscript or footer) and decodes its records. */
function decodeRecordsChunk(window: FileWindow, begin: number, limit: number, limitIsEof: boolean, what: string): ChunkRecords {
  const chunk: Chunk = parseChunk(window, begin, { limit, limitIsEof });
  if (chunk.header.chunkType !== ChunkType.SIMPLE) {
    throw new ArrayRecordError("CORRUPT", `${what} is not a simple chunk (type 0x${chunk.header.chunkType.toString(16)})`, { offset: begin });
  }
  return decodeSimpleChunk(chunk.data, chunk.header.numRecords, chunk.header.decodedDataSize, begin);
}
