/** Beam sources and sinks for ArrayRecord and TFRecord files (re-exports only). */
// Object-store URLs (s3://, gs://, http(s)://) for every source and sink, in every worker that loads this.
import "../storage/register.js";
export { writeToArrayRecord, type WriteToArrayRecordOptions } from "./write-array-record.js";
export {
  readFromArrayRecord,
  readAllFromArrayRecord,
  SplitFileDoFn,
  ReadRangeDoFn,
  MAX_METADATA_INDEX,
  type ReadFromArrayRecordOptions,
  type ReadAllFromArrayRecordOptions,
  type ReadRangeContext,
} from "./read-array-record.js";
export {
  readFromTFRecord,
  readAllFromTFRecord,
  writeToTFRecord,
  ReadTFRecordFileDoFn,
  type ReadFromTFRecordOptions,
  type WriteToTFRecordOptions,
  type ReadTFRecordContext,
} from "./tfrecord-io.js";
export { writeRecordFiles, WriteShardDoFn, FinalizeShardsDoFn, type ShardedWriteOptions, type WriteShardContext, type FinalizeContext } from "./write-files.js";
export { matchFiles, matchAll, MatchFilesDoFn, type EmptyMatchTreatment } from "./match.js";
export { planSplits, splitFile, DEFAULT_SPLIT_BYTES, type RecordRange, type SplitSizeOptions, type ChunkExtents } from "./splits.js";
export {
  DEFAULT_SHARD_NAME_TEMPLATE,
  TEMP_DIR_MARKER,
  shardNaming,
  shardFileName,
  shardFileNames,
  outputNamePattern,
  sinkId,
  tempDirPrefix,
  newTempDir,
  type ShardNaming,
} from "./shard-names.js";
export { finalizeShards, writeShardFile, deleteEarlierOutputs, removeTempDirs, type SinkPlan, type WrittenShard } from "./sink-files.js";
export {
  arrayRecordFormat,
  tfRecordFormat,
  openRecordFile,
  writeEmptyRecordFile,
  DEFAULT_SINK_WRITER_OPTIONS,
  type RecordFileFormat,
  type RecordFileWriter,
} from "./record-files.js";
