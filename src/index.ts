/**
 * arrayrecord: Google's ArrayRecord file format in TypeScript. This entry point is the format core
 * (no Apache Beam): readers, writers, the sharded data source, Riegeli records, options, errors.
 */
export { ArrayRecordError, isArrayRecordError, type ArrayRecordErrorCode, type ErrorLocation } from "./format/errors.js";
export { ArrayRecordReader, type ReaderInput } from "./format/reader.js";
export { ArrayRecordWriter, encodeArrayRecord, type RecordInput } from "./format/writer.js";
export { ArrayRecordDataSource, orderShards, type DataSourceInput } from "./format/data-source.js";
export { RiegeliReader, type ChunkInfo } from "./format/riegeli-reader.js";
export { verifyArrayRecord, verifyArrayRecordSync, type VerifyReport } from "./format/verify.js";
export {
  parseWriterOptions,
  parseReaderOptions,
  writerOptionsToString,
  DEFAULT_WRITER_OPTIONS,
  DEFAULT_READER_OPTIONS,
  type WriterOptions,
  type ReaderOptions,
  type Compression,
} from "./format/options.js";
export { MemoryByteSource, type ByteSource } from "./format/byte-source.js";
export { FileByteSource } from "./format/file-source.js";
export { AtomicFileSink, MemoryByteSink, type ByteSink } from "./format/file-sink.js";
export { highwayHash64 } from "./format/highwayhash.js";
