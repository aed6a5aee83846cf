/**
 * `ArrayRecordWriter`: writes records to an ArrayRecord file that Google's C++ library reads,
 * atomically (a hidden temporary file renamed into place on a successful close).
 */
import { ArrayRecordError } from "../errors.js";
import { ArrayRecordEncoder } from "./encoder.js";
import { MemoryByteSink, type ByteSink, type AtomicFileSinkOptions } from "../bytes/file-sink.js";
import { createPathSink, createPathSinkSync } from "../bytes/path-openers.js";
import { parseWriterOptions, type WriterOptions } from "./options.js";
import { recordWritable } from "../bytes/record-writable.js";
import type { EncodedChunk } from "./encoded-chunks.js";

/** Encoded bytes are handed to the file once this many are pending. */
const FLUSH_BYTES = 1 << 20;

/** A record: bytes, or a string written as UTF-8. */
export type RecordInput = Uint8Array | string;

const utf8 = new TextEncoder();

function toBytes(record: RecordInput): Uint8Array {
  if (typeof record === "string") return utf8.encode(record);
  if (record instanceof Uint8Array) return record;
  throw new ArrayRecordError("INVALID_OPTIONS", `a record must be a Uint8Array or a string, got ${typeof record}`);
}

/** Writes records into one ArrayRecord file. Call {@link close} (or {@link closeSync}) to finish it. */
export class ArrayRecordWriter {
  private readonly encoder: ArrayRecordEncoder;
  private state: "open" | "closed" | "failed" = "open";

  /** Writes into `sink` with C++-style writer `options` (e.g. `"group_size:64,zstd:3"`). */
  constructor(
    private readonly sink: ByteSink,
    options: string | WriterOptions = "",
  ) {
    try {
      this.encoder = new ArrayRecordEncoder(typeof options === "string" ? parseWriterOptions(options) : options);
      this.encoder.file = sink.name;
    } catch (e) {
      sink.abortSync();
      throw e instanceof ArrayRecordError ? e.withFile(sink.name) : e;
    }
  }

  /**
   * Creates `path` (atomically: nothing appears under that name until a successful close). Close
   * fsyncs the file and its directory unless `file.fsync` is false (scratch output). An object URL
   * (`s3://`, `gs://`) goes to its registered opener's upload instead.
   */
  static openSync(path: string, options: string | WriterOptions = "", file: AtomicFileSinkOptions = {}): ArrayRecordWriter {
    const resolved = typeof options === "string" ? parseWriterOptions(options) : options;
    return new ArrayRecordWriter(createPathSinkSync(path, file), resolved);
  }

  /** Async {@link openSync}. */
  static async open(path: string, options: string | WriterOptions = "", file: AtomicFileSinkOptions = {}): Promise<ArrayRecordWriter> {
    const resolved = typeof options === "string" ? parseWriterOptions(options) : options;
    return new ArrayRecordWriter(await createPathSink(path, file), resolved);
  }

  /** Number of records written so far. */
  get numRecords(): number {
    return this.encoder.numRecords;
  }

  /** The canonical options string this writer stores in the footer. */
  get writerOptions(): string {
    return this.encoder.optionsString;
  }

  /** Appends one record. */
  writeSync(record: RecordInput): void {
    this.guard(() => {
      this.encoder.add(toBytes(record));
      if (this.encoder.pendingBytes >= FLUSH_BYTES) this.flushSync();
    });
  }

  /**
   * Places a chunk of `group_size` records encoded elsewhere with this writer's options
   * (`GroupChunkEncoder`); see `ArrayRecordEncoder.addEncodedChunk`.
   */
  writeEncodedChunkSync(chunk: EncodedChunk): void {
    this.guard(() => {
      this.encoder.addEncodedChunk(chunk);
      if (this.encoder.pendingBytes >= FLUSH_BYTES) this.flushSync();
    });
  }

  /** Appends one record; resolves once buffered output has been handed to the file. */
  async write(record: RecordInput): Promise<void> {
    this.checkOpen();
    try {
      this.encoder.add(toBytes(record));
      if (this.encoder.pendingBytes >= FLUSH_BYTES) await this.flush();
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Appends every record of a sync or async iterable. */
  async writeAll(records: Iterable<RecordInput> | AsyncIterable<RecordInput>): Promise<void> {
    for await (const record of records) await this.write(record);
  }

  /** Writes the footer and postscript, makes the file durable and moves it to its final name. */
  closeSync(): void {
    if (this.state === "closed") return;
    this.guard(() => {
      this.encoder.finish();
      this.flushSync();
      this.sink.commitSync();
      this.state = "closed";
    });
  }

  /** Async {@link closeSync}. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.checkOpen();
    try {
      this.encoder.finish();
      await this.flush();
      await this.sink.commit();
      this.state = "closed";
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Abandons the file: removes the temporary file; nothing appears under the final name. */
  abort(): void {
    if (this.state === "closed") return;
    this.state = "failed";
    this.encoder.abandon();
    this.sink.abortSync();
  }

  /** A Node object-mode Writable of records for `stream.pipeline()`; finishing it closes the file. */
  toWritable(): ReturnType<typeof recordWritable> {
    return recordWritable<RecordInput>(this);
  }

  private flushSync(): void {
    this.sink.writeSync(this.encoder.drain(true));
  }

  private async flush(): Promise<void> {
    await this.sink.write(this.encoder.drain(false));
  }

  private guard(action: () => void): void {
    this.checkOpen();
    try {
      action();
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** A failed writer removes its temporary file and refuses further use. */
  private fail(e: unknown): unknown {
    this.abort();
    return e instanceof ArrayRecordError ? e.withFile(this.sink.name) : e;
  }

  private checkOpen(): void {
    if (this.state !== "open") throw new ArrayRecordError("CLOSED", `writer is ${this.state}`, { file: this.sink.name });
  }
}

/** Encodes `records` as the bytes of a complete ArrayRecord file, in memory. */
export function encodeArrayRecord(records: Iterable<RecordInput>, options: string | WriterOptions = ""): Uint8Array {
  const sink = new MemoryByteSink();
  const writer = new ArrayRecordWriter(sink, options);
  for (const record of records) writer.writeSync(record);
  writer.closeSync();
  return sink.bytes;
}
