/** `arrayrecord import --from tfrecord|arrow IN OUT [--options STR] [--as L] [--column NAME] [--compression C]`. */
import { parseArgs } from "node:util";
import type { Table } from "apache-arrow";
import { tableToBatchRecords } from "../../format/arrow/batches.js";
import { iterateTableExamples } from "../../format/arrow/index.js";
import { readArrowFile } from "../../format/arrow/ipc-files.js";
import { iterateTableRecords } from "../../format/arrow/records.js";
import { encodeExample } from "../../format/example/index.js";
import { readTFRecords } from "../../format/tfrecord/reader.js";
import { ArrayRecordWriter } from "../../format/array-record/writer.js";
import {
  RecordTally,
  arrowConversionArguments,
  blameFile,
  choiceArgument,
  compressionArgument,
  conversionSummary,
  rejectArrowArguments,
  type ArrowConversion,
} from "../conversion.js";
import { UsageError } from "../usage.js";
import { writerOptionsArgument } from "./write.js";

/** Formats `import` reads. */
export const IMPORT_SOURCES = ["tfrecord", "arrow"] as const;

/**
 * Converts one TFRecord file (compression told from its content unless `--compression` says) or
 * one Arrow IPC file or stream into
 * one ArrayRecord file, written atomically. Arguments are all checked before any file is read.
 */
export async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      from: { type: "string" },
      options: { type: "string", default: "" },
      as: { type: "string" },
      column: { type: "string" },
      compression: { type: "string" },
    },
    allowPositionals: true,
  });
  const from = choiceArgument("--from", values.from, IMPORT_SOURCES);
  if (positionals.length !== 2) throw new UsageError(`import needs IN and OUT (got ${positionals.length} file arguments)`);
  const [input, output] = positionals as [string, string];
  let arrow: ArrowConversion | undefined;
  if (from === "arrow") arrow = arrowConversionArguments(values.as, values.column);
  else rejectArrowArguments(values.as, values.column);
  const writerOptions = writerOptionsArgument(values.options);
  const compression = compressionArgument(values.compression, from === "tfrecord");

  const records = arrow === undefined ? readTFRecords(input, compression === undefined ? {} : { compression }) : arrowTableRecords(readArrowFile(input), arrow);
  const tally = new RecordTally();
  const writer = await ArrayRecordWriter.open(output, writerOptions);
  try {
    await writer.writeAll(tally.count(records));
    await writer.close();
  } catch (e) {
    writer.abort();
    throw blameFile(e, input);
  }
  process.stderr.write(conversionSummary("imported", tally, output));
  return 0;
}

/** The records an Arrow table becomes under `conversion` (see `--as`). */
function arrowTableRecords(table: Table, conversion: ArrowConversion): Iterable<Uint8Array> {
  switch (conversion.layout) {
    case "binary":
      return iterateTableRecords(table, { column: conversion.column });
    case "batches":
      return tableToBatchRecords(table);
    case "examples":
      return encodedExamples(table);
  }
}

/** Each row of `table` as a serialized tf.train.Example, one at a time. */
function* encodedExamples(table: Table): Generator<Uint8Array> {
  for (const example of iterateTableExamples(table)) yield encodeExample(example);
}
