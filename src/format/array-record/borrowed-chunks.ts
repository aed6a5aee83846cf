/**
 * Decoding data chunks into memory reused from one chunk to the next, for the reader's visits
 * (`forEachSync`, `forEachAtSync`), whose records are borrowed: valid only until the visitor
 * returns, as C++'s `absl::string_view` records are. Nothing is allocated per span or per
 * compressed chunk, so a pass over a file neither faults in fresh memory nor leaves garbage
 * behind (a reader's owned records cost both: ~0.5 ms per MB of new memory here).
 */
import { grownBytes } from "../bytes/slab.js";
import { ChunkType } from "../riegeli/chunk-header.js";
import { parseChunk, type Chunk, type FileWindow } from "../riegeli/chunk-reader.js";
import type { ChunkRecords } from "../riegeli/simple-chunk.js";
import { checkDataChunk, dataChunkEntry, decodeCheckedDataChunk, spanChunks, spanDecodedSize, spanRecordCount, verifiedSpan, type DataChunkEntry, type FileLayout, type SpanChunks } from "./file-layout.js";
import { decodeSpanSlots, MAX_SPAN_OUTPUT, spanGoesNative, viewSpan, viewsSpan, type NativeSpan } from "./native-chunks.js";
import { Stored } from "../riegeli/native-chunk-decoder.js";

/**
 * A visit's callback: the record (borrowed: copy it with `slice()` to keep it) and its index. It is
 * called synchronously; a promise it returns is not awaited.
 */
export type RecordVisitor = (record: Uint8Array, index: number) => void;

/** The buffers one visit reuses: its span reads and its compressed chunks' decoded bytes. */
export interface ReusedBuffers {
  /** Where spans of a local file are read. */
  read: Uint8Array | undefined;
  /** Where compressed simple chunks are decoded one by one. */
  decoded: Uint8Array | undefined;
  /** Where a span's chunks are decoded natively ({@link decodeSpanReusing}), and their records' bounds. */
  spanValues: Uint8Array | undefined;
  spanBounds: Float64Array | undefined;
}

/** A span read for a visit: its window, and its chunks the addon decoded (undefined: none). */
export interface VisitedSpan {
  readonly window: FileWindow;
  readonly native: NativeSpan | undefined;
}

/**
 * The span of data chunks `[first, last]` read into `read`: a span of uncompressed chunks in a
 * window the visit owns checked and left where it was read (`viewSpan`, bounds in
 * `buffers.spanBounds`); else its simple zstd and Snappy chunks (and its uncompressed ones, when
 * it begins with one crossing a block header) verified and decoded in one native call into
 * `buffers.spanValues` (native-chunk-decoder.ts); the chunks left (other codecs, damaged chunks)
 * are decoded one by one from the window, their hashes verified by the parser. Where the addon
 * decodes none (no addon, decode limits, other codecs), the window comes back with its chunks
 * verified in one call as before.
 */
export function decodeSpanReusing(layout: FileLayout, read: FileWindow, first: number, last: number, buffers: ReusedBuffers): VisitedSpan {
  const native = spanReusing(layout, read, first, last, buffers);
  return { window: native === undefined ? verifiedSpan(layout, read, first, last) : read, native };
}

/** {@link decodeSpanReusing}'s native part: the span viewed where it was read, or decoded into `buffers.spanValues`, or undefined. */
function spanReusing(layout: FileLayout, read: FileWindow, first: number, last: number, buffers: ReusedBuffers): NativeSpan | undefined {
  const begin = layout.index.offsets[first]!;
  if (viewsSpan(layout.limits, read, begin)) {
    const chunks = spanChunks(layout, first, last);
    return viewSpan(chunks, read, reusedBounds(buffers, 2 * spanRecordCount(chunks)));
  }
  return spanGoesNative(layout.limits, read, begin, Stored.COPY) ? decodeReusingSlots(spanChunks(layout, first, last), read, buffers) : undefined;
}

/** `buffers.spanBounds` when it holds `pairs` numbers, else a new one of at least that (twice the old). */
export function reusedBounds(buffers: Pick<ReusedBuffers, "spanBounds">, pairs: number): Float64Array {
  const held = buffers.spanBounds;
  return (buffers.spanBounds = held !== undefined && held.length >= pairs ? held : new Float64Array(Math.max(pairs, 2 * (held?.length ?? 0))));
}

/**
 * The chunks of a span read into `read` that the addon decodes (the caller asked `spanGoesNative`
 * with `Stored.COPY`: simple zstd and Snappy chunks, and uncompressed ones crossing block headers),
 * decoded in one call into `buffers.spanValues` and `buffers.spanBounds`; undefined when it takes none.
 */
export function decodeReusingSlots(chunks: SpanChunks, read: FileWindow, buffers: Pick<ReusedBuffers, "spanValues" | "spanBounds">): NativeSpan | undefined {
  const size = spanDecodedSize(chunks);
  if (size > MAX_SPAN_OUTPUT) return undefined;
  const values = (buffers.spanValues = grownBytes(buffers.spanValues, size));
  const bounds = reusedBounds(buffers, 2 * spanRecordCount(chunks));
  const decoded = decodeSpanSlots(chunks, read, values, 0, bounds, Stored.COPY);
  return decoded === undefined ? undefined : { values, bounds, decoded };
}

/**
 * Decodes data chunk `c` from `window` (parsed once, so a window the visit owns may be
 * reassembled in place). A compressed simple chunk is decoded into `buffers.decoded`, which the
 * next chunk overwrites; uncompressed records view the window; transposed chunks decode into
 * arrays of their own.
 */
export function decodeChunkReusing(layout: FileLayout, window: FileWindow, c: number, buffers: ReusedBuffers): ChunkRecords {
  const entry = dataChunkEntry(layout, c);
  return decodeParsedReusing(parseChunk(window, entry.begin, { limit: entry.limit, limitIsEof: false }), entry, buffers);
}

/** {@link decodeChunkReusing} of a chunk already parsed (hashes verified), as the footer's `entry` describes it. */
export function decodeParsedReusing(chunk: Chunk, entry: DataChunkEntry, buffers: Pick<ReusedBuffers, "decoded">): ChunkRecords {
  // Checked against the footer and the decode limits before its decoded size sizes anything.
  checkDataChunk(chunk, entry);
  const size = entry.decodedDataSize;
  if (chunk.header.chunkType !== ChunkType.SIMPLE || chunk.data.length === 0 || chunk.data[0] === 0 || size === 0) {
    return decodeCheckedDataChunk(chunk, entry);
  }
  const target = grownBytes(buffers.decoded, size);
  buffers.decoded = target;
  return decodeCheckedDataChunk(chunk, entry, target.subarray(0, size));
}

/** Calls `visit` for records `[from, to)` of `chunk`, as views (no species lookup: `new Uint8Array(buffer, …)`), numbered from `base`. */
export function visitChunkRecords(chunk: ChunkRecords, base: number, from: number, to: number, visit: RecordVisitor): void {
  const { values, starts } = chunk;
  if (starts === undefined) {
    if (from < to) visit(values, base);
    return;
  }
  const { buffer, byteOffset } = values;
  for (let i = from; i < to; i++) visit(new Uint8Array(buffer, byteOffset + starts[i]!, starts[i + 1]! - starts[i]!), base + i);
}
