import { ArrayRecordError } from "./errors.js";

/** A read position over bytes: the hyparquet-style `{view, offset}` cursor, with a hard end. */
export interface Cursor {
  /** The bytes being read. */
  readonly bytes: Uint8Array;
  /** Next byte to read. */
  offset: number;
  /** One past the last readable byte. */
  readonly end: number;
}

/** Makes a cursor over `bytes[start, end)`. */
export function cursor(bytes: Uint8Array, start = 0, end = bytes.length): Cursor {
  return { bytes, offset: start, end };
}

/**
 * Reads a protobuf base-128 varint of at most 64 bits as an exact `number`.
 * Values above 2^53 − 1 are rejected (CORRUPT), as are varints longer than 10 bytes
 * or running past the cursor's end.
 */
export function readVarint(c: Cursor): number {
  const { bytes, end } = c;
  let pos = c.offset;
  // Fast path: 1–4 bytes fit in 28 bits of 32-bit arithmetic.
  let result = 0;
  let shift = 0;
  while (pos < end && shift < 28) {
    const b = bytes[pos++]!;
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      c.offset = pos;
      return result >>> 0;
    }
    shift += 7;
  }
  let value = result >>> 0;
  let scale = 2 ** shift;
  while (pos < end) {
    const b = bytes[pos++]!;
    if (shift === 63 && b > 1) break;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (!Number.isSafeInteger(value)) {
        throw new ArrayRecordError("CORRUPT", "varint value exceeds 2^53 - 1", { offset: c.offset });
      }
      c.offset = pos;
      return value;
    }
    shift += 7;
    scale *= 128;
    if (shift > 63) break;
  }
  if (pos >= end && (pos === c.offset || bytes[pos - 1]! >= 0x80)) {
    throw new ArrayRecordError("CORRUPT", "truncated varint", { offset: c.offset });
  }
  throw new ArrayRecordError("CORRUPT", "varint longer than 64 bits", { offset: c.offset });
}

/**
 * {@link readVarint} for a decoder that knows where its bytes sit in the file: a malformed varint
 * is CORRUPT at `fileOffset` (the chunk or record being parsed), not at its position inside `c`.
 */
export function readVarintAt(c: Cursor, fileOffset: number): number {
  try {
    return readVarint(c);
  } catch (e) {
    if (e instanceof ArrayRecordError) throw new ArrayRecordError(e.code, e.reason, { offset: fileOffset });
    throw e;
  }
}

/** Number of bytes {@link writeVarint} uses for `value` (a non-negative safe integer). */
export function varintSize(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes `value` (a non-negative safe integer) as a varint at `pos`; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[pos++] = value;
  return pos;
}
