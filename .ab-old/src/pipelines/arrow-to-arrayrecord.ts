/** Arrow IPC files → sharded ArrayRecord files: each record batch as a batch record, or each row as a tf.Example. */
import * as beam from "apache-beam";
import { readArrowFile, tableToBatchRecords, tableToExamples } from "../format/arrow/index.js";
import { ArrayRecordError } from "../format/errors.js";
import { matchFiles } from "../io/match.js";
import { createStrings, parDoWithCoder, recordCoder } from "../transforms/coders.js";
import { reshuffleStrings } from "../transforms/reshuffle.js";
import { registerDoFns } from "../transforms/serialization.js";
import { runPipeline, type RunnerChoice } from "./run.js";
import { withOutputFiles, writeShards, type ConversionResult, type ShardedOutput } from "./output.js";

/** How Arrow rows become records. */
export type ArrowRecordsAs = "batches" | "examples";

/** Options of {@link convertArrowToArrayRecord}. */
export interface ArrowConversionOptions extends RunnerChoice, ShardedOutput {
  /** Arrow IPC files or streams: a glob pattern or a list of paths. */
  input: string | readonly string[];
  /** `batches` (default): one record per record batch; `examples`: one tf.Example per row. */
  as?: ArrowRecordsAs;
}

/** Reads one Arrow IPC file and emits its records (batch records or serialized Examples). */
export class ArrowFileToRecordsDoFn implements beam.DoFn<string, Uint8Array> {
  constructor(readonly as: ArrowRecordsAs) {}

  *process(file: string): Generator<Uint8Array> {
    const table = readArrowFile(file);
    yield* this.as === "examples" ? tableToExamples(table) : tableToBatchRecords(table);
  }
}

/** Converts Arrow IPC files to sharded ArrayRecord files with a Beam pipeline. */
export async function convertArrowToArrayRecord(options: ArrowConversionOptions): Promise<ConversionResult> {
  const as = options.as ?? "batches";
  if (as !== "batches" && as !== "examples") throw new ArrayRecordError("INVALID_OPTIONS", `unknown as: ${String(as)}`);
  const files = typeof options.input === "string" ? matchFiles(options.input) : [...options.input];
  if (files.length === 0) throw new ArrayRecordError("IO", `no Arrow files match ${String(options.input)}`);
  const report = await runPipeline((root) => {
    const names = createStrings(root, "arrowFiles", files).apply(reshuffleStrings("spreadFiles")) as beam.PCollection<string>;
    writeShards(parDoWithCoder(names, "arrowToRecords", new ArrowFileToRecordsDoFn(as), recordCoder()), options);
  }, options);
  return withOutputFiles(report, options);
}

registerDoFns({ ArrowFileToRecordsDoFn });
