/**
 * Arrow IPC files and streams on disk, or at any URL with a registered path opener (`s3://`, `gs://`;
 * `http(s)://` for reading).
 */
import { RecordBatchFileWriter, RecordBatchStreamWriter, Table } from "apache-arrow";
import type { ByteSource } from "../bytes/byte-source.js";
import type { ByteSink } from "../bytes/file-sink.js";
import { createPathSinkSync, openPathSourceSync } from "../bytes/path-openers.js";
import { decodeStream, detectIpcFormat } from "./batches.js";
import { ArrayRecordError } from "../errors.js";

/**
 * Reads an Arrow IPC file (`ARROW1` magic) or IPC stream (`ffffffff` continuation
 * marker) from a path or a {@link ByteSource} (not closed) into a {@link Table}; the
 * format is detected from the first bytes.
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
export function readArrowFile(input: string | ByteSource): Table {
  const path = typeof input === "string" ? input : input.name;
  const bytes = readWhole(input);
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
 * Writes `table` to a path or a {@link ByteSink} as an Arrow IPC file (default) or stream,
 * atomically: for a path the bytes go to a hidden temporary file beside it
 * (an atomic file sink), which is fsynced and renamed over the path only when complete; on
 * failure it is removed and the path is untouched. An object-store URL is uploaded and appears
 * only when complete. A sink is committed, or aborted on failure.
 *
 * The IPC file format forbids replacement dictionaries: a table whose batches use
 * different dictionaries for one dictionary-encoded column → ArrayRecordError
 * UNSUPPORTED (write it with `{format: "stream"}`). OS failures → IO.
 *
 * @example
 * writeArrowFile("/data/out.arrow", table);                        // IPC file
 * writeArrowFile("/data/out.arrows", table, { format: "stream" }); // IPC stream
 */
export function writeArrowFile(output: string | ByteSink, table: Table, options: WriteArrowFileOptions = {}): void {
  const path = typeof output === "string" ? output : output.name;
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
  let sink: ByteSink | undefined;
  try {
    sink = typeof output === "string" ? createPathSinkSync(output) : output;
    sink.writeSync(bytes);
    sink.commitSync();
  } catch (e) {
    sink?.abortSync();
    const reason = e instanceof ArrayRecordError ? e.reason : (e as Error).message;
    throw new ArrayRecordError("IO", `cannot write Arrow ${format}: ${reason}`, { file: path }, { cause: e });
  }
}

/** Every byte of a path (or URL) or source (a path is opened and closed here). */
function readWhole(input: string | ByteSource): Uint8Array {
  const source = typeof input === "string" ? openPathSourceSync(input) : input;
  try {
    const bytes = source.readSync(0, source.size);
    if (bytes.length !== source.size) {
      throw new ArrayRecordError("TRUNCATED", `read ${bytes.length} of ${source.size} bytes`, { file: source.name, offset: bytes.length });
    }
    return bytes;
  } finally {
    if (source !== input) source.closeSync();
  }
}
