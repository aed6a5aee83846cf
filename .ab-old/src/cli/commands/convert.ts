/**
 * `arrayrecord convert --from tfrecord|arrow --input PATTERN --output PREFIX [--num-shards N |
 * --match-shards] [--options STR] [--suffix S] [--as batches|examples] [--runner NAME]
 * [--parallelism N] [--worker-processes N] [--compression none|gzip|zlib]`.
 */
import { parseArgs } from "node:util";
import { loadPipelines } from "../beam.js";
import { compressionArgument } from "../conversion.js";
import { withProgressBar } from "../progress-bar.js";
import { RUNNER_OPTIONS, runnerArguments, runnerSummary } from "../runner-arguments.js";
import { UsageError } from "../usage.js";
import { writerOptionsArgument } from "./write.js";

/** Runs a conversion pipeline and prints the output files. */
export async function convert(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      from: { type: "string" },
      input: { type: "string" },
      output: { type: "string" },
      "num-shards": { type: "string" },
      "match-shards": { type: "boolean", default: false },
      options: { type: "string", default: "group_size:1" },
      suffix: { type: "string", default: "" },
      as: { type: "string" },
      ...RUNNER_OPTIONS,
      compression: { type: "string" },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`convert takes no positional arguments (got ${positionals.join(" ")})`);
  if (values.from !== "tfrecord" && values.from !== "arrow") throw new UsageError("convert needs --from tfrecord or --from arrow");
  if (values.input === undefined || values.output === undefined) throw new UsageError("convert needs --input PATTERN and --output PREFIX");
  const numShards = values["num-shards"] === undefined ? undefined : positiveInteger(values["num-shards"]);
  if (numShards !== undefined && values["match-shards"]) throw new UsageError("--num-shards and --match-shards exclude each other");
  if (values.from === "arrow" && values["match-shards"]) throw new UsageError("--match-shards is for --from tfrecord");
  if (values.as !== undefined && values.from !== "arrow") throw new UsageError("--as applies to --from arrow only");
  if (values.as !== undefined && values.as !== "batches" && values.as !== "examples") throw new UsageError("--as must be batches or examples");
  writerOptionsArgument(values.options);
  const runner = runnerArguments(values);
  const compression = compressionArgument(values.compression, values.from === "tfrecord");

  const pipelines = await loadPipelines();
  const common = {
    input: values.input,
    output: values.output,
    writerOptions: values.options,
    suffix: values.suffix,
    ...runner,
    ...(numShards === undefined ? {} : { numShards }),
  };
  const progress = pipelines.startProgress();
  try {
    const run =
      values.from === "tfrecord"
        ? pipelines.convertTFRecordToArrayRecord({ ...common, matchShards: values["match-shards"], ...(compression === undefined ? {} : { compression }) })
        : pipelines.convertArrowToArrayRecord({ ...common, as: values.as === "examples" ? "examples" : "batches" });
    const result = await withProgressBar(progress, run);
    const records = result.counters["arrayrecord_records_written"] ?? progress.records;
    const bytes = result.counters["arrayrecord_bytes_written"] ?? progress.bytes;
    for (const file of result.files) process.stdout.write(`${file}\n`);
    process.stderr.write(runnerSummary(result));
    process.stderr.write(
      `converted ${records} records (${(bytes / 1e6).toFixed(1)} MB) into ${result.files.length} files in ${result.seconds.toFixed(1)} s` +
        ` (${Math.round(records / Math.max(result.seconds, 1e-9))} records/s)\n`,
    );
  } finally {
    pipelines.stopProgress();
  }
  return 0;
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--num-shards must be a positive integer (got ${text})`);
  return n;
}
