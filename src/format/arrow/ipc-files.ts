/**
 * Arrow IPC files and streams on disk.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { RecordBatchFileWriter, RecordBatchStreamWriter, Table } from "apache-arrow";
import { decodeStream, detectIpcFormat } from "./batches.js";
import { ArrayRecordError } from "../errors.js";

/**
 * Reads an Arrow IPC file (`ARROW1` magic) or IPC stream (`ffffffff` continuation
 * marker) from disk into a {@link Table}; the format is detected from the first bytes.
 * A file or stream without record batches gives a zero-row table with the schema.
 *
 * Errors: the file cannot be read → ArrayRecordError IO; bytes that are neither
 * format → CORRUPT; an IPC file without its closing `ARROW1` magic, or a stream cut
 * inside a message → TRUNCATED. Every error names the path.
 *
 * @example
 * const table = readArrowFile("/data/train.arrow");
 * console.log(table.numRows, table.schema.fields.map((f) => f.name));
 */
export function readArrowFile(path: string): Table {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ArrayRecordError("IO", `cannot read Arrow file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  try {
    const format = detectIpcFormat(bytes);
    if (format === "file") {
      const n = bytes.length;
      const tail = Buffer.from(bytes.subarray(Math.max(0, n - 6))).toString("latin1");
      if (n < 12 || tail !== "ARROW1") {
        throw new ArrayRecordError("TRUNCATED", `Arrow IPC file of ${n} bytes lacks its closing ARROW1 magic`);
      }
    }
    const { schema, batches } = decodeStream(bytes, "content");
    return new Table(schema, batches);
  } catch (e) {
    if (e instanceof ArrayRecordError) throw e.withFile(path);
    throw new ArrayRecordError("CORRUPT", `cannot decode Arrow file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}

/** Options of {@link writeArrowFile}. */
export interface WriteArrowFileOptions {
  /** `"file"` (random-access IPC file, `ARROW1` magic; default) or `"stream"` (IPC stream). */
  format?: "file" | "stream";
}

/**
 * Writes `table` to `path` as an Arrow IPC file (default) or stream, atomically: the
 * bytes go to a hidden temporary file beside `path` (`.<name>.<random>.tmp`), which is
 * fsynced and renamed over `path` only when complete; on failure it is removed and
 * `path` is untouched.
 *
 * The IPC file format forbids replacement dictionaries: a table whose batches use
 * different dictionaries for one dictionary-encoded column → ArrayRecordError
 * UNSUPPORTED (write it with `{format: "stream"}`). OS failures → IO.
 *
 * @example
 * writeArrowFile("/data/out.arrow", table);                        // IPC file
 * writeArrowFile("/data/out.arrows", table, { format: "stream" }); // IPC stream
 */
export function writeArrowFile(path: string, table: Table, options: WriteArrowFileOptions = {}): void {
  const format = options.format ?? "file";
  if (format !== "file" && format !== "stream") {
    throw new ArrayRecordError("INVALID_OPTIONS", `format must be "file" or "stream", got ${JSON.stringify(format)}`, { file: path });
  }
  let bytes: Uint8Array;
  try {
    const writer = format === "file" ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
    // Writing the table (not only its batches) keeps the schema of a batch-less table.
    writer.write(table);
    writer.finish();
    bytes = writer.toUint8Array(true);
  } catch (e) {
    const message = (e as Error).message;
    const code = /dictionar/i.test(message) ? "UNSUPPORTED" : "INVALID_OPTIONS";
    throw new ArrayRecordError(code, `cannot encode table as an Arrow IPC ${format}: ${message}`, { file: path }, { cause: e });
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", 0o644);
    let pos = 0;
    while (pos < bytes.length) pos += writeSync(fd, bytes, pos, bytes.length - pos);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error matters
      }
    }
    try {
      unlinkSync(temp);
    } catch {
      // the temporary file may not exist
    }
    throw new ArrayRecordError("IO", `cannot write Arrow ${format}: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}
