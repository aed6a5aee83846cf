/**
 * Parsing of a transposed chunk's header (FORMAT.md §9): the buckets of column buffers and the
 * state machine that rebuilds records from them. Every count is checked against the bytes that
 * remain before anything is allocated for it.
 */
import { ArrayRecordError } from "../errors.js";
import { decodeStream } from "./codecs.js";
import { cursor, readVarint, type Cursor } from "../varint.js";
import { maxBufferBytes, maxHeaderBytes } from "./transposed-limits.js";

/** What a state does when the machine reaches it. */
export const StateKind = {
  /** Nothing: a stepping stone for far transitions. */
  NO_OP: 0,
  /** A record stored verbatim; its length comes from the non-proto lengths buffer. */
  NON_PROTO: 1,
  /** Start of a submessage: closes the innermost open one with its tag and length. */
  SUBMESSAGE_START: 2,
  /** Start of a record (the machine runs backwards, so this ends one). */
  MESSAGE_START: 3,
  /** End of a submessage: opens one at the current position. */
  SUBMESSAGE_END: 4,
  /** Varint field whose value bytes (high bits stripped) are in the buffer. */
  VARINT: 5,
  /** Tag followed by fixed bytes stored in the state (inline varints, group tags). */
  TAG_ONLY: 6,
  /** Fixed32 field: tag plus 4 buffer bytes. */
  FIXED32: 7,
  /** Fixed64 field: tag plus 8 buffer bytes. */
  FIXED64: 8,
  /** Length-delimited field: the buffer holds the length varint and the bytes. */
  STRING: 9,
} as const;

/** Reserved state tags below the first valid protobuf tag (shared with the encoder). */
export const TAG_NO_OP = 0;
export const TAG_NON_PROTO = 1;
export const TAG_SUBMESSAGE_START = 2;
export const TAG_MESSAGE_START = 3;
/** Wire type marking the end of a submessage (a length-delimited tag with wire type 6). */
const SUBMESSAGE_END_WIRE = 6;
/** Varint subtypes: 0..9 = value of subtype+1 bytes in the buffer; 10..137 = inline value subtype−10. */
export const VARINT_INLINE_0 = 10;
const VARINT_INLINE_MAX = VARINT_INLINE_0 + 0x7f;

/** Longest tag + inline byte a state prepends. */
export const MAX_TAG_BYTES = 6;

/** A column buffer: a range of one decompressed bucket, read front to back. */
export interface Buffers {
  /** The decompressed bucket each buffer lives in. */
  readonly bytes: Uint8Array[];
  /** Read position of each buffer in its bucket. */
  readonly pos: Float64Array;
  /** End of each buffer in its bucket. */
  readonly end: Float64Array;
}

/** The parsed header: buffers and the state machine. */
export interface TransposedHeader {
  readonly buffers: Buffers;
  /** Number of states. */
  readonly numStates: number;
  /** {@link StateKind} of each state. */
  readonly kind: Uint8Array;
  /** Index of the next state (the base of transitions, or the target of an implicit one). */
  readonly next: Uint32Array;
  /** 1 when leaving the state consumes no transition byte. */
  readonly implicit: Uint8Array;
  /** Buffer each state reads from (−1 when none). */
  readonly bufferOf: Int32Array;
  /** Bytes each state prepends before its data: the tag varint, plus the value for inline varints. */
  readonly tagBytes: Uint8Array;
  /** Number of {@link tagBytes} used by each state (at `state * MAX_TAG_BYTES`). */
  readonly tagLength: Uint8Array;
  /** Varint states: number of value bytes in the buffer. */
  readonly varintLength: Uint8Array;
  /** Buffer of non-proto record lengths (the last buffer), −1 when no state needs it. */
  readonly nonProtoLengths: number;
  /** State the machine starts in. */
  readonly firstNode: number;
  /** Offset in the chunk data where the transitions stream starts. */
  readonly transitionsOffset: number;
}

function fail(message: string, offset: number): never {
  throw new ArrayRecordError("CORRUPT", `transposed chunk: ${message}`, { offset });
}

function readVarint32(c: Cursor, what: string, offset: number): number {
  if (c.offset >= c.end) fail(`header ends before ${what}`, offset);
  const value = readVarint(c);
  if (value > 0xffffffff) fail(`${what} does not fit in 32 bits`, offset);
  return value;
}

/** Reads a count and checks that at least `bytesEach` header bytes per item remain for it. */
function readCount(c: Cursor, what: string, bytesEach: number, offset: number): number {
  const count = readVarint32(c, what, offset);
  if (count * bytesEach > c.end - c.offset) fail(`${what} ${count} exceeds what the header holds`, offset);
  return count;
}

/** True for a tag the state machine may emit: field number ≥ 1 and wire type 0..5. */
function validTag(tag: number): boolean {
  return tag >= 8 && (tag & 7) <= 5;
}

/**
 * Parses the compression byte, header and buckets of transposed chunk data. `numRecords` and
 * `decodedDataSize` (from the verified chunk header) bound every size; `fileOffset` locates errors.
 */
export function parseTransposedHeader(data: Uint8Array, numRecords: number, decodedDataSize: number, fileOffset: number): TransposedHeader {
  if (data.length < 1) fail("no compression byte", fileOffset);
  const compression = data[0]!;
  const d = cursor(data, 1);
  if (d.offset >= d.end) fail("no header length", fileOffset);
  const headerLength = readVarint(d);
  if (headerLength > d.end - d.offset) fail("header runs past the chunk data", fileOffset);
  const header = decodeStream(compression, data.subarray(d.offset, d.offset + headerLength), maxHeaderBytes(numRecords, decodedDataSize), fileOffset);
  d.offset += headerLength;
  const h = cursor(header);

  const buffers = parseBuffers(h, data, d, compression, numRecords, decodedDataSize, fileOffset);
  const numBuffers = buffers.pos.length;

  // Each state has at least a tag byte and a next byte.
  const numStates = readCount(h, "state count", 2, fileOffset);
  const tags = new Uint32Array(numStates);
  let numSubtypes = 0;
  for (let i = 0; i < numStates; i++) {
    const tag = readVarint32(h, "state tag", fileOffset);
    tags[i] = tag;
    if (validTag(tag) && (tag & 7) === 0) numSubtypes++;
  }
  const next = new Uint32Array(numStates);
  const implicit = new Uint8Array(numStates);
  for (let i = 0; i < numStates; i++) {
    let target = readVarint32(h, "next state", fileOffset);
    if (target >= numStates) {
      target -= numStates;
      implicit[i] = 1;
    }
    if (target >= numStates) fail(`next state ${target} out of range (${numStates} states)`, fileOffset);
    next[i] = target;
  }
  if (numSubtypes > h.end - h.offset) fail("header ends inside the subtypes", fileOffset);
  let subtypeAt = h.offset;
  h.offset += numSubtypes;

  const kind = new Uint8Array(numStates);
  const bufferOf = new Int32Array(numStates).fill(-1);
  const tagBytes = new Uint8Array(numStates * MAX_TAG_BYTES);
  const tagLength = new Uint8Array(numStates);
  const varintLength = new Uint8Array(numStates);
  let hasNonProto = false;
  const readBuffer = (state: number): void => {
    const index = readVarint32(h, "buffer index", fileOffset);
    if (index >= numBuffers) fail(`buffer index ${index} out of range (${numBuffers} buffers)`, fileOffset);
    bufferOf[state] = index;
  };
  for (let i = 0; i < numStates; i++) {
    let tag = tags[i]!;
    switch (tag) {
      case TAG_NO_OP:
        kind[i] = StateKind.NO_OP;
        continue;
      case TAG_NON_PROTO:
        kind[i] = StateKind.NON_PROTO;
        readBuffer(i);
        hasNonProto = true;
        continue;
      case TAG_SUBMESSAGE_START:
        kind[i] = StateKind.SUBMESSAGE_START;
        continue;
      case TAG_MESSAGE_START:
        kind[i] = StateKind.MESSAGE_START;
        continue;
    }
    const endOfSubmessage = (tag & 7) === SUBMESSAGE_END_WIRE;
    if (endOfSubmessage) tag -= SUBMESSAGE_END_WIRE - 2;
    if (!validTag(tag)) fail(`invalid tag ${tags[i]} in state ${i}`, fileOffset);
    const tagLen = writeTag(tagBytes, i * MAX_TAG_BYTES, tag);
    tagLength[i] = tagLen;
    if (endOfSubmessage) {
      kind[i] = StateKind.SUBMESSAGE_END;
      continue;
    }
    switch (tag & 7) {
      case 0: {
        const subtype = header[subtypeAt++]!;
        if (subtype > VARINT_INLINE_MAX) fail(`invalid varint subtype ${subtype} in state ${i}`, fileOffset);
        if (subtype >= VARINT_INLINE_0) {
          kind[i] = StateKind.TAG_ONLY;
          tagBytes[i * MAX_TAG_BYTES + tagLen] = subtype - VARINT_INLINE_0;
          tagLength[i] = tagLen + 1;
        } else {
          kind[i] = StateKind.VARINT;
          varintLength[i] = subtype + 1;
          readBuffer(i);
        }
        break;
      }
      case 1:
        kind[i] = StateKind.FIXED64;
        readBuffer(i);
        break;
      case 5:
        kind[i] = StateKind.FIXED32;
        readBuffer(i);
        break;
      case 2:
        kind[i] = StateKind.STRING;
        readBuffer(i);
        break;
      default:
        // Group start or end: the tag alone.
        kind[i] = StateKind.TAG_ONLY;
    }
  }
  let nonProtoLengths = -1;
  if (hasNonProto) {
    if (numBuffers === 0) fail("non-proto records but no lengths buffer", fileOffset);
    nonProtoLengths = numBuffers - 1;
  }
  const firstNode = readVarint32(h, "first state", fileOffset);
  if (firstNode >= numStates) fail(`first state ${firstNode} out of range (${numStates} states)`, fileOffset);
  if (h.offset !== h.end) fail(`${h.end - h.offset} unused bytes at the end of the header`, fileOffset);
  if (hasImplicitLoop(next, implicit)) fail("implicit transitions form a loop", fileOffset);
  return {
    buffers,
    numStates,
    kind,
    next,
    implicit,
    bufferOf,
    tagBytes,
    tagLength,
    varintLength,
    nonProtoLengths,
    firstNode,
    transitionsOffset: d.offset,
  };
}

/** Writes `tag` as a varint (at most 5 bytes) at `pos`; returns its length. */
function writeTag(out: Uint8Array, pos: number, tag: number): number {
  let n = 0;
  while (tag >= 0x80) {
    out[pos + n++] = (tag & 0x7f) | 0x80;
    tag >>>= 7;
  }
  out[pos + n++] = tag;
  return n;
}

/**
 * Reads the bucket and buffer lengths, decompresses the buckets that follow the header in `data`
 * (cursor `d`), and carves the buffers out of them in order. Buckets must be used up exactly.
 */
function parseBuffers(
  h: Cursor,
  data: Uint8Array,
  d: Cursor,
  compression: number,
  numRecords: number,
  decodedDataSize: number,
  fileOffset: number,
): Buffers {
  const numBuckets = readCount(h, "bucket count", 1, fileOffset);
  const numBuffers = readCount(h, "buffer count", 1, fileOffset);
  if (numBuckets === 0 && numBuffers !== 0) fail(`${numBuffers} buffers but no buckets`, fileOffset);
  const bucketStreams: Uint8Array[] = [];
  for (let b = 0; b < numBuckets; b++) {
    const length = readVarint(h);
    if (length > d.end - d.offset) fail(`bucket ${b} runs past the chunk data`, fileOffset);
    bucketStreams.push(data.subarray(d.offset, d.offset + length));
    d.offset += length;
  }
  const lengths = new Float64Array(numBuffers);
  let total = 0;
  const limit = maxBufferBytes(numRecords, decodedDataSize);
  for (let j = 0; j < numBuffers; j++) {
    const length = readVarint(h);
    total += length;
    if (total > limit) fail(`buffers total more than the ${limit} bytes ${numRecords} records of ${decodedDataSize} bytes can use`, fileOffset);
    lengths[j] = length;
  }
  const bytes: Uint8Array[] = new Array<Uint8Array>(numBuffers);
  const pos = new Float64Array(numBuffers);
  const end = new Float64Array(numBuffers);
  if (numBuckets === 0) return { bytes, pos, end };
  // A bucket holds whole buffers only, so the bytes not yet assigned bound its size.
  let remaining = total;
  let bucket = 0;
  let current = decodeStream(compression, bucketStreams[0]!, remaining, fileOffset);
  let at = 0;
  for (let j = 0; j < numBuffers; j++) {
    const length = lengths[j]!;
    if (length > current.length - at) fail(`buffer ${j} does not fit in bucket ${bucket}`, fileOffset);
    bytes[j] = current;
    pos[j] = at;
    at += length;
    end[j] = at;
    remaining -= length;
    while (at === current.length && bucket + 1 < numBuckets) {
      bucket++;
      current = decodeStream(compression, bucketStreams[bucket]!, remaining, fileOffset);
      at = 0;
    }
  }
  if (bucket + 1 < numBuckets) fail(`buffers end before bucket ${bucket + 1} of ${numBuckets}`, fileOffset);
  if (at !== current.length) fail(`${current.length - at} bytes left over in the last bucket`, fileOffset);
  return { bytes, pos, end };
}

/** True when following implicit transitions from some state never reaches an explicit one. */
function hasImplicitLoop(next: Uint32Array, implicit: Uint8Array): boolean {
  const n = next.length;
  // 0 = unvisited, k = visited during walk k (walks are numbered from 1).
  const walk = new Uint32Array(n);
  let walkId = 0;
  for (let i = 0; i < n; i++) {
    if (walk[i] !== 0) continue;
    walkId++;
    let s = i;
    walk[s] = walkId;
    while (implicit[s] === 1) {
      s = next[s]!;
      if (walk[s] === walkId) return true;
      if (walk[s] !== 0) break;
      walk[s] = walkId;
    }
  }
  return false;
}
