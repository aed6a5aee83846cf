import { decodeExampleFeatures } from "./decode.js";
import { encodeExampleBytes } from "./encode.js";
import type { ExampleInput, ExampleRecord, FeatureValue } from "./types.js";

/**
 * tf.train.Example records as plain JavaScript: decode, encode, and render as JSON.
 *
 * Decoding uses a hand-written decoder (example-decode.ts), ~2x faster than the code generated
 * from proto/ with protoc-gen-es (example-generated.ts, kept as the tested reference).
 * Encoding reproduces TensorFlow's serializer byte for byte (example-encode.ts).
 */

export type { ExampleInput, ExampleRecord, FeatureInput, FeatureKind, FeatureValue } from "./types.js";

/**
 * Decodes a serialized tf.train.Example into a plain object, feature name → {@link FeatureValue}.
 * Bytes values are views into `bytes` (no copies). Malformed input throws CORRUPT.
 */
export function decodeExample(bytes: Uint8Array): ExampleRecord {
  const example: ExampleRecord = {};
  decodeExampleFeatures(bytes, (name, value) => {
    // A feature may be called "__proto__": define it rather than assign, or the object's
    // prototype would change instead.
    if (name === "__proto__") Object.defineProperty(example, name, { value, enumerable: true, writable: true, configurable: true });
    else example[name] = value;
  });
  return example;
}

/**
 * Like {@link decodeExample}, but returns a Map, which keeps the serialized feature order exactly
 * (a plain object moves integer-like names such as "0" to the front), so
 * `encodeExample(decodeExampleMap(b))` reproduces any canonically serialized `b` byte for byte.
 */
export function decodeExampleMap(bytes: Uint8Array): Map<string, FeatureValue> {
  const example = new Map<string, FeatureValue>();
  decodeExampleFeatures(bytes, (name, value) => {
    example.set(name, value);
  });
  return example;
}

/**
 * Serializes an Example (plain object, Map, or [name, feature] pairs) exactly as TensorFlow's
 * C++ serializer would for the same features in the same order. Invalid input (unknown kind,
 * non-integer int64, …) throws INVALID_OPTIONS.
 */
export function encodeExample(example: ExampleInput): Uint8Array {
  return encodeExampleBytes(example);
}

/**
 * JSON form of one feature: the kind as the key, the values as a JSON array.
 *
 * - bytes: `{"bytes": [string, ...]}` when every value is valid UTF-8, otherwise
 *   `{"bytes_base64": [base64, ...]}` for all values of that feature (so one array never mixes
 *   encodings and a reader can tell text from base64 by the key).
 * - float: `{"float": [number, ...]}`, each the shortest decimal that reads back as the same
 *   float32; NaN and ±Infinity, which JSON lacks, as the strings "NaN", "Infinity", "-Infinity".
 * - int64: `{"int64": [number | string, ...]}`, a number when within ±(2^53 − 1), else a decimal
 *   string (JSON parsers would lose precision).
 * - none: `{"none": []}`.
 */
export type FeatureJson =
  | { bytes: string[] }
  | { bytes_base64: string[] }
  | { float: (number | string)[] }
  | { int64: (number | string)[] }
  | { none: [] };

/** JSON form of an Example (see {@link FeatureJson}); pass it to `JSON.stringify`. */
export type ExampleJson = Record<string, FeatureJson>;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Renders a decoded Example as JSON-safe data, by the rules of {@link FeatureJson}. */
export function exampleToJson(example: ExampleRecord | ReadonlyMap<string, FeatureValue>): ExampleJson {
  const out: ExampleJson = {};
  const entries = example instanceof Map ? example.entries() : Object.entries(example as ExampleRecord);
  for (const [name, value] of entries) {
    const json = featureToJson(value);
    if (name === "__proto__") Object.defineProperty(out, name, { value: json, enumerable: true, writable: true, configurable: true });
    else out[name] = json;
  }
  return out;
}

function featureToJson(value: FeatureValue): FeatureJson {
  switch (value.kind) {
    case "bytes": {
      const texts: string[] = [];
      for (const v of value.values) {
        try {
          texts.push(strictUtf8.decode(v));
        } catch {
          return { bytes_base64: value.values.map((b) => Buffer.from(b.buffer, b.byteOffset, b.length).toString("base64")) };
        }
      }
      return { bytes: texts };
    }
    case "float":
      return { float: Array.from(value.values, float32ToJson) };
    case "int64":
      return { int64: value.values.map((v) => (v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v.toString())) };
    case "none":
      return { none: [] };
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The shortest decimal that parses back to the same float32 (e.g. 0.1f → 0.1, not 0.10000000149011612). */
function float32ToJson(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(v.toPrecision(digits));
    if (Math.fround(shorter) === v) return shorter;
  }
  return v;
}
