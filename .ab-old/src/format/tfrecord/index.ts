/**
 * TFRecord files: TensorFlow's length-prefixed, CRC32C-checked record format, optionally
 * GZIP- or ZLIB-compressed as a whole. This module gathers the public API; the pieces live in
 * tfrecord-frame.ts (framing), tfrecord-reader.ts, tfrecord-writer.ts and tfrecord-compression.ts.
 */
export {
  DEFAULT_MAX_RECORD_BYTES,
  TFRECORD_FOOTER_BYTES,
  TFRECORD_FRAME_OVERHEAD,
  TFRECORD_HEADER_BYTES,
  TFRecordDeframer,
  encodeTFRecord,
  encodeTFRecords,
  type DeframerOptions,
} from "./frame.js";
export {
  decodeTFRecords,
  readTFRecords,
  readTFRecordsSync,
  type TFRecordDecodeOptions,
  type TFRecordInput,
  type TFRecordReadOptions,
} from "./reader.js";
export { detectTFRecordCompression, DETECT_BYTES, type DetectedCompression } from "./detect.js";
export { TFRecordWriter, writeTFRecordFile, type TFRecordWriterOptions } from "./writer.js";
export {
  parseTFRecordCompression,
  resolveCompression,
  type DeflateLevel,
  type TFRecordCompression,
  type TFRecordCompressionChoice,
} from "./compression.js";
