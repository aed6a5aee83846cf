import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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
  /** fsync the file before the rename in {@link TFRecordWriter.close}, for crash durability. Default false. */
  fsync?: boolean;
}

const DEFAULT_BUFFER_BYTES = 1 << 20;

/**
 * Writes a TFRecord file synchronously (usable from Beam DoFns, which cannot await).
 *
 * Bytes go to a hidden temporary file `.NAME.tmp-PID-RANDOM` beside the target; {@link close}
 * renames it to the final name, and any failure (or {@link abort}) removes it — so a file under
 * the final name is always complete. (A process killed mid-write leaves the hidden file behind.)
 */
export class TFRecordWriter {
  /** Final path of the file. */
  readonly path: string;
  /** Compression in use, with `"auto"` resolved. */
  readonly compression: TFRecordCompression;
  /** Path of the temporary file being written. */
  readonly tempPath: string;
  private fd: number | undefined;
  private readonly fsync: boolean;
  private readonly buffer: Uint8Array;
  private used = 0;
  private readonly deflater: StreamDeflater | undefined;
  private records = 0;
  private fileBytes = 0;

  /** Creates the temporary file; throws IO when it cannot. */
  constructor(path: string, options: TFRecordWriterOptions = {}) {
    this.path = path;
    this.compression = resolveCompression(options.compression, path);
    this.fsync = options.fsync ?? false;
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
    this.tempPath = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
    try {
      this.fd = openSync(this.tempPath, "wx");
    } catch (e) {
      throw new ArrayRecordError("IO", `cannot create temporary file: ${(e as Error).message}`, { file: this.tempPath }, { cause: e });
    }
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
   * file to {@link path}. Idempotent; after a failure the temporary file is gone.
   */
  close(): void {
    if (this.fd === undefined) return;
    this.guard(() => {
      this.flushBuffer();
      if (this.deflater !== undefined) this.emit(new Uint8Array(0), true);
      const fd = this.fd!;
      if (this.fsync) fsyncSync(fd);
      this.fd = undefined;
      closeSync(fd);
      renameSync(this.tempPath, this.path);
    });
  }

  /** Abandons the file: closes and deletes the temporary file. Idempotent; never throws. */
  abort(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing or abandoning; the unlink below is what matters.
      }
    }
    try {
      unlinkSync(this.tempPath);
    } catch {
      // Gone already (renamed by close, or never fully created).
    }
  }

  private checkOpen(): void {
    if (this.fd === undefined) throw new ArrayRecordError("CLOSED", "TFRecordWriter is closed", { file: this.path });
  }

  /** Runs `action`; on any failure removes the temporary file and rethrows as a typed error. */
  private guard(action: () => void): void {
    try {
      action();
    } catch (e) {
      this.abort();
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
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done);
    this.fileBytes += bytes.length;
  }
}

/**
 * Writes `records` (sync or async iterable) to a TFRecord file at `path` with a
 * {@link TFRecordWriter}, closing it at the end and aborting it on any error. Returns the record count.
 */
export async function writeTFRecordFile(
  path: string,
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
