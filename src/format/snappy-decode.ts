/**
 * Raw Snappy decompression in TypeScript. The native `snappy` binding costs 4–8 µs per call in
 * fixed overhead, more than decoding a whole 1.3 KB record here, and Riegeli decompresses two
 * streams per chunk: measured with bench/codecs.ts, this loop is several times faster on
 * record-sized streams. Every length and offset is checked against the output bounds.
 */
import { ArrayRecordError } from "./errors.js";
import { cursor, readVarint } from "./varint.js";
import { allocBytes } from "./slab.js";

/** Copies shorter than this are done byte by byte: a builtin call costs more than the loop. */
const SHORT = 48;

/**
 * Decompresses a raw (unframed) Snappy stream whose preamble must declare `expectedSize` bytes.
 * Throws CORRUPT on any malformed element.
 */
export function snappyDecompress(input: Uint8Array, expectedSize: number, fileOffset: number): Uint8Array {
  const c = cursor(input);
  const size = readVarint(c);
  if (size !== expectedSize) bad(`snappy stream declares ${size} bytes, expected ${expectedSize}`, fileOffset);
  const out = allocBytes(size);
  let ip = c.offset;
  let op = 0;
  const end = input.length;
  while (ip < end) {
    const tag = input[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let length = (tag >>> 2) + 1;
      if (length > 60) {
        const extra = length - 60;
        if (ip + extra > end) bad("snappy literal length runs past the input", fileOffset);
        length = 0;
        for (let k = 0; k < extra; k++) length += input[ip + k]! * 2 ** (8 * k);
        length += 1;
        ip += extra;
      }
      if (length > end - ip || length > size - op) bad("snappy literal runs past its bounds", fileOffset);
      if (length < SHORT) {
        for (let k = 0; k < length; k++) out[op + k] = input[ip + k]!;
      } else {
        out.set(input.subarray(ip, ip + length), op);
      }
      ip += length;
      op += length;
      continue;
    }
    let length: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= end) bad("truncated snappy copy", fileOffset);
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[ip++]!;
    } else if (kind === 2) {
      if (ip + 2 > end) bad("truncated snappy copy", fileOffset);
      length = (tag >>> 2) + 1;
      offset = input[ip]! | (input[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > end) bad("truncated snappy copy", fileOffset);
      length = (tag >>> 2) + 1;
      offset = (input[ip]! | (input[ip + 1]! << 8) | (input[ip + 2]! << 16) | (input[ip + 3]! << 24)) >>> 0;
      ip += 4;
    }
    if (offset === 0 || offset > op || length > size - op) bad("snappy copy out of bounds", fileOffset);
    if (offset >= length && length >= SHORT) {
      out.copyWithin(op, op - offset, op - offset + length);
      op += length;
    } else {
      // Short or overlapping copy: byte by byte (an overlap repeats the last `offset` bytes, as the
      // format defines), cheaper than a builtin call for a few bytes.
      for (let k = 0; k < length; k++, op++) out[op] = out[op - offset]!;
    }
  }
  if (op !== size) bad(`snappy stream produced ${op} of ${size} bytes`, fileOffset);
  return out;
}

/**
 * Compresses an input too short for any match (under 15 bytes) the way libsnappy does: the
 * preamble and one literal. Saves a native call per chunk for the tiny size streams of small groups.
 */
export function snappyLiteral(input: Uint8Array): Uint8Array {
  if (input.length === 0) return Uint8Array.of(0);
  if (input.length >= 15) throw new RangeError("snappyLiteral is for inputs under 15 bytes");
  const out = new Uint8Array(2 + input.length);
  out[0] = input.length;
  out[1] = (input.length - 1) << 2;
  out.set(input, 2);
  return out;
}

function bad(message: string, fileOffset: number): never {
  throw new ArrayRecordError("CORRUPT", message, { offset: fileOffset });
}
