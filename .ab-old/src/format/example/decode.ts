import { ArrayRecordError } from "../errors.js";
import type { FeatureValue } from "./types.js";

/**
 * Hand-written decoder of serialized tf.train.Example protobufs, straight to
 * {@link FeatureValue}s. It exists because it is several times faster than decoding with the
 * generated protobuf-es code and converting (see bench/tfrecord.ts); the test suite checks it
 * against the generated decoder.
 *
 * It follows protobuf parsing rules: unknown fields are skipped, repeated scalars are accepted
 * packed or unpacked, a repeated sub-message merges (lists append), the last `oneof` member wins,
 * and for a duplicated map key the last entry wins. Malformed input is CORRUPT, never a crash.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const EMPTY: readonly never[] = Object.freeze([]);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Read state over one serialized Example. */
class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  fail(message: string): never {
    throw new ArrayRecordError("CORRUPT", `invalid tf.train.Example: ${message}`, { offset: this.pos });
  }

  /** A varint of at most 32 significant bits (tags and lengths), as a non-negative number. */
  uint32(end: number): number {
    const b = this.bytes;
    let pos = this.pos;
    if (pos < end && b[pos]! < 0x80) {
      this.pos = pos + 1;
      return b[pos]!;
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (pos >= end) this.fail("truncated varint");
      const byte = b[pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.pos = pos;
        if (result > 0xffff_ffff) this.fail("varint exceeds 32 bits");
        return result;
      }
      scale *= 128;
    }
    this.fail("varint exceeds 32 bits");
  }

  /** A length prefix; returns the end of the delimited bytes, checked against `end`. */
  delimited(end: number): number {
    const length = this.uint32(end);
    if (length > end - this.pos) this.fail(`length ${length} runs past the end of its message`);
    return this.pos + length;
  }

  /** An int64 varint, sign included (negative values are 10-byte two's complement). */
  int64(end: number): bigint {
    const b = this.bytes;
    let pos = this.pos;
    // Fast path: up to 4 bytes (28 bits) in int32 arithmetic, the common case for ids and tokens.
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) this.fail("truncated varint");
      const byte = b[pos++]!;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        return BigInt(value);
      }
    }
    // Up to 7 bytes (49 bits) stays exact in a double.
    let scale = 2 ** 28;
    for (let i = 0; i < 3; i++) {
      if (pos >= end) this.fail("truncated varint");
      const byte = b[pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.pos = pos;
        return BigInt(value);
      }
      scale *= 128;
    }
    let big = BigInt(value);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      if (pos >= end) this.fail("truncated varint");
      const byte = b[pos++]!;
      big |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        return BigInt.asIntN(64, big);
      }
    }
    this.fail("varint longer than 10 bytes");
  }

  /** Skips a field of wire type `wire`. */
  skip(wire: number, end: number): void {
    switch (wire) {
      case WIRE_VARINT:
        for (;;) {
          if (this.pos >= end) this.fail("truncated varint");
          if (this.bytes[this.pos++]! < 0x80) return;
        }
      case WIRE_FIXED64:
        if (end - this.pos < 8) this.fail("truncated fixed64");
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.delimited(end);
        return;
      case WIRE_FIXED32:
        if (end - this.pos < 4) this.fail("truncated fixed32");
        this.pos += 4;
        return;
      default:
        // Groups (3, 4) are long deprecated and never occur in an Example.
        this.fail(`unsupported wire type ${wire}`);
    }
  }
}

/** Receives each decoded feature; a name seen again replaces the earlier value (protobuf map semantics). */
export type FeatureSink = (name: string, value: FeatureValue) => void;

/** Decodes a serialized Example, passing each feature to `sink` in wire order. */
export function decodeExampleFeatures(bytes: Uint8Array, sink: FeatureSink): void {
  const r = new Reader(bytes, 0);
  const end = bytes.length;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === ((1 << 3) | WIRE_LEN)) {
      // Example.features; repeated occurrences of a message field merge.
      const featuresEnd = r.delimited(end);
      decodeFeatures(r, featuresEnd, sink);
      r.pos = featuresEnd;
    } else {
      r.skip(tag & 7, end);
    }
  }
}

function decodeFeatures(r: Reader, end: number, sink: FeatureSink): void {
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag !== ((1 << 3) | WIRE_LEN)) {
      r.skip(tag & 7, end);
      continue;
    }
    // One map entry: key = 1 (string), value = 2 (Feature); either may be missing.
    const entryEnd = r.delimited(end);
    let key = "";
    let value: FeatureValue | undefined;
    while (r.pos < entryEnd) {
      const entryTag = r.uint32(entryEnd);
      if (entryTag === ((1 << 3) | WIRE_LEN)) {
        const keyEnd = r.delimited(entryEnd);
        key = decodeUtf8(r, r.pos, keyEnd);
        r.pos = keyEnd;
      } else if (entryTag === ((2 << 3) | WIRE_LEN)) {
        const featureEnd = r.delimited(entryEnd);
        value = decodeFeature(r, featureEnd, value);
        r.pos = featureEnd;
      } else {
        r.skip(entryTag & 7, entryEnd);
      }
    }
    sink(key, value ?? { kind: "none", values: EMPTY });
  }
}

/** Decodes a Feature, merging into `previous` as protobuf merges a repeated message field. */
function decodeFeature(r: Reader, end: number, previous: FeatureValue | undefined): FeatureValue {
  let value = previous ?? { kind: "none", values: EMPTY };
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    if ((tag & 7) !== WIRE_LEN || field < 1 || field > 3) {
      r.skip(tag & 7, end);
      continue;
    }
    const listEnd = r.delimited(end);
    if (field === 1) {
      const values = value.kind === "bytes" ? value.values : [];
      decodeBytesList(r, listEnd, values);
      value = { kind: "bytes", values };
    } else if (field === 2) {
      value = { kind: "float", values: decodeFloatList(r, listEnd, value.kind === "float" ? value.values : undefined) };
    } else {
      const values = value.kind === "int64" ? value.values : [];
      decodeInt64List(r, listEnd, values);
      value = { kind: "int64", values };
    }
    r.pos = listEnd;
  }
  return value;
}

function decodeBytesList(r: Reader, end: number, out: Uint8Array[]): void {
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const valueEnd = r.delimited(end);
      out.push(r.bytes.subarray(r.pos, valueEnd));
      r.pos = valueEnd;
    } else {
      r.skip(tag & 7, end);
    }
  }
}

function decodeFloatList(r: Reader, end: number, previous: Float32Array | undefined): Float32Array {
  // Collect the [start, end) byte ranges of float32 runs first, to allocate the array once.
  let firstStart = -1;
  let firstEnd = -1;
  let runs: number[] | undefined;
  let count = previous?.length ?? 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    let runEnd: number;
    if (tag === ((1 << 3) | WIRE_LEN)) {
      runEnd = r.delimited(end);
      if ((runEnd - r.pos) % 4 !== 0) r.fail("packed float list length is not a multiple of 4");
    } else if (tag === ((1 << 3) | WIRE_FIXED32)) {
      if (end - r.pos < 4) r.fail("truncated float");
      runEnd = r.pos + 4;
    } else {
      r.skip(tag & 7, end);
      continue;
    }
    if (firstStart < 0) {
      firstStart = r.pos;
      firstEnd = runEnd;
    } else {
      (runs ??= []).push(r.pos, runEnd);
    }
    count += (runEnd - r.pos) / 4;
    r.pos = runEnd;
  }
  const out = new Float32Array(count);
  let index = 0;
  if (previous !== undefined) {
    out.set(previous);
    index = previous.length;
  }
  if (firstStart >= 0) index = copyFloats(r.bytes, firstStart, firstEnd, out, index);
  if (runs !== undefined) for (let i = 0; i < runs.length; i += 2) index = copyFloats(r.bytes, runs[i]!, runs[i + 1]!, out, index);
  return out;
}

/** 4-byte scratch through which small runs of little-endian float32s are copied without allocating. */
const SCRATCH_BYTES = new Uint8Array(4);
const SCRATCH_FLOAT = new Float32Array(SCRATCH_BYTES.buffer);

/** Copies the little-endian float32s in `bytes[start, end)` into `out` from `index`; returns the next index. */
function copyFloats(bytes: Uint8Array, start: number, end: number, out: Float32Array, index: number): number {
  if (LITTLE_ENDIAN && end - start >= 256) {
    // Long runs: one bulk copy beats the per-value loop despite the view allocation.
    new Uint8Array(out.buffer, index * 4, end - start).set(bytes.subarray(start, end));
    return index + (end - start) / 4;
  }
  for (let p = start; p < end; p += 4) {
    SCRATCH_BYTES[0] = bytes[p]!;
    SCRATCH_BYTES[1] = bytes[p + 1]!;
    SCRATCH_BYTES[2] = bytes[p + 2]!;
    SCRATCH_BYTES[3] = bytes[p + 3]!;
    out[index++] = LITTLE_ENDIAN ? SCRATCH_FLOAT[0]! : new DataView(SCRATCH_BYTES.buffer).getFloat32(0, true);
  }
  return index;
}

function decodeInt64List(r: Reader, end: number, out: bigint[]): void {
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const runEnd = r.delimited(end);
      while (r.pos < runEnd) out.push(r.int64(runEnd));
    } else if (tag === ((1 << 3) | WIRE_VARINT)) {
      out.push(r.int64(end));
    } else {
      r.skip(tag & 7, end);
    }
  }
}

/**
 * Recently decoded feature names. The same few names recur in every record of a dataset, so
 * matching the bytes against a cached name is cheaper than building a new string each time.
 */
const NAME_CACHE_SIZE = 256;
const nameCacheBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(NAME_CACHE_SIZE).fill(undefined);
const nameCacheStrings: string[] = new Array<string>(NAME_CACHE_SIZE).fill("");

function decodeUtf8(r: Reader, start: number, end: number): string {
  const bytes = r.bytes;
  const length = end - start;
  if (length > 64) return decodeUtf8Slow(r, start, end);
  let hash = length;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + bytes[i]!) | 0;
  const slot = (hash ^ (hash >>> 8)) & (NAME_CACHE_SIZE - 1);
  const cached = nameCacheBytes[slot];
  if (cached !== undefined && cached.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached[i] !== bytes[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return nameCacheStrings[slot]!;
  }
  let name = "";
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c >= 0x80) {
      name = decodeUtf8Slow(r, start, end);
      break;
    }
    name += String.fromCharCode(c);
  }
  nameCacheBytes[slot] = bytes.slice(start, end);
  nameCacheStrings[slot] = name;
  return name;
}

function decodeUtf8Slow(r: Reader, start: number, end: number): string {
  try {
    return utf8.decode(r.bytes.subarray(start, end));
  } catch {
    // proto3 requires string fields to be valid UTF-8; protobuf parsers reject them too.
    r.pos = start;
    r.fail("feature name is not valid UTF-8");
  }
}
