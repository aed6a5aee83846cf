import { ArrayRecordError } from "../errors.js";
import type { ExampleInput, FeatureInput } from "./types.js";
import { varintSize, writeVarint } from "../varint.js";

/**
 * Hand-written encoder of tf.train.Example, producing exactly the bytes TensorFlow's C++
 * serializer produces for the same features in the same order:
 *
 *     Example  = LD(1, Features)                     (written even with no features: 0a 00)
 *     Features = for each feature: LD(1, LD(1, name) + LD(2, Feature))   (key and value always)
 *     Feature  = LD(1, BytesList) | LD(2, FloatList) | LD(3, Int64List) | nothing
 *     lists    = BytesList: LD(1, v) per value; Float/Int64List: LD(1, packed) when non-empty
 *
 * (LD = length-delimited field.) An empty int64 list is therefore `1a 00`, an empty float list
 * `12 00`. A hand-written encoder (rather than the generated one) controls the map entry order:
 * protobuf-es keeps maps as plain objects, which reorder integer-like keys.
 */

const encoder = new TextEncoder();
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A feature normalised for writing, with its sizes computed once. */
interface PreparedFeature {
  name: Uint8Array;
  kind: FeatureInput["kind"];
  /** Bytes values, float32 bytes, or int64 values as bigint. */
  bytes?: Uint8Array[];
  floats?: Uint8Array;
  ints?: bigint[];
  /** Size of the packed float/int64 payload. */
  packedBytes: number;
  /** Size of the BytesList/FloatList/Int64List message. */
  listSize: number;
  featureSize: number;
  entrySize: number;
}

/** Serializes an Example (see {@link ExampleInput}) to protobuf bytes. INVALID_OPTIONS on bad input. */
export function encodeExampleBytes(example: ExampleInput): Uint8Array {
  const prepared: PreparedFeature[] = [];
  let featuresSize = 0;
  for (const [name, feature] of entriesOf(example)) {
    const p = prepare(name, feature);
    prepared.push(p);
    featuresSize += 1 + varintSize(p.entrySize) + p.entrySize;
  }
  const out = new Uint8Array(1 + varintSize(featuresSize) + featuresSize);
  let pos = 0;
  out[pos++] = 0x0a;
  pos = writeVarint(out, pos, featuresSize);
  for (const p of prepared) pos = writeEntry(out, pos, p);
  return out;
}

function entriesOf(example: ExampleInput): Iterable<readonly [string, FeatureInput]> {
  if (example instanceof Map) return example.entries();
  if (typeof (example as Iterable<unknown>)[Symbol.iterator] === "function") {
    return example as Iterable<readonly [string, FeatureInput]>;
  }
  return Object.entries(example as Record<string, FeatureInput>);
}

function invalid(name: string, message: string): never {
  throw new ArrayRecordError("INVALID_OPTIONS", `feature "${name}": ${message}`);
}

function prepare(name: string, feature: FeatureInput): PreparedFeature {
  if (typeof name !== "string") invalid(String(name), "feature names must be strings");
  if (feature === null || typeof feature !== "object") invalid(name, "not a feature object");
  const nameBytes = encoder.encode(name);
  const p: PreparedFeature = { name: nameBytes, kind: feature.kind, packedBytes: 0, listSize: 0, featureSize: 0, entrySize: 0 };
  switch (feature.kind) {
    case "bytes": {
      if (!isIterableArray(feature.values)) invalid(name, "bytes values must be an array");
      p.bytes = feature.values.map((v) => {
        if (typeof v === "string") return encoder.encode(v);
        if (v instanceof Uint8Array) return v;
        return invalid(name, "bytes values must be Uint8Array or string");
      });
      for (const v of p.bytes) p.listSize += 1 + varintSize(v.length) + v.length;
      p.featureSize = 1 + varintSize(p.listSize) + p.listSize;
      break;
    }
    case "float": {
      const values = feature.values;
      if (!(values instanceof Float32Array) && !isIterableArray(values)) invalid(name, "float values must be a Float32Array or number array");
      const floats = values instanceof Float32Array ? values : Float32Array.from(values, (v) => (typeof v === "number" ? v : invalid(name, "float values must be numbers")));
      p.floats = float32Bytes(floats);
      p.packedBytes = p.floats.length;
      p.listSize = p.packedBytes === 0 ? 0 : 1 + varintSize(p.packedBytes) + p.packedBytes;
      p.featureSize = 1 + varintSize(p.listSize) + p.listSize;
      break;
    }
    case "int64": {
      const values = feature.values;
      if (!(values instanceof BigInt64Array) && !isIterableArray(values)) invalid(name, "int64 values must be an array");
      p.ints = Array.from(values as ArrayLike<bigint | number>, (v) => toInt64(name, v));
      for (const v of p.ints) p.packedBytes += int64Size(v);
      p.listSize = p.ints.length === 0 ? 0 : 1 + varintSize(p.packedBytes) + p.packedBytes;
      p.featureSize = 1 + varintSize(p.listSize) + p.listSize;
      break;
    }
    case "none":
      p.featureSize = 0;
      break;
    default:
      invalid(name, `unknown kind ${JSON.stringify((feature as { kind: unknown }).kind)} (expected bytes, float, int64 or none)`);
  }
  p.entrySize = 1 + varintSize(nameBytes.length) + nameBytes.length + 1 + varintSize(p.featureSize) + p.featureSize;
  return p;
}

function isIterableArray(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

function toInt64(name: string, v: bigint | number): bigint {
  if (typeof v === "bigint") {
    if (BigInt.asIntN(64, v) !== v) invalid(name, `int64 value ${v} out of range`);
    return v;
  }
  if (typeof v !== "number" || !Number.isSafeInteger(v)) invalid(name, `int64 value ${String(v)} is not a safe integer (use bigint)`);
  return BigInt(v);
}

function float32Bytes(floats: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  const out = new Uint8Array(floats.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < floats.length; i++) view.setFloat32(i * 4, floats[i]!, true);
  return out;
}

/** Bytes of an int64 varint (negative values take 10). */
function int64Size(v: bigint): number {
  if (v < 0n) return 10;
  if (v <= 0x1f_ffff_ffff_ffffn) return varintSize(Number(v));
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

function writeInt64(out: Uint8Array, pos: number, v: bigint): number {
  if (v >= 0n && v <= 0x1f_ffff_ffff_ffffn) return writeVarint(out, pos, Number(v));
  let u = BigInt.asUintN(64, v);
  while (u >= 0x80n) {
    out[pos++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  out[pos++] = Number(u);
  return pos;
}

function writeEntry(out: Uint8Array, pos: number, p: PreparedFeature): number {
  out[pos++] = 0x0a; // Features.feature (map entry)
  pos = writeVarint(out, pos, p.entrySize);
  out[pos++] = 0x0a; // entry key
  pos = writeVarint(out, pos, p.name.length);
  out.set(p.name, pos);
  pos += p.name.length;
  out[pos++] = 0x12; // entry value: Feature
  pos = writeVarint(out, pos, p.featureSize);
  switch (p.kind) {
    case "bytes":
      out[pos++] = 0x0a;
      pos = writeVarint(out, pos, p.listSize);
      for (const v of p.bytes!) {
        out[pos++] = 0x0a;
        pos = writeVarint(out, pos, v.length);
        out.set(v, pos);
        pos += v.length;
      }
      break;
    case "float":
      out[pos++] = 0x12;
      pos = writeVarint(out, pos, p.listSize);
      if (p.floats!.length > 0) {
        out[pos++] = 0x0a;
        pos = writeVarint(out, pos, p.packedBytes);
        out.set(p.floats!, pos);
        pos += p.floats!.length;
      }
      break;
    case "int64":
      out[pos++] = 0x1a;
      pos = writeVarint(out, pos, p.listSize);
      if (p.ints!.length > 0) {
        out[pos++] = 0x0a;
        pos = writeVarint(out, pos, p.packedBytes);
        for (const v of p.ints!) pos = writeInt64(out, pos, v);
      }
      break;
    case "none":
      break;
  }
  return pos;
}
