/**
 * The end-to-end demo behind `npm start`: TFRecord shards of tf.Examples (generated) → Beam
 * pipeline → ArrayRecord shards → read back through the Beam source in parallel record-range
 * splits and verified against the input → random access through the data source → a report.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ArrayRecordDataSource } from "../format/array-record/data-source.js";
import { decodeExample, exampleToJson } from "../format/example/index.js";
import { TFRecordWriter } from "../format/tfrecord/index.js";
import { readFromArrayRecord } from "../io/read-array-record.js";
import { digestFromCounters, digestOf, digestRecords } from "./digest.js";
import { runPipeline } from "./run.js";
import { syntheticExample } from "./synthetic-examples.js";
import { convertTFRecordToArrayRecord } from "./tfrecord-to-arrayrecord.js";

/** Settings of {@link runDemo}. */
export interface DemoOptions {
  /** Working directory (emptied first). */
  dir: string;
  /** Examples in all. */
  numExamples: number;
  /** TFRecord input files. */
  inputShards: number;
  /** ArrayRecord output shards. */
  outputShards: number;
  /** Where the report goes. */
  log: (line: string) => void;
}

/** Runs the demo; resolves to true when every check passed. */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { dir, numExamples, inputShards, outputShards, log } = options;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "tfrecord"), { recursive: true });

  let t = performance.now();
  const input = [];
  for (let s = 0; s < inputShards; s++) {
    const file = path.join(dir, "tfrecord", `train.tfrecord-${String(s).padStart(5, "0")}-of-${String(inputShards).padStart(5, "0")}`);
    const writer = new TFRecordWriter(file);
    for (let i = s; i < numExamples; i += inputShards) writer.write(syntheticExample(2024, i));
    writer.close();
    input.push(file);
  }
  const inputDigest = digestOf((function* () { for (let i = 0; i < numExamples; i++) yield syntheticExample(2024, i); })());
  log(`1. wrote ${numExamples} tf.Examples into ${inputShards} TFRecord files (${seconds(t)})`);

  t = performance.now();
  const converted = await convertTFRecordToArrayRecord({
    input: path.join(dir, "tfrecord", "train.tfrecord-*"),
    output: path.join(dir, "arrayrecord", "train.array_record"),
    numShards: outputShards,
    writerOptions: "group_size:1,zstd:3",
  });
  log(`2. Beam pipeline (direct runner) converted them into ${converted.files.length} ArrayRecord shards (${seconds(t)}):`);
  for (const file of converted.files) log(`     ${path.relative(process.cwd(), file)}  ${fs.statSync(file).size} bytes`);

  t = performance.now();
  const read = await runPipeline((root) => {
    digestRecords(root.apply(readFromArrayRecord(converted.files, { desiredSplitRecords: Math.ceil(numExamples / 16) })), "readback");
  });
  const readDigest = digestFromCounters(read.counters, "readback");
  const sameMultiset = readDigest.records === inputDigest.records && readDigest.checksumSum === inputDigest.checksumSum;
  log(`3. read back through the Beam source in parallel splits: ${readDigest.records} records, ${sameMultiset ? "identical to the input" : "DIFFERENT from the input"} (${seconds(t)})`);

  t = performance.now();
  const source = await ArrayRecordDataSource.open(converted.files);
  const picks = [0, Math.floor(source.length / 2), source.length - 1];
  const records = await source.getMany(picks);
  const ids = records.map((r) => new TextDecoder().decode((decodeExample(r).id as { values: Uint8Array[] }).values[0]));
  await source.close();
  log(`4. random access through ArrayRecordDataSource: records ${picks.join(", ")} have ids ${ids.join(", ")} (${seconds(t)})`);
  log(`   e.g. ${JSON.stringify(exampleToJson(decodeExample(records[0]!)))}`);

  const ok = sameMultiset && source.length === numExamples;
  log(ok ? "OK: every record arrived exactly once." : "FAILED: the output does not match the input.");
  return ok;
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
