/**
 * TFRecord sources and sinks. A TFRecord file has no index, so the read unit is a whole file:
 * match → reshuffle the file names → stream each file with the sync reader. The sink is the same
 * sharded, atomic machinery as `writeToArrayRecord`.
 */
import * as beam from "apache-beam";
import { readTFRecordsSync } from "../format/tfrecord/reader.js";
import type { TFRecordCompression, TFRecordCompressionChoice } from "../format/tfrecord/compression.js";
import { createStrings, parDoWithCoder, recordCoder } from "../transforms/coders.js";
import { reshuffleStrings } from "../transforms/reshuffle.js";
import { registerDoFns } from "../transforms/serialization.js";
import { matchAll, type EmptyMatchTreatment } from "./match.js";
import { tfRecordFormat } from "./record-files.js";
import { writeRecordFiles, type ShardedWriteOptions } from "./write-files.js";

/** Options of {@link readFromTFRecord} and {@link readAllFromTFRecord}. */
export interface ReadFromTFRecordOptions {
  /** Whole-file compression; default `"auto"`: told from each file's first bytes (see format/tfrecord/detect.ts). */
  compression?: TFRecordCompressionChoice;
  /** What a pattern matching nothing does; default `"disallow"` (the pipeline fails with IO). */
  emptyMatch?: EmptyMatchTreatment;
}

/** Context of {@link ReadTFRecordFileDoFn}: its counters. */
export interface ReadTFRecordContext {
  recordsRead: beam.Counter;
  bytesRead: beam.Counter;
}

/** Reads every record of one TFRecord file (CRCs checked). */
export class ReadTFRecordFileDoFn implements beam.DoFn<string, Uint8Array, ReadTFRecordContext> {
  constructor(readonly compression: TFRecordCompressionChoice) {}

  *process(file: string, context: ReadTFRecordContext): Generator<Uint8Array> {
    let records = 0;
    let bytes = 0;
    for (const record of readTFRecordsSync(file, { compression: this.compression })) {
      records++;
      bytes += record.length;
      yield record;
    }
    context.recordsRead.increment(records);
    context.bytesRead.increment(bytes);
  }
}

/**
 * `PTransform<PCollection<string>, PCollection<Uint8Array>>`: reads the TFRecord files matching
 * each pattern of the input. Output coded as bytes. Counters `tfrecord_records_read`, `tfrecord_bytes_read`.
 */
export function readAllFromTFRecord(options: ReadFromTFRecordOptions = {}) {
  return beam.withName("readAllFromTFRecord", (patterns: beam.PCollection<string>): beam.PCollection<Uint8Array> => {
    const files = patterns.apply(matchAll(options.emptyMatch)).apply(reshuffleStrings("reshuffleFiles")) as beam.PCollection<string>;
    return parDoWithCoder(files, "readFiles", new ReadTFRecordFileDoFn(options.compression ?? "auto"), recordCoder(), {
      recordsRead: beam.counter("tfrecord_records_read"),
      bytesRead: beam.counter("tfrecord_bytes_read"),
    });
  });
}

/**
 * `PTransform<Root, PCollection<Uint8Array>>`: the records of the TFRecord files matching a glob
 * pattern (or a list of patterns / paths), matched when the pipeline runs.
 *
 * @example
 * root.apply(readFromTFRecord("data/train.tfrecord-*")).apply(writeToArrayRecord("out/train.array_record"));
 */
export function readFromTFRecord(filePatternOrList: string | readonly string[], options: ReadFromTFRecordOptions = {}) {
  const patterns = typeof filePatternOrList === "string" ? [filePatternOrList] : [...filePatternOrList];
  return beam.withName(`readFromTFRecord(${patterns.join(",")})`, (root: beam.Root): beam.PCollection<Uint8Array> =>
    createStrings(root, "patterns", patterns).apply(readAllFromTFRecord(options)) as beam.PCollection<Uint8Array>,
  );
}

/** Options of {@link writeToTFRecord}. */
export interface WriteToTFRecordOptions extends ShardedWriteOptions {
  /** Whole-file compression of every shard; default `"none"`. */
  compression?: TFRecordCompression;
}

/**
 * `PTransform<PCollection<Uint8Array>, PCollection<string>>`: writes the records as sharded TFRecord
 * files, atomically (see `writeToArrayRecord`), and outputs the final file names. Counters
 * `tfrecord_records_written`, `tfrecord_bytes_written`, `tfrecord_files_written`.
 */
export function writeToTFRecord(filePathPrefix: string, options: WriteToTFRecordOptions = {}) {
  const format = tfRecordFormat(options.compression ?? "none");
  return beam.withName(`writeToTFRecord(${filePathPrefix})`, writeRecordFiles(filePathPrefix, format, options, "tfrecord"));
}

registerDoFns({ ReadTFRecordFileDoFn });
