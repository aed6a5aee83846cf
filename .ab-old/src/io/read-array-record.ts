/**
 * ArrayRecord sources, built from Beam primitives (the TypeScript SDK has no splittable DoFns):
 * patterns → matched files → footers → record-range splits balanced by bytes → reshuffle → a sync
 * range read per split. Every record is read by exactly one split.
 */
import * as beam from "apache-beam";
import { ArrayRecordError } from "../format/errors.js";
import { ArrayRecordReader } from "../format/array-record/reader.js";
import { createStrings, parDoWithCoder, recordCoder, recordWithMetadataCoder, stringCoder, type RecordWithMetadata } from "../transforms/coders.js";
import { reshuffleStrings } from "../transforms/reshuffle.js";
import { registerDoFns } from "../transforms/serialization.js";
import { matchAll, type EmptyMatchTreatment } from "./match.js";
import { splitFile, type RecordRange, type SplitSizeOptions } from "./splits.js";

/** Options of {@link readFromArrayRecord} and {@link readAllFromArrayRecord}. */
export interface ReadFromArrayRecordOptions extends SplitSizeOptions {
  /** C++-style reader options string (e.g. `"readahead_buffer_size:0"`). Default none. */
  readerOptions?: string;
  /** What a pattern matching nothing does; default `"disallow"` (the pipeline fails with IO). */
  emptyMatch?: EmptyMatchTreatment;
}

/** Options of {@link readAllFromArrayRecord}. */
export interface ReadAllFromArrayRecordOptions extends ReadFromArrayRecordOptions {
  /**
   * Emit `{file, index, record}` (row-coded) instead of bare records. Default false. Files of more
   * than 2^31 records fail with UNSUPPORTED (see {@link MAX_METADATA_INDEX}).
   */
  withMetadata?: boolean;
}

/** Reads each file's footer and emits its record ranges, as JSON {@link RecordRange}s. */
export class SplitFileDoFn implements beam.DoFn<string, string> {
  constructor(readonly sizes: SplitSizeOptions) {}

  *process(file: string): Generator<string> {
    for (const range of splitFile(file, this.sizes)) yield JSON.stringify(range);
  }
}

/** Context of {@link ReadRangeDoFn}: its counters. */
export interface ReadRangeContext {
  recordsRead: beam.Counter;
  bytesRead: beam.Counter;
}

/**
 * Largest record index `withMetadata` can emit: Beam 2.49's row coder encodes int64 fields with
 * its 32-bit varint coder, so larger indices would wrap.
 */
export const MAX_METADATA_INDEX = 0x7fffffff;

/** Files kept open per bundle by {@link ReadRangeDoFn} (splits of one file tend to come together). */
const OPEN_READERS = 8;

/** Reads the records of one range (JSON {@link RecordRange}) with the sync reader. */
export class ReadRangeDoFn implements beam.DoFn<string, Uint8Array | RecordWithMetadata, ReadRangeContext> {
  private readers: Map<string, ArrayRecordReader> | undefined;

  constructor(
    readonly readerOptions: string,
    readonly withMetadata: boolean,
  ) {}

  startBundle(): void {
    this.readers = new Map();
  }

  *process(json: string, context: ReadRangeContext): Generator<Uint8Array | RecordWithMetadata> {
    const range = JSON.parse(json) as RecordRange;
    if (this.withMetadata && range.end > MAX_METADATA_INDEX + 1) {
      throw new ArrayRecordError("UNSUPPORTED", `record indices past ${MAX_METADATA_INDEX} cannot be emitted with metadata`, { file: range.file });
    }
    const reader = this.reader(range.file);
    let bytes = 0;
    let index = range.start;
    for (const record of reader.records(range.start, range.end)) {
      bytes += record.length;
      yield this.withMetadata ? { file: range.file, index, record } : record;
      index++;
    }
    context.recordsRead.increment(range.end - range.start);
    context.bytesRead.increment(bytes);
  }

  finishBundle(): void {
    for (const reader of this.readers?.values() ?? []) reader.closeSync();
    this.readers = undefined;
  }

  private reader(file: string): ArrayRecordReader {
    this.readers ??= new Map();
    let reader = this.readers.get(file);
    if (reader === undefined) {
      if (this.readers.size >= OPEN_READERS) {
        const [oldest, open] = this.readers.entries().next().value as [string, ArrayRecordReader];
        open.closeSync();
        this.readers.delete(oldest);
      }
      reader = ArrayRecordReader.openSync(file, this.readerOptions);
      this.readers.set(file, reader);
    }
    return reader;
  }
}

/**
 * `PTransform<PCollection<string>, PCollection<Uint8Array>>` (or of {@link RecordWithMetadata} with
 * `withMetadata`): the records of the ArrayRecord files matching each input pattern. Files are
 * matched when the pipeline runs; each file's footer is read and its records split into ranges of
 * about `desiredSplitBytes` (default 64 MiB) / at most `desiredSplitRecords`, which are
 * reshuffled and read in parallel. Output coded as bytes (metadata: as a schema row).
 * Counters `arrayrecord_records_read`, `arrayrecord_bytes_read`.
 */
export function readAllFromArrayRecord(
  options: ReadAllFromArrayRecordOptions & { withMetadata: true },
): (patterns: beam.PCollection<string>) => beam.PCollection<RecordWithMetadata>;
export function readAllFromArrayRecord(
  options?: ReadAllFromArrayRecordOptions & { withMetadata?: false },
): (patterns: beam.PCollection<string>) => beam.PCollection<Uint8Array>;
export function readAllFromArrayRecord(
  options: ReadAllFromArrayRecordOptions = {},
): (patterns: beam.PCollection<string>) => beam.PCollection<Uint8Array> | beam.PCollection<RecordWithMetadata> {
  const sizes: SplitSizeOptions = {};
  if (options.desiredSplitBytes !== undefined) sizes.desiredSplitBytes = options.desiredSplitBytes;
  if (options.desiredSplitRecords !== undefined) sizes.desiredSplitRecords = options.desiredSplitRecords;
  return beam.withName("readAllFromArrayRecord", (patterns: beam.PCollection<string>): beam.PCollection<Uint8Array> | beam.PCollection<RecordWithMetadata> => {
    const files = patterns.apply(matchAll(options.emptyMatch)) as beam.PCollection<string>;
    const ranges = parDoWithCoder(files, "splitFiles", new SplitFileDoFn(sizes), stringCoder());
    const shuffled = ranges.apply(reshuffleStrings("reshuffleSplits")) as beam.PCollection<string>;
    const read = new ReadRangeDoFn(options.readerOptions ?? "", options.withMetadata ?? false);
    const counters = { recordsRead: beam.counter("arrayrecord_records_read"), bytesRead: beam.counter("arrayrecord_bytes_read") };
    return options.withMetadata
      ? parDoWithCoder(shuffled, "readSplits", read as beam.DoFn<string, RecordWithMetadata, ReadRangeContext>, recordWithMetadataCoder(), counters)
      : parDoWithCoder(shuffled, "readSplits", read as beam.DoFn<string, Uint8Array, ReadRangeContext>, recordCoder(), counters);
  });
}

/**
 * `PTransform<Root, PCollection<Uint8Array>>`: the records of the ArrayRecord files matching a
 * glob pattern (or a list of patterns / paths), read in byte-balanced record-range splits.
 *
 * @example
 * root.apply(readFromArrayRecord("data/train.array_record-*", { desiredSplitBytes: 16 << 20 }));
 */
export function readFromArrayRecord(filePatternOrList: string | readonly string[], options: ReadFromArrayRecordOptions = {}) {
  const patterns = typeof filePatternOrList === "string" ? [filePatternOrList] : [...filePatternOrList];
  return beam.withName(`readFromArrayRecord(${patterns.join(",")})`, (root: beam.Root): beam.PCollection<Uint8Array> =>
    createStrings(root, "patterns", patterns).apply(readAllFromArrayRecord({ ...options, withMetadata: false })) as beam.PCollection<Uint8Array>,
  );
}

registerDoFns({ SplitFileDoFn, ReadRangeDoFn });
