/**
 * The file formats our sinks write, as plain data (so that a DoFn carries its format through Beam's
 * serialization) and one synchronous writer interface over them. No Beam here.
 */
import { ArrayRecordError } from "../format/errors.js";
import { parseWriterOptions } from "../format/array-record/options.js";
import { TFRecordWriter } from "../format/tfrecord/writer.js";
import type { TFRecordCompression } from "../format/tfrecord/compression.js";
import { ArrayRecordWriter } from "../format/array-record/writer.js";
import type { EncodedChunk } from "../format/array-record/encoded-chunks.js";

/** Default ArrayRecord writer options of the Beam sink: one record per chunk, for fast random access. */
export const DEFAULT_SINK_WRITER_OPTIONS = "group_size:1";

/** A file format a sink writes, with its options. */
export type RecordFileFormat =
  | { readonly kind: "arrayrecord"; /** C++-style writer options string. */ readonly writerOptions: string }
  | { readonly kind: "tfrecord"; /** Whole-file compression. */ readonly compression: TFRecordCompression };

/** A synchronous record writer that either commits a whole file or leaves nothing behind. */
export interface RecordFileWriter {
  /** Appends one record. */
  write(record: Uint8Array): void;
  /** Places a pre-encoded chunk of `group_size` records (ArrayRecord only; other formats: INVALID_OPTIONS). */
  writeChunk(chunk: EncodedChunk): void;
  /** Finishes the file and gives it its name. */
  close(): void;
  /** Abandons the file; nothing remains under its name. Never throws. */
  abort(): void;
}

/** The ArrayRecord format with `writerOptions` (checked now, so a bad string fails at pipeline construction). */
export function arrayRecordFormat(writerOptions = DEFAULT_SINK_WRITER_OPTIONS): RecordFileFormat {
  parseWriterOptions(writerOptions);
  return { kind: "arrayrecord", writerOptions };
}

/** The TFRecord format, uncompressed or GZIP/ZLIB-compressed. */
export function tfRecordFormat(compression: TFRecordCompression = "none"): RecordFileFormat {
  if (compression !== "none" && compression !== "gzip" && compression !== "zlib") {
    throw new ArrayRecordError("INVALID_OPTIONS", `TFRecord compression must be none, gzip or zlib, got ${String(compression)}`);
  }
  return { kind: "tfrecord", compression };
}

/** Opens a writer of `format` for `path` (written through a hidden temporary file beside it). */
export function openRecordFile(format: RecordFileFormat, path: string): RecordFileWriter {
  if (format.kind === "arrayrecord") {
    const writer = ArrayRecordWriter.openSync(path, format.writerOptions);
    return { write: (r) => writer.writeSync(r), writeChunk: (c) => writer.writeEncodedChunkSync(c), close: () => writer.closeSync(), abort: () => writer.abort() };
  }
  const writer = new TFRecordWriter(path, { compression: format.compression, fsync: true });
  return {
    write: (r) => writer.write(r),
    writeChunk: () => {
      throw new ArrayRecordError("INVALID_OPTIONS", "a TFRecord file takes records, not pre-encoded ArrayRecord chunks");
    },
    close: () => writer.close(),
    abort: () => {
      try {
        writer.abort();
      } catch {
        // Abandoning is best effort: the temporary directory is removed later anyway.
      }
    },
  };
}

/** Writes a valid file of `format` holding no records (an ArrayRecord file still has its footer). */
export function writeEmptyRecordFile(format: RecordFileFormat, path: string): void {
  const writer = openRecordFile(format, path);
  try {
    writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  }
}
