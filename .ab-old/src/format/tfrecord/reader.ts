import { gunzipSync, inflateSync } from "node:zlib";
import type { ByteSource } from "../bytes/byte-source.js";
import { openPathSource, openPathSourceSync } from "../bytes/path-openers.js";
import { ArrayRecordError } from "../errors.js";
import { StreamInflater, type TFRecordCompression, type TFRecordCompressionChoice } from "./compression.js";
import { DETECT_BYTES, detectTFRecordCompression, explainDetected, type DetectedCompression } from "./detect.js";
import { TFRecordDeframer, deframeAll } from "./frame.js";
import { NativeInflater } from "./native-inflate.js";
import { SyncNativeInflater } from "./sync-inflate.js";

/**
 * Streaming TFRecord readers. Memory stays bounded by one read chunk plus the largest record
 * (plus, for compressed files, one bounded decompression step), whatever the file size.
 */

/** Options of the TFRecord readers. */
export interface TFRecordReadOptions {
  /**
   * Whole-file compression; default `"auto"`: told from the first bytes of the file, whatever its
   * name (a valid plain header, else GZIP magic, else a ZLIB header; see detect.ts).
   */
  compression?: TFRecordCompressionChoice;
  /** Bytes read from the file per call. Default 1 MiB. */
  chunkBytes?: number;
  /** Records longer than this fail with UNSUPPORTED. Default: the largest buffer the runtime allows. */
  maxRecordBytes?: number;
  /**
   * Read every chunk of an uncompressed file into ONE reused buffer, so that a record (a view
   * into it) is valid only until the iterator advances — `slice()` any record you keep. About
   * twice as fast, because the default allocates a fresh buffer per chunk and the kernel must
   * fault in its pages. Applies to paths and to ByteSource inputs that offer `readIntoSync` /
   * `readInto`; ignored for compressed files (whose records are views into fresh inflater output
   * anyway). Default false.
   */
  reuseBuffer?: boolean;
}

/** Options of {@link decodeTFRecords}. */
export interface TFRecordDecodeOptions {
  /** Compression of the bytes; default `"none"` (`"auto"` tells it from the first bytes). */
  compression?: TFRecordCompressionChoice;
  /** File name for error messages. */
  file?: string;
  /** Records longer than this fail with UNSUPPORTED. */
  maxRecordBytes?: number;
}

/** Where a reader gets its bytes: a file path, or any {@link ByteSource} (which the reader does not close). */
export type TFRecordInput = string | ByteSource;

const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Which inflater the sync reader uses, read when a file is opened: node:zlib natively on the
 * inflate thread (default), or fflate on the calling thread when env ARRAYRECORD_SYNC_INFLATE=fflate
 * (no worker thread; ~2.5× slower; kept for comparison and for hosts without worker threads).
 */
function syncInflater(): "native" | "fflate" {
  return process.env["ARRAYRECORD_SYNC_INFLATE"] === "fflate" ? "fflate" : "native";
}

/**
 * Reads the records of a TFRecord file synchronously, streaming it in chunks; each pass of the
 * returned iterable reopens the input. Both CRCs of every record are verified (CORRUPT on
 * mismatch, TRUNCATED when the file stops inside a record, both naming the file and offset —
 * for compressed files the offset is in the decompressed stream).
 *
 * Each record is a view into a freshly allocated read buffer, valid forever; keeping one record
 * keeps its whole chunk (1 MiB by default) alive, so `slice()` records you retain in bulk.
 */
export function readTFRecordsSync(input: TFRecordInput, options: TFRecordReadOptions = {}): Iterable<Uint8Array> {
  return { [Symbol.iterator]: () => readSyncGenerator(input, options) };
}

/**
 * Async twin of {@link readTFRecordsSync}: reads the file with non-blocking I/O, one chunk at a
 * time. Records are views into freshly allocated read buffers, as there.
 */
export function readTFRecords(input: TFRecordInput, options: TFRecordReadOptions = {}): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => readAsyncGenerator(input, options) };
}

/**
 * Splits a whole TFRecord file already in memory into records — the fast path. Uncompressed
 * records are `subarray` views of `bytes` (no copies); compressed input is first inflated in one
 * go with node:zlib and the records are views of the inflated buffer.
 */
export function decodeTFRecords(bytes: Uint8Array, options: TFRecordDecodeOptions = {}): Uint8Array[] {
  const file = options.file;
  const choice = options.compression ?? "none";
  const detected = choice === "auto" ? detectTFRecordCompression(bytes.subarray(0, DETECT_BYTES), file) : undefined;
  const compression = detected?.compression ?? (choice as TFRecordCompression);
  try {
    return decodeWhole(bytes, compression, options);
  } catch (e) {
    throw detected ? explainDetected(e, detected) : e;
  }
}

function decodeWhole(bytes: Uint8Array, compression: TFRecordCompression, options: TFRecordDecodeOptions): Uint8Array[] {
  const file = options.file;
  let framed = bytes;
  if (compression !== "none" && bytes.length > 0) {
    try {
      const inflated = compression === "gzip" ? gunzipSync(bytes) : inflateSync(bytes);
      framed = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
    } catch (e) {
      const truncated = (e as { code?: string }).code === "Z_BUF_ERROR";
      throw new ArrayRecordError(truncated ? "TRUNCATED" : "CORRUPT", `cannot decompress: ${(e as Error).message}`, { file }, { cause: e });
    }
  }
  return deframeAll(framed, { file, maxRecordBytes: options.maxRecordBytes });
}

/**
 * The file-independent half of a streaming read: chunks of file bytes in, records out (through
 * the inflater for compressed files). The sync and async readers differ only in how they fetch.
 */
class TFRecordChunkDecoder {
  private readonly chunkBytes: number;
  private deframer!: TFRecordDeframer;
  private inflater: StreamInflater | SyncNativeInflater | undefined;
  private readonly records: Uint8Array[] = [];
  private readonly deframe = (chunks: Uint8Array[]): void => {
    for (const c of chunks) this.deframer.push(c, this.records);
  };
  /** A buffer the reader may refill for every chunk (only uncompressed, with `reuseBuffer`). */
  scratch: Uint8Array | undefined;
  /** Bytes of the file taken so far. */
  position = 0;
  private size = 0;

  /** Checks the options (before any file is opened). */
  constructor(
    readonly name: string,
    private readonly options: TFRecordReadOptions,
    private readonly canReuse: boolean,
  ) {
    this.chunkBytes = checkChunkBytes(options.chunkBytes);
  }

  /** Starts decoding a file of `size` bytes with `compression`. */
  begin(size: number, compression: TFRecordCompression): this {
    this.size = size;
    const uncompressed = compression === "none";
    this.deframer = new TFRecordDeframer({ file: this.name, streamBytes: uncompressed ? size : undefined, maxRecordBytes: this.options.maxRecordBytes });
    this.inflater = uncompressed ? undefined : syncInflater() === "fflate" ? new StreamInflater(compression, this.name) : new SyncNativeInflater(compression, this.name);
    // Never for compressed input: fflate may keep a reference to a pushed chunk between calls.
    if (this.canReuse && this.options.reuseBuffer && uncompressed) this.scratch = new Uint8Array(Math.min(this.chunkBytes, size));
    return this;
  }

  /** How many bytes to fetch next (0 when the file is done). */
  get nextLength(): number {
    if (this.scratch !== undefined) this.deframer.detach();
    return Math.min(this.chunkBytes, this.size - this.position);
  }

  /** Takes the next chunk of file bytes; returns the records it completed (valid until the next call). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length === 0) throw fileShrank(this.name, this.position);
    this.position += chunk.length;
    this.records.length = 0;
    if (this.inflater === undefined) this.deframer.push(chunk, this.records);
    else this.inflater.push(chunk, this.position >= this.size, this.deframe);
    return this.records;
  }

  /** Checks that the file ended on a record boundary (and flushes an empty compressed file). */
  end(): void {
    if (this.size === 0 && this.inflater !== undefined) this.inflater.push(new Uint8Array(0), true, this.deframe);
    this.deframer.end();
  }

  /** Frees the inflater of a read that stopped early (or failed). */
  close(): void {
    if (this.inflater instanceof SyncNativeInflater) this.inflater.destroy();
  }
}

function* readSyncGenerator(input: TFRecordInput, options: TFRecordReadOptions): Generator<Uint8Array, void, undefined> {
  const name = typeof input === "string" ? input : input.name;
  const checked = new TFRecordChunkDecoder(name, options, typeof input === "string" || input.readIntoSync !== undefined);
  const source = typeof input === "string" ? openPathSourceSync(input) : input;
  let detected: DetectedCompression | undefined;
  try {
    const choice = options.compression ?? "auto";
    if (choice === "auto") detected = detectTFRecordCompression(source.readSync(0, Math.min(DETECT_BYTES, source.size)), name);
    const decoder = checked.begin(source.size, detected?.compression ?? (choice as TFRecordCompression));
    for (let length = decoder.nextLength; length > 0; length = decoder.nextLength) {
      const scratch = decoder.scratch;
      const chunk = scratch === undefined ? source.readSync(decoder.position, length) : scratch.subarray(0, source.readIntoSync!(decoder.position, scratch.subarray(0, length)));
      yield* decoder.push(chunk);
    }
    decoder.end();
  } catch (e) {
    throw detected ? explainDetected(e, detected) : e;
  } finally {
    checked.close();
    if (source !== input) source.closeSync();
  }
}

async function* readAsyncGenerator(input: TFRecordInput, options: TFRecordReadOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const name = typeof input === "string" ? input : input.name;
  const checked = new TFRecordChunkDecoder(name, options, typeof input === "string" || input.readInto !== undefined);
  const source = typeof input === "string" ? await openPathSource(input) : input;
  let detected: DetectedCompression | undefined;
  try {
    const choice = options.compression ?? "auto";
    if (choice === "auto") detected = detectTFRecordCompression(await source.read(0, Math.min(DETECT_BYTES, source.size)), name);
    const compression = detected?.compression ?? (choice as TFRecordCompression);
    if (compression === "none") {
      const decoder = checked.begin(source.size, compression);
      for (let length = decoder.nextLength; length > 0; length = decoder.nextLength) {
        const scratch = decoder.scratch;
        const chunk = scratch === undefined ? await source.read(decoder.position, length) : scratch.subarray(0, await source.readInto!(decoder.position, scratch.subarray(0, length)));
        yield* decoder.push(chunk);
      }
      decoder.end();
    } else {
      yield* readCompressedAsync(source, name, compression, options);
    }
  } catch (e) {
    throw detected ? explainDetected(e, detected) : e;
  } finally {
    if (source !== input) await source.close();
  }
}

/** The async reader's compressed path: node:zlib's native inflate (see native-inflate.ts), then deframing. */
async function* readCompressedAsync(
  reader: ByteSource,
  name: string,
  compression: "gzip" | "zlib",
  options: TFRecordReadOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const chunkBytes = checkChunkBytes(options.chunkBytes);
  const deframer = new TFRecordDeframer({ file: name, maxRecordBytes: options.maxRecordBytes });
  const inflater = new NativeInflater(compression, name);
  const records: Uint8Array[] = [];
  try {
    for (let position = 0; position < reader.size; ) {
      const chunk = await reader.read(position, Math.min(chunkBytes, reader.size - position));
      if (chunk.length === 0) throw fileShrank(name, position);
      position += chunk.length;
      for await (const output of inflater.push(chunk)) {
        for (const piece of output) deframer.push(piece, records);
        yield* records;
        records.length = 0;
      }
    }
    for (const piece of await inflater.end()) deframer.push(piece, records);
    yield* records;
    deframer.end();
  } finally {
    inflater.destroy();
  }
}

function checkChunkBytes(chunkBytes: number | undefined): number {
  if (chunkBytes === undefined) return DEFAULT_CHUNK_BYTES;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new ArrayRecordError("INVALID_OPTIONS", `chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  return chunkBytes;
}

function fileShrank(file: string, offset: number): ArrayRecordError {
  return new ArrayRecordError("TRUNCATED", "file ended before its reported size (modified while reading?)", { file, offset });
}
