// Runs in a fresh Node process against the COMPILED package, imported by name as a user would:
// builds and runs pipelines on the direct runner, and saves every DoFn payload of a pipeline
// plus the registered module names, for worker.cjs to deserialize in another process.
// Usage: node launch.mjs WORK_DIR
import * as fs from "node:fs";
import * as path from "node:path";
import * as beam from "apache-beam";
import { directRunner } from "apache-beam/runners/direct_runner";
import { Runner } from "apache-beam/runners/runner";
import { getRegisteredModules } from "apache-beam/serialization";
import { ParDoPayload } from "apache-beam/proto/beam_runner_api";
import { ArrayRecordReader, TFRecordWriter } from "arrayrecord";
import { readFromArrayRecord, readFromTFRecord, writeToArrayRecord, writeToTFRecord, toArrowBatches, fromArrowBatches } from "arrayrecord/beam";

const work = process.argv[2];
const input = path.join(work, "in.tfrecord");
const w = new TFRecordWriter(input);
for (let i = 0; i < 500; i++) w.write(new TextEncoder().encode(`record ${i}`));
w.close();

class CapturingRunner extends Runner {
  async runPipeline(pipeline, options) {
    this.pipeline = pipeline;
    return directRunner().runPipeline(pipeline, options);
  }
}

const runner = new CapturingRunner();
const result = await runner.run((root) => {
  root.apply(readFromTFRecord(input)).apply(writeToArrayRecord(path.join(work, "out", "data.array_record"), { numShards: 3 }));
});
const counters = await result.counters();

// Second pipeline: read the shards back, through Arrow batches, into TFRecord.
await directRunner().run((root) => {
  root
    .apply(readFromArrayRecord(path.join(work, "out", "data.array_record-*"), { desiredSplitRecords: 7 }))
    .apply(toArrowBatches(16))
    .apply(fromArrowBatches())
    .apply(writeToTFRecord(path.join(work, "back", "data.tfrecord"), { numShards: 1, shardNameTemplate: "" }));
});

const shards = fs.readdirSync(path.join(work, "out")).sort();
const counts = shards.map((f) => ArrayRecordReader.openSync(path.join(work, "out", f)).numRecords);
const payloads = [];
for (const t of Object.values(runner.pipeline.components.transforms)) {
  if (t.spec?.urn !== "beam:transform:pardo:v1") continue;
  const doFn = ParDoPayload.fromBinary(t.spec.payload).doFn;
  if (doFn?.urn === "beam:dofn:javasdk:0.1" || !doFn?.payload?.length) continue;
  payloads.push({ name: t.uniqueName, urn: doFn.urn, payload: Buffer.from(doFn.payload).toString("base64") });
}
fs.writeFileSync(path.join(work, "payloads.json"), JSON.stringify({ modules: getRegisteredModules(), payloads }));
console.log(JSON.stringify({ shards, counts, counters, back: fs.readdirSync(path.join(work, "back")), beamVersion: typeof beam.parDo }));
