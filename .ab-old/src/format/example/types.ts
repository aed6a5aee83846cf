/**
 * Plain-JavaScript shapes of a tf.train.Example: a map from feature name to one typed list.
 * (The generated protobuf classes in ./proto are not part of the public API.)
 */

/** One feature of a decoded Example: a list of byte strings, float32s or int64s. */
export type FeatureValue =
  /** `bytes_list`: byte strings, as views into the decoded record (not copies). */
  | { kind: "bytes"; values: Uint8Array[] }
  /** `float_list`: float32 values. */
  | { kind: "float"; values: Float32Array }
  /** `int64_list`: signed 64-bit integers, exact as bigint. */
  | { kind: "int64"; values: bigint[] }
  /** A Feature with no list set (the protobuf `oneof` left empty); has no values. */
  | { kind: "none"; values: readonly never[] };

/** The kind of a feature: which list of tf.train.Feature's `oneof kind` is set. */
export type FeatureKind = FeatureValue["kind"];

/**
 * A decoded tf.train.Example: feature name → {@link FeatureValue}, in the order the features
 * appear in the serialized record — except that JavaScript objects always put integer-like keys
 * ("0", "17") first; use `decodeExampleMap` when such names occur and exact order matters.
 */
export type ExampleRecord = Record<string, FeatureValue>;

/** A feature to encode: like {@link FeatureValue}, with more input types accepted. */
export type FeatureInput =
  /** Byte strings; a JS string is encoded as UTF-8. */
  | { kind: "bytes"; values: readonly (Uint8Array | string)[] }
  /** Numbers are rounded to float32, as TensorFlow stores them. */
  | { kind: "float"; values: Float32Array | readonly number[] }
  /** Numbers must be safe integers; bigints must fit in int64. */
  | { kind: "int64"; values: BigInt64Array | readonly (bigint | number)[] }
  | { kind: "none"; values?: readonly never[] };

/**
 * An Example to encode: a plain object, a Map, or [name, feature] pairs. Features are written in
 * iteration order (a Map or pairs keep any order exactly; see {@link ExampleRecord} for objects).
 */
export type ExampleInput =
  | Readonly<Record<string, FeatureInput>>
  | ReadonlyMap<string, FeatureInput>
  | Iterable<readonly [string, FeatureInput]>;
