/** `arrayrecord export FILE_OR_PATTERN --to arrow|tfrecord OUT [--as L] [--column NAME] [--compression C]`. */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Table } from "apache-arrow";
import { batchRecordsToTable } from "../../format/arrow/batches.js";
import { examplesToTable } from "../../format/arrow/index.js";
import { writeArrowFile } from "../../format/arrow/ipc-files.js";
import { recordsToTable } from "../../format/arrow/records.js";
import { ArrayRecordDataSource } from "../../format/array-record/data-source.js";
import { writeTFRecordFile } from "../../format/tfrecord/writer.js";
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

/** Formats `export` writes. */
export const EXPORT_TARGETS = ["arrow", "tfrecord"] as const;

/**
 * Converts one ArrayRecord file, or every shard a glob pattern matches (read in shard order),
 * into one Arrow IPC file or one TFRecord file (GZIP when OUT ends in `.gz`, unless `--compression`
 * says), written atomically.
 */
export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { to: { type: "string" }, as: { type: "string" }, column: { type: "string" }, compression: { type: "string" } },
    allowPositionals: true,
  });
  const to = choiceArgument("--to", values.to, EXPORT_TARGETS);
  if (positionals.length !== 2) {
    throw new UsageError(`export needs FILE_OR_PATTERN and OUT (got ${positionals.length} file arguments; quote a pattern so the shell leaves it alone)`);
  }
  const [source, output] = positionals as [string, string];
  let arrow: ArrowConversion | undefined;
  if (to === "arrow") arrow = arrowConversionArguments(values.as, values.column);
  else rejectArrowArguments(values.as, values.column);
  const compression = compressionArgument(values.compression, to === "tfrecord");

  // An existing path is one file, even if its name has glob characters; anything else is a pattern.
  const dataSource = await ArrayRecordDataSource.open(existsSync(source) ? [source] : source);
  const files = dataSource.files.length;
  const tally = new RecordTally();
  let detail: string;
  try {
    if (arrow === undefined) {
      await writeTFRecordFile(output, tally.count(dataSource), compression === undefined ? {} : { compression });
      detail = "TFRecord";
    } else {
      const records = tally.countAll(await collect(dataSource));
      const table = recordsToArrowTable(records, arrow);
      writeArrowFile(output, table);
      detail = `Arrow IPC file, ${table.numRows} rows`;
    }
  } catch (e) {
    throw blameFile(e, source);
  } finally {
    await dataSource.close();
  }
  process.stderr.write(conversionSummary("exported", tally, output, `${detail}, from ${files} file${files === 1 ? "" : "s"}`));
  return 0;
}

/** The Arrow table `records` make under `conversion` (see `--as`). */
function recordsToArrowTable(records: readonly Uint8Array[], conversion: ArrowConversion): Table {
  switch (conversion.layout) {
    case "binary":
      return recordsToTable(records, { column: conversion.column });
    case "batches":
      return batchRecordsToTable(records);
    case "examples":
      return examplesToTable(records);
  }
}

/** Every record of the data source, in order. */
async function collect(dataSource: ArrayRecordDataSource): Promise<Uint8Array[]> {
  const records: Uint8Array[] = [];
  for await (const record of dataSource) records.push(record);
  return records;
}
