import { AtomicFileSink, type ByteSink } from "../bytes/file-sink.js";
import { createPathSinkSync } from "../bytes/path-openers.js";
import { ArrayRecordError } from "../errors.js";
import {
  StreamDeflater,
  resolveCompression,
  type DeflateLevel,
  type TFRecordCompression,
  type TFRecordCompressionChoice,
} from "./compression.js";
import { TFRECORD_FRAME_OVERHEAD, writeFrameFooter, writeFrameHeader } from "./frame.js";

/** Options of {@link TFRecordWriter}. */
export interface TFRecordWriterOptions {
  /** Whole-file compression; default `"auto"` (GZIP when the path ends in `.gz`, else none). */
  compression?: TFRecordCompressionChoice;
  /** DEFLATE level for GZIP/ZLIB; default 6 (TensorFlow's default). */
  level?: DeflateLevel;
  /** Bytes collected before each write to the file (or to the compressor). Default 1 MiB. */
  bufferBytes?: number;
  /** fsync the file before the rename in {@link TFRecordWriter.close}, for crash durability. Default false. Path outputs only. */
  fsync?: boolean;
}

const DEFAULT_BUFFER_BYTES = 1 << 20;

/** Where a TFRecord writer puts its bytes: a file path (written atomically) or any {@link ByteSink}. */
export type TFRecordOutput = string | ByteSink;

/**
 * Writes a TFRecord file synchronously (usable from Beam DoFns, which cannot await).
 *
 * For a path, bytes go to a hidden temporary file `.NAME.tmp-PID-RANDOM` beside the target
 * ({@link AtomicFileSink}); {@link close} renames it to the final name, and any failure (or
 * {@link abort}) removes it — so a file under the final name is always complete. (A process
 * killed mid-write leaves the hidden file behind.) Any other {@link ByteSink} is committed by
 * {@link close} and aborted on failure.
 */
export class TFRecordWriter {
  /** Final name of the output (the path, or the sink's name). */
  readonly path: string;
  /** Compression in use, with `"auto"` resolved. */
  readonly compression: TFRecordCompression;
  /** Path of the temporary file being written (path outputs only). */
  readonly tempPath: string | undefined;
  private sink: ByteSink | undefined;
  private readonly buffer: Uint8Array;
  private used = 0;
  private readonly deflater: StreamDeflater | undefined;
  private records = 0;
  private fileBytes = 0;
  /** A write or close failed (the temporary file is gone): close() must not report success then. */
  private failed = false;

  /** Creates the temporary file (for a path output); throws IO when it cannot. */
  constructor(output: TFRecordOutput, options: TFRecordWriterOptions = {}) {
    const path = typeof output === "string" ? output : output.name;
    this.path = path;
    this.compression = resolveCompression(options.compression, path);
    const bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    if (!Number.isSafeInteger(bufferBytes) || bufferBytes < TFRECORD_FRAME_OVERHEAD) {
      throw new ArrayRecordError("INVALID_OPTIONS", `bufferBytes must be an integer >= ${TFRECORD_FRAME_OVERHEAD}, got ${bufferBytes}`);
    }
    const level = options.level ?? 6;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new ArrayRecordError("INVALID_OPTIONS", `level must be an integer 0-9, got ${level}`);
    }
    this.buffer = new Uint8Array(bufferBytes);
    this.deflater = this.compression === "none" ? undefined : new StreamDeflater(this.compression, level);
    const sink = typeof output === "string" ? createPathSinkSync(output, { fsync: options.fsync ?? false }) : output;
    this.sink = sink;
    this.tempPath = sink instanceof AtomicFileSink ? sink.tempPath : undefined;
  }

  /** Records written so far. */
  get recordCount(): number {
    return this.records;
  }

  /** Bytes written to the file so far (compressed bytes for GZIP/ZLIB; buffered bytes not included). */
  get bytesWritten(): number {
    return this.fileBytes;
  }

  /** Appends one record. The bytes are copied (or compressed) before this returns. */
  write(record: Uint8Array): void {
    this.checkOpen();
    if (!(record instanceof Uint8Array)) {
      throw new ArrayRecordError("INVALID_OPTIONS", `a TFRecord record must be a Uint8Array, got ${typeof record}`, { file: this.path });
    }
    this.guard(() => {
      const frameBytes = record.length + TFRECORD_FRAME_OVERHEAD;
      if (this.used + frameBytes > this.buffer.length) this.flushBuffer();
      if (frameBytes <= this.buffer.length) {
        let pos = writeFrameHeader(this.buffer, this.used, record.length);
        this.buffer.set(record, pos);
        pos = writeFrameFooter(this.buffer, pos + record.length, record);
        this.used = pos;
      } else {
        // Larger than the buffer: frame around the caller's bytes instead of copying them.
        const header = new Uint8Array(12);
        writeFrameHeader(header, 0, record.length);
        const footer = new Uint8Array(4);
        writeFrameFooter(footer, 0, record);
        this.emit(header, false);
        this.emit(record, false);
        this.emit(footer, false);
      }
      this.records++;
    });
  }

  /** Appends every record of `records`, in order. */
  writeAll(records: Iterable<Uint8Array>): void {
    for (const r of records) this.write(r);
  }

  /**
   * Finishes the file: flushes, ends the compressed stream, closes, and renames the temporary
   * file to {@link path}. Idempotent once it succeeded; after a failure the temporary file is gone
   * and every later close() throws CLOSED (nothing was published).
   */
  close(): void {
    if (this.failed) throw new ArrayRecordError("CLOSED", "TFRecordWriter failed: nothing was written under the final name", { file: this.path });
    const sink = this.sink;
    if (sink === undefined) return;
    this.guard(() => {
      this.flushBuffer();
      if (this.deflater !== undefined) this.emit(new Uint8Array(0), true);
      this.sink = undefined;
      sink.commitSync();
    }, sink);
  }

  /** Abandons the output (deletes the temporary file). Idempotent; never throws. */
  abort(): void {
    const sink = this.sink;
    this.sink = undefined;
    sink?.abortSync();
  }

  private checkOpen(): ByteSink {
    if (this.sink === undefined) throw new ArrayRecordError("CLOSED", "TFRecordWriter is closed", { file: this.path });
    return this.sink;
  }

  /** Runs `action`; on any failure removes the temporary file and rethrows as a typed error. */
  private guard(action: () => void, sink = this.sink): void {
    try {
      action();
    } catch (e) {
      this.sink = undefined;
      this.failed = true;
      sink?.abortSync();
      if (e instanceof ArrayRecordError) throw e;
      throw new ArrayRecordError("IO", `cannot write TFRecord file: ${(e as Error).message}`, { file: this.path }, { cause: e });
    }
  }

  private flushBuffer(): void {
    if (this.used === 0) return;
    this.emit(this.buffer.subarray(0, this.used), false);
    this.used = 0;
  }

  /** Sends framed bytes to the file, through the compressor when there is one. */
  private emit(bytes: Uint8Array, final: boolean): void {
    if (this.deflater === undefined) {
      this.writeFully(bytes);
      return;
    }
    // fflate copies its input, so the buffer can be reused right after this call.
    for (const out of this.deflater.push(bytes, final)) this.writeFully(out);
  }

  private writeFully(bytes: Uint8Array): void {
    this.checkOpen().writeSync(bytes);
    this.fileBytes += bytes.length;
  }
}

/**
 * Writes `records` (sync or async iterable) to a TFRecord file at `path` with a
 * {@link TFRecordWriter}, closing it at the end and aborting it on any error. Returns the record count.
 */
export async function writeTFRecordFile(
  path: TFRecordOutput,
  records: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: TFRecordWriterOptions = {},
): Promise<number> {
  const writer = new TFRecordWriter(path, options);
  try {
    for await (const r of records) writer.write(r);
    writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  }
  return writer.recordCount;
}
