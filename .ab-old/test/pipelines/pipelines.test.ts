/** The ready pipelines on the direct runner, with real files. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../../src/beam.js";
import { convertTFRecordToArrayRecord } from "../../src/pipelines/tfrecord-to-arrayrecord.js";
import { convertArrowToArrayRecord } from "../../src/pipelines/arrow-to-arrayrecord.js";
import { generateDataset } from "../../src/pipelines/generate-dataset.js";
import { syntheticExample } from "../../src/pipelines/synthetic-examples.js";
import { TFRecordWriter } from "../../src/format/tfrecord/index.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { ArrayRecordDataSource } from "../../src/format/array-record/data-source.js";
import { decodeExample } from "../../src/format/example/index.js";
import { Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray } from "apache-arrow";
import { batchRecordsToTable, readArrowFile, tableToBatchRecords } from "../../src/format/arrow/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-pipelines-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const text = (r: Uint8Array) => Buffer.from(r).toString();

/** Writes `files` TFRecord files of `perFile` records each ("f<i>-r<j>"); returns their paths. */
function tfrecordInputs(name: string, files: number, perFile: number): string[] {
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    const file = path.join(dir, `${name}-${f}.tfrecord${f % 2 === 1 ? ".gz" : ""}`);
    const writer = new TFRecordWriter(file);
    for (let j = 0; j < perFile; j++) writer.write(new TextEncoder().encode(`f${f}-r${j}`));
    writer.close();
    out.push(file);
  }
  return out;
}

describe("pipelines", () => {
  it("match-shards conversion maps input i (sorted by name) to output i of N", async () => {
    const inputs = tfrecordInputs("match", 3, 40);
    const result = await convertTFRecordToArrayRecord({
      input: path.join(dir, "match-*"),
      output: path.join(dir, "out", "match"),
      suffix: ".array_record",
      matchShards: true,
      writerOptions: "group_size:8,zstd:1",
    });
    expect(result.files.map((f) => path.basename(f))).toEqual(["match-00000-of-00003.array_record", "match-00001-of-00003.array_record", "match-00002-of-00003.array_record"]);
    result.files.forEach((file, i) => {
      const reader = ArrayRecordReader.openSync(file);
      expect(reader.readAllSync().map(text)).toEqual(Array.from({ length: 40 }, (_, j) => `f${i}-r${j}`));
      expect(reader.writerOptions).toContain("group_size:8");
      reader.closeSync();
    });
    expect(result.counters["arrayrecord_records_written"]).toBe(120);
    expect(inputs).toHaveLength(3);
    expect(fs.readdirSync(path.join(dir, "out")).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("reshard conversion writes numShards files holding every record once", async () => {
    tfrecordInputs("reshard", 2, 50);
    const result = await convertTFRecordToArrayRecord({ input: path.join(dir, "reshard-*"), output: path.join(dir, "reshard.array_record"), numShards: 3 });
    expect(result.files.map((f) => path.basename(f))).toEqual(["reshard.array_record-00000-of-00003", "reshard.array_record-00001-of-00003", "reshard.array_record-00002-of-00003"]);
    const source = ArrayRecordDataSource.openSync(result.files);
    const got = [...source].map(text).sort();
    const want = [0, 1].flatMap((f) => Array.from({ length: 50 }, (_, j) => `f${f}-r${j}`)).sort();
    expect(got).toEqual(want);
    source.closeSync();
  });

  it("Arrow files become batch records that rebuild the tables", async () => {
    // Three record batches of int, float, text and nullable columns.
    const batches = [0, 1, 2].map((b) => {
      const rows = Array.from({ length: 5 + b }, (_, i) => i);
      return new Table({
        id: vectorFromArray(rows.map((i) => 10 * b + i), new Int32()),
        score: vectorFromArray(rows.map((i) => i / 4), new Float64()),
        name: vectorFromArray(rows.map((i) => (i % 3 === 0 ? null : `n${b}-${i}`)), new Utf8()),
      });
    });
    const arrow = path.join(dir, "three-batches.arrow");
    fs.writeFileSync(arrow, tableToIPC(batches[0]!.concat(batches[1]!, batches[2]!), "file"));
    const result = await convertArrowToArrayRecord({ input: [arrow], output: path.join(dir, "arrow"), numShards: 1 });
    const records = ArrayRecordReader.openSync(result.files[0]!).readAllSync();
    const original = readArrowFile(arrow);
    expect(original.batches).toHaveLength(3);
    expect(records).toHaveLength(3);
    // Beam does not keep the batches' order: compare them as a multiset of batch records.
    const hex = (rs: Uint8Array[]) => rs.map((r) => Buffer.from(r).toString("hex")).sort();
    expect(hex(records)).toEqual(hex(tableToBatchRecords(original)));
    expect(batchRecordsToTable(records).numRows).toBe(original.numRows);
  });

  it("dataset generation is deterministic and split-independent", async () => {
    const result = await generateDataset({ output: path.join(dir, "gen.array_record"), numExamples: 2500, examplesPerSplit: 300, numShards: 2, seed: 7 });
    expect(result.files).toHaveLength(2);
    const source = ArrayRecordDataSource.openSync(result.files);
    expect(source.length).toBe(2500);
    const ids = [...source].map((r) => text((decodeExample(r).id as { values: Uint8Array[] }).values[0]!)).sort();
    expect(ids[0]).toBe("ex-000000000");
    expect(new Set(ids).size).toBe(2500);
    const byId = new Map([...source].map((r) => [text((decodeExample(r).id as { values: Uint8Array[] }).values[0]!), r]));
    expect(Buffer.compare(byId.get("ex-000001234")!, syntheticExample(7, 1234))).toBe(0);
    source.closeSync();
  });
});
