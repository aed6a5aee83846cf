import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  Binary,
  Dictionary,
  Field,
  Int32,
  LargeBinary,
  LargeList,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  tableFromArrays,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from "apache-arrow";
import {
  batchRecordsToTable,
  detectIpcFormat,
  iterateTableRecords,
  readArrowFile,
  recordBatchToRecord,
  recordToRecordBatches,
  recordsToTable,
  tableToBatchRecords,
  tableToRecords,
  valuesEqual,
  writeArrowFile,
} from "../../../src/format/arrow/index.js";
import { isArrayRecordError } from "../../../src/format/errors.js";

const tmp = mkdtempSync(join(tmpdir(), "arrow-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Deterministic pseudo-random records: lengths 0..max, bytes from an LCG. */
function makeRecords(n: number, max = 64, seed = 1): Uint8Array[] {
  let s = seed >>> 0;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: n }, () => {
    const r = new Uint8Array(next() % (max + 1));
    for (let i = 0; i < r.length; i++) r[i] = next() >>> 24;
    return r;
  });
}

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

function expectSameRecords(got: Uint8Array[], want: Uint8Array[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Buffer.from(got[i]!).equals(want[i]!)) expect.fail(`record ${i} differs`);
  }
}

describe("records ↔ Binary column", () => {
  it("round-trips 100k records", () => {
    const records = makeRecords(100_000);
    const table = recordsToTable(records);
    expect(table.numRows).toBe(100_000);
    expect(table.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([["record", "Binary", false]]);
    expect(table.batches.length).toBe(1);
    expectSameRecords(tableToRecords(table), records);
    expectSameRecords([...iterateTableRecords(table)], records);
  });

  it("reads back views of the column's data buffer, not per-record copies", () => {
    const records = makeRecords(1000);
    const table = recordsToTable(records);
    const data = table.getChild("record")!.data[0]!;
    const values = data.values as Uint8Array;
    const offsets = data.valueOffsets as Int32Array;
    const got = tableToRecords(table);
    for (let i = 0; i < got.length; i++) {
      expect(got[i]!.buffer).toBe(values.buffer);
      expect(got[i]!.byteOffset).toBe(values.byteOffset + offsets[i]!);
    }
    // a write through the column shows in the record: same memory
    const i = got.findIndex((r) => r.length > 0);
    values[offsets[i]!] = values[offsets[i]!]! ^ 0xff;
    expect(got[i]![0]).toBe(values[offsets[i]!]);
  });

  it("renames the column, and reads a renamed column", () => {
    const records = makeRecords(10);
    const table = recordsToTable(records, { column: "payload" });
    expect(table.schema.fields[0]!.name).toBe("payload");
    expectSameRecords(tableToRecords(table, { column: "payload" }), records);
    expectError(() => tableToRecords(table), "INVALID_OPTIONS", /no column "record".*"payload"/);
  });

  it("splits into several record batches instead of overflowing the Int32 offsets", () => {
    const records = makeRecords(1000, 100);
    const table = recordsToTable(records, { maxBatchBytes: 1000 });
    expect(table.batches.length).toBeGreaterThan(40);
    for (const b of table.batches) {
      const offs = b.getChildAt(0)!.data[0]!.valueOffsets as Int32Array;
      expect(offs[offs.length - 1]!).toBeLessThanOrEqual(1000);
    }
    const got = tableToRecords(table);
    expectSameRecords(got, records);
    // records of chunk k view chunk k's buffer
    let row = 0;
    for (const b of table.batches) {
      const buf = (b.getChildAt(0)!.data[0]!.values as Uint8Array).buffer;
      for (let r = 0; r < b.numRows; r++) expect(got[row++]!.buffer).toBe(buf);
    }
    expect(recordsToTable(records, { maxBatchRows: 300 }).batches.map((b) => b.numRows)).toEqual([300, 300, 300, 100]);
  });

  it("puts a record bigger than maxBatchBytes in a batch of its own", () => {
    const records = [new Uint8Array(5), new Uint8Array(50), new Uint8Array(5)];
    const table = recordsToTable(records, { maxBatchBytes: 10 });
    expect(table.batches.map((b) => b.numRows)).toEqual([1, 1, 1]);
    expectSameRecords(tableToRecords(table), records);
  });

  it("refuses a single record beyond the Int32 offset range unless large", () => {
    // only the length is read before the check, so a fake saves allocating 2 GiB
    const huge = { length: 2 ** 31 } as unknown as Uint8Array;
    expectError(() => recordsToTable([new Uint8Array(1), huge]), "INVALID_OPTIONS", /record 1 has 2147483648 bytes.*large: true/);
    expectError(() => recordsToTable([], { maxBatchBytes: 2 ** 31 }), "INVALID_OPTIONS", /maxBatchBytes/);
  });

  it("uses LargeBinary with {large: true}", () => {
    const records = makeRecords(500);
    const table = recordsToTable(records, { large: true });
    expect(table.schema.fields[0]!.type).toBeInstanceOf(LargeBinary);
    expect(table.batches.length).toBe(1);
    expectSameRecords(tableToRecords(table), records);
    // and through IPC
    expectSameRecords(tableToRecords(tableFromIPC(tableToIPC(table))), records);
  });

  it("survives Arrow IPC (records → table → IPC → table → records)", () => {
    const records = makeRecords(2000);
    const back = tableFromIPC(tableToIPC(recordsToTable(records, { maxBatchBytes: 4096 }), "file"));
    expectSameRecords(tableToRecords(back), records);
  });

  it("handles empty input and empty records", () => {
    const table = recordsToTable([]);
    expect(table.numRows).toBe(0);
    expect(table.batches.length).toBe(0);
    expect(table.schema.fields[0]!.name).toBe("record");
    expect(tableToRecords(table)).toEqual([]);
    const empties = [new Uint8Array(0), new Uint8Array(0)];
    expectSameRecords(tableToRecords(recordsToTable(empties)), empties);
    // any iterable works
    function* gen(): Generator<Uint8Array> {
      yield Uint8Array.of(1);
      yield Uint8Array.of(2, 3);
    }
    expectSameRecords(tableToRecords(recordsToTable(gen())), [Uint8Array.of(1), Uint8Array.of(2, 3)]);
  });

  it("reads Utf8 and sliced columns, rejects nulls and other types", () => {
    const strings = new Table({ record: vectorFromArray(["ab", "", "ünï"], new Utf8()) });
    expect(tableToRecords(strings).map((r) => new TextDecoder().decode(r))).toEqual(["ab", "", "ünï"]);
    // tableFromArrays makes string columns Dictionary<Int32, Utf8>
    const dict = tableFromArrays({ record: ["x", "y", "x"] });
    expect(String(dict.schema.fields[0]!.type)).toBe("Dictionary<Int32, Utf8>");
    const dictRecords = tableToRecords(dict);
    expect(dictRecords.map((r) => new TextDecoder().decode(r))).toEqual(["x", "y", "x"]);
    expect(dictRecords[2]).toBe(dictRecords[0]);
    const records = makeRecords(100);
    const sliced = recordsToTable(records).slice(10, 20);
    expectSameRecords(tableToRecords(sliced), records.slice(10, 20));
    const withNull = new Table({ record: vectorFromArray([Uint8Array.of(1), null], new Binary()) });
    expectError(() => tableToRecords(withNull), "INVALID_OPTIONS", /row 1 .* null/);
    const ints = tableFromArrays({ record: Int32Array.of(1) });
    expectError(() => tableToRecords(ints), "INVALID_OPTIONS", /column "record" has type Int32/);
  });
});

describe("batch records", () => {
  it("each record is a complete IPC stream that decodes on its own", () => {
    const table = tableFromArrays({ id: Int32Array.of(1, 2, 3), name: ["a", "b", "c"] });
    const record = recordBatchToRecord(table.batches[0]!);
    expect(detectIpcFormat(record)).toBe("stream");
    // arrow-js's own reader, no help from us
    const plain = tableFromIPC(record);
    expect(plain.numRows).toBe(3);
    expect(plain.getChild("name")!.toArray()).toEqual(["a", "b", "c"]);
    // ends with the end-of-stream marker
    expect([...record.subarray(record.length - 8)]).toEqual([255, 255, 255, 255, 0, 0, 0, 0]);
  });

  it("keeps schema metadata, field metadata and batch metadata", () => {
    const base = tableFromArrays({ x: Int32Array.of(1, 2) });
    const field = new Field("x", new Int32(), true, new Map([["unit", "cm"]]));
    const schema = new Schema([field], new Map([["origin", "test"]]));
    const batch = new RecordBatch(schema, base.batches[0]!.data, new Map([["batch", "0"]]));
    const [back] = recordToRecordBatches(recordBatchToRecord(batch));
    expect([...back!.schema.metadata]).toEqual([["origin", "test"]]);
    expect([...back!.schema.fields[0]!.metadata]).toEqual([["unit", "cm"]]);
    expect([...back!.metadata]).toEqual([["batch", "0"]]);
  });

  it("round-trips nested, map, large and dictionary columns; shares equal dictionaries", () => {
    const dictType = new Dictionary(new Utf8(), new Int32());
    const table = new Table({
      s: vectorFromArray(
        [{ a: 1, b: "x" }, null, { a: 3, b: null }],
        new Struct([new Field("a", new Int32(), true), new Field("b", new Utf8(), true)]),
      ),
      m: vectorFromArray(
        [new Map([["k", 1]]), new Map(), null],
        new Map_<Utf8, Int32>(new Field("entries", new Struct<{ key: Utf8; value: Int32 }>([new Field("key", new Utf8(), false), new Field("value", new Int32(), true)]), false)),
      ),
      l: vectorFromArray([[1], null, [2, 3]], new LargeList(new Field("item", new Int32(), true))),
      d: vectorFromArray(["x", "y", "x"], dictType),
    });
    const two = new Table([table.batches[0]!, table.slice(1, 3).batches[0]!]);
    const back = batchRecordsToTable(tableToBatchRecords(two));
    expect(back.batches.length).toBe(2);
    expect(back.schema.fields.map((f) => String(f.type))).toEqual(two.schema.fields.map((f) => String(f.type)));
    for (let c = 0; c < two.numCols; c++) {
      for (let i = 0; i < two.numRows; i++) expect(valuesEqual(two.getChildAt(c)!.get(i), back.getChildAt(c)!.get(i))).toBe(true);
    }
    const d0 = back.batches[0]!.getChild("d")!.data[0]!.dictionary;
    expect(back.batches[1]!.getChild("d")!.data[0]!.dictionary).toBe(d0);
    // so the IPC file writer accepts it
    expect(tableFromIPC(tableToIPC(back, "file")).numRows).toBe(5);
  });

  it("joins records whose dictionary ids differ (arrow-js numbers every new Dictionary type)", () => {
    const a = tableFromArrays({ d: ["x", "y"], n: Int32Array.of(1, 2) });
    const b = tableFromArrays({ d: ["x", "y"], n: Int32Array.of(3, 4) });
    const ids = (t: Table): number => (t.schema.fields[0]!.type as Dictionary).id;
    expect(ids(a)).not.toBe(ids(b));
    const back = batchRecordsToTable([...tableToBatchRecords(a), ...tableToBatchRecords(b)]);
    expect(back.getChild("d")!.toArray()).toEqual(["x", "y", "x", "y"]);
    expect((back.batches[1]!.getChild("d")!.type as Dictionary).id).toBe(ids(back));
    expect(tableFromIPC(tableToIPC(back, "file")).getChild("d")!.toArray()).toEqual(["x", "y", "x", "y"]);
  });

  it("keeps different dictionaries apart (stream works, file is refused)", () => {
    const a = new Table({ d: vectorFromArray(["x", "y"], new Dictionary(new Utf8(), new Int32())) });
    const b = new Table({ d: vectorFromArray(["z"], new Dictionary(new Utf8(), new Int32())) });
    const back = batchRecordsToTable([...tableToBatchRecords(a), ...tableToBatchRecords(b)]);
    expect(back.getChild("d")!.toArray()).toEqual(["x", "y", "z"]);
    const path = join(tmp, "dicts.arrow");
    writeArrowFile(path, back, { format: "stream" });
    expect(readArrowFile(path).getChild("d")!.toArray()).toEqual(["x", "y", "z"]);
    expectError(() => writeArrowFile(path + "2", back, { format: "file" }), "UNSUPPORTED", /replacement dictionaries/);
    expect(existsSync(path + "2")).toBe(false);
  });

  it("zero-batch tables give no records; zero-row batches keep the schema", () => {
    const schema = new Schema([new Field("x", new Int32(), true)]);
    expect(tableToBatchRecords(new Table(schema))).toEqual([]);
    const zeroRow = new Table(schema, [new RecordBatch(schema, undefined)]);
    const records = tableToBatchRecords(zeroRow);
    expect(records.length).toBe(1);
    const back = batchRecordsToTable(records);
    expect(back.numRows).toBe(0);
    expect(back.schema.fields.map(String)).toEqual(["x: Int32"]);
  });

  it("empty input gives an empty table: no columns, or the given schema", () => {
    const none = batchRecordsToTable([]);
    expect(none.numCols).toBe(0);
    expect(none.numRows).toBe(0);
    const schema = new Schema([new Field("x", new Int32(), true)]);
    expect(batchRecordsToTable([], { schema }).schema).toBe(schema);
  });

  it("rejects records of different schemas, naming the record", () => {
    const a = tableToBatchRecords(tableFromArrays({ x: Int32Array.of(1) }));
    const b = tableToBatchRecords(new Table({ x: vectorFromArray(["s"], new Utf8()) }));
    expectError(() => batchRecordsToTable([...a, ...a, ...b]), "CORRUPT", /record 2 has schema \{x: Utf8\?\}.*record 0 has \{x: Int32\}/);
  });

  it("decodes records sliced at any alignment", () => {
    const record = recordBatchToRecord(tableFromArrays({ x: Float64Array.of(1.5, 2.5) }).batches[0]!);
    for (let shift = 0; shift < 8; shift++) {
      const buf = new Uint8Array(record.length + shift);
      buf.set(record, shift);
      expect(recordToRecordBatches(buf.subarray(shift))[0]!.getChild("x")!.toArray()).toEqual(Float64Array.of(1.5, 2.5));
    }
  });

  it("reports truncated and corrupt records", () => {
    const record = recordBatchToRecord(tableFromArrays({ s: Float64Array.from({ length: 500 }, (_, i) => i) }).batches[0]!);
    expectError(() => recordToRecordBatches(new Uint8Array(0)), "TRUNCATED", /not an Arrow IPC stream/);
    expectError(() => recordToRecordBatches(record.subarray(0, 100)), "TRUNCATED", /metadata bytes/);
    expectError(() => recordToRecordBatches(record.subarray(0, record.length - 100)), "TRUNCATED", /message body/);
    expectError(() => recordToRecordBatches(new TextEncoder().encode("definitely not arrow")), "CORRUPT", /continuation marker/);
    expectError(() => batchRecordsToTable([record, record.subarray(0, 50)]), "TRUNCATED", /record 1/);
  });
});

describe("Arrow files on disk", () => {
  const table = tableFromArrays({ id: Int32Array.of(1, 2, 3), name: ["a", "b", "c"] });

  it("writes file and stream formats, and detects them on read", () => {
    for (const format of ["file", "stream"] as const) {
      const path = join(tmp, `t.${format}`);
      writeArrowFile(path, table, { format });
      const bytes = readFileSync(path);
      expect(detectIpcFormat(bytes)).toBe(format);
      if (format === "file") expect(bytes.subarray(0, 6).toString()).toBe("ARROW1");
      const back = readArrowFile(path);
      expect(back.getChild("name")!.toArray()).toEqual(["a", "b", "c"]);
    }
    writeArrowFile(join(tmp, "default"), table);
    expect(detectIpcFormat(readFileSync(join(tmp, "default")))).toBe("file");
  });

  it("keeps the schema of a table without batches", () => {
    const schema = new Schema([new Field("x", new Int32(), false)]);
    for (const format of ["file", "stream"] as const) {
      const path = join(tmp, `empty.${format}`);
      writeArrowFile(path, new Table(schema), { format });
      const back = readArrowFile(path);
      expect(back.numRows).toBe(0);
      expect(back.schema.fields.map(String)).toEqual(["x: Int32"]);
    }
  });

  it("writes atomically: replaces the target, leaves no temporary file", () => {
    const dir = join(tmp, "atomic");
    mkdirSync(dir);
    const path = join(dir, "out.arrow");
    writeFileSync(path, "old");
    writeArrowFile(path, table);
    expect(readArrowFile(path).numRows).toBe(3);
    expect(readdirSync(dir)).toEqual(["out.arrow"]);
    // rename onto a directory fails: the temporary file is removed, the directory stays
    const blocked = join(dir, "blocked");
    mkdirSync(blocked);
    writeFileSync(join(blocked, "keep"), "x");
    expectError(() => writeArrowFile(blocked, table), "IO", /cannot write Arrow file/);
    expect(readdirSync(dir).sort()).toEqual(["blocked", "out.arrow"]);
    expectError(() => writeArrowFile(join(dir, "missing", "x.arrow"), table), "IO", /ENOENT/);
    expectError(() => writeArrowFile(path, table, { format: "csv" as "file" }), "INVALID_OPTIONS", /format/);
  });

  it("reports unreadable, corrupt and truncated files with their path", () => {
    expectError(() => readArrowFile(join(tmp, "nope.arrow")), "IO", /ENOENT.*nope\.arrow/);
    const junk = join(tmp, "junk.arrow");
    writeFileSync(junk, "this is not an arrow file at all");
    expectError(() => readArrowFile(junk), "CORRUPT", /junk\.arrow/);
    const full = join(tmp, "full.arrow");
    writeArrowFile(full, table, { format: "file" });
    const cut = join(tmp, "cut.arrow");
    writeFileSync(cut, readFileSync(full).subarray(0, 100));
    expectError(() => readArrowFile(cut), "TRUNCATED", /ARROW1.*cut\.arrow/);
    const fullStream = join(tmp, "full.arrows");
    writeArrowFile(fullStream, table, { format: "stream" });
    writeFileSync(cut, readFileSync(fullStream).subarray(0, 200));
    expectError(() => readArrowFile(cut), "TRUNCATED", /cut\.arrow/);
  });
});
