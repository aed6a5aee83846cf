/**
 * Parallel dataset generation: N synthetic tf.Examples generated in parallel index ranges, written
 * as sharded ArrayRecord files. Example i depends only on (seed, i), so the data set is the same
 * for any split and any runner.
 */
import * as beam from "apache-beam";
import { ArrayRecordError } from "../format/errors.js";
import { DEFAULT_SINK_WRITER_OPTIONS } from "../io/record-files.js";
import { shardFileNames, shardNaming, DEFAULT_SHARD_NAME_TEMPLATE } from "../io/shard-names.js";
import { writeToArrayRecord } from "../io/write-array-record.js";
import { createStrings, parDoWithCoder, recordCoder } from "../transforms/coders.js";
import { reshuffleStrings } from "../transforms/reshuffle.js";
import { registerDoFns } from "../transforms/serialization.js";
import { runPipeline, type RunnerChoice } from "./run.js";
import { countProgress } from "./progress.js";
import { syntheticExample } from "./synthetic-examples.js";
import type { ConversionResult } from "./tfrecord-to-arrayrecord.js";

/** Options of {@link generateDataset}. */
export interface GenerateDatasetOptions extends RunnerChoice {
  /** Output prefix. */
  output: string;
  /** Number of examples. */
  numExamples: number;
  /** Seed of the generator; default 0. */
  seed?: number;
  /** Examples per parallel split; default 10,000. */
  examplesPerSplit?: number;
  /** Number of output shards; default from the data size. */
  numShards?: number;
  /** ArrayRecord writer options; default `group_size:1`. */
  writerOptions?: string;
  /** Appended to every output name. */
  suffix?: string;
}

/** Generates the examples of one index range, given as JSON `{seed, start, end}`. */
export class GenerateExamplesDoFn implements beam.DoFn<string, Uint8Array> {
  *process(json: string): Generator<Uint8Array> {
    const { seed, start, end } = JSON.parse(json) as { seed: number; start: number; end: number };
    for (let i = start; i < end; i++) yield syntheticExample(seed, i);
  }
}

/** Generates `numExamples` synthetic Examples in parallel splits into sharded ArrayRecord files. */
export async function generateDataset(options: GenerateDatasetOptions): Promise<ConversionResult> {
  const { numExamples } = options;
  if (!Number.isSafeInteger(numExamples) || numExamples < 0) throw new ArrayRecordError("INVALID_OPTIONS", `numExamples must be a non-negative integer, got ${numExamples}`);
  const perSplit = options.examplesPerSplit ?? 10_000;
  if (!Number.isSafeInteger(perSplit) || perSplit < 1) throw new ArrayRecordError("INVALID_OPTIONS", `examplesPerSplit must be a positive integer, got ${perSplit}`);
  const splits: string[] = [];
  for (let start = 0; start < numExamples; start += perSplit) {
    splits.push(JSON.stringify({ seed: options.seed ?? 0, start, end: Math.min(numExamples, start + perSplit) }));
  }
  const report = await runPipeline((root) => {
    const ranges = createStrings(root, "ranges", splits).apply(reshuffleStrings("spreadRanges")) as beam.PCollection<string>;
    countProgress(parDoWithCoder(ranges, "generateExamples", new GenerateExamplesDoFn(), recordCoder())).apply(
      writeToArrayRecord(options.output, {
        writerOptions: options.writerOptions ?? DEFAULT_SINK_WRITER_OPTIONS,
        fileNameSuffix: options.suffix ?? "",
        ...(options.numShards === undefined ? {} : { numShards: options.numShards }),
      }),
    );
  }, options);
  const naming = shardNaming(options.output, DEFAULT_SHARD_NAME_TEMPLATE, options.suffix ?? "");
  return { ...report, files: shardFileNames(naming, report.counters["arrayrecord_files_written"] ?? 0) };
}

registerDoFns({ GenerateExamplesDoFn });
