/**
 * Protobuf wire-format scanning for the transposed encoder: which byte strings are messages in
 * the canonical encoding (so the decoder's output will reproduce them byte for byte).
 */

/** Wire types of the protobuf encoding. */
export const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

/**
 * Reads a canonical varint of at most 32 bits at `pos` (no redundant trailing zero groups).
 * Returns the value and sets {@link lastEnd}, or returns −1 when there is none before `end`.
 */
export function readCanonicalVarint32(bytes: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return -1;
  const first = bytes[pos]!;
  // Most tags and lengths are one byte.
  if (first < 0x80) {
    lastEnd = pos + 1;
    return first;
  }
  let value = first & 0x7f;
  for (let i = 1; i < 5; i++) {
    if (pos + i >= end) return -1;
    const b = bytes[pos + i]!;
    if (i === 4 && b > 0x0f) return -1;
    value += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (b === 0) return -1;
      lastEnd = pos + i + 1;
      return value;
    }
  }
  return -1;
}

/** Position after the varint last read by {@link readCanonicalVarint32} or {@link skipCanonicalVarint64}. */
export let lastEnd = 0;

/** Skips a canonical varint of at most 64 bits at `pos`; returns false when there is none. */
export function skipCanonicalVarint64(bytes: Uint8Array, pos: number, end: number): boolean {
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return false;
    const b = bytes[pos + i]!;
    if (i === 9 && b > 1) return false;
    if (b < 0x80) {
      if (b === 0 && i > 0) return false;
      lastEnd = pos + i + 1;
      return true;
    }
  }
  return false;
}

/**
 * True when `bytes[start, end)` is a protobuf message in canonical encoding: tags and lengths are
 * canonical varints, field numbers ≥ 1, wire types 0–5, every field complete, groups matched.
 * This is the test Riegeli's encoder applies; any other record is stored verbatim.
 */
export function isProtoMessage(bytes: Uint8Array, start: number, end: number): boolean {
  // Allocated only when a group starts: most messages have none.
  let groups: number[] | undefined;
  let pos = start;
  while (pos < end) {
    const tag = readCanonicalVarint32(bytes, pos, end);
    if (tag < 0) return false;
    pos = lastEnd;
    const field = Math.floor(tag / 8);
    if (field === 0) return false;
    switch (tag & 7) {
      case WireType.VARINT:
        if (!skipCanonicalVarint64(bytes, pos, end)) return false;
        pos = lastEnd;
        break;
      case WireType.FIXED32:
        if (end - pos < 4) return false;
        pos += 4;
        break;
      case WireType.FIXED64:
        if (end - pos < 8) return false;
        pos += 8;
        break;
      case WireType.LENGTH_DELIMITED: {
        const length = readCanonicalVarint32(bytes, pos, end);
        if (length < 0) return false;
        pos = lastEnd;
        if (end - pos < length) return false;
        pos += length;
        break;
      }
      case WireType.START_GROUP:
        (groups ??= []).push(field);
        break;
      case WireType.END_GROUP:
        if (groups === undefined || groups.length === 0 || groups.pop() !== field) return false;
        break;
      default:
        return false;
    }
  }
  return groups === undefined || groups.length === 0;
}
