/**
 * Canonical JSON of a tf.train.Example, the form the Python oracle (oracle.py's example_to_json)
 * prints from TensorFlow's own parse: feature name → {kind, values}; bytes as hex, float32 as their
 * IEEE bit patterns (so NaN, -0.0 and ±inf compare exactly), int64 as decimal strings.
 */
import type { ExampleRecord, FeatureInput } from "../../src/index.js";

/** One feature in canonical JSON. */
export type FeatureJson =
  | { kind: "bytes"; values: string[] }
  | { kind: "float"; values: number[] }
  | { kind: "int64"; values: string[] }
  | { kind: "none"; values: [] };

/** An Example in canonical JSON. */
export type ExampleSpec = Record<string, FeatureJson>;

/** float32 bit patterns of `values` (copied bytewise, so NaN payloads survive). */
function floatBits(values: Float32Array): number[] {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  return Array.from(new Uint32Array(bytes.buffer));
}

/** Our decoded Example in canonical JSON. */
export function exampleToSpec(example: ExampleRecord): ExampleSpec {
  const out: ExampleSpec = {};
  for (const [name, f] of Object.entries(example)) {
    if (f.kind === "bytes") out[name] = { kind: "bytes", values: f.values.map((v) => Buffer.from(v).toString("hex")) };
    else if (f.kind === "float") out[name] = { kind: "float", values: floatBits(f.values) };
    else if (f.kind === "int64") out[name] = { kind: "int64", values: f.values.map(String) };
    else out[name] = { kind: "none", values: [] };
  }
  return out;
}

/** A canonical-JSON Example as input for our encoder. */
export function specToInput(spec: ExampleSpec): Record<string, FeatureInput> {
  const out: Record<string, FeatureInput> = {};
  for (const [name, f] of Object.entries(spec)) {
    if (f.kind === "bytes") out[name] = { kind: "bytes", values: f.values.map((h) => Buffer.from(h, "hex")) };
    else if (f.kind === "float") out[name] = { kind: "float", values: new Float32Array(Uint32Array.from(f.values).buffer) };
    else if (f.kind === "int64") out[name] = { kind: "int64", values: f.values.map(BigInt) };
    else out[name] = { kind: "none" };
  }
  return out;
}

const bits = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0]!;
const hex = (s: string | Uint8Array): string => Buffer.from(s).toString("hex");

/** Float32 bit patterns TensorFlow must carry exactly: ±0, NaN, ±inf, extremes, a subnormal. */
export const SPECIAL_FLOAT_BITS: readonly number[] = [
  bits(0), 0x80000000, 0x7fc00000, bits(Infinity), bits(-Infinity), bits(3.4028234663852886e38), bits(-1.5), 0x00000001, bits(1 / 3),
];

/** Examples with every feature kind and the edge values of issue 9 (item 4), plus `random` others. */
export function edgeExamples(random: number): ExampleSpec[] {
  const out: ExampleSpec[] = [
    {
      bytes: { kind: "bytes", values: [hex(""), hex("abc"), hex("héllo ✓ 日本語 😀"), hex(Uint8Array.of(0, 255, 128))] },
      float: { kind: "float", values: [...SPECIAL_FLOAT_BITS] },
      int64: { kind: "int64", values: ["0", "-1", "-9223372036854775808", "9223372036854775807", "-1234567890123", "4294967296"] },
      none: { kind: "none", values: [] },
      "empty-bytes": { kind: "bytes", values: [] },
      "empty-float": { kind: "float", values: [] },
      "empty-int64": { kind: "int64", values: [] },
      "名前 ✓": { kind: "bytes", values: [hex("ünïcødé")] },
    },
    {},
    {
      "floats-10k": { kind: "float", values: Array.from({ length: 10_000 }, (_, i) => bits((i - 5000) / 7)) },
      "ints-10k": { kind: "int64", values: Array.from({ length: 10_000 }, (_, i) => String(BigInt(i - 5000) * 1_000_003n)) },
      "bytes-10k": { kind: "bytes", values: Array.from({ length: 10_000 }, (_, i) => hex(`v${i}`)) },
    },
    { "neg-zero": { kind: "float", values: [0x80000000] } },
  ];
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < random; i++) {
    out.push({
      id: { kind: "bytes", values: [hex(`example-${i}`)] },
      label: { kind: "int64", values: [String(BigInt(next()) - 2_147_483_648n)] },
      weights: { kind: "float", values: Array.from({ length: next() % 20 }, () => next() & 0x7f7fffff) },
      payload: { kind: "bytes", values: [Buffer.from(Uint32Array.from({ length: next() % 50 }, next).buffer).toString("hex")] },
    });
  }
  return out;
}
