/**
 * tf.train.Example records ↔ Arrow rows in a pipeline: serialized Examples are batched into Arrow
 * record batches with one typed column per feature (carried between transforms as batch records,
 * see arrow-batches.ts), and batch records are turned back into one serialized Example per row.
 */
import * as beam from "apache-beam";
import { Schema, Table, tableFromIPC, tableToIPC } from "apache-arrow";
import type { Window, WindowedValue } from "apache-beam/values";
import { recordBatchToRecord, recordToRecordBatches } from "../format/arrow/batches.js";
import { examplesToTable, tableToExamples, type BytesAs } from "../format/arrow/index.js";
import { WindowedBatcher, batchingContext, checkBatchSize, windowed, type BatchingContext } from "./batching.js";
import { parDoWithCoder, recordCoder } from "./coders.js";
import { registerDoFns } from "./serialization.js";

/** Options of {@link examplesToArrowBatches}. */
export interface ExamplesToArrowBatchesOptions {
  /** Column type of bytes features: `"binary"` (default) or `"utf8"`. */
  bytesAs?: BytesAs;
  /**
   * The columns of every batch. Without it each batch infers its own schema from its Examples,
   * so batches can differ (a feature absent from one batch has no column there); give a schema
   * (e.g. `inferExampleSchema` over a sample) when the batches must agree.
   */
  schema?: Schema;
}

/** Decodes serialized Examples into batch records, at most `batchSize` rows each. */
export class ExamplesToArrowBatchDoFn implements beam.DoFn<Uint8Array, Uint8Array, BatchingContext> {
  private batcher: WindowedBatcher<Uint8Array> | undefined;
  private schema: Schema | undefined;

  /** `schemaIpc`: the schema as a base64 Arrow IPC stream without batches, or "" to infer per batch. */
  constructor(
    readonly batchSize: number,
    readonly bytesAs: BytesAs,
    readonly schemaIpc: string,
  ) {}

  startBundle(): void {
    this.batcher = new WindowedBatcher(this.batchSize);
  }

  *process(example: Uint8Array, context: BatchingContext): Generator<Uint8Array> {
    this.batcher ??= new WindowedBatcher(this.batchSize);
    const full = this.batcher.add(example, context.window.lookup());
    if (full !== undefined) yield* this.encode(full);
  }

  *finishBundle(): Generator<WindowedValue<Uint8Array>> {
    for (const { window, items } of this.batcher?.drain() ?? []) {
      for (const batch of this.encode(items)) yield windowed(batch, window as Window);
    }
  }

  private encode(examples: Uint8Array[]): Uint8Array[] {
    if (this.schema === undefined && this.schemaIpc !== "") this.schema = schemaFromIpc(this.schemaIpc);
    const table = examplesToTable(examples, { bytesAs: this.bytesAs, schema: this.schema, batchRows: this.batchSize });
    return table.batches.map((batch) => recordBatchToRecord(batch));
  }
}

/** Encodes every row of batch records as a serialized tf.train.Example. */
export class ArrowBatchToExamplesDoFn implements beam.DoFn<Uint8Array, Uint8Array> {
  *process(batchRecord: Uint8Array): Generator<Uint8Array> {
    yield* tableToExamples(new Table(recordToRecordBatches(batchRecord)));
  }
}

/** `schema` as a base64 Arrow IPC stream holding no batches (a plain string survives serialization). */
export function schemaToIpc(schema: Schema): string {
  return Buffer.from(tableToIPC(new Table(schema), "stream")).toString("base64");
}

/** Inverse of {@link schemaToIpc}. */
export function schemaFromIpc(ipc: string): Schema {
  return tableFromIPC(Buffer.from(ipc, "base64")).schema;
}

/**
 * `PTransform<PCollection<Uint8Array>, PCollection<Uint8Array>>`: serialized tf.train.Examples →
 * batch records (Arrow IPC streams, bytes-coded) of at most `batchSize` rows, one column per
 * feature (types as `examplesToTable`). Batches do not span bundles.
 */
export function examplesToArrowBatches(batchSize: number, options: ExamplesToArrowBatchesOptions = {}) {
  const size = checkBatchSize(batchSize);
  const schemaIpc = options.schema === undefined ? "" : schemaToIpc(options.schema);
  return beam.withName(`examplesToArrowBatches(${size})`, (examples: beam.PCollection<Uint8Array>): beam.PCollection<Uint8Array> =>
    parDoWithCoder(examples, "examplesToBatches", new ExamplesToArrowBatchDoFn(size, options.bytesAs ?? "binary", schemaIpc), recordCoder(), batchingContext()),
  );
}

/**
 * `PTransform<PCollection<Uint8Array>, PCollection<Uint8Array>>`: batch records → one serialized
 * tf.train.Example per row (the inverse of {@link examplesToArrowBatches}; see `tableToExamples`
 * for the column types accepted).
 */
export function arrowBatchesToExamples() {
  return beam.withName("arrowBatchesToExamples", (batches: beam.PCollection<Uint8Array>): beam.PCollection<Uint8Array> =>
    parDoWithCoder(batches, "batchesToExamples", new ArrowBatchToExamplesDoFn(), recordCoder()),
  );
}

registerDoFns({ ExamplesToArrowBatchDoFn, ArrowBatchToExamplesDoFn });
