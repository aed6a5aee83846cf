/**
 * Worker thread of the parallel reader: decodes the data chunks of one span of file bytes and
 * sends their records back in one transferred buffer (the span's own, or one the chunks were
 * decoded into), or writes them into the shared memory the request brings and sends only where
 * they are (the borrowed visits). Requests come on the parent port (answered through the event
 * loop) or on the sync channel (answered there, then the shared counter is bumped for a main
 * thread blocked in `Atomics.wait`). See parallel-decode.ts.
 */
import { fstatSync, type Stats } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { checkDataChunk, decodeCheckedDataChunk, spanChunkEntry, spanDecodedSize, spanRecordCount, type DataChunkEntry } from "./file-layout.js";
import { ArrayRecordError, isArrayRecordError } from "../errors.js";
import type { DecodeRequest, DecodeResponse, DecodeWorkerData } from "./parallel-decode.js";
import { parseChunk, type Chunk, type FileWindow } from "../riegeli/chunk-reader.js";
import { withVerifiedChunks } from "../riegeli/chunk-hashes.js";
import { allDecoded, decodeSpanSlots, MAX_SPAN_OUTPUT, nativeRecord, spanGoesNative, viewSpan, viewsSpan, type NativeSpan } from "./native-chunks.js";
import { CHUNK_HEADER_SIZE, ChunkType } from "../riegeli/chunk-header.js";
import { BLOCK_HEADER_SIZE, USABLE_BLOCK_SIZE, remainingInBlock } from "../riegeli/blocks.js";
import { CompressionByte } from "../riegeli/codecs.js";
import { Stored } from "../riegeli/native-chunk-decoder.js";
import { recordAt, type ChunkRecords } from "../riegeli/simple-chunk.js";
import { decodeParsedReusing, decodeReusingSlots, reusedBounds, type ReusedBuffers } from "./borrowed-chunks.js";
import { fileIoAddon } from "../bytes/native-file-io.js";
import { preadFully } from "../bytes/file-source.js";
import { grownKeeping, ownedBytes } from "../bytes/slab.js";

/**
 * Decodes a request's chunks, every hash verified first. Picked records and requests bringing
 * shared memory (`into`) go to {@link decodePicked} and {@link decodeShared}. A span whose first
 * chunk is a simple zstd or Snappy one goes to {@link decodeNativeFirst} (read or mapped). When
 * every chunk is a simple uncompressed one, its records are views of the span's own bytes
 * (reassembled in place; a mapped file's go to {@link decodeMapped}) and the span's buffer goes
 * back as is with the records' bounds in it. Otherwise the chunks are decoded into one output
 * buffer sized from their decoded sizes (compressed simple chunks straight into it; others copied
 * there).
 */
function decode({ bytes: given, file, start, chunks: span, pick, into }: DecodeRequest): { values: Uint8Array; bounds: Float64Array; inFile?: Uint8Array } {
  // A few picked records are copied out anyway: a read into the reused buffer, reassembled in place
  // there, costs less than reassembling split chunks out of a mapping into fresh memory.
  if (pick !== undefined) return decodePicked(given ?? readSpan(file!.fd, start, file!.length, true, spanDecodedSize(span)), start, span, pick);
  // A local file's span is read straight into the front of the shared memory, where it is verified in place.
  if (into !== undefined) return decodeShared(into, given ?? readSpanInto(file!.fd, start, sharedFront(into, file!.length)), start, span);
  const size = spanDecodedSize(span);
  const mapping = file?.mapped === true ? fileMapping(file.fd, start + file.length) : undefined;
  if (mapping !== undefined) {
    // Not in place: writing would copy the mapping's pages on write.
    const mapped = { bytes: new Uint8Array(mapping, start, file!.length), start, inPlace: false };
    return nativeSpanFirst(mapped, span, size) ? decodeNativeFirst(mapped, span, size) : decodeMapped(mapping, start, file!.length, span);
  }
  // A span of compressed chunks is garbage once decoded: read it into the reused buffer unless the
  // last one read here was all uncompressed (its buffer goes back to the reader with the records).
  const reused = given === undefined && !lastSpanViewed;
  const bytes = given ?? readSpan(file!.fd, start, file!.length, reused);
  // The span's bytes were transferred to this worker alone (or are its reused buffer): chunks may be reassembled in place.
  const window = { bytes, start, inPlace: true };
  const n = span.numRecords.length;
  if (nativeSpanFirst(window, span, size)) {
    if (given === undefined) lastSpanViewed = false;
    return decodeNativeFirst(window, span, size);
  }
  const viewed = viewsSpan(span.limits, window, span.offsets[0]!) ? viewSpan(span, window) : undefined;
  if (viewed !== undefined) {
    if (given === undefined) lastSpanViewed = true;
    // Bounds are positions in `bytes`; a reused buffer's span goes as a copy of just the span.
    return { values: reused ? bytes.slice() : bytes, bounds: viewed.bounds };
  }
  const { parsed, entries } = parseSpan(window, span) as { parsed: Chunk[]; entries: DataChunkEntry[] };
  const views = parsed.every(isUncompressedSimple);
  if (given === undefined) lastSpanViewed = views;
  const direct = !views && size <= MAX_SPAN_OUTPUT;
  // Records viewing the reused buffer view the same offsets of a copy of just the span (reassembled
  // already): sending the buffer itself would also be safe (the transfer detaches it here) but it
  // may be larger, sized by an earlier span.
  const values = views ? new Uint8Array((reused ? bytes.slice() : bytes).buffer as ArrayBuffer) : direct ? ownedBytes(size) : undefined;
  const decoded: ChunkRecords[] = [];
  let records = 0;
  let at = 0;
  for (let k = 0; k < n; k++) {
    // Every byte of the target is written before it is used: decodeStream checks the exact size.
    const target = direct ? values!.subarray(at, at + span.decodedSizes[k]!) : undefined;
    const chunk = decodeCheckedDataChunk(parsed[k]!, entries[k]!, target);
    decoded.push(chunk);
    records += chunk.count;
    at += chunk.values.length;
  }
  const out = values ?? new Uint8Array(at);
  const bounds = new Float64Array(2 * records);
  at = 0;
  let r = 0;
  for (const chunk of decoded) {
    if (views) at = chunk.values.byteOffset;
    else if (chunk.values.buffer !== out.buffer || chunk.values.byteOffset !== out.byteOffset + at) out.set(chunk.values, at);
    r = putBounds(bounds, r, chunk, at);
    if (!views) at += chunk.values.length;
  }
  return { values: out, bounds };
}

/**
 * {@link decode} into the shared memory `into`, laid out as the span's bytes (`bytes.length`)
 * followed by its chunks' decoded sizes; bounds are positions in `into`. A local file's span is
 * read straight into the front of `into` and verified there (native hashing reads shared memory
 * as fast as any); bytes a request brings (`given`) are verified where they are and copied to the
 * front in one go when an uncompressed chunk's records view them: V8 copies into or out of shared
 * memory atomically, ~5x slower than plain memory per call, so one copy of a MiB (~70 µs) beats
 * one per record (~0.4 µs for 1.3 KB). Simple zstd and Snappy chunks are decoded natively into their place
 * after the span (all in one call), and so are the uncompressed chunks of a span beginning with
 * one that crosses a block header (hashed where they lie, the TypeScript parser's reassembly in
 * place copying shared memory from JavaScript): their records left where they were read but those
 * a block header splits, copied there (or all copied there, from bytes the request brought);
 * other compressed simple chunks straight there too; other chunks are copied there.
 */
function decodeShared(into: SharedArrayBuffer, bytes: Uint8Array, start: number, span: DecodeRequest["chunks"]): { values: Uint8Array; bounds: Float64Array } {
  const needed = bytes.length + spanDecodedSize(span);
  // Sized by the main thread from the same footer entries, which each chunk is checked against before its slot is written.
  if (into.byteLength < needed) throw new RangeError(`shared output holds ${into.byteLength} bytes, the span needs ${needed}`);
  const values = new Uint8Array(into);
  const bounds = new Float64Array(2 * spanRecordCount(span));
  const read = { bytes, start, inPlace: true };
  // Read into the front of the slot: uncompressed records stay where they were read.
  const stored = bytes.buffer === into && bytes.byteOffset === 0 ? Stored.IN_PLACE : Stored.COPY;
  const native = spanGoesNative(span.limits, read, span.offsets[0]!, stored) ? decodeSpanSlots(span, read, values, bytes.length, bounds, stored) : undefined;
  if (native !== undefined && allDecoded(native)) return { values, bounds };
  const viewsSpan = decodeIntoSlots(read, span, native, values, bytes.length, bounds, true);
  if (viewsSpan && bytes.buffer !== into) values.set(bytes);
  return { values, bounds };
}

/** True when a span of `size` decoded bytes goes to {@link decodeNativeFirst}: it fits an output buffer, and its first chunk looks like one the addon decodes. */
function nativeSpanFirst(window: FileWindow, span: DecodeRequest["chunks"], size: number): boolean {
  return size <= MAX_SPAN_OUTPUT && spanGoesNative(span.limits, window, span.offsets[0]!);
}

/** A compressed span decoded into an output buffer of its own: its simple zstd and Snappy chunks natively, the rest into their slots after. */
function decodeNativeFirst(window: FileWindow, span: DecodeRequest["chunks"], size: number): { values: Uint8Array; bounds: Float64Array } {
  const values = ownedBytes(size);
  const bounds = new Float64Array(2 * spanRecordCount(span));
  const native = decodeSpanSlots(span, window, values, 0, bounds);
  if (native === undefined || !allDecoded(native)) decodeIntoSlots(window, span, native, values, 0, bounds, false);
  return { values, bounds };
}

/**
 * Decodes the span's chunks that `native` does not mark as decoded into their slots: the
 * footer's decoded sizes of `values` from `at` and record pairs of `bounds` from 0, in span order.
 * Compressed simple chunks decode straight into their slot. With `viewSpan`, an uncompressed
 * chunk's records stay where they are in `window.bytes` (their bounds are offsets in it) and this
 * returns true if there was one; without, they are copied into their slot.
 */
function decodeIntoSlots(window: FileWindow, span: DecodeRequest["chunks"], native: Uint8Array | undefined, values: Uint8Array, at: number, bounds: Float64Array, viewSpan: boolean): boolean {
  const { bytes } = window;
  const { parsed, entries } = parseSpan(window, span, native);
  let viewsSpan = false;
  let r = 0;
  for (let k = 0; k < parsed.length; k++) {
    const chunkSize = span.decodedSizes[k]!;
    const chunk = parsed[k];
    if (chunk === undefined) {
      // Decoded natively into its slot.
      r += 2 * span.numRecords[k]!;
      at += chunkSize;
      continue;
    }
    // Compressed simple chunks decode straight into their place; others need none (no view made per chunk).
    const target = isUncompressedSimple(chunk) ? undefined : values.subarray(at, at + chunkSize);
    const decoded = decodeCheckedDataChunk(chunk, entries[k]!, target);
    if (viewSpan && target === undefined && decoded.values.buffer === bytes.buffer) {
      // A view of the span: the same position in its copy at (or read into) the front of `into`.
      viewsSpan = true;
      r = putBounds(bounds, r, decoded, decoded.values.byteOffset - bytes.byteOffset);
    } else {
      if (decoded.values.buffer !== values.buffer || decoded.values.byteOffset !== values.byteOffset + at) values.set(decoded.values, at);
      r = putBounds(bounds, r, decoded, at);
    }
    at += chunkSize;
  }
  return viewsSpan;
}

/** The first `length` bytes of `into`, for the span's bytes (checked: the main thread sized `into` from the footer). */
function sharedFront(into: SharedArrayBuffer, length: number): Uint8Array {
  if (into.byteLength < length) throw new RangeError(`shared output holds ${into.byteLength} bytes, the span is ${length}`);
  return new Uint8Array(into, 0, length);
}

/**
 * Every chunk of a span parsed (hashes verified) and checked against the footer's entry, which is
 * kept for decoding: sizes agree with the footer's and the limits before any output is allocated.
 * Chunks `native` marks were decoded natively (their hashes verified there): they are left
 * undefined, and the others' hashes are verified by the parser one by one.
 */
function parseSpan(read: FileWindow, span: DecodeRequest["chunks"], native?: Uint8Array): { parsed: (Chunk | undefined)[]; entries: (DataChunkEntry | undefined)[] } {
  const parsed: (Chunk | undefined)[] = [];
  const entries: (DataChunkEntry | undefined)[] = [];
  const window = native === undefined ? withVerifiedChunks(read, span.offsets, 0, span.numRecords.length) : read;
  for (let k = 0; k < span.numRecords.length; k++) {
    if (native?.[k] === 1) {
      parsed.push(undefined);
      entries.push(undefined);
      continue;
    }
    const chunk = parseChunk(window, span.offsets[k]!, { limit: span.offsets[k + 1]!, limitIsEof: false });
    const entry = spanChunkEntry(span, k);
    checkDataChunk(chunk, entry);
    parsed.push(chunk);
    entries.push(entry);
  }
  return { parsed, entries };
}

/** Writes a chunk's record bounds from `r` on, offset by `at`; the next free index. */
function putBounds(bounds: Float64Array, r: number, chunk: ChunkRecords, at: number): number {
  for (let i = 0; i < chunk.count; i++) {
    bounds[r++] = at + (chunk.starts === undefined ? 0 : chunk.starts[i]!);
    bounds[r++] = at + (chunk.starts === undefined ? chunk.values.length : chunk.starts[i + 1]!);
  }
  return r;
}

function isUncompressedSimple(chunk: Chunk): boolean {
  return chunk.header.chunkType === ChunkType.SIMPLE && chunk.data[0] === CompressionByte.NONE;
}

/**
 * {@link decode} of a span of a file mapped here and on the main thread (byte i of a mapping is
 * byte i of the file): every chunk is verified in this worker's mapping (nothing read); records of
 * uncompressed chunks go back as file positions (`inFile` 1), which the main thread views in its
 * own mapping, except the few a block header cuts in two (in chunks longer than a block), which
 * are copied; other chunks are decoded into one transferred buffer.
 */
function decodeMapped(mapping: ArrayBuffer, start: number, length: number, span: DecodeRequest["chunks"]): { values: Uint8Array; bounds: Float64Array; inFile: Uint8Array } {
  // Not in place: writing would copy the mapping's pages on write.
  const window = { bytes: new Uint8Array(mapping, start, length), start, inPlace: false };
  const n = span.numRecords.length;
  const records = spanRecordCount(span);
  const bounds = new Float64Array(2 * records);
  const inFile = new Uint8Array(records);
  const { parsed, entries } = parseSpan(window, span);
  // First pass: uncompressed chunks are decoded (their records located, nothing allocated) and
  // their records placed: file positions (inFile 1) where no block header cuts them, else counted
  // for copying.
  const plain: (ChunkRecords | undefined)[] = [];
  let size = 0;
  let r = 0;
  for (let k = 0; k < n; k++) {
    const chunk = parsed[k]!;
    const entry = entries[k]!;
    if (!isUncompressedSimple(chunk)) {
      plain.push(undefined);
      size += span.decodedSizes[k]!;
      r += 2 * span.numRecords[k]!;
      continue;
    }
    const decoded = decodeCheckedDataChunk(chunk, entry);
    plain.push(decoded);
    // Unsplit: every record is a view of the mapping, whose byte offset is the file position.
    const unsplit = chunk.data.buffer === mapping;
    const first = unsplit ? 0 : dataStart(chunk, decoded);
    const { starts, values } = decoded;
    for (let i = 0; i < decoded.count; i++, r += 2) {
      const a = starts === undefined ? 0 : starts[i]!;
      const b = starts === undefined ? values.length : starts[i + 1]!;
      if (unsplit) {
        inFile[r >> 1] = 1;
        bounds[r] = values.byteOffset + a;
        bounds[r + 1] = values.byteOffset + b;
      } else if (contiguous(chunk.begin, first + a, b - a)) {
        inFile[r >> 1] = 1;
        bounds[r] = physical(chunk.begin, first + a);
        bounds[r + 1] = bounds[r]! + (b - a);
      } else size += b - a;
    }
  }
  // Second pass: other chunks are decoded into one output buffer, and records a block header cuts
  // are copied there, in span order.
  const direct = size <= MAX_SPAN_OUTPUT;
  const out = direct ? ownedBytes(size) : new Uint8Array(size);
  let at = 0;
  r = 0;
  for (let k = 0; k < n; k++) {
    const chunk = plain[k];
    if (chunk === undefined) {
      const decoded = decodeCheckedDataChunk(parsed[k]!, entries[k]!, direct ? out.subarray(at, at + span.decodedSizes[k]!) : undefined);
      if (decoded.values.buffer !== out.buffer || decoded.values.byteOffset !== out.byteOffset + at) out.set(decoded.values, at);
      r = putBounds(bounds, r, decoded, at);
      at += decoded.values.length;
      continue;
    }
    const { starts, values } = chunk;
    for (let i = 0; i < chunk.count; i++, r += 2) {
      if (inFile[r >> 1] === 1) continue;
      const a = starts === undefined ? 0 : starts[i]!;
      const b = starts === undefined ? values.length : starts[i + 1]!;
      out.set(values.subarray(a, b), at);
      bounds[r] = at;
      bounds[r + 1] = at += b - a;
    }
  }
  return { values: out, bounds, inFile };
}

/** Where a chunk's values start, counted in chunk bytes (header included, block headers not) from its beginning. */
function dataStart(chunk: Chunk, records: ChunkRecords): number {
  return CHUNK_HEADER_SIZE + (records.values.byteOffset - chunk.data.byteOffset);
}

/**
 * The file position of the chunk byte `offset` (counted as in {@link dataStart}) of the chunk
 * beginning at `begin`: block headers sit at every multiple of BLOCK_SIZE.
 */
function physical(begin: number, offset: number): number {
  let p = begin;
  let left = offset;
  for (;;) {
    let room = remainingInBlock(p);
    if (room === 0) {
      p += BLOCK_HEADER_SIZE;
      room = USABLE_BLOCK_SIZE;
    }
    if (left < room) return p + left;
    left -= room;
    p += room;
  }
}

/** Whether `length` chunk bytes from `offset` lie back to back in the file (no block header inside). */
function contiguous(begin: number, offset: number, length: number): boolean {
  return length === 0 || physical(begin, offset + length - 1) - physical(begin, offset) === length - 1;
}

/** This worker's mapping of the file last mapped, with what identifies it (see {@link fileMapping}). */
let mapped: { dev: number; ino: number; size: number; buffer: ArrayBuffer } | undefined;

/** How long an idle worker keeps its mapping: a held mapping keeps a deleted file's space in use. */
const MAPPING_IDLE_MS = 200;
let idleRelease: ReturnType<typeof setTimeout> | undefined;

/** Lets go of the cached mapping once no request came for {@link MAPPING_IDLE_MS} (no view of it outlives a request). */
function releaseMappingWhenIdle(): void {
  if (idleRelease !== undefined) clearTimeout(idleRelease);
  if (mapped === undefined) return;
  idleRelease = setTimeout(() => {
    idleRelease = undefined;
    if (mapped !== undefined) fileIoAddon?.releaseMapping(mapped.buffer);
    mapped = undefined;
  }, MAPPING_IDLE_MS);
  idleRelease.unref();
}

/**
 * The whole file open as `fd`, mapped (byte i of the buffer is byte i of the file), covering at
 * least `end` bytes, or undefined when it cannot be mapped (the span is then read). One mapping is kept per worker and reused while the descriptor still names
 * the same file (device, inode) of the same size: a descriptor number may be reused for another
 * file once the reader closes it, so the number alone identifies nothing.
 */
function fileMapping(fd: number, end: number): ArrayBuffer | undefined {
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch (e) {
    throw new ArrayRecordError("IO", `fstat failed: ${(e as Error).message}`);
  }
  if (stats.size < end) throw new ArrayRecordError("TRUNCATED", `file is ${stats.size} bytes, the span ends at ${end}`, { offset: stats.size });
  if (mapped === undefined || mapped.dev !== stats.dev || mapped.ino !== stats.ino || mapped.size !== stats.size || fileIoAddon!.mappingDamaged(mapped.buffer)) {
    if (mapped !== undefined) fileIoAddon?.releaseMapping(mapped.buffer); // another file now: let go of the last one's
    mapped = undefined;
    if (fileIoAddon === null) return undefined;
    let buffer: ArrayBuffer | null;
    try {
      buffer = fileIoAddon.mapFile(fd, stats.size);
    } catch (e) {
      throw new ArrayRecordError("IO", `mapping failed: ${(e as Error).message}`);
    }
    if (buffer === null) return undefined; // too many mappings alive: this span is read instead
    mapped = { dev: stats.dev, ino: stats.ino, size: stats.size, buffer };
  }
  return mapped.buffer;
}

/**
 * Decodes every chunk of a span (all hashes verified) and copies just the records `pick` names
 * (indices from the span's first record, grouped by chunk in file order: see
 * {@link DecodeRequest.pick}) into one new buffer, bounds in `pick` order. The chunks are decoded
 * into {@link pickBuffers}, reused as the reader's visits reuse theirs (no fresh array per span
 * or compressed chunk): those the addon takes all at once (`decodeReusingSlots`), the others one
 * at a time, each chunk's picked records copied out before the next one overwrites it.
 */
function decodePicked(bytes: Uint8Array, start: number, span: DecodeRequest["chunks"], pick: Float64Array): { values: Uint8Array; bounds: Float64Array } {
  const window = { bytes, start, inPlace: true };
  const native = pickedNatively(span, window);
  const n = span.numRecords.length;
  const bounds = new Float64Array(2 * pick.length);
  let staged = 0;
  let j = 0;
  // Chunk k's records are [first, first + its count), by the footer's counts (each chunk is checked against them when decoded).
  for (let k = 0, first = 0; k < n; first += span.numRecords[k++]!) {
    const entry = spanChunkEntry(span, k);
    const chunk = native?.decoded[k] === 1 ? undefined : decodeParsedReusing(parseChunk(window, entry.begin, { limit: entry.limit, limitIsEof: false }), entry, pickBuffers);
    const end = first + (chunk?.count ?? entry.numRecords);
    for (; j < pick.length && pick[j]! < end; j++) {
      if (!(pick[j]! >= first)) throw new ArrayRecordError("OUT_OF_RANGE", `picked record ${pick[j]} is not in chunk order in this span`);
      const record = chunk === undefined ? nativeRecord(native!, pick[j]!) : recordAt(chunk, pick[j]! - first);
      pickStage = grownKeeping(pickStage, staged + record.length, staged);
      pickStage.set(record, staged);
      bounds[2 * j] = staged;
      bounds[2 * j + 1] = staged += record.length;
    }
  }
  if (j < pick.length) throw new ArrayRecordError("OUT_OF_RANGE", `picked record ${pick[j]} is not in this span`);
  const values = ownedBytes(staged);
  values.set(pickStage.subarray(0, staged));
  // Buffers grown for one huge chunk or pick are not kept.
  if (pickStage.length > MAX_SCRATCH) pickStage = new Uint8Array(0);
  if ((pickBuffers.decoded?.length ?? 0) > MAX_SCRATCH) pickBuffers.decoded = undefined;
  if ((pickBuffers.spanValues?.length ?? 0) > MAX_SCRATCH) pickBuffers.spanValues = undefined;
  return { values, bounds };
}

/**
 * The chunks of a span to pick from that the addon takes in one call: when the span was read into
 * the worker's scratch buffer with room after it for the span's decoded size, every simple chunk,
 * uncompressed records left where they were read but those a block header splits, gathered into
 * that room (`Stored.IN_PLACE`: no copy of a 333 KB chunk for its ~8 picks); else those
 * `decodeReusingSlots` takes, decoded into {@link pickBuffers}.
 */
function pickedNatively(span: DecodeRequest["chunks"], window: FileWindow): NativeSpan | undefined {
  const { bytes } = window;
  const begin = span.offsets[0]!;
  const withRoom = bytes.length + spanDecodedSize(span);
  if (bytes.byteOffset + withRoom <= bytes.buffer.byteLength && spanGoesNative(span.limits, window, begin, Stored.IN_PLACE)) {
    const values = new Uint8Array(bytes.buffer, bytes.byteOffset, withRoom);
    const bounds = reusedBounds(pickBuffers, 2 * spanRecordCount(span));
    const decoded = decodeSpanSlots(span, window, values, bytes.length, bounds, Stored.IN_PLACE);
    return decoded === undefined ? undefined : { values, bounds, decoded };
  }
  return spanGoesNative(span.limits, window, begin, Stored.COPY) ? decodeReusingSlots(span, window, pickBuffers) : undefined;
}

/** Buffers {@link decodePicked} decodes into, reused from span to span (the addon's) and chunk to chunk (the others). */
const pickBuffers: Pick<ReusedBuffers, "decoded" | "spanValues" | "spanBounds"> = { decoded: undefined, spanValues: undefined, spanBounds: undefined };
/** Where {@link decodePicked} gathers the picked records before their exact-size copy. */
let pickStage: Uint8Array = new Uint8Array(0);

/** Whether the last span {@link decode} read from a file was all uncompressed simple chunks, whose records view its bytes. */
let lastSpanViewed = true;

/** Read buffer reused for spans whose bytes are not sent back (see {@link decodePicked} and {@link decode}), up to {@link MAX_SCRATCH} bytes. */
let scratch: Uint8Array | undefined;
const MAX_SCRATCH = 16 << 20;

/**
 * Reads `length` bytes at `position` of the file open as `fd` (shared with the main thread; a
 * positional read moves no file offset) into a buffer of their own, or with `reuse` into this
 * worker's scratch buffer; fewer only at the end of the file, which the decoding then reports as
 * truncated chunks.
 */
function readSpan(fd: number, position: number, length: number, reuse = false, room = 0): Uint8Array {
  let out: Uint8Array;
  if (reuse && length + room <= MAX_SCRATCH) {
    if (scratch === undefined || scratch.length < length + room) scratch = ownedBytes(length + room);
    out = scratch.subarray(0, length);
  } else out = ownedBytes(length);
  return readSpanInto(fd, position, out);
}

/** Fills `out` from `position` of the file open as `fd`; `out` itself, or its first bytes when the file ends first. */
function readSpanInto(fd: number, position: number, out: Uint8Array): Uint8Array {
  const length = out.length;
  let done: number;
  try {
    done = preadFully(fd, out, position, fileIoAddon?.preadInto); // the addon's pread when built, as FileByteSource reads
  } catch (e) {
    throw new ArrayRecordError("IO", `read failed: ${(e as Error).message}`, { offset: position });
  }
  return done === length ? out : out.subarray(0, done);
}

/** The answer to a request: its records (with the buffers to transfer), or its error; the mapping is let go once idle. */
function answer(request: DecodeRequest): [DecodeResponse, ArrayBuffer[]] {
  try {
    const { values, bounds, inFile } = decode(request);
    const transfer = [bounds.buffer as ArrayBuffer];
    // Records decoded into the request's shared memory: the bounds say where, nothing else is sent.
    if (values.buffer === request.into) return [{ id: request.id, bounds }, transfer];
    transfer.push(values.buffer as ArrayBuffer);
    if (inFile === undefined) return [{ id: request.id, values, bounds }, transfer];
    transfer.push(inFile.buffer as ArrayBuffer);
    return [{ id: request.id, values, bounds, inFile }, transfer];
  } catch (e) {
    const error = isArrayRecordError(e) ? { code: e.code, reason: e.reason, offset: e.offset } : { code: "CORRUPT" as const, reason: `decoding failed: ${(e as Error).message}`, offset: undefined };
    return [{ id: request.id, error }, []];
  } finally {
    releaseMappingWhenIdle();
  }
}

parentPort!.on("message", (request: DecodeRequest) => parentPort!.postMessage(...answer(request)));

// A main thread blocked on a sync request wakes when the counter moves (parallel-decode.ts waitSync).
const { syncPort, signal } = workerData as DecodeWorkerData;
syncPort.on("message", (request: DecodeRequest) => {
  syncPort.postMessage(...answer(request));
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
