import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArrayRecordError } from "../../../src/format/errors.js";
import { decodeExample, decodeExampleMap, encodeExample, exampleToJson, type FeatureValue } from "../../../src/format/example/index.js";
import { decodeExampleGenerated, encodeExampleGenerated } from "../../../src/format/example/generated.js";
import { exampleRecords, mixedRecords } from "../../helpers/generators.js";

/**
 * The golden corpus's records, rebuilt by its generators (golden/README.md): both example files
 * hold example(seed=3, n=500), the mixed file mixed(seed=4, n=400). `npm run test:corpus` checks
 * these generators against the files.
 */
function goldenRecords(name: string): Uint8Array[] {
  if (name.startsWith("example_")) return exampleRecords(3, 500);
  if (name.startsWith("mixed_")) return mixedRecords(4, 400);
  throw new Error(`no generator for ${name}`);
}

const WORDS = new Set(
  "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum eu fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum".split(" "),
);

/** Comparable plain form of decoded features (bytes as hex, floats as numbers). */
function plain(features: ReadonlyMap<string, FeatureValue>): [string, string, unknown[]][] {
  return [...features].map(([name, f]) => [
    name,
    f.kind,
    f.kind === "bytes" ? f.values.map((v) => Buffer.from(v).toString("hex")) : f.kind === "float" ? Array.from(f.values) : [...f.values],
  ]);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

describe("golden tf.train.Example records", () => {
  const files = ["example_gs64_transpose.records", "example_gs1_transpose_uncompressed.records"];
  // mixed(seed, n): every record with i % 3 == 2 is an Example too.
  const mixed = goldenRecords("mixed_gs16_transpose_zstd.records").filter((_, i) => i % 3 === 2);

  it.each(files)("%s: every record decodes to the generator's features", (file) => {
    const records = goldenRecords(file);
    expect(records.length).toBe(500);
    let emptyTokenLists = 0;
    records.forEach((record, i) => {
      const ex = decodeExample(record);
      expect(Object.keys(ex)).toEqual(["id", "label", "scores", "text", "tokens"]);
      const { id, label, scores, text, tokens } = ex as Record<string, FeatureValue>;
      expect(id!.kind).toBe("bytes");
      expect(new TextDecoder().decode((id as { values: Uint8Array[] }).values[0])).toBe(`rec-${String(i).padStart(6, "0")}`);
      expect(label!.kind).toBe("int64");
      expect(label!.values.length).toBe(1);
      expect(Number(label!.values[0])).toBeGreaterThanOrEqual(0);
      expect(Number(label!.values[0])).toBeLessThanOrEqual(9);
      expect(scores!.kind).toBe("float");
      expect(scores!.values.length).toBeGreaterThanOrEqual(1);
      expect(scores!.values.length).toBeLessThanOrEqual(4);
      for (const s of scores!.values as Float32Array) {
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(1);
        expect(s * 2 ** 24).toBe(Math.floor(s * 2 ** 24)); // (next() >> 40) / 2^24
      }
      expect(text!.kind).toBe("bytes");
      const words = new TextDecoder().decode((text as { values: Uint8Array[] }).values[0]).split(" ");
      expect(words.length === 1 && words[0] === "" ? 0 : words.length).toBeLessThanOrEqual(80);
      for (const w of words.slice(0, -1)) expect(WORDS.has(w), w).toBe(true);
      expect(tokens!.kind).toBe("int64");
      expect(tokens!.values.length).toBeLessThanOrEqual(20);
      for (const t of tokens!.values as bigint[]) {
        expect(t >= 0n && t < 100000n).toBe(true);
      }
      if (tokens!.values.length === 0) emptyTokenLists++;
    });
    // The empty-int64-list encoding (1a 00) must be among what was checked.
    expect(emptyTokenLists).toBeGreaterThan(0);
  });

  it.each([...files.map((f) => [f, goldenRecords(f)] as const), ["mixed (i % 3 == 2)", mixed] as const])(
    "%s: re-encoding gives the same bytes, and the generated decoder agrees",
    (_name, records) => {
      expect(records.length).toBeGreaterThan(0);
      for (const record of records) {
        expect(same(encodeExample(decodeExampleMap(record)), record)).toBe(true);
        expect(same(encodeExample(decodeExample(record)), record)).toBe(true);
        const generated = decodeExampleGenerated(record);
        expect(plain(decodeExampleMap(record))).toEqual(plain(generated));
        expect(same(encodeExampleGenerated(generated), record)).toBe(true);
      }
    },
  );

  it("decodes bytes values as views into the record", () => {
    const record = goldenRecords(files[0]!)[0]!;
    const id = decodeExample(record).id as { values: Uint8Array[] };
    expect(id.values[0]!.buffer).toBe(record.buffer);
  });
});

/** Feature names without integer-like keys (which plain objects reorder) and without duplicates. */
const nameArb = fc.string({ maxLength: 12 }).filter((s) => !/^(0|[1-9]\d*)$/.test(s));
const featureArb: fc.Arbitrary<FeatureValue> = fc.oneof(
  fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }).map((values) => ({ kind: "bytes" as const, values })),
  fc.array(fc.float({ noNaN: true }), { maxLength: 8 }).map((values) => ({ kind: "float" as const, values: Float32Array.from(values) })),
  fc
    .array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 8 })
    .map((values) => ({ kind: "int64" as const, values })),
  fc.constant({ kind: "none" as const, values: [] as never[] }),
);
const exampleArb = fc.uniqueArray(fc.tuple(nameArb, featureArb), { maxLength: 8, selector: ([name]) => name }).map((entries) => new Map(entries));

describe("encodeExample / decodeExample", () => {
  it("round-trips random features, byte-identical to the generated encoder (property)", () => {
    fc.assert(
      fc.property(exampleArb, (example) => {
        const bytes = encodeExample(example);
        expect(plain(decodeExampleMap(bytes))).toEqual(plain(example));
        expect(plain(decodeExampleGenerated(bytes))).toEqual(plain(example));
        expect(Buffer.from(encodeExampleGenerated(example)).toString("hex")).toBe(Buffer.from(bytes).toString("hex"));
        expect(plain(new Map(Object.entries(decodeExample(bytes))))).toEqual(plain(example));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps any feature order exactly through a Map, including integer-like names", () => {
    const example = new Map<string, FeatureValue>([
      ["b", { kind: "int64", values: [1n] }],
      ["10", { kind: "int64", values: [] }],
      ["2", { kind: "none", values: [] }],
    ]);
    const bytes = encodeExample(example);
    expect([...decodeExampleMap(bytes).keys()]).toEqual(["b", "10", "2"]);
    expect(same(encodeExample(decodeExampleMap(bytes)), bytes)).toBe(true);
  });

  it("accepts convenient input types", () => {
    const bytes = encodeExample({
      text: { kind: "bytes", values: ["héllo", new Uint8Array([0xff])] },
      f: { kind: "float", values: [0.1, 2] },
      n: { kind: "int64", values: [1, -1n, 2n ** 62n] },
      big: { kind: "int64", values: BigInt64Array.of(-5n) },
    });
    const ex = decodeExample(bytes);
    expect(new TextDecoder().decode((ex.text as { values: Uint8Array[] }).values[0])).toBe("héllo");
    expect(Array.from(ex.f!.values as Float32Array)).toEqual([Math.fround(0.1), 2]);
    expect(ex.n!.values).toEqual([1n, -1n, 2n ** 62n]);
    expect(ex.big!.values).toEqual([-5n]);
  });

  it("encodes empty lists as TensorFlow does", () => {
    const hex = (f: FeatureValue): string => Buffer.from(encodeExample(new Map([["k", f]]))).toString("hex");
    expect(hex({ kind: "int64", values: [] })).toBe("0a090a070a016b12021a00");
    expect(hex({ kind: "float", values: new Float32Array(0) })).toBe("0a090a070a016b12021200");
    expect(hex({ kind: "bytes", values: [] })).toBe("0a090a070a016b12020a00");
    expect(Buffer.from(encodeExample({})).toString("hex")).toBe("0a00");
  });

  it("rejects invalid input with INVALID_OPTIONS", () => {
    const bad = [
      { x: { kind: "int64", values: [1.5] } },
      { x: { kind: "int64", values: [2n ** 63n] } },
      { x: { kind: "int64", values: [2 ** 60] } },
      { x: { kind: "bytes", values: [42] } },
      { x: { kind: "complex", values: [] } },
      { x: null },
    ];
    for (const example of bad) {
      expect(() => encodeExample(example as never)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    }
  });

  it("follows protobuf parsing rules: unpacked lists, merged lists, last map entry wins, unknown fields", () => {
    const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/ /g, ""), "hex"));
    // Features { "a": Int64List unpacked [1, 2] }, then "a" again as a float (wins), then an unknown field.
    const record = hex(
      "0a 1d" + // Example.features, 29 bytes
        "0a 0b 0a 01 61 12 06 1a 04 08 01 08 02" + // entry a: int64_list { value: 1 value: 2 } (unpacked)
        "0a 0c 0a 01 61 12 07 12 05 0d 00 00 80 3f" + // entry a: float_list { value: 1.0 } (unpacked fixed32)
        "18 07", // unknown varint field 3 inside Features
    );
    const ex = decodeExampleMap(record);
    expect(plain(ex)).toEqual([["a", "float", [1]]]);
    expect(plain(decodeExampleGenerated(record))).toEqual([["a", "float", [1]]]);
    // A Feature whose int64_list appears twice merges the lists.
    const merged = hex("0a 10 0a 0e 0a 01 62 12 09 1a 03 0a 01 05 1a 02 08 06");
    expect(plain(decodeExampleMap(merged))).toEqual([["b", "int64", [5n, 6n]]]);
    expect(plain(decodeExampleGenerated(merged))).toEqual([["b", "int64", [5n, 6n]]]);
  });

  it("keeps a feature named __proto__ as an ordinary property", () => {
    const bytes = encodeExample(new Map([["__proto__", { kind: "int64", values: [1n] } as FeatureValue]]));
    const ex = decodeExample(bytes);
    expect(Object.getPrototypeOf(ex)).toBe(Object.prototype);
    expect(Object.keys(ex)).toEqual(["__proto__"]);
    expect(JSON.stringify(exampleToJson(ex))).toBe('{"__proto__":{"int64":[1]}}');
  });

  it("throws CORRUPT (never anything else) for malformed bytes (property)", () => {
    const golden = goldenRecords("example_gs64_transpose.records").slice(0, 20);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...golden).chain((r) => fc.integer({ min: 0, max: r.length - 1 }).map((cut) => r.subarray(0, cut)))), (bytes) => {
        try {
          decodeExample(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ArrayRecordError);
          expect((e as ArrayRecordError).code).toBe("CORRUPT");
        }
      }),
      { numRuns: 2000 },
    );
    // Every strict prefix of a golden record is malformed: its outer length runs past the end.
    for (const r of golden) {
      for (let cut = 1; cut < r.length; cut++) expect(() => decodeExample(r.subarray(0, cut))).toThrow(ArrayRecordError);
    }
  });
});

describe("exampleToJson", () => {
  it("renders text, binary, floats, int64 and empty features by the documented rules", () => {
    expect(exampleToJson(decodeExample(encodeExample(new Map())))).toEqual({});
    const ex = decodeExample(
      encodeExample({
        text: { kind: "bytes", values: ["héllo", ""] },
        blob: { kind: "bytes", values: ["ok", new Uint8Array([0xff, 0x00])] },
        scores: { kind: "float", values: [0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, 3.4028234663852886e38] },
        ids: { kind: "int64", values: [0n, -7n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 63n)] },
        nothing: { kind: "none" },
      }),
    );
    const json = exampleToJson(ex);
    expect(json).toEqual({
      text: { bytes: ["héllo", ""] },
      blob: { bytes_base64: ["b2s=", "/wA="] },
      scores: { float: [0.1, 1.5, "NaN", "Infinity", "-Infinity", 3.4028235e38] },
      ids: { int64: [0, -7, 9007199254740991, "9007199254740992", "-9223372036854775808"] },
      nothing: { none: [] },
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it("renders a golden record", () => {
    const record = goldenRecords("example_gs64_transpose.records")[0]!;
    const decoded = decodeExampleMap(record);
    const json = exampleToJson(decoded) as Record<string, { float?: number[] }>;
    const scores = json.scores!.float!;
    // Shortest decimals that read back as the same float32s.
    expect(scores.map((v) => Math.fround(v))).toEqual(Array.from(decoded.get("scores")!.values as Float32Array));
    expect(scores[0]).toBe(0.13514584);
    expect(json).toEqual({
      id: { bytes: ["rec-000000"] },
      label: { int64: [3] },
      scores: { float: scores },
      text: { bytes: ["sint eiusmod veniam ea id elit proident ad veniam aute voluptat"] },
      tokens: { int64: [37729, 85647, 33366] },
    });
  });
});
