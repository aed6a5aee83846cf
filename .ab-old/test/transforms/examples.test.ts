import { inferExampleSchema } from "../../src/format/arrow/index.js";
import { batchRecordsToTable } from "../../src/format/arrow/batches.js";
import { decodeExampleMap, encodeExample } from "../../src/format/example/index.js";
import { describe, expect, it } from "vitest";
import { arrowBatchesToExamples, examplesToArrowBatches, schemaFromIpc, schemaToIpc } from "../../src/transforms/examples.js";
import { collect, collected, createRecords, hexMultiset, runDirect } from "../io/beam-helpers.js";

const examples = Array.from({ length: 37 }, (_, i) =>
  encodeExample({
    id: { kind: "int64", values: [BigInt(i), -5n] },
    score: { kind: "float", values: [i / 4] },
    label: { kind: "bytes", values: [`label-${i % 3}`] },
  }),
);
const asStrings = examples.map((e) => `hex:${Buffer.from(e).toString("hex")}`);

describe("tf.Example ↔ Arrow rows", () => {
  it("turns Examples into typed Arrow batch records and back, losslessly", async () => {
    let batchesKey = "";
    let backKey = "";
    await runDirect((root) => {
      const batches = createRecords(root, asStrings).apply(examplesToArrowBatches(8));
      batchesKey = collect(batches);
      backKey = collect(batches.apply(arrowBatchesToExamples()));
    });
    const table = batchRecordsToTable(collected<Uint8Array>(batchesKey));
    expect(table.numRows).toBe(37);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["id", "score", "label"]);
    expect(String(table.schema.fields[0]!.type)).toMatch(/Int64/);
    // Canonical Example bytes come back exactly (same features, same order).
    expect(hexMultiset(collected<Uint8Array>(backKey))).toEqual(hexMultiset(examples));
  });

  it("uses a given schema for every batch", async () => {
    const schema = inferExampleSchema(examples, { bytesAs: "utf8" });
    expect(schemaFromIpc(schemaToIpc(schema)).fields.map((f) => String(f.type))).toEqual(schema.fields.map((f) => String(f.type)));
    let key = "";
    await runDirect((root) => {
      key = collect(createRecords(root, asStrings).apply(examplesToArrowBatches(5, { schema })));
    });
    const table = batchRecordsToTable(collected<Uint8Array>(key));
    expect(String(table.schema.fields[2]!.type)).toMatch(/Utf8/);
    const labels = new Set<string>();
    for (let i = 0; i < table.numRows; i++) {
      const cell: unknown = table.getChild("label")!.get(i);
      labels.add(typeof cell === "string" ? cell : String((cell as { get(i: number): unknown }).get(0)));
    }
    expect([...labels].sort()).toEqual(["label-0", "label-1", "label-2"]);
    expect(decodeExampleMap(examples[0]!).size).toBe(3);
  });
});
