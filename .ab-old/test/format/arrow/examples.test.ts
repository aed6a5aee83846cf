import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Binary,
  Bool,
  DateDay,
  Dictionary,
  Field,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Uint64,
  Uint8,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import {
  examplesToRecordBatches,
  examplesToTable,
  inferExampleSchema,
  iterateTableExamples,
  tableToExamples,
} from "../../../src/format/arrow/index.js";
import { decodeExampleMap, encodeExample } from "../../../src/format/example/index.js";
import type { ExampleInput, FeatureInput, FeatureValue } from "../../../src/format/example/index.js";
import { isArrayRecordError } from "../../../src/format/errors.js";

const enc = new TextEncoder();

function expectError(fn: () => unknown, code: string, pattern: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isArrayRecordError(thrown), `expected an ArrayRecordError, got ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
  expect((thrown as Error).message).toMatch(pattern);
}

/** The values of a decoded feature, comparable with toEqual (floats by bit pattern). */
function norm(f: FeatureValue | FeatureInput): { kind: string; values: unknown[] } {
  const values = Array.from((f.values ?? []) as ArrayLike<unknown>);
  switch (f.kind) {
    case "float":
      return { kind: "float", values: values.map((v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : Math.fround(v as number))) };
    case "int64":
      return { kind: "int64", values: values.map((v) => BigInt(v as number | bigint)) };
    case "bytes":
      return { kind: "bytes", values: values.map((v) => Buffer.from(typeof v === "string" ? enc.encode(v) : (v as Uint8Array)).toString("hex")) };
    default:
      return { kind: f.kind, values };
  }
}

function normExample(m: ReadonlyMap<string, FeatureValue | FeatureInput>): Record<string, unknown> {
  return Object.fromEntries([...m].map(([k, v]) => [k, norm(v)]).sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)));
}

const ex = (e: ExampleInput): Uint8Array => encodeExample(e);

describe("Examples → Arrow", () => {
  it("infers Int64, Float32, Binary/Utf8, lists and nulls", () => {
    const records = [
      ex({ id: { kind: "int64", values: [1n] }, score: { kind: "float", values: [0.5] }, name: { kind: "bytes", values: ["a"] }, tags: { kind: "bytes", values: ["x"] } }),
      ex({ id: { kind: "int64", values: [2n] }, name: { kind: "bytes", values: ["b"] }, tags: { kind: "bytes", values: ["y", "z"] } }),
      ex({ id: { kind: "int64", values: [3n] }, score: { kind: "float", values: [1.5] }, name: { kind: "bytes", values: ["c"] }, tags: { kind: "bytes", values: [] } }),
    ];
    const schema = inferExampleSchema(records);
    expect(schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ["id", "Int64", false],
      ["score", "Float32", true],
      ["name", "Binary", false],
      ["tags", "List<Binary>", false],
    ]);
    const table = examplesToTable(records, { bytesAs: "utf8" });
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(["Int64", "Float32", "Utf8", "List<Utf8>"]);
    expect(table.getChild("id")!.toArray()).toEqual(BigInt64Array.of(1n, 2n, 3n));
    expect([...table.getChild("score")!]).toEqual([0.5, null, 1.5]);
    expect([...table.getChild("name")!]).toEqual(["a", "b", "c"]);
    expect([...table.getChild("tags")!].map((v) => (v === null ? null : [...v]))).toEqual([["x"], ["y", "z"], []]);
    expect(table.getChild("score")!.nullCount).toBe(1);
  });

  it("a feature with one value everywhere is scalar; one record with 0 or 2 makes it a list", () => {
    const one = (v: bigint[]) => ex({ x: { kind: "int64", values: v } });
    expect(String(inferExampleSchema([one([1n]), one([2n])]).fields[0]!.type)).toBe("Int64");
    expect(String(inferExampleSchema([one([1n]), one([2n, 3n])]).fields[0]!.type)).toBe("List<Int64>");
    expect(String(inferExampleSchema([one([1n]), one([])]).fields[0]!.type)).toBe("List<Int64>");
    // missing does not make a list, only nullable
    const f = inferExampleSchema([one([1n]), ex({})]).fields[0]!;
    expect([String(f.type), f.nullable]).toEqual(["Int64", true]);
  });

  it("infers once over all records, so every batch has the same schema", () => {
    const records = Array.from({ length: 10 }, (_, i) =>
      ex(i < 9 ? { x: { kind: "int64", values: [BigInt(i)] } } : { x: { kind: "int64", values: [1n, 2n] }, late: { kind: "float", values: [1] } }),
    );
    const table = examplesToTable(records, { batchRows: 3 });
    expect(table.batches.length).toBe(4);
    for (const b of table.batches) expect(b.schema.fields.map(String)).toEqual(table.schema.fields.map(String));
    expect(table.schema.fields.map(String)).toEqual(["x: List<Int64>", "late: Float32"]);
    expect(table.getChild("late")!.nullCount).toBe(9);
    // also from a one-shot generator
    function* gen(): Generator<Uint8Array> {
      yield* records;
    }
    expect(examplesToTable(gen()).numRows).toBe(10);
  });

  it("takes a given schema: extra features are ignored, narrower types are range-checked", () => {
    const schema = new Schema([
      new Field("i8", new Int8(), true),
      new Field("u8", new Uint8(), true),
      new Field("b", new Bool(), true),
      new Field("f16", new Float16(), true),
      new Field("f64", new Float64(), true),
      new Field("lb", new LargeBinary(), true),
      new Field("lu", new LargeUtf8(), true),
      new Field("ll", new LargeList(new Field("item", new Int32(), true)), true),
      new Field("fl", new FixedSizeList(2, new Field("item", new Float32(), true)), true),
    ]);
    const records = [
      ex({
        i8: { kind: "int64", values: [-128] },
        u8: { kind: "int64", values: [255] },
        b: { kind: "int64", values: [1] },
        f16: { kind: "float", values: [1.5] },
        f64: { kind: "float", values: [0.25] },
        lb: { kind: "bytes", values: [Uint8Array.of(0, 255)] },
        lu: { kind: "bytes", values: ["héllo"] },
        ll: { kind: "int64", values: [1, 2, 3] },
        fl: { kind: "float", values: [1, 2] },
        extra: { kind: "int64", values: [9] },
      }),
      ex({}),
    ];
    const table = examplesToTable(records, { schema });
    expect(table.schema).toBe(schema);
    const row = table.get(0)!.toJSON() as Record<string, unknown>;
    expect(row.i8).toBe(-128);
    expect(row.u8).toBe(255);
    expect(row.b).toBe(true);
    expect(row.f16).toBe(1.5);
    expect(row.f64).toBe(0.25);
    expect([...(row.lb as Uint8Array)]).toEqual([0, 255]);
    expect(row.lu).toBe("héllo");
    expect([...(row.ll as Iterable<number>)]).toEqual([1, 2, 3]);
    expect([...(row.fl as Iterable<number>)]).toEqual([1, 2]);
    expect(Object.values(table.get(1)!.toJSON()).every((v) => v === null)).toBe(true);
    // and back to the same Example (minus the ignored feature)
    const back = decodeExampleMap(tableToExamples(table)[0]!);
    const want = decodeExampleMap(records[0]!);
    want.delete("extra");
    expect(normExample(back)).toEqual(normExample(want));
    expect(tableToExamples(table)[1]).toEqual(ex({}));
  });

  it("streams batches of a known schema", () => {
    const schema = new Schema([new Field("x", new Int64(), false)]);
    const batches = [...examplesToRecordBatches((function* () {
      for (let i = 0; i < 7; i++) yield ex({ x: { kind: "int64", values: [i] } });
    })(), schema, { batchRows: 3 })];
    expect(batches.map((b) => b.numRows)).toEqual([3, 3, 1]);
    expect(new Table(batches).getChild("x")!.toArray()).toEqual(BigInt64Array.from({ length: 7 }, (_, i) => BigInt(i)));
  });

  it("accepts decoded Examples (Map or object) as input", () => {
    const m = decodeExampleMap(ex({ a: { kind: "float", values: [2] } }));
    const table = examplesToTable([m, { a: { kind: "float", values: Float32Array.of(3) } }]);
    expect([...table.getChild("a")!]).toEqual([2, 3]);
  });

  describe("errors name the feature", () => {
    const intX = new Schema([new Field("x", new Int64(), true)]);

    it("a value of the wrong kind", () => {
      expectError(() => examplesToTable([ex({ x: { kind: "float", values: [1] } })], { schema: intX }), "INVALID_OPTIONS", /feature "x" in record 0 is float.*Int64 needs int64/);
    });
    it("kinds that disagree between records", () => {
      const records = [ex({ x: { kind: "int64", values: [1] } }), ex({ y: { kind: "int64", values: [1] } }), ex({ x: { kind: "bytes", values: ["a"] } })];
      expectError(() => examplesToTable(records), "INVALID_OPTIONS", /feature "x" is int64 in record 0 but bytes in record 2/);
      expectError(() => inferExampleSchema(records), "INVALID_OPTIONS", /feature "x"/);
    });
    it("several values for a scalar column", () => {
      expectError(() => examplesToTable([ex({ x: { kind: "int64", values: [1, 2] } })], { schema: intX }), "INVALID_OPTIONS", /feature "x" in record 0 has 2 values.*List/);
    });
    it("a missing feature in a non-nullable column", () => {
      const schema = new Schema([new Field("x", new Int64(), false)]);
      expectError(() => examplesToTable([ex({ x: { kind: "int64", values: [1] } }), ex({})], { schema }), "INVALID_OPTIONS", /feature "x" is missing in record 1/);
    });
    it("an int64 out of a narrower column's range, a non-0/1 Bool", () => {
      const schema = new Schema([new Field("x", new Int16(), true)]);
      expectError(() => examplesToTable([ex({ x: { kind: "int64", values: [40000] } })], { schema }), "INVALID_OPTIONS", /feature "x" in record 0: 40000 does not fit column type Int16/);
      const bools = new Schema([new Field("flag", new Bool(), true)]);
      expectError(() => examplesToTable([ex({ flag: { kind: "int64", values: [2] } })], { schema: bools }), "INVALID_OPTIONS", /feature "flag".*Bool/);
    });
    it("bytes that are not UTF-8 for a Utf8 column", () => {
      expectError(() => examplesToTable([ex({ t: { kind: "bytes", values: [Uint8Array.of(0xff, 0xfe)] } })], { bytesAs: "utf8" }), "INVALID_OPTIONS", /feature "t" in record 0: bytes are not valid UTF-8/);
    });
    it("a fixed-size list of the wrong length", () => {
      const schema = new Schema([new Field("v", new FixedSizeList(3, new Field("item", new Float32(), false)), true)]);
      expectError(() => examplesToTable([ex({ v: { kind: "float", values: [1, 2] } })], { schema }), "INVALID_OPTIONS", /feature "v" in record 0 has 2 values.*needs 3/);
    });
    it("a schema column with no Example counterpart", () => {
      const schema = new Schema([new Field("when", new TimestampMillisecond(), true)]);
      expectError(() => examplesToTable([ex({})], { schema }), "UNSUPPORTED", /column "when" has type Timestamp/);
    });
    it("a record that is not an Example", () => {
      expectError(() => examplesToTable([ex({}), Uint8Array.of(0x0a, 0x05, 0x01)]), "CORRUPT", /record 1/);
    });
  });
});

describe("Arrow → Examples", () => {
  it("converts every supported column type", () => {
    const table = new Table({
      i8: vectorFromArray([-1, null], new Int8()),
      i64: vectorFromArray([-(2n ** 63n), 5n], new Int64()),
      u64: vectorFromArray([2n ** 63n - 1n, 0n], new Uint64()),
      f16: vectorFromArray([0.5, 2], new Float16()),
      f64: vectorFromArray([0.1, -0], new Float64()),
      bool: vectorFromArray([true, false], new Bool()),
      bin: vectorFromArray([Uint8Array.of(1, 2), new Uint8Array(0)], new Binary()),
      lbin: vectorFromArray([Uint8Array.of(3), null], new LargeBinary()),
      str: vectorFromArray(["s", "ü"], new Utf8()),
      lstr: vectorFromArray(["t", "u"], new LargeUtf8()),
      dict: vectorFromArray(["d", "e"], new Dictionary(new Utf8(), new Int32())),
      list: vectorFromArray([[1, 2], []], new List(new Field("item", new Int32(), true))),
      llist: vectorFromArray([["a"], null], new LargeList(new Field("item", new Utf8(), true))),
      fsl: vectorFromArray([[1.5, 2.5], [3, 4]], new FixedSizeList(2, new Field("item", new Float32(), true))),
    });
    const [r0, r1] = [...iterateTableExamples(table)];
    expect(normExample(r0!)).toEqual(
      normExample(
        new Map<string, FeatureInput>([
          ["i8", { kind: "int64", values: [-1] }],
          ["i64", { kind: "int64", values: [-(2n ** 63n)] }],
          ["u64", { kind: "int64", values: [2n ** 63n - 1n] }],
          ["f16", { kind: "float", values: [0.5] }],
          ["f64", { kind: "float", values: [0.1] }],
          ["bool", { kind: "int64", values: [1] }],
          ["bin", { kind: "bytes", values: [Uint8Array.of(1, 2)] }],
          ["lbin", { kind: "bytes", values: [Uint8Array.of(3)] }],
          ["str", { kind: "bytes", values: ["s"] }],
          ["lstr", { kind: "bytes", values: ["t"] }],
          ["dict", { kind: "bytes", values: ["d"] }],
          ["list", { kind: "int64", values: [1, 2] }],
          ["llist", { kind: "bytes", values: ["a"] }],
          ["fsl", { kind: "float", values: [1.5, 2.5] }],
        ]),
      ),
    );
    // nulls leave the feature out; empty lists stay as empty features
    expect([...r1!.keys()]).not.toContain("i8");
    expect([...r1!.keys()]).not.toContain("lbin");
    expect([...r1!.keys()]).not.toContain("llist");
    expect(norm(r1!.get("list")!)).toEqual({ kind: "int64", values: [] });
    expect(norm(r1!.get("f64")!).values).toEqual(["-0"]);
    // encoded records decode to the same
    const records = tableToExamples(table);
    expect(normExample(decodeExampleMap(records[0]!))).toEqual(normExample(r0!));
  });

  it("rejects unsupported column types, naming the column", () => {
    const when = new Table({ ok: vectorFromArray([1], new Int32()), when: vectorFromArray([new Date(0)], new DateDay()) });
    expectError(() => tableToExamples(when), "UNSUPPORTED", /column "when" has type Date32<DAY>/);
    const nested = new Table({ s: vectorFromArray([{ a: 1 }], new Struct([new Field("a", new Int32(), true)])) });
    expectError(() => tableToExamples(nested), "UNSUPPORTED", /column "s" has type Struct/);
    const listOfLists = new Table({ ll: vectorFromArray([[[1]]], new List(new Field("item", new List(new Field("item", new Int32(), true)), true))) });
    expectError(() => tableToExamples(listOfLists), "UNSUPPORTED", /column "ll".*lists must hold/);
  });

  it("rejects nulls inside lists and Uint64 above int64", () => {
    const t = new Table({ l: vectorFromArray([[1, null]], new List(new Field("item", new Int32(), true))) });
    expectError(() => tableToExamples(t), "INVALID_OPTIONS", /column "l": row 0 holds a null list item/);
    const u = new Table({ u: vectorFromArray([2n ** 63n], new Uint64()) });
    expectError(() => tableToExamples(u), "INVALID_OPTIONS", /column "u": row 0: 9223372036854775808 does not fit in int64/);
  });
});

describe("Example → Arrow → Example (property)", () => {
  type Kind = "bytes" | "float" | "int64";
  const kindArb = fc.constantFrom<Kind>("bytes", "float", "int64");
  const valueArb = (k: Kind): fc.Arbitrary<unknown> =>
    k === "int64"
      ? fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
      : k === "float"
        ? fc.float()
        : fc.uint8Array({ maxLength: 6 });
  const featureSpecs = fc.uniqueArray(fc.record({ name: fc.string({ minLength: 1, maxLength: 6 }), kind: kindArb, list: fc.boolean() }), {
    selector: (f) => f.name,
    maxLength: 6,
  });
  const dataset = featureSpecs.chain((specs) =>
    fc.array(
      fc.tuple(
        ...specs.map((s) =>
          fc.option(fc.array(valueArb(s.kind), s.list ? { maxLength: 4 } : { minLength: 1, maxLength: 1 }), { nil: undefined }),
        ),
      ),
      { maxLength: 25 },
    ).map((rows) => ({ specs, rows })),
  );

  it("round-trips values, lists, and missing features", () => {
    fc.assert(
      fc.property(dataset, fc.integer({ min: 1, max: 10 }), ({ specs, rows }, batchRows) => {
        const examples = rows.map((row) => {
          const m = new Map<string, FeatureInput>();
          specs.forEach((s, i) => {
            const vs = row[i];
            if (vs !== undefined) m.set(s.name, { kind: s.kind, values: vs } as FeatureInput);
          });
          return m;
        });
        const records = examples.map((e) => encodeExample(e));
        const table = examplesToTable(records, { batchRows });
        expect(table.numRows).toBe(records.length);
        // inference: one column per feature seen, list iff some count != 1, null iff missing
        for (const s of specs) {
          const present = rows.map((r) => r[specs.indexOf(s)]);
          const field = table.schema.fields.find((f) => f.name === s.name);
          if (present.every((p) => p === undefined)) {
            expect(field).toBeUndefined();
            continue;
          }
          const isList = present.some((p) => p !== undefined && p.length !== 1);
          const leaf = { int64: "Int64", float: "Float32", bytes: "Binary" }[s.kind];
          expect(String(field!.type)).toBe(isList ? `List<${leaf}>` : leaf);
          expect(table.getChild(s.name)!.nullCount).toBe(present.filter((p) => p === undefined).length);
        }
        const back = tableToExamples(table);
        expect(back.length).toBe(records.length);
        back.forEach((b, i) => expect(normExample(decodeExampleMap(b))).toEqual(normExample(decodeExampleMap(records[i]!))));
      }),
      { numRuns: 200 },
    );
  });

  it("round-trips text through Utf8 columns", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.array(fc.string({ unit: "grapheme" }), { maxLength: 3 }), { nil: undefined }), { maxLength: 20 }), (rows) => {
        const records = rows.map((r) => encodeExample(r === undefined ? {} : { text: { kind: "bytes", values: r } }));
        const table = examplesToTable(records, { bytesAs: "utf8" });
        if (rows.some((r) => r !== undefined)) expect(table.schema.fields[0]!.type.toString()).toMatch(/Utf8/);
        const back = tableToExamples(table);
        back.forEach((b, i) => expect(normExample(decodeExampleMap(b))).toEqual(normExample(decodeExampleMap(records[i]!))));
        if (rows.some((r) => r !== undefined && r.length === 1) && !rows.some((r) => r !== undefined && r.length !== 1)) {
          const col = table.getChild("text")!;
          rows.forEach((r, i) => expect(col.get(i)).toBe(r === undefined ? null : r[0]));
        }
      }),
      { numRuns: 100 },
    );
  });
});
