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
} from "./records.js";
export type { RecordsToTableOptions, TableToRecordsOptions } from "./records.js";
export {
  batchRecordsToTable,
  detectIpcFormat,
  recordBatchToRecord,
  recordToRecordBatches,
  tableToBatchRecords,
  valuesEqual,
} from "./batches.js";
export type { BatchRecordsToTableOptions } from "./batches.js";
export { readArrowFile, writeArrowFile } from "./ipc-files.js";
export type { WriteArrowFileOptions } from "./ipc-files.js";
export { DEFAULT_EXAMPLE_BATCH_ROWS, inferExampleSchema } from "./example-schema.js";
export { examplesToRecordBatches, examplesToTable } from "./examples-to-columns.js";
export { iterateTableExamples, tableToExamples } from "./columns-to-examples.js";
export type { BytesAs, ExampleSource, ExamplesToTableOptions, InferExampleSchemaOptions } from "./example-schema.js";
