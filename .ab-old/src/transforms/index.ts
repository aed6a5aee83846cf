/** Beam transforms over records: sharding, Arrow batches, tf.Example rows, coders (re-exports only). */
export {
  assignShards,
  shardCount,
  shardCountFor,
  checkNumShards,
  DEFAULT_SHARD_BYTES,
  AssignShardDoFn,
  RecordSizeDoFn,
  ShardCountDoFn,
  ZeroSizeDoFn,
  ParseCountDoFn,
  type AssignShardContext,
} from "./shard.js";
export { toArrowBatches, fromArrowBatches, RecordsToArrowBatchDoFn, ArrowBatchToRecordsDoFn, type ToArrowBatchesOptions } from "./arrow-batches.js";
export {
  examplesToArrowBatches,
  arrowBatchesToExamples,
  ExamplesToArrowBatchDoFn,
  ArrowBatchToExamplesDoFn,
  schemaToIpc,
  schemaFromIpc,
  type ExamplesToArrowBatchesOptions,
} from "./examples.js";
export { WindowedBatcher, batchingContext, checkBatchSize, windowed, type BatchingContext } from "./batching.js";
export { reshuffleStrings, RandomKeyDoFn, DropKeysDoFn } from "./reshuffle.js";
export { singletonSideInput, iterableSideInput, PCollectionRef } from "./side-inputs.js";
export {
  recordCoder,
  stringCoder,
  shardedRecordCoder,
  shardGroupCoder,
  keyedStringCoder,
  countCoder,
  keyedCountCoder,
  recordWithMetadataCoder,
  setCoder,
  parDoWithCoder,
  createStrings,
  type RecordWithMetadata,
} from "./coders.js";
export { BEAM_MODULE, registerDoFns } from "./serialization.js";
