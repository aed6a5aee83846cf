/** Arguments and summaries shared by the conversion commands (`import`, `export`). */
import { isArrayRecordError } from "../format/errors.js";
import { UsageError } from "./usage.js";

/**
 * How Arrow rows and ArrayRecord records correspond (`--as`): `binary` = the values of one
 * Binary column are the records; `batches` = each RecordBatch is one record (an Arrow IPC
 * stream); `examples` = each row is one serialized tf.train.Example.
 */
export const ARROW_LAYOUTS = ["binary", "batches", "examples"] as const;
/** One of {@link ARROW_LAYOUTS}. */
export type ArrowLayout = (typeof ARROW_LAYOUTS)[number];

/** `--as` when none is given. */
export const DEFAULT_ARROW_LAYOUT: ArrowLayout = "batches";

/** The Arrow side of a conversion: the layout, and the record column for `binary`. */
export interface ArrowConversion {
  /** How rows map to records. */
  layout: ArrowLayout;
  /** Name of the Binary column holding the records (only for `binary`; default `record`). */
  column: string | undefined;
}

/** `value` when it is one of `choices`, else a usage error naming the option (also when it is missing). */
/** What `--compression` accepts for TFRecord files. */
export const TFRECORD_COMPRESSIONS = ["none", "gzip", "zlib"] as const;

/**
 * Checks `--compression` (TFRecord only): undefined when absent — readers then tell the compression
 * from the content, writers from the name (`.gz`) — else the explicit choice, which wins.
 */
export function compressionArgument(value: string | undefined, tfrecord: boolean): (typeof TFRECORD_COMPRESSIONS)[number] | undefined {
  if (value === undefined) return undefined;
  if (!tfrecord) throw new UsageError("--compression applies only to TFRecord files");
  return choiceArgument("--compression", value, TFRECORD_COMPRESSIONS);
}

/** Checks that `value` is one of `choices`. */
export function choiceArgument<T extends string>(option: string, value: string | undefined, choices: readonly T[]): T {
  if (value === undefined) throw new UsageError(`${option} is required; use one of ${choices.join(", ")}`);
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`unknown ${option} ${JSON.stringify(value)}; use one of ${choices.join(", ")}`);
  }
  return value as T;
}

/** Checks `--as` and `--column` for an Arrow conversion; `--column` only goes with `--as binary`. */
export function arrowConversionArguments(as: string | undefined, column: string | undefined): ArrowConversion {
  const layout = as === undefined ? DEFAULT_ARROW_LAYOUT : choiceArgument("--as", as, ARROW_LAYOUTS);
  if (column !== undefined && layout !== "binary") throw new UsageError(`--column only applies to --as binary (got --as ${layout})`);
  return { layout, column };
}

/** Rejects `--as` and `--column` for TFRecord, whose records are copied as they are. */
export function rejectArrowArguments(as: string | undefined, column: string | undefined): void {
  if (as !== undefined) throw new UsageError("--as applies only to Arrow; TFRecord records are copied as they are");
  if (column !== undefined) throw new UsageError("--column applies only to Arrow --as binary");
}

/** Counts the records and bytes that pass through it. */
export class RecordTally {
  /** Records seen. */
  records = 0;
  /** Bytes of the records seen. */
  bytes = 0;

  /** Passes `records` through, counting them. */
  async *count(records: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const record of records) {
      this.records++;
      this.bytes += record.length;
      yield record;
    }
  }

  /** Counts every record of an array and returns it. */
  countAll(records: readonly Uint8Array[]): readonly Uint8Array[] {
    for (const record of records) {
      this.records++;
      this.bytes += record.length;
    }
    return records;
  }
}

/** The one-line summary printed on stderr, e.g. `imported 3 records (42 bytes) into out.array_record`. */
export function conversionSummary(verb: "imported" | "exported", tally: RecordTally, output: string, detail?: string): string {
  const records = `${tally.records} record${tally.records === 1 ? "" : "s"} (${tally.bytes} bytes)`;
  return `${verb} ${records} into ${output}${detail === undefined ? "" : ` (${detail})`}\n`;
}

/** Names `file` on an ArrayRecordError that does not say which file it is about yet. */
export function blameFile(e: unknown, file: string): unknown {
  if (isArrayRecordError(e)) e.withFile(file);
  return e;
}
