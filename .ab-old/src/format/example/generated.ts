import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ArrayRecordError } from "../errors.js";
import type { FeatureValue } from "./types.js";
import { FeatureSchema, FeaturesSchema, type Feature } from "./proto/tensorflow/core/example/feature_pb.js";
import { ExampleSchema } from "./proto/tensorflow/core/example/example_pb.js";

/**
 * tf.train.Example through the code protoc-gen-es generates from proto/ (see
 * proto/buf.gen.yaml). The library decodes with the faster hand-written example-decode.ts; this
 * path is the reference it is tested and benchmarked against.
 */

const EMPTY: readonly never[] = Object.freeze([]);

/** Decodes with the generated protobuf-es code and converts to {@link FeatureValue}s. */
export function decodeExampleGenerated(bytes: Uint8Array): Map<string, FeatureValue> {
  let message;
  try {
    message = fromBinary(ExampleSchema, bytes);
  } catch (e) {
    throw new ArrayRecordError("CORRUPT", `invalid tf.train.Example: ${(e as Error).message}`, {}, { cause: e });
  }
  const out = new Map<string, FeatureValue>();
  const features = message.features?.feature ?? {};
  for (const name of Object.keys(features)) out.set(name, fromGenerated(features[name]!));
  return out;
}

function fromGenerated(feature: Feature): FeatureValue {
  switch (feature.kind.case) {
    case "bytesList":
      return { kind: "bytes", values: feature.kind.value.value };
    case "floatList":
      return { kind: "float", values: Float32Array.from(feature.kind.value.value) };
    case "int64List":
      return { kind: "int64", values: feature.kind.value.value };
    default:
      return { kind: "none", values: EMPTY };
  }
}

/** Encodes decoded features with the generated protobuf-es code (for cross-checking the hand-written encoder). */
export function encodeExampleGenerated(features: ReadonlyMap<string, FeatureValue>): Uint8Array {
  const feature: Record<string, Feature> = {};
  for (const [name, value] of features) {
    const kind =
      value.kind === "bytes"
        ? { case: "bytesList" as const, value: { value: value.values } }
        : value.kind === "float"
          ? { case: "floatList" as const, value: { value: Array.from(value.values) } }
          : value.kind === "int64"
            ? { case: "int64List" as const, value: { value: value.values } }
            : { case: undefined };
    // defineProperty: a feature may be named "__proto__", which assignment would not store.
    Object.defineProperty(feature, name, { value: create(FeatureSchema, { kind }), enumerable: true, writable: true, configurable: true });
  }
  return toBinary(ExampleSchema, create(ExampleSchema, { features: create(FeaturesSchema, { feature }) }));
}
