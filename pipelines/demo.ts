// `npm start`: the end-to-end demo (TFRecord → Beam → ArrayRecord shards → parallel read back → report).
// Usage: node --import tsx pipelines/demo.ts [--dir demo-output] [--examples 20000]
import { parseArgs } from "node:util";
import { runDemo } from "../src/pipelines/demo.js";
import "../src/beam.js";

const { values } = parseArgs({ options: { dir: { type: "string", default: "demo-output" }, examples: { type: "string", default: "20000" } } });
const ok = await runDemo({ dir: values.dir, numExamples: Number(values.examples), inputShards: 4, outputShards: 3, log: (line) => console.log(line) });
process.exitCode = ok ? 0 : 1;
