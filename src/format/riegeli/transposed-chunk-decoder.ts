/**
 * Decoder of transposed chunks (type 't', FORMAT.md §9). The header describes column buffers and
 * a state machine; running the machine over the transitions stream rebuilds the records, last
 * record first and each record back to front. Every read is checked against what remains, the
 * number of steps is bounded by the data present, and failures are CORRUPT errors.
 */
import { ArrayRecordError, isArrayRecordError } from "../errors.js";
import { decodeStream } from "./codecs.js";
import type { ChunkRecords } from "./simple-chunk.js";
import { BackwardOutput } from "./backward-output.js";
import { MAX_TAG_BYTES, StateKind, parseTransposedHeader, type TransposedHeader } from "./transposed-header.js";
import { maxSteps, maxTransitionBytes } from "./transposed-limits.js";

/**
 * Decodes the data of a transposed chunk holding `numRecords` records of `decodedDataSize` bytes
 * in all (both from its verified header). `fileOffset` locates errors.
 */
export function decodeTransposedChunk(data: Uint8Array, numRecords: number, decodedDataSize: number, fileOffset: number): ChunkRecords {
  try {
    const header = parseTransposedHeader(data, numRecords, decodedDataSize, fileOffset);
    const transitions = decodeStream(data[0]!, data.subarray(header.transitionsOffset), maxTransitionBytes(numRecords, decodedDataSize), fileOffset);
    return run(header, transitions, numRecords, decodedDataSize, fileOffset);
  } catch (e) {
    // Errors of shared helpers (varints, codecs) carry positions inside the header or a stream:
    // report them at the chunk.
    if (isArrayRecordError(e) && e.offset !== fileOffset) {
      throw new ArrayRecordError(e.code, `transposed chunk: ${e.reason}`, { offset: fileOffset }, { cause: e });
    }
    throw e;
  }
}

function fail(message: string, offset: number): never {
  throw new ArrayRecordError("CORRUPT", `transposed chunk: ${message}`, { offset });
}

/** Runs the state machine; returns the records in file order. */
function run(header: TransposedHeader, transitions: Uint8Array, numRecords: number, decodedDataSize: number, fileOffset: number): ChunkRecords {
  const { kind, next, implicit, bufferOf, tagBytes, tagLength, varintLength, nonProtoLengths, numStates } = header;
  const { bytes: bufBytes, pos: bufPos, end: bufEnd } = header.buffers;
  const out = new BackwardOutput(decodedDataSize, fileOffset);
  // Positions (bytes written so far) where records end, in the order the machine meets them.
  const boundaries: number[] = [];
  // Open submessages: where each ends (bytes written when it was opened) and its end state.
  const openEnds: number[] = [];
  const openStates: number[] = [];
  const stepLimit = maxSteps(transitions.length, numRecords, decodedDataSize);
  let steps = 0;
  let t = 0;
  let node = header.firstNode;
  let iters = implicit[node]!;

  /** Takes `n` bytes from buffer `b`; returns their start in `bufBytes[b]`. */
  const take = (b: number, n: number, what: string): number => {
    const at = bufPos[b]!;
    if (n > bufEnd[b]! - at) fail(`${what} runs past the end of buffer ${b}`, fileOffset);
    bufPos[b] = at + n;
    return at;
  };
  /** Reads a varint of at most 32 bits from buffer `b`; returns [value, length]. */
  const readLength = (b: number, what: string): [number, number] => {
    const bytes = bufBytes[b]!;
    const at = bufPos[b]!;
    const end = bufEnd[b]!;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (at + i >= end) fail(`${what} runs past the end of buffer ${b}`, fileOffset);
      const byte = bytes[at + i]!;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (byte < 0x80) {
        if (value > 0xffffffff) fail(`${what} does not fit in 32 bits`, fileOffset);
        bufPos[b] = at + i + 1;
        return [value, i + 1];
      }
    }
    fail(`${what} is longer than 5 bytes`, fileOffset);
  };
  const prependTag = (state: number, at: number): void => {
    const src = state * MAX_TAG_BYTES;
    const bytes = out.bytes;
    for (let i = 0, n = tagLength[state]!; i < n; i++) bytes[at + i] = tagBytes[src + i]!;
  };
  const copy = (b: number, from: number, n: number, at: number): void => {
    const src = bufBytes[b]!;
    const dst = out.bytes;
    if (n > 32) dst.set(src.subarray(from, from + n), at);
    else for (let i = 0; i < n; i++) dst[at + i] = src[from + i]!;
  };
  const messageStart = (): void => {
    if (openEnds.length !== 0) fail("a record starts while submessages are open", fileOffset);
    if (boundaries.length === numRecords) fail(`more than the ${numRecords} records the chunk header declares`, fileOffset);
    boundaries.push(out.written);
  };

  for (;;) {
    if (++steps > stepLimit) fail(`the state machine runs past ${stepLimit} steps`, fileOffset);
    switch (kind[node]) {
      case StateKind.NO_OP:
        break;
      case StateKind.MESSAGE_START:
        messageStart();
        break;
      case StateKind.NON_PROTO: {
        const [length] = readLength(nonProtoLengths, "non-proto record length");
        const b = bufferOf[node]!;
        const from = take(b, length, "non-proto record");
        copy(b, from, length, out.reserve(length));
        messageStart();
        break;
      }
      case StateKind.SUBMESSAGE_END:
        openEnds.push(out.written);
        openStates.push(node);
        break;
      case StateKind.SUBMESSAGE_START: {
        const endState = openStates.pop();
        if (endState === undefined) fail("submessage start without an open submessage", fileOffset);
        const length = out.written - openEnds.pop()!;
        if (length > 0xffffffff) fail("submessage longer than 2^32 - 1 bytes", fileOffset);
        let lengthBytes = 1;
        for (let v = length; v >= 0x80; v = Math.floor(v / 128)) lengthBytes++;
        const tagLen = tagLength[endState]!;
        const at = out.reserve(tagLen + lengthBytes);
        prependTag(endState, at);
        let p = at + tagLen;
        let v = length;
        const bytes = out.bytes;
        while (v >= 0x80) {
          bytes[p++] = (v & 0x7f) | 0x80;
          v = Math.floor(v / 128);
        }
        bytes[p] = v;
        break;
      }
      case StateKind.VARINT: {
        const n = varintLength[node]!;
        const b = bufferOf[node]!;
        const from = take(b, n, "varint field");
        const tagLen = tagLength[node]!;
        const at = out.reserve(tagLen + n);
        prependTag(node, at);
        const src = bufBytes[b]!;
        const bytes = out.bytes;
        for (let i = 0; i < n - 1; i++) bytes[at + tagLen + i] = src[from + i]! | 0x80;
        bytes[at + tagLen + n - 1] = src[from + n - 1]!;
        break;
      }
      case StateKind.TAG_ONLY:
        prependTag(node, out.reserve(tagLength[node]!));
        break;
      case StateKind.FIXED32:
      case StateKind.FIXED64: {
        const n = kind[node] === StateKind.FIXED32 ? 4 : 8;
        const b = bufferOf[node]!;
        const from = take(b, n, "fixed field");
        const tagLen = tagLength[node]!;
        const at = out.reserve(tagLen + n);
        prependTag(node, at);
        copy(b, from, n, at + tagLen);
        break;
      }
      case StateKind.STRING: {
        const b = bufferOf[node]!;
        const start = bufPos[b]!;
        const [length, lengthBytes] = readLength(b, "string length");
        take(b, length, "string field");
        const tagLen = tagLength[node]!;
        const at = out.reserve(tagLen + lengthBytes + length);
        prependTag(node, at);
        copy(b, start, lengthBytes + length, at + tagLen);
        break;
      }
    }
    node = next[node]!;
    if (iters === 0) {
      if (t === transitions.length) break;
      const byte = transitions[t++]!;
      node += byte >>> 2;
      if (node >= numStates) fail(`transition to state ${node} out of range (${numStates} states)`, fileOffset);
      iters = (byte & 3) + implicit[node]!;
    } else if (implicit[node] === 0) {
      iters--;
    }
  }

  if (openEnds.length !== 0) fail(`${openEnds.length} submessages still open at the end`, fileOffset);
  if (boundaries.length !== numRecords) fail(`${boundaries.length} records, the chunk header declares ${numRecords}`, fileOffset);
  const total = out.written;
  if (total !== decodedDataSize) fail(`records hold ${total} bytes, the chunk header declares ${decodedDataSize}`, fileOffset);
  if (numRecords > 0 && boundaries[numRecords - 1] !== total) fail("bytes after the first record's start", fileOffset);
  const values = out.result();
  if (numRecords === 1) return { count: 1, values, starts: undefined };
  // Boundary k (in machine order) is where the record numRecords-1-k starts, counted from the end.
  const starts = new Float64Array(numRecords + 1);
  for (let k = 0; k < numRecords; k++) starts[k] = total - boundaries[numRecords - 1 - k]!;
  starts[numRecords] = total;
  return { count: numRecords, values, starts };
}
