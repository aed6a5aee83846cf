/** The ArrayRecord output step shared by the ready pipelines, and the file list of a finished run. */
import type * as beam from "apache-beam";
import { DEFAULT_SINK_WRITER_OPTIONS } from "../io/record-files.js";
import { shardFileNames, shardNaming, DEFAULT_SHARD_NAME_TEMPLATE } from "../io/shard-names.js";
import { writeToArrayRecord } from "../io/write-array-record.js";
import type { PipelineReport } from "./run.js";
import { countProgress } from "./progress.js";

/** Where and how a pipeline writes its ArrayRecord shards. */
export interface ShardedOutput {
  /** Output prefix, e.g. `out/train.array_record`. */
  output: string;
  /** Number of output shards; default from the data size (~256 MB per shard). */
  numShards?: number;
  /** ArrayRecord writer options; default `group_size:1`. */
  writerOptions?: string;
  /** Appended to every output name. */
  suffix?: string;
}

/** What a pipeline produced. */
export interface ConversionResult extends PipelineReport {
  /** The output files, in shard order. */
  files: string[];
}

/** Counts `records` for the progress display and writes them as sharded ArrayRecord files. */
export function writeShards(records: beam.PCollection<Uint8Array>, options: ShardedOutput): void {
  countProgress(records).apply(
    writeToArrayRecord(options.output, {
      writerOptions: options.writerOptions ?? DEFAULT_SINK_WRITER_OPTIONS,
      fileNameSuffix: options.suffix ?? "",
      ...(options.numShards === undefined ? {} : { numShards: options.numShards }),
    }),
  );
}

/** The report of a run with the names of the `numShards` files it wrote (default: as its counter says). */
export function withOutputFiles(report: PipelineReport, options: ShardedOutput, numShards = report.counters["arrayrecord_files_written"] ?? 0): ConversionResult {
  const naming = shardNaming(options.output, DEFAULT_SHARD_NAME_TEMPLATE, options.suffix ?? "");
  return { ...report, files: shardFileNames(naming, numShards) };
}
