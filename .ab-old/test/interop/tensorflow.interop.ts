/**
 * TensorFlow as the TFRecord / tf.train.Example oracle (issue 9, item 4):
 * - TF writes (none, GZIP, ZLIB at several levels; records from empty to 5 MB; Examples with every
 *   feature kind, negative int64, NaN/±inf/-0.0, unicode, 10k-value lists) → we read exactly, sync
 *   and async, and decode the Examples to the values TF was given;
 * - we write (the library writer with each compression and several levels, and the CLI's
 *   `export --to tfrecord`) → TF reads exactly and parses our Examples to the same values.
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ArrayRecordWriter,
  TFRecordWriter,
  decodeExample,
  encodeExample,
  readTFRecords,
  readTFRecordsSync,
  type TFRecordCompression,
} from "../../src/index.js";
import { runCli } from "../helpers/cli.js";
import { edgeExamples, exampleToSpec, specToInput, type ExampleSpec } from "./examples-json.js";
import { Oracle } from "./oracle.js";
import { readRecordsFile, writeRecordsFile } from "./records-file.js";
import { tally } from "./settings.js";

let oracle: Oracle;
let specs: ExampleSpec[];
/** Examples serialized by TensorFlow. */
let tfExamples: Uint8Array[];
/** Non-Example records: empty, 1 byte, text, 100 KB, 5 MB. */
let raw: Uint8Array[];

beforeAll(async () => {
  oracle = await Oracle.start();
  specs = edgeExamples(300);
  const out = oracle.tempPath("tf-examples.records");
  await oracle.call("tf_build", { examples: specs, out });
  tfExamples = readRecordsFile(out);
  const big = new Uint8Array(5 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  raw = [new Uint8Array(0), Uint8Array.of(7), new TextEncoder().encode("plain text record ✓"), new Uint8Array(100_000).fill(42), big];
}, 180_000);
afterAll(async () => {
  await oracle?.close();
});

function expectSame(way: string, got: readonly Uint8Array[], want: readonly Uint8Array[]): void {
  expect(got.length, `${way}: record count`).toBe(want.length);
  want.forEach((w, i) => {
    if (Buffer.compare(got[i]!, w) !== 0) throw new Error(`${way}: record ${i} differs (${got[i]!.length} bytes, expected ${w.length})`);
  });
}

/** TF's file variants: compression and level (undefined = TF's default). */
const TF_WRITES: { compression: TFRecordCompression; level?: number }[] = [
  { compression: "none" },
  { compression: "gzip" },
  { compression: "gzip", level: 1 },
  { compression: "gzip", level: 9 },
  { compression: "zlib" },
  { compression: "zlib", level: 1 },
  { compression: "zlib", level: 9 },
];

describe("TensorFlow as the TFRecord/Example oracle", () => {
  it("TF writes → we read every record exactly and decode TF's Examples to the values TF was given", async () => {
    const records = [...raw, ...tfExamples];
    const input = oracle.tempPath("input.records");
    writeRecordsFile(input, records);
    let files = 0;
    for (const { compression, level } of TF_WRITES) {
      const way = `TF ${compression}${level === undefined ? "" : ` level ${level}`}`;
      const file = oracle.tempPath(`tf-${compression}-${level ?? "default"}.tfrecord`);
      await oracle.call("tf_write", { path: file, compression, level: level ?? null, records: input });
      expectSame(`${way}, readTFRecordsSync`, [...readTFRecordsSync(file, { compression })].map((r) => r.slice()), records);
      const asyncRecords: Uint8Array[] = [];
      for await (const r of readTFRecords(file, { compression })) asyncRecords.push(r.slice());
      expectSame(`${way}, readTFRecords`, asyncRecords, records);
      // No compression given: told from TF's bytes (the file name says nothing).
      expectSame(`${way}, detected, readTFRecordsSync`, [...readTFRecordsSync(file)].map((r) => r.slice()), records);
      const detected: Uint8Array[] = [];
      for await (const r of readTFRecords(file)) detected.push(r.slice());
      expectSame(`${way}, detected, readTFRecords`, detected, records);
      files++;
    }
    const decoded = tfExamples.map((r) => exampleToSpec(decodeExample(r)));
    decoded.forEach((got, i) => expect(got, `Example ${i}`).toEqual(specs[i]));
    tally("TF writes → we read (TFRecord files: none, GZIP ×3 levels, ZLIB ×3 levels; given and detected compression, sync and async)", files, `passed, ${records.length} records each`);
    tally("TF serializes → we decode (tf.train.Example)", decoded.length, "passed");
  });

  it("we write (library writer, each compression and level) → TF reads exactly and parses our Examples to the same values", async () => {
    const ourExamples = specs.map((s) => encodeExample(specToInput(s)));
    const records = [...raw, ...ourExamples];
    let files = 0;
    for (const compression of ["none", "gzip", "zlib"] as const) {
      for (const level of compression === "none" ? [6] : ([1, 6, 9] as const)) {
        const file = oracle.tempPath(`ours-${compression}-${level}.tfrecord`);
        const writer = new TFRecordWriter(file, { compression, level: level as 1 | 6 | 9 });
        for (const r of records) writer.write(r);
        writer.close();
        const out = oracle.tempPath("tf-read.records");
        const read = await oracle.call("tf_read", { path: file, compression, out });
        expect(read["num_records"]).toBe(records.length);
        expectSame(`TF reads our ${compression} level ${level}`, readRecordsFile(out), records);
        files++;
      }
    }
    const parsedFile = oracle.tempPath("ours-examples.records");
    writeRecordsFile(parsedFile, ourExamples);
    const { examples } = (await oracle.call("tf_parse", { records: parsedFile })) as unknown as { examples: ExampleSpec[] };
    examples.forEach((got, i) => expect(got, `Example ${i} as TF parses it`).toEqual(specs[i]));
    tally("we write → TF reads (library TFRecordWriter: none, GZIP/ZLIB × levels 1, 6, 9)", files, `passed, ${records.length} records each`);
    tally("we serialize → TF parses (tf.train.Example)", examples.length, "passed");
  });

  it("the CLI's export --to tfrecord (plain and .gz) → TF reads exactly", async () => {
    const ourExamples = specs.map((s) => encodeExample(specToInput(s)));
    const records = [...raw, ...ourExamples];
    const arrayRecord = oracle.tempPath("cli-input.array_record");
    const writer = ArrayRecordWriter.openSync(arrayRecord, "group_size:16,zstd:3");
    for (const r of records) writer.writeSync(r);
    writer.closeSync();
    for (const [name, compression] of [["cli-out.tfrecord", "none"], ["cli-out.tfrecord.gz", "gzip"]] as const) {
      const file = oracle.tempPath(name);
      const cli = runCli(["export", arrayRecord, "--to", "tfrecord", file]);
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stderr).toContain(`exported ${records.length} records`);
      const out = oracle.tempPath("tf-cli.records");
      await oracle.call("tf_read", { path: file, compression, out });
      expectSame(`TF reads the CLI's ${name}`, readRecordsFile(out), records);
    }
    tally("CLI export --to tfrecord → TF reads (plain, .gz)", 2, "passed");
    fs.rmSync(arrayRecord, { force: true });
  });
});
