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
    return run(header, transitions, numRecords, decodedDataSize, fileOffset, data.length);
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
function run(header: TransposedHeader, transitions: Uint8Array, numRecords: number, decodedDataSize: number, fileOffset: number, dataSize: number): ChunkRecords {
  const { kind, next, implicit, bufferOf, tagBytes, tagLength, varintLength, nonProtoLengths, numStates } = header;
  const { bytes: bufBytes, pos: bufPos, end: bufEnd } = header.buffers;
  // Sized from the chunk's real bytes (typical chunks decode to a few times their size); larger
  // outputs grow as they are produced, up to the declared size.
  const output = new BackwardOutput(decodedDataSize, fileOffset, Math.max(1 << 16, 8 * dataSize));
  // The output buffer and the first written byte, kept in locals for the hot loop; `reserve`
  // moves `at` down by n, growing the buffer when needed.
  let out = output.bytes;
  let at = out.length;
  const reserve = (n: number): number => {
    if (n > at) {
      output.start = at;
      output.reserve(n);
      out = output.bytes;
      at = output.start;
      return at;
    }
    return (at -= n);
  };
  // Positions (bytes written so far) where records end, in the order the machine meets them.
  const boundaries: number[] = [];
  // Open submessages: where each ends (bytes written when it was opened) and its end state.
  const openEnds: number[] = [];
  const openStates: number[] = [];
  const stepLimit = maxSteps(transitions.length, numRecords, decodedDataSize);
  const numTransitions = transitions.length;
  let steps = 0;
  let t = 0;
  let node = header.firstNode;
  let iters = implicit[node]!;
  /** Length of the varint read by readLength. */
  let lengthBytes = 0;

  /** Takes `n` bytes from buffer `b`; returns their start in `bufBytes[b]`. */
  const take = (b: number, n: number, what: string): number => {
    const from = bufPos[b]!;
    if (n > bufEnd[b]! - from) fail(`${what} runs past the end of buffer ${b}`, fileOffset);
    bufPos[b] = from + n;
    return from;
  };
  /** Reads a varint of at most 32 bits from buffer `b`; its length goes to `lengthBytes`. */
  const readLength = (b: number, what: string): number => {
    const bytes = bufBytes[b]!;
    const from = bufPos[b]!;
    const end = bufEnd[b]!;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (from + i >= end) fail(`${what} runs past the end of buffer ${b}`, fileOffset);
      const byte = bytes[from + i]!;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (byte < 0x80) {
        if (value > 0xffffffff) fail(`${what} does not fit in 32 bits`, fileOffset);
        bufPos[b] = from + i + 1;
        lengthBytes = i + 1;
        return value;
      }
    }
    fail(`${what} is longer than 5 bytes`, fileOffset);
  };
  const copy = (b: number, from: number, n: number, to: number): void => {
    const src = bufBytes[b]!;
    if (n > 16) out.set(src.subarray(from, from + n), to);
    else for (let i = 0; i < n; i++) out[to + i] = src[from + i]!;
  };
  const messageStart = (): void => {
    if (openEnds.length !== 0) fail("a record starts while submessages are open", fileOffset);
    if (boundaries.length === numRecords) fail(`more than the ${numRecords} records the chunk header declares`, fileOffset);
    boundaries.push(out.length - at);
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
        const length = readLength(nonProtoLengths, "non-proto record length");
        const b = bufferOf[node]!;
        const from = take(b, length, "non-proto record");
        copy(b, from, length, reserve(length));
        messageStart();
        break;
      }
      case StateKind.SUBMESSAGE_END:
        openEnds.push(out.length - at);
        openStates.push(node);
        break;
      case StateKind.SUBMESSAGE_START: {
        const endState = openStates.pop();
        if (endState === undefined) fail("submessage start without an open submessage", fileOffset);
        const length = out.length - at - openEnds.pop()!;
        if (length > 0xffffffff) fail("submessage longer than 2^32 - 1 bytes", fileOffset);
        let n = 1;
        for (let v = length; v >= 0x80; v = Math.floor(v / 128)) n++;
        const tagLen = tagLength[endState]!;
        let p = reserve(tagLen + n);
        const src = endState * MAX_TAG_BYTES;
        for (let i = 0; i < tagLen; i++) out[p++] = tagBytes[src + i]!;
        let v = length;
        while (v >= 0x80) {
          out[p++] = (v & 0x7f) | 0x80;
          v = Math.floor(v / 128);
        }
        out[p] = v;
        break;
      }
      case StateKind.VARINT: {
        const n = varintLength[node]!;
        const b = bufferOf[node]!;
        const from = take(b, n, "varint field");
        const tagLen = tagLength[node]!;
        let p = reserve(tagLen + n);
        const src = node * MAX_TAG_BYTES;
        for (let i = 0; i < tagLen; i++) out[p++] = tagBytes[src + i]!;
        const bytes = bufBytes[b]!;
        for (let i = 0; i < n - 1; i++) out[p++] = bytes[from + i]! | 0x80;
        out[p] = bytes[from + n - 1]!;
        break;
      }
      case StateKind.TAG_ONLY: {
        const tagLen = tagLength[node]!;
        let p = reserve(tagLen);
        const src = node * MAX_TAG_BYTES;
        for (let i = 0; i < tagLen; i++) out[p++] = tagBytes[src + i]!;
        break;
      }
      case StateKind.FIXED32:
      case StateKind.FIXED64: {
        const n = kind[node] === StateKind.FIXED32 ? 4 : 8;
        const b = bufferOf[node]!;
        const from = take(b, n, "fixed field");
        const tagLen = tagLength[node]!;
        let p = reserve(tagLen + n);
        const src = node * MAX_TAG_BYTES;
        for (let i = 0; i < tagLen; i++) out[p++] = tagBytes[src + i]!;
        const bytes = bufBytes[b]!;
        for (let i = 0; i < n; i++) out[p + i] = bytes[from + i]!;
        break;
      }
      case StateKind.STRING: {
        const b = bufferOf[node]!;
        const from = bufPos[b]!;
        const length = readLength(b, "string length");
        const total = lengthBytes + length;
        take(b, length, "string field");
        const tagLen = tagLength[node]!;
        let p = reserve(tagLen + total);
        const src = node * MAX_TAG_BYTES;
        for (let i = 0; i < tagLen; i++) out[p++] = tagBytes[src + i]!;
        copy(b, from, total, p);
        break;
      }
    }
    node = next[node]!;
    if (iters === 0) {
      if (t === numTransitions) break;
      const byte = transitions[t++]!;
      node += byte >>> 2;
      if (node >= numStates) fail(`transition to state ${node} out of range (${numStates} states)`, fileOffset);
      iters = (byte & 3) + implicit[node]!;
    } else if (implicit[node] === 0) {
      iters--;
    }
  }

  output.start = at;
  if (openEnds.length !== 0) fail(`${openEnds.length} submessages still open at the end`, fileOffset);
  if (boundaries.length !== numRecords) fail(`${boundaries.length} records, the chunk header declares ${numRecords}`, fileOffset);
  const total = output.written;
  if (total !== decodedDataSize) fail(`records hold ${total} bytes, the chunk header declares ${decodedDataSize}`, fileOffset);
  if (numRecords > 0 && boundaries[numRecords - 1] !== total) fail("bytes after the first record's start", fileOffset);
  const values = output.result();
  if (numRecords === 1) return { count: 1, values, starts: undefined };
  // Boundary k (in machine order) is where the record numRecords-1-k starts, counted from the end.
  const starts = new Float64Array(numRecords + 1);
  for (let k = 0; k < numRecords; k++) starts[k] = total - boundaries[numRecords - 1 - k]!;
  starts[numRecords] = total;
  return { count: numRecords, values, starts };
}
