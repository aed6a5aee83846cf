/**
 * Every Arrow IPC file and stream written by Arrow's C++/Java integration generators
 * (../shared/interop/arrow): read it, compare with its integration JSON, turn it into
 * batch records and back, write it to disk in both formats and read it back.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Table } from "apache-arrow";
import {
  batchRecordsToTable,
  readArrowFile,
  recordToRecordBatches,
  tableToBatchRecords,
  valuesEqual,
  writeArrowFile,
} from "../../src/format/arrow/index.js";
import { expectBatchesMatch, expectSchemaMatches, readJsonGz } from "../format/arrow/arrow-json.js";
import { ARROW_DIR, ARROW_FILE_COUNT } from "./corpus.js";

const dir = ARROW_DIR;
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".arrow_file") || f.endsWith(".stream"))
  .sort();
const tmp = mkdtempSync(join(tmpdir(), "arrow-interop-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Cell-by-cell equality through arrow-js's getters, plus schema metadata. */
function expectTablesEqual(a: Table, b: Table): void {
  expect(b.numRows).toBe(a.numRows);
  expect(b.numCols).toBe(a.numCols);
  expect([...b.schema.metadata]).toEqual([...a.schema.metadata]);
  a.schema.fields.forEach((f, c) => {
    const g = b.schema.fields[c]!;
    expect(g.name).toBe(f.name);
    expect(String(g.type)).toBe(String(f.type));
    expect(g.nullable).toBe(f.nullable);
    expect([...g.metadata]).toEqual([...f.metadata]);
    const x = a.getChildAt(c)!;
    const y = b.getChildAt(c)!;
    for (let i = 0; i < a.numRows; i++) {
      if (!valuesEqual(x.get(i), y.get(i))) {
        expect.fail(`column ${f.name} row ${i}: ${String(x.get(i))} != ${String(y.get(i))}`);
      }
    }
  });
}

describe("Arrow integration files", () => {
  it("finds both formats of every generated file", () => {
    expect(files.length).toBe(ARROW_FILE_COUNT);
    for (const f of files) expect(files).toContain(f.replace(/\.(arrow_file|stream)$/, (m) => (m === ".stream" ? ".arrow_file" : ".stream")));
  });

  it("the JSON check notices a changed value, validity bit, dictionary entry or list item", () => {
    const cases: [string, (t: Table) => void][] = [
      ["generated_primitive", (t) => void ((t.batches[1]!.getChild("int32_nonnullable")!.data[0]!.values as Int32Array)[3]! ^= 1)],
      ["generated_primitive", (t) => void ((t.batches[0]!.getChild("utf8_nonnullable")!.data[0]!.values as Uint8Array)[0]! ^= 1)],
      ["generated_primitive", (t) => void (t.batches[0]!.getChild("bool_nullable")!.data[0]!.nullBitmap![0]! ^= 1)],
      ["generated_dictionary", (t) => void ((t.batches[0]!.getChild("dict0")!.data[0]!.dictionary!.data[0]!.values as Uint8Array)[0]! ^= 1)],
      ["generated_nested", (t) => void ((t.batches[1]!.getChild("list_nullable")!.data[0]!.children[0]!.values as Int32Array).fill(7))],
      ["generated_nested", (t) => void ((t.batches[1]!.getChild("struct_nullable")!.data[0]!.children[1]!.values as Uint8Array).fill(65))],
    ];
    for (const [base, mutate] of cases) {
      const table = readArrowFile(fileURLToPath(new URL(`${base}.stream`, dir)));
      mutate(table);
      expect(() => expectBatchesMatch(table, readJsonGz(new URL(`${base}.json.gz`, dir))), base).toThrow();
    }
  });

  describe.each(files)("%s", (name) => {
    const path = fileURLToPath(new URL(name, dir));
    const json = readJsonGz(new URL(name.replace(/\.(arrow_file|stream)$/, ".json.gz"), dir));

    it("reads as the JSON says (schema, rows, values)", () => {
      const table = readArrowFile(path);
      expectSchemaMatches(table.schema, json.schema);
      expectBatchesMatch(table, json);
    });

    it("round-trips through batch records", () => {
      const table = readArrowFile(path);
      const records = tableToBatchRecords(table);
      expect(records.length).toBe(table.batches.length);
      for (const [i, r] of records.entries()) {
        // each record decodes on its own, to exactly one batch
        const batches = recordToRecordBatches(r);
        expect(batches.length).toBe(1);
        expect(batches[0]!.numRows).toBe(table.batches[i]!.numRows);
      }
      const back = batchRecordsToTable(records);
      expectSchemaMatches(back.schema, json.schema);
      expectBatchesMatch(back, json);
      expectTablesEqual(table, back);
      if (json.batches.every((b) => b.count === 0)) expect(back.numRows).toBe(0);
    });

    it.each(["file", "stream"] as const)("round-trips through writeArrowFile(%s) after batch records", (format) => {
      const back = batchRecordsToTable(tableToBatchRecords(readArrowFile(path)));
      const out = join(tmp, `${name}.${format}`);
      writeArrowFile(out, back, { format });
      const again = readArrowFile(out);
      expectSchemaMatches(again.schema, json.schema);
      expectBatchesMatch(again, json);
      expectTablesEqual(back, again);
    });
  });
});
