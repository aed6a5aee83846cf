/** `writeToArrayRecord`: the sharded, atomic ArrayRecord sink. */
import * as beam from "apache-beam";
import { arrayRecordFormat, DEFAULT_SINK_WRITER_OPTIONS } from "./record-files.js";
import { writeRecordFiles, type ShardedWriteOptions } from "./write-files.js";

/** Options of {@link writeToArrayRecord}. */
export interface WriteToArrayRecordOptions extends ShardedWriteOptions {
  /** ArrayRecord writer options string (e.g. `"group_size:64,zstd:3"`). Default `"group_size:1"`. */
  writerOptions?: string;
}

/**
 * `PTransform<PCollection<Uint8Array>, PCollection<string>>`: writes the records as ArrayRecord
 * files `filePathPrefix + shard name + suffix` and outputs the final file names.
 *
 * Names: with the default template, `out/train.array_record` and 4 shards give
 * `out/train.array_record-00000-of-00004` … `-00003-of-00004` (TFDS/Grain style).
 *
 * Atomic and idempotent: shards are written to a hidden per-run temporary directory
 * (`<dir>/.arrayrecord-tmp-<sink id>-<uuid>/`); once every shard is written, one finalize step writes
 * valid empty files for shards without records, deletes earlier outputs of this sink
 * (`PREFIX-<digits>-of-<digits>SUFFIX`, any shard count — nothing else), renames the temporary files
 * into place and removes the temporary directories (also those of earlier failed runs). A failed run
 * changes no final file; re-running it writes the complete output once.
 *
 * Counters: `arrayrecord_records_written`, `arrayrecord_bytes_written`, `arrayrecord_files_written`.
 *
 * @example
 * records.apply(writeToArrayRecord("out/train.array_record", { numShards: 4, writerOptions: "group_size:1,zstd:3" }));
 */
export function writeToArrayRecord(filePathPrefix: string, options: WriteToArrayRecordOptions = {}) {
  const format = arrayRecordFormat(options.writerOptions ?? DEFAULT_SINK_WRITER_OPTIONS);
  return beam.withName(`writeToArrayRecord(${filePathPrefix})`, writeRecordFiles(filePathPrefix, format, options, "arrayrecord"));
}
