/**
 * TFRecord → ArrayRecord conversion pipelines, as array_record's `convert_tf_to_arrayrecord_disk`
 * (reshard into `numShards` files) and `convert_tf_to_arrayrecord_disk_match_shards` (one output
 * per input file, inputs sorted by name, output i named `PREFIX-<i>-of-<N>` + suffix).
 */
import * as beam from "apache-beam";
import { impulse } from "apache-beam/transforms/internal";
import { VarIntCoder } from "apache-beam/coders/standard_coders";
import { ArrayRecordError } from "../format/errors.js";
import { readTFRecordsSync, type TFRecordCompressionChoice } from "../format/tfrecord/index.js";
import { matchFiles } from "../io/match.js";
import { arrayRecordFormat, DEFAULT_SINK_WRITER_OPTIONS } from "../io/record-files.js";
import { shardNaming, newTempDir, DEFAULT_SHARD_NAME_TEMPLATE } from "../io/shard-names.js";
import { writeShardFile, type SinkPlan } from "../io/sink-files.js";
import { readFromTFRecord } from "../io/tfrecord-io.js";
import { FinalizeShardsDoFn } from "../io/write-files.js";
import { createStrings, parDoWithCoder, setCoder, stringCoder } from "../transforms/coders.js";
import { reshuffleStrings } from "../transforms/reshuffle.js";
import { registerDoFns } from "../transforms/serialization.js";
import { iterableSideInput, singletonSideInput } from "../transforms/side-inputs.js";
import { runPipeline, type RunnerChoice } from "./run.js";
import { CountProgressDoFn } from "./progress.js";
import { withOutputFiles, writeShards, type ConversionResult, type ShardedOutput } from "./output.js";

/** Options of {@link convertTFRecordToArrayRecord}. */
export interface TFRecordConversionOptions extends RunnerChoice, ShardedOutput {
  /** Input TFRecord files: a glob pattern or a list of paths. */
  input: string | readonly string[];
  /** One output per input file instead of resharding (excludes `numShards`). */
  matchShards?: boolean;
  /** Input compression; default `"auto"`: told from each file's first bytes. */
  compression?: TFRecordCompressionChoice;
}

/** Converts TFRecord files to sharded ArrayRecord files with a Beam pipeline. */
export async function convertTFRecordToArrayRecord(options: TFRecordConversionOptions): Promise<ConversionResult> {
  if (options.matchShards && options.numShards !== undefined) {
    throw new ArrayRecordError("INVALID_OPTIONS", "numShards and matchShards exclude each other");
  }
  if (options.matchShards) {
    const inputs = matchInputs(options.input);
    const report = await runPipeline((root) => matchShardsPipeline(root, inputs, options), options);
    return withOutputFiles(report, options, inputs.length);
  }
  const report = await runPipeline((root) => {
    writeShards(root.apply(readFromTFRecord(options.input, options.compression === undefined ? {} : { compression: options.compression })) as beam.PCollection<Uint8Array>, options);
  }, options);
  return withOutputFiles(report, options);
}

/** Every input file, sorted by name (a pattern is matched now: the shard count names the outputs). */
function matchInputs(input: string | readonly string[]): string[] {
  const files = typeof input === "string" ? matchFiles(input) : [...input];
  return [...new Set(files)].sort();
}

/** One description per input: which shard it becomes. */
interface FileShard {
  file: string;
  shard: number;
  numShards: number;
  compression: TFRecordCompressionChoice;
}

/** Converts one TFRecord file (a JSON {@link FileShard}) into its shard's temporary file. */
export class ConvertFileToShardDoFn implements beam.DoFn<string, string, { recordsWritten: beam.Counter; bytesWritten: beam.Counter }> {
  constructor(readonly plan: SinkPlan) {}

  *process(json: string, context: { recordsWritten: beam.Counter; bytesWritten: beam.Counter }): Generator<string> {
    const job = JSON.parse(json) as FileShard;
    const written = writeShardFile(this.plan, job.shard, job.numShards, counted(readTFRecordsSync(job.file, { compression: job.compression })));
    context.recordsWritten.increment(written.records);
    context.bytesWritten.increment(written.bytes);
    yield JSON.stringify(written);
  }
}

/** Counts records into the progress tracker as they pass (match-shards mode has no record PCollection). */
function* counted(records: Iterable<Uint8Array>): Generator<Uint8Array> {
  const step = new CountProgressDoFn();
  for (const record of records) yield* step.process(record);
}

function matchShardsPipeline(root: beam.Root, inputs: string[], options: TFRecordConversionOptions): void {
  if (inputs.length === 0) throw new ArrayRecordError("IO", `no TFRecord files match ${String(options.input)}`);
  const naming = shardNaming(options.output, DEFAULT_SHARD_NAME_TEMPLATE, options.suffix ?? "");
  const plan: SinkPlan = { naming, format: arrayRecordFormat(options.writerOptions ?? DEFAULT_SINK_WRITER_OPTIONS), tempDir: newTempDir(naming) };
  const jobs = inputs.map((file, shard) => JSON.stringify({ file, shard, numShards: inputs.length, compression: options.compression ?? "auto" }));
  const written = parDoWithCoder(
    createStrings(root, "inputFiles", jobs).apply(reshuffleStrings("spreadFiles")) as beam.PCollection<string>,
    "convertFiles",
    new ConvertFileToShardDoFn(plan),
    stringCoder(),
    { recordsWritten: beam.counter("arrayrecord_records_written"), bytesWritten: beam.counter("arrayrecord_bytes_written") },
  );
  const numShards = setCoder(root.apply(beam.withName("numShards", beam.create([inputs.length]))), new VarIntCoder());
  const trigger = root.apply(beam.withName("finalizeTrigger", impulse()));
  parDoWithCoder(trigger, "finalize", new FinalizeShardsDoFn(plan), stringCoder(), {
    written: iterableSideInput(written),
    numShards: singletonSideInput(numShards),
    filesWritten: beam.counter("arrayrecord_files_written"),
  });
}

registerDoFns({ ConvertFileToShardDoFn });
