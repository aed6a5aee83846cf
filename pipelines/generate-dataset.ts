// Parallel dataset generation: N synthetic tf.Examples generated in parallel splits → sharded ArrayRecord files.
// Usage: node --import tsx pipelines/generate-dataset.ts --output out/synthetic.array_record --num-examples 100000
//          [--num-shards N] [--seed S] [--examples-per-split K] [--options STR] [--runner direct]
// The function behind it: generateDataset() from "arrayrecord/beam".
import { parseArgs } from "node:util";
import "../src/beam.js";
import { generateDataset } from "../src/pipelines/generate-dataset.js";

const { values } = parseArgs({
  options: {
    output: { type: "string" },
    "num-examples": { type: "string" },
    "num-shards": { type: "string" },
    seed: { type: "string", default: "0" },
    "examples-per-split": { type: "string", default: "10000" },
    options: { type: "string", default: "group_size:1" },
    runner: { type: "string", default: "direct" },
  },
});
if (values.output === undefined || values["num-examples"] === undefined) {
  console.error("usage: generate-dataset.ts --output PREFIX --num-examples N [--num-shards N] [--seed S] [--examples-per-split K] [--options STR] [--runner NAME]");
  process.exit(2);
}
const result = await generateDataset({
  output: values.output,
  numExamples: Number(values["num-examples"]),
  seed: Number(values.seed),
  examplesPerSplit: Number(values["examples-per-split"]),
  writerOptions: values.options,
  runner: values.runner,
  ...(values["num-shards"] === undefined ? {} : { numShards: Number(values["num-shards"]) }),
});
for (const file of result.files) console.log(file);
console.error(`generated ${result.counters["arrayrecord_records_written"]} examples in ${result.seconds.toFixed(1)} s`);
