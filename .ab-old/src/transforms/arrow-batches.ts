/**
 * Records ↔ Arrow record batches in a pipeline. Arrow tables are not bytes and do not survive
 * Beam's coders, so between transforms a batch travels as a *batch record*: one self-contained
 * Arrow IPC stream (schema + one record batch), coded as bytes like any record — which also means
 * batch records can be written to ArrayRecord/TFRecord files as they are. Decode one with
 * `recordToRecordBatches` / `batchRecordsToTable` from the format core.
 */
import * as beam from "apache-beam";
import type { Window, WindowedValue } from "apache-beam/values";
import { recordBatchToRecord, recordToRecordBatches } from "../format/arrow/batches.js";
import { DEFAULT_RECORD_COLUMN, iterateTableRecords, recordsToTable } from "../format/arrow/records.js";
import { Table } from "apache-arrow";
import { parDoWithCoder, recordCoder } from "./coders.js";
import { WindowedBatcher, batchingContext, checkBatchSize, windowed, type BatchingContext } from "./batching.js";
import { registerDoFns } from "./serialization.js";

/** Options of {@link toArrowBatches}. */
export interface ToArrowBatchesOptions {
  /** Name of the binary column; default `"record"`. */
  column?: string;
}

/** Packs records into batch records of one binary column (at most `batchSize` rows each). */
export class RecordsToArrowBatchDoFn implements beam.DoFn<Uint8Array, Uint8Array, BatchingContext> {
  private batcher: WindowedBatcher<Uint8Array> | undefined;

  constructor(
    readonly batchSize: number,
    readonly column: string,
  ) {}

  startBundle(): void {
    this.batcher = new WindowedBatcher(this.batchSize);
  }

  *process(record: Uint8Array, context: BatchingContext): Generator<Uint8Array> {
    this.batcher ??= new WindowedBatcher(this.batchSize);
    const full = this.batcher.add(record, context.window.lookup());
    if (full !== undefined) yield* this.encode(full);
  }

  *finishBundle(): Generator<WindowedValue<Uint8Array>> {
    for (const { window, items } of this.batcher?.drain() ?? []) {
      for (const batch of this.encode(items)) yield windowed(batch, window as Window);
    }
  }

  private encode(records: Uint8Array[]): Uint8Array[] {
    // Normally one batch; records totalling over 2 GiB (a Binary column's limit) are split by
    // recordsToTable, and each piece becomes its own batch record.
    return recordsToTable(records, { column: this.column }).batches.map((batch) => recordBatchToRecord(batch));
  }
}

/** Unpacks batch records into the records of their binary column. */
export class ArrowBatchToRecordsDoFn implements beam.DoFn<Uint8Array, Uint8Array> {
  constructor(readonly column: string | undefined) {}

  *process(batchRecord: Uint8Array): Generator<Uint8Array> {
    const batches = recordToRecordBatches(batchRecord);
    yield* iterateTableRecords(new Table(batches), this.column === undefined ? {} : { column: this.column });
  }
}

/**
 * `PTransform<PCollection<Uint8Array>, PCollection<Uint8Array>>`: groups records into Arrow record
 * batches of one binary column (`"record"`), at most `batchSize` rows each, and emits each batch
 * as a batch record (an Arrow IPC stream, coded as bytes). Batches do not span bundles.
 */
export function toArrowBatches(batchSize: number, options: ToArrowBatchesOptions = {}) {
  const size = checkBatchSize(batchSize);
  const column = options.column ?? DEFAULT_RECORD_COLUMN;
  return beam.withName(`toArrowBatches(${size})`, (records: beam.PCollection<Uint8Array>): beam.PCollection<Uint8Array> =>
    parDoWithCoder(records, "batch", new RecordsToArrowBatchDoFn(size, column), recordCoder(), batchingContext()),
  );
}

/**
 * `PTransform<PCollection<Uint8Array>, PCollection<Uint8Array>>`: the inverse of
 * {@link toArrowBatches}: batch records → the records of their binary column (`column`, default
 * the table's `"record"` column).
 */
export function fromArrowBatches(column?: string) {
  return beam.withName("fromArrowBatches", (batches: beam.PCollection<Uint8Array>): beam.PCollection<Uint8Array> =>
    parDoWithCoder(batches, "unbatch", new ArrowBatchToRecordsDoFn(column), recordCoder()),
  );
}

registerDoFns({ RecordsToArrowBatchDoFn, ArrowBatchToRecordsDoFn });
