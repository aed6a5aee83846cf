/**
 * `import` / `export --as batches` over every Arrow integration file of ../shared/interop/arrow:
 * each comes back as the same table, and matches its integration JSON.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Table } from "apache-arrow";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { readArrowFile, valuesEqual } from "../../src/format/arrow/index.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { expectBatchesMatch, expectSchemaMatches, readJsonGz } from "../format/arrow/arrow-json.js";
import { runCli } from "../helpers/cli.js";
import { ARROW_DIR, ARROW_FILE_COUNT } from "./corpus.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-convert-arrow-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const out = (name: string): string => path.join(dir, name);

const arrowFiles = fs
  .readdirSync(ARROW_DIR)
  .filter((f) => f.endsWith(".arrow_file") || f.endsWith(".stream"))
  .sort();

/** Runs `main(args)` in this process; returns the exit code and what it wrote on stderr. */
async function runMain(args: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation(((chunk: string | Uint8Array) => {
    stderr += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write);
  try {
    return { status: await main(args), stderr };
  } finally {
    spy.mockRestore();
  }
}

/** Same schema (names, types, nullability, metadata) and the same value in every cell. */
function expectTablesEqual(actual: Table, expected: Table): void {
  expect(actual.numRows).toBe(expected.numRows);
  expect([...actual.schema.metadata]).toEqual([...expected.schema.metadata]);
  expect(actual.schema.fields.map(String)).toEqual(expected.schema.fields.map(String));
  expected.schema.fields.forEach((f, c) => {
    const g = actual.schema.fields[c]!;
    expect(g.nullable, f.name).toBe(f.nullable);
    expect([...g.metadata], f.name).toEqual([...f.metadata]);
    const x = expected.getChildAt(c)!;
    const y = actual.getChildAt(c)!;
    for (let i = 0; i < expected.numRows; i++) {
      if (!valuesEqual(x.get(i), y.get(i))) expect.fail(`column ${f.name} row ${i}: ${String(y.get(i))} != ${String(x.get(i))}`);
    }
  });
}

describe("import / export Arrow --as batches", () => {
  it("finds the interop files", () => {
    expect(arrowFiles.length).toBe(ARROW_FILE_COUNT);
  });

  it("round-trips an IPC stream through the spawned CLI", () => {
    const input = fileURLToPath(new URL("generated_nested.stream", ARROW_DIR));
    const imported = runCli(["import", "--from", "arrow", input, out("nested.array_record")]);
    expect(imported.status, imported.stderr).toBe(0);
    const original = readArrowFile(input);
    expect(ArrayRecordReader.openSync(out("nested.array_record")).numRecords).toBe(original.batches.length);
    const exported = runCli(["export", out("nested.array_record"), "--to", "arrow", "--as", "batches", out("nested.arrow")]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stderr).toContain(`Arrow IPC file, ${original.numRows} rows`);
    expectTablesEqual(readArrowFile(out("nested.arrow")), original);
  });

  it.each(arrowFiles)("%s comes back as the same table", async (name) => {
    const input = fileURLToPath(new URL(name, ARROW_DIR));
    const stored = out(`${name}.array_record`);
    const back = out(`${name}.arrow`);
    const imported = await runMain(["import", "--from", "arrow", input, stored, "--as", "batches"]);
    expect(imported.status, imported.stderr).toBe(0);
    const exported = await runMain(["export", stored, "--to", "arrow", "--as", "batches", back]);
    expect(exported.status, exported.stderr).toBe(0);
    const table = readArrowFile(back);
    expect(fs.readFileSync(back).subarray(0, 6).toString("latin1")).toBe("ARROW1");
    expectTablesEqual(table, readArrowFile(input));
    const json = readJsonGz(new URL(name.replace(/\.(arrow_file|stream)$/, ".json.gz"), ARROW_DIR));
    expectSchemaMatches(table.schema, json.schema);
    expectBatchesMatch(table, json);
  });
});

