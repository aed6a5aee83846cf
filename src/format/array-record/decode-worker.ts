/**
 * Worker thread of the parallel reader: decodes the data chunks of one span of file bytes and
 * sends their records back in one transferred buffer (the span's own, or one the chunks were
 * decoded into). See parallel-decode.ts.
 */
import { readSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { checkDataChunk, decodeDataChunkAt, decodeParsedDataChunk, spanChunkEntry } from "./file-layout.js";
import { ArrayRecordError, isArrayRecordError } from "../errors.js";
import type { DecodeRequest, DecodeResponse } from "./parallel-decode.js";
import { parseChunk, type Chunk } from "../riegeli/chunk-reader.js";
import { ChunkType } from "../riegeli/chunk-header.js";
import { CompressionByte } from "../riegeli/codecs.js";
import { recordAt, type ChunkRecords } from "../riegeli/simple-chunk.js";
import { fileIoAddon } from "../bytes/native-file-io.js";

/**
 * Largest output buffer allocated up front from the footer's decoded sizes (checked against each
 * verified chunk header before use); spans decoding to more get a buffer per chunk, packed after.
 */
const MAX_SPAN_OUTPUT = 64 << 20;

/**
 * Decodes a request's chunks, every hash verified first. When every chunk is a simple
 * uncompressed one, its records are views of the span's own bytes (reassembled in place) and the
 * span's buffer goes back as is with the records' bounds in it. Otherwise the chunks are decoded
 * into one output buffer sized from their decoded sizes (compressed simple chunks straight into
 * it; others copied there).
 */
function decode({ bytes: given, file, start, chunks: span, pick }: DecodeRequest): { values: Uint8Array; bounds: Float64Array } {
  if (pick !== undefined) return decodePicked(given ?? readSpan(file!.fd, start, file!.length, true), start, span, pick);
  const bytes = given ?? readSpan(file!.fd, start, file!.length);
  // The span's bytes were transferred to this worker alone: chunks may be reassembled in place.
  const window = { bytes, start, inPlace: true };
  const n = span.numRecords.length;
  const parsed: Chunk[] = [];
  let views = true;
  let size = 0;
  for (let k = 0; k < n; k++) {
    const chunk = parseChunk(window, span.offsets[k]!, { limit: span.offsets[k + 1]!, limitIsEof: false });
    // Sizes agree with the footer's and the limits before the output is allocated from them.
    checkDataChunk(chunk, spanChunkEntry(span, k));
    parsed.push(chunk);
    if (chunk.header.chunkType !== ChunkType.SIMPLE || chunk.data[0] !== CompressionByte.NONE) views = false;
    size += span.decodedSizes[k]!;
  }
  const direct = !views && size <= MAX_SPAN_OUTPUT;
  const values = views ? new Uint8Array(bytes.buffer as ArrayBuffer) : direct ? uninitialized(size) : undefined;
  const decoded: ChunkRecords[] = [];
  let records = 0;
  let at = 0;
  for (let k = 0; k < n; k++) {
    // Every byte of the target is written before it is used: decodeStream checks the exact size.
    const target = direct ? values!.subarray(at, at + span.decodedSizes[k]!) : undefined;
    const chunk = decodeParsedDataChunk(parsed[k]!, spanChunkEntry(span, k), target);
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
    for (let i = 0; i < chunk.count; i++) {
      bounds[r++] = at + (chunk.starts === undefined ? 0 : chunk.starts[i]!);
      bounds[r++] = at + (chunk.starts === undefined ? chunk.values.length : chunk.starts[i + 1]!);
    }
    if (!views) at += chunk.values.length;
  }
  return { values: out, bounds };
}

/**
 * Decodes every chunk of a span (all hashes verified) and copies just the records `pick` names
 * (indices from the span's first record) into one new buffer, bounds in `pick` order.
 */
function decodePicked(bytes: Uint8Array, start: number, span: DecodeRequest["chunks"], pick: Float64Array): { values: Uint8Array; bounds: Float64Array } {
  const window = { bytes, start, inPlace: true };
  const decoded: ChunkRecords[] = [];
  const firsts: number[] = [];
  let records = 0;
  for (let k = 0; k < span.numRecords.length; k++) {
    const chunk = decodeDataChunkAt(window, spanChunkEntry(span, k));
    decoded.push(chunk);
    firsts.push(records);
    records += chunk.count;
  }
  const chunkOf = (i: number): number => {
    if (!(i >= 0 && i < records)) throw new ArrayRecordError("OUT_OF_RANGE", `record ${i} is not in this span of ${records}`);
    let lo = 0;
    let hi = decoded.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firsts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const bounds = new Float64Array(2 * pick.length);
  // Each picked record is looked up once: its view is kept for the copy after the sizing pass.
  const picked: Uint8Array[] = new Array(pick.length);
  let size = 0;
  for (let j = 0; j < pick.length; j++) {
    const c = chunkOf(pick[j]!);
    size += (picked[j] = recordAt(decoded[c]!, pick[j]! - firsts[c]!)).length;
  }
  const values = uninitialized(size);
  let at = 0;
  for (let j = 0; j < pick.length; j++) {
    const record = picked[j]!;
    values.set(record, at);
    bounds[2 * j] = at;
    bounds[2 * j + 1] = at += record.length;
  }
  return { values, bounds };
}

/** Read buffer reused for spans whose bytes are not sent back (see {@link decodePicked}), up to {@link MAX_SCRATCH} bytes. */
let scratch: Uint8Array | undefined;
const MAX_SCRATCH = 16 << 20;

/**
 * Reads `length` bytes at `position` of the file open as `fd` (shared with the main thread; a
 * positional read moves no file offset) into a buffer of their own, or with `reuse` into this
 * worker's scratch buffer; fewer only at the end of the file, which the decoding then reports as
 * truncated chunks.
 */
function readSpan(fd: number, position: number, length: number, reuse = false): Uint8Array {
  let out: Uint8Array;
  if (reuse && length <= MAX_SCRATCH) {
    if (scratch === undefined || scratch.length < length) scratch = uninitialized(length);
    out = scratch.subarray(0, length);
  } else out = uninitialized(length);
  let done = 0;
  if (fileIoAddon !== null) {
    // The addon's pread (the main thread's FileByteSource uses it too): cheaper than fs.readSync per call.
    try {
      done = fileIoAddon.preadInto(fd, out, position);
    } catch (e) {
      throw new ArrayRecordError("IO", `read failed: ${(e as Error).message}`, { offset: position });
    }
  }
  while (done < length) {
    let n: number;
    try {
      n = readSync(fd, out, done, length - done, position + done);
    } catch (e) {
      throw new ArrayRecordError("IO", `read failed: ${(e as Error).message}`, { offset: position + done });
    }
    if (n === 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

/** `n` bytes not zeroed first (all are overwritten), in a buffer of their own (transferable). */
function uninitialized(n: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, n);
}

parentPort!.on("message", (request: DecodeRequest) => {
  let response: DecodeResponse;
  try {
    const { values, bounds } = decode(request);
    response = { id: request.id, values, bounds };
    parentPort!.postMessage(response, [values.buffer as ArrayBuffer, bounds.buffer as ArrayBuffer]);
  } catch (e) {
    response = isArrayRecordError(e)
      ? { id: request.id, error: { code: e.code, reason: e.reason, offset: e.offset } }
      : { id: request.id, error: { code: "CORRUPT", reason: `decoding failed: ${(e as Error).message}`, offset: undefined } };
    parentPort!.postMessage(response);
  }
});
