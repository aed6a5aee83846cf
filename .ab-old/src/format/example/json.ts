/**
 * tf.train.Example as JSON: the data form ({@link exampleToJson}) and its text
 * ({@link stringifyExampleJson}), which keeps the sign of a float32 negative zero.
 */
import type { ExampleRecord, FeatureValue } from "./types.js";

/**
 * JSON form of one feature: the kind as the key, the values as a JSON array.
 *
 * - bytes: `{"bytes": [string, ...]}` when every value is valid UTF-8, otherwise
 *   `{"bytes_base64": [base64, ...]}` for all values of that feature (so one array never mixes
 *   encodings and a reader can tell text from base64 by the key).
 * - float: `{"float": [number, ...]}`, each the shortest decimal that reads back as the same
 *   float32 (negative zero is the number -0; {@link stringifyExampleJson} prints it `-0.0`,
 *   which `JSON.stringify` cannot); NaN and ±Infinity, which JSON lacks, as the strings "NaN",
 *   "Infinity", "-Infinity".
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

/** JSON form of an Example (see {@link FeatureJson}); print it with {@link stringifyExampleJson}. */
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
  // toPrecision drops the sign of zero ("0"); the sign is part of the float32.
  if (Object.is(v, -0)) return -0;
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(v.toPrecision(digits));
    if (Math.fround(shorter) === v) return shorter;
  }
  return v;
}

/**
 * One line of JSON text for an {@link ExampleJson}, as `JSON.stringify` would print it except that
 * a negative zero prints as `-0.0` (JSON.stringify prints `0`): a JSON number that JavaScript's
 * JSON.parse, Python's json and other common parsers read back as negative zero.
 */
export function stringifyExampleJson(example: ExampleJson): string {
  const features: string[] = [];
  for (const [name, feature] of Object.entries(example)) {
    const [kind, values] = Object.entries(feature)[0] as [string, readonly (number | string)[]];
    const items = values.map((v) => (typeof v === "number" && Object.is(v, -0) ? "-0.0" : JSON.stringify(v)));
    features.push(`${JSON.stringify(name)}:{${JSON.stringify(kind)}:[${items.join(",")}]}`);
  }
  return `{${features.join(",")}}`;
}
