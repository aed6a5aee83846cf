/** Examples ↔ Arrow over Arrow's integration files in ../shared/interop/arrow. */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { examplesToTable, readArrowFile, tableToExamples } from "../../src/format/arrow/index.js";
import { isArrayRecordError } from "../../src/format/errors.js";
import { ARROW_DIR } from "./corpus.js";

const enc = new TextEncoder();

describe("Arrow integration files → Examples", () => {
  it("converts the Arrow integration file of primitive types", () => {
    const path = fileURLToPath(new URL("generated_primitive.arrow_file", ARROW_DIR));
    const table = readArrowFile(path);
    const records = tableToExamples(table);
    expect(records.length).toBe(table.numRows);
    const back = examplesToTable(records, { bytesAs: "binary" });
    // non-nullable columns are present in every row and keep their values (as Example types)
    const asExample = (v: unknown): unknown => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v);
    const cases: [string, (v: unknown) => unknown][] = [
      ["int32_nonnullable", (v) => BigInt(v as number)],
      ["int64_nonnullable", (v) => v],
      ["uint32_nonnullable", (v) => BigInt(v as number)],
      ["bool_nonnullable", (v) => (v ? 1n : 0n)],
      ["float64_nonnullable", (v) => Math.fround(v as number)],
      ["binary_nonnullable", asExample],
      ["utf8_nonnullable", (v) => Buffer.from(enc.encode(v as string)).toString("hex")],
      ["fixedsizebinary_19_nonnullable", asExample],
    ];
    for (const [name, convert] of cases) {
      const want = [...table.getChild(name)!].map(convert);
      const got = [...back.getChild(name)!].map(asExample);
      expect(got, name).toEqual(want);
    }
    // null cells are absent features
    const nulls = [...table.getChild("int8_nullable")!].filter((v) => v === null).length;
    expect(back.getChild("int8_nullable")!.nullCount).toBe(nulls);
  });

  it("rejects the datetime file's unsupported column, naming it", () => {
    const datetime = readArrowFile(fileURLToPath(new URL("generated_datetime.stream", ARROW_DIR)));
    let thrown: unknown;
    try {
      tableToExamples(datetime);
    } catch (e) {
      thrown = e;
    }
    expect(isArrayRecordError(thrown, "UNSUPPORTED"), String(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(/column "f0"/);
  });
});
