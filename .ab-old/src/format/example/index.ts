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

export { exampleToJson, stringifyExampleJson, type ExampleJson, type FeatureJson } from "./json.js";
