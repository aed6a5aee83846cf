/**
 * Test helper: checks arrow-js tables against Arrow's integration JSON format
 * (https://arrow.apache.org/docs/format/Integration.html): a schema, optional
 * dictionaries, and batches of columns holding VALIDITY / OFFSET / DATA / children.
 */
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { Data, DataType, Field, Schema, Table } from "apache-arrow";

export interface JsonType {
  name: string;
  [k: string]: unknown;
}
export interface JsonField {
  name: string;
  type: JsonType;
  nullable: boolean;
  children: JsonField[];
  metadata?: { key: string; value: string }[];
  dictionary?: { id: number; indexType: JsonType; isOrdered: boolean };
}
export interface JsonColumn {
  name: string;
  count: number;
  VALIDITY?: number[];
  OFFSET?: (number | string)[];
  DATA?: unknown[];
  children?: JsonColumn[];
}
export interface JsonBatch {
  count: number;
  columns: JsonColumn[];
}
export interface JsonFile {
  schema: { fields: JsonField[]; metadata?: { key: string; value: string }[] };
  dictionaries?: { id: number; data: JsonBatch }[];
  batches: JsonBatch[];
}

export function readJsonGz(path: URL): JsonFile {
  return JSON.parse(gunzipSync(readFileSync(path)).toString("utf8")) as JsonFile;
}

/** arrow-js's `String(type)` for a JSON type (value type only, no dictionary). */
export function typeString(t: JsonType, children: JsonField[]): string {
  switch (t.name) {
    case "null":
      return "Null";
    case "bool":
      return "Bool";
    case "int":
      return `${t.isSigned ? "Int" : "Uint"}${t.bitWidth as number}`;
    case "floatingpoint":
      return ({ HALF: "Float16", SINGLE: "Float32", DOUBLE: "Float64" } as Record<string, string>)[t.precision as string]!;
    case "binary":
      return "Binary";
    case "largebinary":
      return "LargeBinary";
    case "utf8":
      return "Utf8";
    case "largeutf8":
      return "LargeUtf8";
    case "fixedsizebinary":
      return `FixedSizeBinary[${t.byteWidth as number}]`;
    case "date":
      return t.unit === "DAY" ? "Date32<DAY>" : "Date64<MILLISECOND>";
    case "time":
      return `Time${t.bitWidth as number}<${t.unit as string}>`;
    case "timestamp":
      return `Timestamp<${t.unit as string}${t.timezone ? `, ${t.timezone as string}` : ""}>`;
    case "list":
      return `List<${fieldTypeString(children[0]!)}>`;
    case "largelist":
      return `LargeList<${fieldTypeString(children[0]!)}>`;
    case "fixedsizelist":
      return `FixedSizeList[${t.listSize as number}]<${fieldTypeString(children[0]!)}>`;
    case "struct":
      return `Struct<{${children.map((c) => `${c.name}:${fieldTypeString(c)}`).join(", ")}}>`;
    default:
      throw new Error(`test helper does not know JSON type ${JSON.stringify(t)}`);
  }
}

export function fieldTypeString(f: JsonField): string {
  const value = typeString(f.type, f.children);
  return f.dictionary ? `Dictionary<${typeString(f.dictionary.indexType, [])}, ${value}>` : value;
}

function metadataOf(m: { key: string; value: string }[] | undefined): [string, string][] {
  return (m ?? []).map((e) => [e.key, e.value]);
}

/** Field names, types, nullability and metadata (recursively), and schema metadata. */
export function expectSchemaMatches(schema: Schema, json: JsonFile["schema"]): void {
  expect([...schema.metadata]).toEqual(metadataOf(json.metadata));
  expectFieldsMatch(schema.fields, json.fields, "");
}

function expectFieldsMatch(fields: readonly Field[], json: JsonField[], path: string): void {
  expect(fields.map((f) => f.name), `field names at ${path || "top"}`).toEqual(json.map((f) => f.name));
  json.forEach((jf, i) => {
    const f = fields[i]!;
    const where = `${path}${jf.name}`;
    expect(String(f.type), `type of ${where}`).toBe(fieldTypeString(jf));
    expect(f.nullable, `nullability of ${where}`).toBe(jf.nullable);
    expect([...f.metadata], `metadata of ${where}`).toEqual(metadataOf(jf.metadata));
    const valueType = (jf.dictionary ? (f.type as unknown as { dictionary: DataType }).dictionary : f.type) as DataType;
    if (jf.dictionary) {
      expect((f.type as unknown as { id: number }).id, `dictionary id of ${where}`).toBe(jf.dictionary.id);
      expect((f.type as unknown as { isOrdered: boolean }).isOrdered, `isOrdered of ${where}`).toBe(jf.dictionary.isOrdered);
    }
    expectFieldsMatch(valueType.children ?? [], jf.children, `${where}.`);
  });
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex").toUpperCase();

function jsonNumber(v: unknown): number | bigint {
  return typeof v === "string" ? BigInt(v) : (v as number);
}

/**
 * Checks every batch of `table` against the JSON batches: row counts, validity, and
 * the values of every valid slot, read from the raw Arrow buffers.
 */
export function expectBatchesMatch(table: Table, json: JsonFile): void {
  const total = json.batches.reduce((n, b) => n + b.count, 0);
  expect(table.numRows).toBe(total);
  if (json.batches.length === 0) {
    // arrow-js gives a stream without batches one zero-row placeholder batch
    for (const b of table.batches) expect(b.numRows).toBe(0);
    return;
  }
  expect(table.batches.length).toBe(json.batches.length);
  const dicts = new Map((json.dictionaries ?? []).map((d) => [d.id, d.data.columns[0]!]));
  json.batches.forEach((jb, b) => {
    const batch = table.batches[b]!;
    expect(batch.numRows, `rows of batch ${b}`).toBe(jb.count);
    json.schema.fields.forEach((jf, c) => {
      const col = jb.columns[c]!;
      expect(col.name).toBe(jf.name);
      checkColumn(batch.data.children[c]!, col, jf, dicts, 0, 0, col.count, `batch ${b} ${jf.name}`);
    });
  });
}

/**
 * JSON slots j in [from, to) against logical indices base + j of `data`. arrow-js
 * slices value and offset buffers eagerly, so logical index i is `values[i]`; only
 * bitmaps (validity, bool values) add `data.offset` (getValid does that itself).
 */
function checkColumn(
  data: Data,
  col: JsonColumn,
  jf: JsonField,
  dicts: Map<number, JsonColumn>,
  base: number,
  from: number,
  to: number,
  where: string,
): void {
  if (base === 0 && from === 0) expect(data.length, `length of ${where}`).toBeGreaterThanOrEqual(to);
  const valid = (j: number): boolean => (col.VALIDITY ? col.VALIDITY[j] === 1 : jf.type.name !== "null");
  for (let j = from; j < to; j++) {
    if (jf.type.name !== "null") expect(data.getValid(base + j), `validity of ${where}[${j}]`).toBe(valid(j));
  }
  const at = (j: number): number => base + j;
  if (jf.dictionary) {
    const values = data.values as ArrayLike<number | bigint>;
    for (let j = from; j < to; j++) {
      if (valid(j)) expect(values[at(j)], `index of ${where}[${j}]`).toEqual(jsonNumber(col.DATA![j]));
    }
    const dictVector = data.dictionary!;
    expect(dictVector.data.length, `dictionary chunks of ${where}`).toBe(1);
    const dcol = dicts.get(jf.dictionary.id)!;
    const valueField: JsonField = { ...jf, dictionary: undefined };
    checkColumn(dictVector.data[0]!, dcol, valueField, dicts, 0, 0, dcol.count, `${where} dictionary`);
    return;
  }
  const t = jf.type;
  switch (t.name) {
    case "null":
      return;
    case "bool": {
      const bits = data.values as Uint8Array;
      for (let j = from; j < to; j++) {
        if (!valid(j)) continue;
        const k = data.offset + at(j);
        expect(((bits[k >> 3]! >> (k & 7)) & 1) === 1, `${where}[${j}]`).toBe(col.DATA![j]);
      }
      return;
    }
    case "int":
    case "date":
    case "time":
    case "timestamp": {
      const values = data.values as ArrayLike<number | bigint>;
      for (let j = from; j < to; j++) if (valid(j)) expect(values[at(j)], `${where}[${j}]`).toEqual(jsonNumber(col.DATA![j]));
      return;
    }
    case "floatingpoint": {
      const values = data.values as ArrayLike<number>;
      const round = t.precision === "SINGLE" ? Math.fround : (x: number) => x;
      if (t.precision === "HALF") throw new Error("test helper does not check Float16");
      for (let j = from; j < to; j++) if (valid(j)) expect(values[at(j)], `${where}[${j}]`).toBe(round(col.DATA![j] as number));
      return;
    }
    case "binary":
    case "utf8":
    case "largebinary":
    case "largeutf8": {
      const offs = data.valueOffsets as ArrayLike<number | bigint>;
      const bytes = data.values as Uint8Array;
      const o0 = Number(offs[at(from)]!) - Number(col.OFFSET![from]!);
      for (let j = from; j <= to; j++) {
        expect(Number(offs[at(j)]!) - o0, `offset of ${where}[${j}]`).toBe(Number(col.OFFSET![j]!));
      }
      for (let j = from; j < to; j++) {
        if (!valid(j)) continue;
        const v = bytes.subarray(Number(offs[at(j)]!), Number(offs[at(j) + 1]!));
        const got = t.name.endsWith("utf8") ? new TextDecoder().decode(v) : hex(v);
        expect(got, `${where}[${j}]`).toBe(col.DATA![j]);
      }
      return;
    }
    case "fixedsizebinary": {
      const w = t.byteWidth as number;
      const bytes = data.values as Uint8Array;
      for (let j = from; j < to; j++) {
        if (valid(j)) expect(hex(bytes.subarray(at(j) * w, at(j) * w + w)), `${where}[${j}]`).toBe(col.DATA![j]);
      }
      return;
    }
    case "list":
    case "largelist": {
      const offs = data.valueOffsets as ArrayLike<number | bigint>;
      const o0 = Number(offs[at(from)]!) - Number(col.OFFSET![from]!);
      for (let j = from; j <= to; j++) {
        expect(Number(offs[at(j)]!) - o0, `offset of ${where}[${j}]`).toBe(Number(col.OFFSET![j]!));
      }
      // arrow-js does not slice a list's child: offsets are logical child indices
      checkColumn(data.children[0]!, col.children![0]!, jf.children[0]!, dicts, o0, Number(col.OFFSET![from]!), Number(col.OFFSET![to]!), `${where}.item`);
      return;
    }
    case "fixedsizelist": {
      const n = t.listSize as number;
      // arrow-js slices a fixed-size list's child along with it
      checkColumn(data.children[0]!, col.children![0]!, jf.children[0]!, dicts, base * n, from * n, to * n, `${where}.item`);
      return;
    }
    case "struct":
      jf.children.forEach((cf, i) => {
        // arrow-js slices struct children along with the struct
        checkColumn(data.children[i]!, col.children![i]!, cf, dicts, base, from, to, `${where}.${cf.name}`);
      });
      return;
    default:
      throw new Error(`test helper does not check JSON type ${t.name}`);
  }
}
