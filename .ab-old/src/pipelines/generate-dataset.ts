/**
 * Parallel dataset generation: N synthetic tf.Examples generated in parallel index ranges, written
 * as sharded ArrayRecord files. Example i depends only on (seed, i), so the data set is the same
 * for any split and any runner.
 */
import * as beam from "apache-beam";
import { ArrayRecordError } from "../format/errors.js";
import { createStrings, parDoWithCoder, recordCoder } from "../transforms/coders.js";
import { reshuffleStrings } from "../transforms/reshuffle.js";
import { registerDoFns } from "../transforms/serialization.js";
import { runPipeline, type RunnerChoice } from "./run.js";
import { syntheticExample } from "./synthetic-examples.js";
import { withOutputFiles, writeShards, type ConversionResult, type ShardedOutput } from "./output.js";

/** Options of {@link generateDataset}. */
export interface GenerateDatasetOptions extends RunnerChoice, ShardedOutput {
  /** Number of examples. */
  numExamples: number;
  /** Seed of the generator; default 0. */
  seed?: number;
  /** Examples per parallel split; default 10,000. */
  examplesPerSplit?: number;
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
    writeShards(parDoWithCoder(ranges, "generateExamples", new GenerateExamplesDoFn(), recordCoder()), options);
  }, options);
  return withOutputFiles(report, options);
}

registerDoFns({ GenerateExamplesDoFn });
