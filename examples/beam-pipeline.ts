// A Beam pipeline: TFRecord files → sharded ArrayRecord files, then read back in parallel splits.
// Needs the optional peer dependency: npm install apache-beam@2.49.0
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArrayRecordDataSource, TFRecordWriter } from "arrayrecord";
// runPipeline runs on any runner the SDK's createRunner knows ("direct" here) and returns the counters.
import { readFromArrayRecord, readFromTFRecord, runPipeline, writeToArrayRecord } from "arrayrecord/beam";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "beam-example-"));
const input = new TFRecordWriter(path.join(dir, "input.tfrecord"));
for (let i = 0; i < 1000; i++) input.write(new TextEncoder().encode(`record ${i}`));
input.close();

await runPipeline((root) => {
  root
    .apply(readFromTFRecord(path.join(dir, "*.tfrecord")))
    .apply(writeToArrayRecord(path.join(dir, "train.array_record"), { numShards: 4, writerOptions: "group_size:16,zstd:3" }));
}, { runner: "direct" });
const shards = fs.readdirSync(dir).filter((name) => name.startsWith("train.array_record-")).sort();
console.log("shards:", shards.join(" "));

// Reading back through the Beam source: record-range splits of 100 records, read in parallel.
const { counters } = await runPipeline((root) => {
  root.apply(readFromArrayRecord(path.join(dir, "train.array_record-*"), { desiredSplitRecords: 100 }));
});
console.log("records read by the source:", counters["arrayrecord_records_read"]);

const source = await ArrayRecordDataSource.open(path.join(dir, "train.array_record-*"));
console.log("records in the data source:", source.length);
await source.close();
fs.rmSync(dir, { recursive: true });
