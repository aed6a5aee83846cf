/**
 * Simple zstd and Snappy chunks verified and decoded natively (riegeli/native-chunk-decoder.ts): a
 * span's in one call for every span path of the reader (the borrowed visits of borrowed-chunks.ts;
 * records of their own from `records()`, batches and range reads, sync or async, through
 * {@link decodeOwnedSpan} and {@link readChunks}; the decode workers), and a random read's
 * one-record chunk ({@link decodeReadChunk}). Chunks the addon leaves are decoded by the
 * TypeScript path, which reports what is wrong with them. Measured on the group_size:1 bench files
 * (`bench/ab.ts`, session 13, ms a pass, before/after): zstd:3 `forEachSync` 386/334,
 * `forEachParallel(2)` 286/210, random `readSync(i)` 664/586; Snappy `records()` 313/202.
 */
import type { IoPlan } from "../bytes/io-plan.js";
import { allocBytes, isFresh } from "../bytes/slab.js";
import { viewOf } from "../bytes/views.js";
import { remainingInBlock } from "../riegeli/blocks.js";
import { CHUNK_HEADER_SIZE, ChunkType } from "../riegeli/chunk-header.js";
import type { FileWindow } from "../riegeli/chunk-reader.js";
import { CompressionByte } from "../riegeli/codecs.js";
import { decodeChunksNatively, decodeRecordChunkNatively, nativeChunkDecoding, Stored } from "../riegeli/native-chunk-decoder.js";
import type { ChunkRecords } from "../riegeli/simple-chunk.js";
import type { DecodeLimits } from "./decode-limits.js";
import { decodeDataChunk, decodeReadDataChunk, spanChunks, spanDecodedSize, spanRecordCount, verifiedSpan, type FileLayout, type SpanChunks } from "./file-layout.js";

/**
 * Largest span output allocated up front from the footer's decoded sizes (each chunk's verified
 * header is checked against them before its slot is written); larger spans decode chunk by chunk.
 */
export const MAX_SPAN_OUTPUT = 64 << 20;

/** A span's chunks decoded natively: `decoded[k]` = 1 where chunk k's records are pairs of `bounds` (ranges of `values`). */
export interface NativeSpan {
  readonly values: Uint8Array;
  readonly bounds: Float64Array;
  readonly decoded: Uint8Array;
}

/**
 * Decodes the simple zstd and Snappy chunks of `chunks` in `window` into their slots: the footer's decoded
 * sizes of `values` from `at` and record pairs of `bounds` from 0, in span order; with `stored`,
 * uncompressed simple chunks too (`Stored`; see {@link spanGoesNative}). Returns which were decoded
 * (`decoded[k]` = 1; see {@link allDecoded}), or undefined for none.
 */
export function decodeSpanSlots(chunks: SpanChunks, window: FileWindow, values: Uint8Array, at: number, bounds: Float64Array, stored: Stored = Stored.NO): Uint8Array | undefined {
  const decoded = new Uint8Array(chunks.numRecords.length);
  return decodeChunksNatively(window.bytes, window.start, chunks, values, at, bounds, 0, decoded, stored) === 0 ? undefined : decoded;
}

/** True when {@link decodeSpanSlots} decoded every chunk. */
export function allDecoded(decoded: Uint8Array): boolean {
  return decoded.indexOf(0) < 0;
}

/**
 * True when a span whose first chunk begins at file position `begin` in `window` goes to the
 * addon: it is loaded, no decode limits are set (those checks stay in TypeScript), and that chunk
 * is a simple zstd or Snappy chunk whose header and compression byte lie inside its block (its
 * data may cross block headers: the addon gathers it). With `Stored.COPY` (callers decoding into
 * reused memory), also a simple uncompressed chunk whose data crosses a block header: the addon
 * hashes it where it lies and copies its values once into their slot, where the TypeScript parser
 * would reassemble it in place (in shared memory, copies from JavaScript are ~5x slower per byte)
 * and hash it in a call of its own; an uncompressed chunk inside its block is viewed where it was
 * read. With `Stored.IN_PLACE`, any simple uncompressed chunk (its records left where they were
 * read but those a block header splits). With `Stored.VIEW`, a simple uncompressed chunk and
 * nothing else (see {@link viewSpan}). Only the chunk's header and compression byte must lie
 * inside its block. A look before anything is gathered or allocated for the addon (which checks
 * everything), so spans of other codecs cost only this.
 */
export function spanGoesNative(limits: DecodeLimits | undefined, window: FileWindow, begin: number, stored: Stored = Stored.NO): boolean {
  return nativeChunkDecoding && limits === undefined && nativeChunkAt(window.bytes, begin - window.start, begin, stored);
}

/** The look of {@link spanGoesNative} at the chunk at `bytes[at]`, file position `begin`. */
function nativeChunkAt(bytes: Uint8Array, at: number, begin: number, stored: Stored): boolean {
  const room = remainingInBlock(begin);
  if (room <= CHUNK_HEADER_SIZE || at < 0 || at + CHUNK_HEADER_SIZE >= bytes.length || bytes[at + 24] !== ChunkType.SIMPLE) return false;
  const compression = bytes[at + CHUNK_HEADER_SIZE];
  if (stored === Stored.VIEW) return compression === CompressionByte.NONE;
  if (compression === CompressionByte.ZSTD || compression === CompressionByte.SNAPPY) return true;
  if (stored === Stored.NO || compression !== CompressionByte.NONE) return false;
  if (stored === Stored.IN_PLACE) return true;
  // The data size field, as a number (inexact above 2^53, where the addon refuses the chunk anyway).
  const lo = (bytes[at + 8]! | (bytes[at + 9]! << 8) | (bytes[at + 10]! << 16) | (bytes[at + 11]! << 24)) >>> 0;
  const hi = (bytes[at + 12]! | (bytes[at + 13]! << 8) | (bytes[at + 14]! << 16) | (bytes[at + 15]! << 24)) >>> 0;
  return CHUNK_HEADER_SIZE + hi * 2 ** 32 + lo > room;
}

/** Decodes data chunks `[first, last]`, read with one I/O (they are adjacent in the file), as {@link decodeOwnedSpan} does. */
export function* readChunks(layout: FileLayout, first: number, last: number): IoPlan<ChunkRecords[]> {
  const { offsets } = layout.index;
  const start = offsets[first]!;
  const bytes = yield { position: start, length: offsets[last + 1]! - start };
  return decodeOwnedSpan(layout, { bytes, start, inPlace: isFresh(bytes) }, first, last);
}

/** True when a span whose first chunk begins at file position `begin` goes to {@link viewSpan}: the window is the caller's to change, and that chunk looks like a simple uncompressed one. */
export function viewsSpan(limits: DecodeLimits | undefined, window: FileWindow, begin: number): boolean {
  return window.inPlace === true && spanGoesNative(limits, window, begin, Stored.VIEW);
}

/**
 * A span of simple uncompressed chunks checked and left where they lie in `window.bytes` by the
 * addon in one call (`Stored.VIEW`; record pairs in `bounds`, positions in the window's bytes),
 * those crossing block headers reassembled in place: what the TypeScript parser does for them
 * in an in-place window, without its parse and calls per chunk (~0.4 µs a 1.3 KB chunk here). For
 * a span {@link viewsSpan} says yes to; undefined, with the window untouched, unless the addon
 * takes every chunk.
 */
export function viewSpan(chunks: SpanChunks, window: FileWindow, bounds: Float64Array = new Float64Array(2 * spanRecordCount(chunks))): NativeSpan | undefined {
  const decoded = decodeSpanSlots(chunks, window, window.bytes, 0, bounds, Stored.VIEW);
  return decoded === undefined ? undefined : { values: window.bytes, bounds, decoded };
}

/**
 * Records of their own for data chunks `[first, last]` read into `read`: simple uncompressed
 * chunks left where they were read ({@link viewSpan}), or the simple zstd and Snappy chunks
 * decoded natively into one new buffer (their records view it, as the decode workers' spans do),
 * the others one by one (verified in one call where none was native).
 */
export function decodeOwnedSpan(layout: FileLayout, read: FileWindow, first: number, last: number): ChunkRecords[] {
  const viewed = viewedChunks(layout, read, first, last);
  if (viewed !== undefined) return viewed;
  const native = ownedSpanChunks(layout, read, first, last);
  const window = native === undefined ? verifiedSpan(layout, read, first, last) : read;
  const out: ChunkRecords[] = [];
  for (let c = first; c <= last; c++) out.push(native?.[c - first] ?? decodeDataChunk(layout, window, c));
  return out;
}

/** {@link decodeOwnedSpan}'s chunks when {@link viewSpan} takes them all: each chunk's values a view of `window.bytes`. */
function viewedChunks(layout: FileLayout, window: FileWindow, first: number, last: number): ChunkRecords[] | undefined {
  if (!viewsSpan(layout.limits, window, layout.index.offsets[first]!)) return undefined;
  const chunks = spanChunks(layout, first, last);
  const bounds = viewSpan(chunks, window)?.bounds;
  if (bounds === undefined) return undefined;
  const out: ChunkRecords[] = [];
  for (let k = 0, r = 0; k < chunks.numRecords.length; r += 2 * chunks.numRecords[k++]!) out.push(chunkOfBounds(window.bytes, bounds, r, chunks.numRecords[k]!));
  return out;
}

/** The natively decoded chunks of {@link decodeOwnedSpan} (undefined for each chunk left), or undefined for none. */
function ownedSpanChunks(layout: FileLayout, window: FileWindow, first: number, last: number): (ChunkRecords | undefined)[] | undefined {
  if (!spanGoesNative(layout.limits, window, layout.index.offsets[first]!)) return undefined;
  const chunks = spanChunks(layout, first, last);
  const size = spanDecodedSize(chunks);
  if (size > MAX_SPAN_OUTPUT) return undefined;
  // A slab view for a chunk or a few (a random read's async path), a buffer of its own for a span.
  const values = allocBytes(size);
  const bounds = new Float64Array(2 * spanRecordCount(chunks));
  const native = decodeSpanSlots(chunks, window, values, 0, bounds);
  if (native === undefined) return undefined;
  const out: (ChunkRecords | undefined)[] = [];
  for (let k = 0, r = 0; k < chunks.numRecords.length; r += 2 * chunks.numRecords[k++]!) out.push(native[k] === 1 ? chunkOfBounds(values, bounds, r, chunks.numRecords[k]!) : undefined);
  return out;
}

/** A decoded chunk of `count` records whose pairs `bounds[r..]` are ranges of `values` lying one after another (its slot, or where they were read). */
function chunkOfBounds(values: Uint8Array, bounds: Float64Array, r: number, count: number): ChunkRecords {
  const at = bounds[r]!;
  return { count, values: viewOf(values, at, bounds[r + 2 * count - 1]!), starts: count === 1 ? undefined : startsOf(bounds, r, count, at) };
}

/** A chunk's record starts (see `ChunkRecords`) from its `count` pairs of `bounds` at `r`, relative to `at`. */
function startsOf(bounds: Float64Array, r: number, count: number, at: number): Float64Array {
  const starts = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) starts[i] = bounds[r + 2 * i]! - at;
  starts[count] = bounds[r + 2 * count - 1]! - at;
  return starts;
}

/**
 * Calls `visit` for records `[from, to)` of a natively decoded span (indices in the span), numbered
 * from `index`: views made with the buffer and offset hoisted ({@link nativeRecord} per record
 * looks them up again: ~1.5 ms of a 65,536-record pass here).
 */
export function visitNativeRecords({ values, bounds }: NativeSpan, from: number, to: number, index: number, visit: (record: Uint8Array, index: number) => void): void {
  const { buffer, byteOffset } = values;
  for (let i = from; i < to; i++) visit(new Uint8Array(buffer, byteOffset + bounds[2 * i]!, bounds[2 * i + 1]! - bounds[2 * i]!), index + i - from);
}

/** Record `i` of a natively decoded span (its pair in `bounds`), as a view. */
export function nativeRecord({ values, bounds }: NativeSpan, i: number): Uint8Array {
  const from = bounds[2 * i]!;
  return new Uint8Array(values.buffer, values.byteOffset + from, bounds[2 * i + 1]! - from);
}

/** Largest record a random read decodes natively: its output is allocated from the footer's size before the chunk is checked. */
const MAX_NATIVE_RECORD = 1 << 20;

/**
 * `decodeReadDataChunk` (a random read of data chunk `c`, read alone into `window`) where a
 * chunk of one record, simple zstd or Snappy, is decoded natively into memory of its own: the
 * group_size:1 case, in one call that verifies and decodes it (no parse, no codec call from
 * JavaScript). Anything else, or a chunk the addon leaves, takes `decodeReadDataChunk`.
 */
export function decodeReadChunk(layout: FileLayout, window: FileWindow, c: number, through?: number): ChunkRecords {
  return recordChunkNatively(layout, window, c) ?? decodeReadDataChunk(layout, window, c, through);
}

function recordChunkNatively(layout: FileLayout, window: FileWindow, c: number): ChunkRecords | undefined {
  const { index } = layout;
  const begin = index.offsets[c]!;
  if (window.start !== begin || index.recordsIn(c) !== 1 || !spanGoesNative(layout.limits, window, begin)) return undefined;
  const size = index.decodedSizes[c]!;
  if (size === 0 || size > MAX_NATIVE_RECORD) return undefined;
  const out = allocBytes(size);
  return decodeRecordChunkNatively(window.bytes, begin, index.offsets[c + 1]!, out) ? { count: 1, values: out, starts: undefined } : undefined;
}
