/**
 * Apache Arrow interop: records ↔ a binary column, record batches ↔ self-contained
 * IPC-stream records, tf.train.Example records ↔ typed columns, and Arrow IPC files on
 * disk. Each concern lives in its own `arrow-*.ts` file; this module re-exports them.
 */
export {
  DEFAULT_RECORD_COLUMN,
  MAX_BINARY_BATCH_BYTES,
  iterateTableRecords,
  recordsToTable,
  tableToRecords,
} from "./arrow-records.js";
export type { RecordsToTableOptions, TableToRecordsOptions } from "./arrow-records.js";
export {
  batchRecordsToTable,
  detectIpcFormat,
  recordBatchToRecord,
  recordToRecordBatches,
  tableToBatchRecords,
  valuesEqual,
} from "./arrow-batches.js";
export type { BatchRecordsToTableOptions } from "./arrow-batches.js";
export { readArrowFile, writeArrowFile } from "./arrow-io.js";
export type { WriteArrowFileOptions } from "./arrow-io.js";
export {
  DEFAULT_EXAMPLE_BATCH_ROWS,
  examplesToRecordBatches,
  examplesToTable,
  inferExampleSchema,
  iterateTableExamples,
  tableToExamples,
} from "./arrow-examples.js";
export type { BytesAs, ExampleSource, ExamplesToTableOptions, InferExampleSchemaOptions } from "./arrow-examples.js";
