/** Ready pipelines (re-exports only). */
export { runPipeline, type RunnerChoice, type PipelineReport } from "./run.js";
export { convertTFRecordToArrayRecord, ConvertFileToShardDoFn, type TFRecordConversionOptions } from "./tfrecord-to-arrayrecord.js";
export { writeShards, withOutputFiles, type ShardedOutput, type ConversionResult } from "./output.js";
export { convertArrowToArrayRecord, ArrowFileToRecordsDoFn, type ArrowConversionOptions, type ArrowRecordsAs } from "./arrow-to-arrayrecord.js";
export { generateDataset, GenerateExamplesDoFn, type GenerateDatasetOptions } from "./generate-dataset.js";
export { syntheticExample } from "./synthetic-examples.js";
export { startProgress, stopProgress, countProgress, CountProgressDoFn, type Progress } from "./progress.js";
export { digestOf, digestRecords, digestFromCounters, recordChecksum, DigestDoFn, type RecordDigest } from "./digest.js";
export { runDemo, type DemoOptions } from "./demo.js";
