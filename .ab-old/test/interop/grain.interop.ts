/**
 * Grain as a real client (issue 9, item 3): TFRecord Examples go through our Beam pipeline
 * (TFRecord → ArrayRecord, 4 shards, direct runner); Grain's ArrayRecordDataSource and a Grain
 * DataLoader (shuffling IndexSampler, 2 worker processes) read the shards; every record arrives
 * exactly once and TensorFlow parses each to the values of its Example.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertTFRecordToArrayRecord } from "../../src/beam.js";
import { TFRecordWriter, encodeExample } from "../../src/index.js";
import { edgeExamples, specToInput, type ExampleSpec } from "./examples-json.js";
import { Oracle } from "./oracle.js";
import { readRecordsFile, writeRecordsFile } from "./records-file.js";
import { tally } from "./settings.js";

const EXAMPLES = 3000;
const SHARDS = 4;

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.start();
});
afterAll(async () => {
  await oracle?.close();
});

const key = (r: Uint8Array) => Buffer.from(r).toString("base64");

/** How often each record of `want` appears in `got`: duplicates, missing and unknown records. */
function census(got: readonly Uint8Array[], want: readonly Uint8Array[]): { duplicates: number; missing: number; unknown: number } {
  const counts = new Map<string, number>();
  for (const r of got) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  let duplicates = 0;
  let missing = 0;
  for (const r of want) {
    const n = counts.get(key(r)) ?? 0;
    if (n === 0) missing++;
    if (n > 1) duplicates += n - 1;
    counts.delete(key(r));
  }
  return { duplicates, missing, unknown: [...counts.values()].reduce((a, b) => a + b, 0) };
}

describe("Grain reads shards written by our Beam pipeline", () => {
  it(`${EXAMPLES} Examples → Beam TFRecord→ArrayRecord (${SHARDS} shards) → Grain data source and shuffling loader with 2 workers`, async () => {
    // Unique records: edgeExamples' random Examples carry distinct ids; the fixed edge ones appear once.
    const specs: ExampleSpec[] = edgeExamples(EXAMPLES - 4);
    const records = specs.map((s) => encodeExample(specToInput(s)));
    expect(new Set(records.map(key)).size).toBe(records.length);
    const input = oracle.tempPath("grain-input.tfrecord.gz");
    const writer = new TFRecordWriter(input);
    for (const r of records) writer.write(r);
    writer.close();

    const result = await convertTFRecordToArrayRecord({
      input: [input],
      output: path.join(oracle.dir, "grain", "train.array_record"),
      numShards: SHARDS,
      writerOptions: "group_size:32,zstd:3",
    });
    expect(result.files).toHaveLength(SHARDS);
    expect(result.counters["arrayrecord_records_written"]).toBe(EXAMPLES);

    const out = oracle.tempPath("grain-read");
    const read = await oracle.call("grain_read", { paths: result.files, out, seed: 42, workers: 2 }, 300_000);
    expect(read["num_records"]).toBe(EXAMPLES);
    const fromSource = readRecordsFile(`${out}.source`);
    const fromLoader = readRecordsFile(`${out}.loader`);
    const source = census(fromSource, records);
    const loader = census(fromLoader, records);
    tally(
      `Grain ArrayRecordDataSource over ${SHARDS} shards`,
      fromSource.length,
      `records ${fromSource.length}/${EXAMPLES}, duplicates ${source.duplicates}, missing ${source.missing}, unknown ${source.unknown}`,
    );
    tally(
      "Grain DataLoader (shuffle, 2 workers)",
      fromLoader.length,
      `records ${fromLoader.length}/${EXAMPLES}, duplicates ${loader.duplicates}, missing ${loader.missing}, unknown ${loader.unknown}, TF parsed ${String(read["parsed"])}`,
    );
    expect(source).toEqual({ duplicates: 0, missing: 0, unknown: 0 });
    expect(loader).toEqual({ duplicates: 0, missing: 0, unknown: 0 });
    expect(fromLoader).toHaveLength(EXAMPLES);
    // Shuffled: the loader's order is not the data source's order.
    expect(fromLoader.map(key)).not.toEqual(fromSource.map(key));

    // TensorFlow parses every delivered record to the values of the Example it came from.
    const parsedFile = oracle.tempPath("grain-delivered.records");
    writeRecordsFile(parsedFile, fromLoader);
    const { examples } = (await oracle.call("tf_parse", { records: parsedFile }, 300_000)) as unknown as { examples: ExampleSpec[] };
    const specByKey = new Map(records.map((r, i) => [key(r), specs[i]!]));
    examples.forEach((got, i) => expect(got).toEqual(specByKey.get(key(fromLoader[i]!))));
    tally("TF parses Grain's deliveries (tf.train.Example)", examples.length, "passed");
  });
});
