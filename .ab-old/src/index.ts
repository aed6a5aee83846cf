/**
 * arrayrecord: Google's ArrayRecord file format in TypeScript. This entry point is the format core
 * (no Apache Beam): readers, writers, the sharded data source, Riegeli records, options, errors.
 */
// Object-store URLs (s3://, gs://, http(s)://) wherever a path is taken; cloud SDKs load on first use.
import "./storage/register.js";
export { ArrayRecordError, isArrayRecordError, type ArrayRecordErrorCode, type ErrorLocation } from "./format/errors.js";
export { ArrayRecordReader, type ReaderInput } from "./format/array-record/reader.js";
export { ArrayRecordWriter, encodeArrayRecord, type RecordInput } from "./format/array-record/writer.js";
export { EncodedChunk, GroupChunkEncoder } from "./format/array-record/encoded-chunks.js";
export { ArrayRecordDataSource, DEFAULT_MAX_OPEN_FILES, orderShards, type DataSourceInput, type DataSourceOptions } from "./format/array-record/data-source.js";
export type { ShardOpener } from "./format/array-record/shard-handles.js";
export type { DamagedRegion, OpenOptions, RecoveryOptions, RecoveryReport } from "./format/array-record/recovery.js";
export type { DecodeLimits } from "./format/array-record/decode-limits.js";
export { RiegeliReader, type ChunkInfo } from "./format/riegeli/record-reader.js";
export { verifyArrayRecord, verifyArrayRecordSync, type VerifyReport } from "./format/array-record/verify.js";
export {
  parseWriterOptions,
  parseReaderOptions,
  writerOptionsToString,
  DEFAULT_WRITER_OPTIONS,
  DEFAULT_READER_OPTIONS,
  type WriterOptions,
  type ReaderOptions,
  type Compression,
} from "./format/array-record/options.js";
export { MemoryByteSource, type ByteSource } from "./format/bytes/byte-source.js";
export { FileByteSource } from "./format/bytes/file-source.js";
export { MappedByteSource, mappingAvailable } from "./format/bytes/mapped-source.js";
export { AtomicFileSink, MemoryByteSink, type ByteSink, type AtomicFileSinkOptions } from "./format/bytes/file-sink.js";
export { highwayHash64 } from "./format/riegeli/highwayhash.js";
export {
  TFRecordWriter,
  writeTFRecordFile,
  readTFRecords,
  readTFRecordsSync,
  decodeTFRecords,
  encodeTFRecord,
  encodeTFRecords,
  TFRecordDeframer,
  parseTFRecordCompression,
  DEFAULT_MAX_RECORD_BYTES,
  type TFRecordWriterOptions,
  type TFRecordReadOptions,
  type TFRecordDecodeOptions,
  type TFRecordInput,
  type TFRecordCompression,
  type TFRecordCompressionChoice,
  detectTFRecordCompression,
  type DetectedCompression,
} from "./format/tfrecord/index.js";
export {
  decodeExample,
  decodeExampleMap,
  encodeExample,
  exampleToJson,
  stringifyExampleJson,
  type ExampleRecord,
  type ExampleInput,
  type FeatureValue,
  type FeatureInput,
  type FeatureKind,
  type ExampleJson,
} from "./format/example/index.js";
export {
  recordsToTable,
  tableToRecords,
  iterateTableRecords,
  recordBatchToRecord,
  recordToRecordBatches,
  tableToBatchRecords,
  batchRecordsToTable,
  examplesToTable,
  examplesToRecordBatches,
  inferExampleSchema,
  iterateTableExamples,
  tableToExamples,
  readArrowFile,
  writeArrowFile,
  type RecordsToTableOptions,
  type TableToRecordsOptions,
  type BatchRecordsToTableOptions,
  type ExamplesToTableOptions,
  type ExampleSource,
  type WriteArrowFileOptions,
} from "./format/arrow/index.js";
export { registerPathOpener, type PathOpener } from "./format/bytes/path-openers.js";
export { RemoteByteSource } from "./storage/remote-source.js";
export { RemoteByteSink, BridgedByteSink } from "./storage/remote-sink.js";
export { isObjectUrl, parseObjectUrl, type ObjectUrl } from "./storage/url.js";
