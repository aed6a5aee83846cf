import { Gunzip, Gzip, Unzlib, Zlib, type FlateError } from "fflate";
import { ArrayRecordError } from "./errors.js";

/**
 * Whole-file compression of a TFRecord file, as TensorFlow's `compression_type`:
 * `"none"` (TF `""`), `"gzip"` (TF `"GZIP"`, RFC 1952) or `"zlib"` (TF `"ZLIB"`, RFC 1950).
 */
export type TFRecordCompression = "none" | "gzip" | "zlib";

/** A {@link TFRecordCompression}, or `"auto"`: GZIP when the file name ends in `.gz`, else none. */
export type TFRecordCompressionChoice = TFRecordCompression | "auto";

/** Resolves `"auto"` (or no choice) against the file name: `.gz` means GZIP, anything else none. */
export function resolveCompression(choice: TFRecordCompressionChoice | undefined, fileName: string): TFRecordCompression {
  if (choice === undefined || choice === "auto") return fileName.toLowerCase().endsWith(".gz") ? "gzip" : "none";
  return choice;
}

/**
 * Parses a TensorFlow `compression_type` string (`""`, `"NONE"`, `"GZIP"`, `"ZLIB"`, any case) or
 * `"auto"`. Anything else is INVALID_OPTIONS.
 */
export function parseTFRecordCompression(text: string): TFRecordCompressionChoice {
  const t = text.trim().toLowerCase();
  if (t === "" || t === "none") return "none";
  if (t === "gzip" || t === "zlib" || t === "auto") return t;
  throw new ArrayRecordError("INVALID_OPTIONS", `unknown TFRecord compression type "${text}" (expected "", GZIP, ZLIB or auto)`);
}

/**
 * Compressed bytes handed to the inflater per call. fflate inflates everything it is given in one
 * go, and DEFLATE expands at most ~1032:1, so this caps the output of one step at ~64 MiB even for
 * a decompression bomb, while staying large enough to amortise per-call overhead.
 */
const INFLATE_STEP_BYTES = 64 * 1024;

/**
 * Synchronous streaming decompressor for GZIP or ZLIB streams (fflate's `Gunzip` / `Unzlib`,
 * driven synchronously: node:zlib has no public synchronous streaming API, and Beam DoFns can only
 * call synchronous code). Every output chunk is a new buffer that is never reused.
 *
 * fflate checks DEFLATE structure but not the gzip CRC-32 / zlib Adler-32 trailers; the
 * TFRecord CRC32Cs on every record cover integrity instead.
 */
export class StreamInflater {
  private readonly inflater: Gunzip | Unzlib;
  private output: Uint8Array[] = [];
  /** Compressed bytes consumed so far, for error positions. */
  private consumed = 0;
  private sawInput = false;

  constructor(
    compression: "gzip" | "zlib",
    private readonly file?: string,
  ) {
    const onData = (data: Uint8Array): void => {
      if (data.length > 0) this.output.push(data);
    };
    this.inflater = compression === "gzip" ? new Gunzip(onData) : new Unzlib(onData);
  }

  /**
   * Decompresses the next compressed chunk (`final` marks the last one) and appends the output
   * chunks to `out`, calling `sink` after every bounded step so callers can consume output
   * before more is produced.
   */
  push(chunk: Uint8Array, final: boolean, sink: (output: Uint8Array[]) => void): void {
    if (chunk.length > 0) this.sawInput = true;
    // An empty compressed file holds no records (TensorFlow reads it as empty, too).
    if (final && !this.sawInput) return;
    let pos = 0;
    do {
      const step = chunk.subarray(pos, pos + INFLATE_STEP_BYTES);
      pos += step.length;
      const last = final && pos >= chunk.length;
      try {
        this.inflater.push(step, last);
      } catch (e) {
        throw this.wrap(e);
      }
      this.consumed += step.length;
      if (this.output.length > 0) {
        const produced = this.output;
        this.output = [];
        sink(produced);
      }
    } while (pos < chunk.length);
  }

  private wrap(e: unknown): ArrayRecordError {
    const code = (e as Partial<FlateError>).code;
    const message = e instanceof Error ? e.message : String(e);
    // fflate code 0 is "unexpected EOF": the compressed stream stops early.
    return new ArrayRecordError(
      code === 0 ? "TRUNCATED" : "CORRUPT",
      `cannot decompress: ${message}`,
      { file: this.file, offset: this.consumed },
      { cause: e },
    );
  }
}

/** Compression level 0–9 of DEFLATE (6 is TensorFlow's and zlib's default). */
export type DeflateLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** Synchronous streaming compressor producing one GZIP or ZLIB stream (fflate `Gzip` / `Zlib`). */
export class StreamDeflater {
  private readonly deflater: Gzip | Zlib;
  private output: Uint8Array[] = [];

  constructor(compression: "gzip" | "zlib", level: DeflateLevel = 6) {
    const onData = (data: Uint8Array): void => {
      if (data.length > 0) this.output.push(data);
    };
    this.deflater = compression === "gzip" ? new Gzip({ level }, onData) : new Zlib({ level }, onData);
  }

  /** Compresses `chunk` (`final` ends the stream) and returns the compressed bytes produced so far. */
  push(chunk: Uint8Array, final: boolean): Uint8Array[] {
    this.deflater.push(chunk, final);
    const produced = this.output;
    this.output = [];
    return produced;
  }
}
