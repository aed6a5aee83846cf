import { crc32 } from "@node-rs/crc32";
import { constants as zlibConstants, deflateRawSync } from "node:zlib";
import { Gunzip, Unzlib, type FlateError } from "fflate";
import { ArrayRecordError } from "../errors.js";

/**
 * Whole-file compression of a TFRecord file, as TensorFlow's `compression_type`:
 * `"none"` (TF `""`), `"gzip"` (TF `"GZIP"`, RFC 1952) or `"zlib"` (TF `"ZLIB"`, RFC 1950).
 */
export type TFRecordCompression = "none" | "gzip" | "zlib";

/**
 * A {@link TFRecordCompression}, or `"auto"`: when reading, told from the file's first bytes (see
 * detect.ts: a valid plain header, else GZIP magic, else a ZLIB header); when writing, GZIP when
 * the file name ends in `.gz`, else none.
 */
export type TFRecordCompressionChoice = TFRecordCompression | "auto";

/** Resolves `"auto"` (or no choice) against the file name, for writers: `.gz` means GZIP, anything else none. */
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
 * fflate's streaming classes check the DEFLATE data but neither verify the gzip CRC-32 / ISIZE or
 * zlib Adler-32 trailers nor always notice a stream that stops early, so this class verifies the
 * trailer itself at the end (for multi-member gzip, the last member's): a truncated or damaged
 * stream is TRUNCATED or CORRUPT, never silently short.
 */
export class StreamInflater {
  private readonly inflater: Gunzip | Unzlib;
  private output: Uint8Array[] = [];
  /** Compressed bytes seen so far, for error positions and the minimum-size check. */
  private consumed = 0;
  /** The last {@link trailerBytes} compressed bytes seen. For ZLIB they are held back from the inflater until the end. */
  private tail = new Uint8Array(0);
  private readonly trailerBytes: number;
  /** Checksum state over the output (of the current gzip member): CRC-32 for gzip, Adler-32 for zlib. */
  private check: number;
  private outputBytes = 0;

  constructor(
    private readonly compression: "gzip" | "zlib",
    private readonly file?: string,
  ) {
    const onData = (data: Uint8Array): void => {
      if (data.length === 0) return;
      this.output.push(data);
      this.outputBytes += data.length;
      this.check = compression === "gzip" ? crc32(data, this.check) >>> 0 : adler32(data, this.check);
    };
    this.trailerBytes = compression === "gzip" ? 8 : 4;
    this.check = compression === "gzip" ? 0 : 1;
    if (compression === "gzip") {
      const gunzip = new Gunzip(onData);
      // A new member starts: the trailer at the end of the file covers only that member's output.
      gunzip.onmember = () => {
        this.check = 0;
        this.outputBytes = 0;
      };
      this.inflater = gunzip;
    } else {
      this.inflater = new Unzlib(onData);
    }
  }

  /**
   * Decompresses the next compressed chunk (`final` marks the last one), calling `sink` with the
   * output of every bounded step, so callers consume output before more is produced.
   */
  push(chunk: Uint8Array, final: boolean, sink: (output: Uint8Array[]) => void): void {
    // An empty compressed file holds no records (TensorFlow reads it as empty, too).
    if (final && this.consumed === 0 && chunk.length === 0) return;
    let pos = 0;
    do {
      const step = chunk.subarray(pos, pos + INFLATE_STEP_BYTES);
      pos += step.length;
      const last = final && pos >= chunk.length;
      this.consumed += step.length;
      const joined = concat(this.tail, step);
      this.tail = joined.slice(Math.max(0, joined.length - this.trailerBytes));
      // fflate's Unzlib expects the whole Adler-32 trailer in its final push: hold it back until then.
      const input = this.compression === "zlib" && !last ? joined.subarray(0, joined.length - this.tail.length) : this.compression === "zlib" ? joined : step;
      try {
        this.inflater.push(input, last);
      } catch (e) {
        throw this.wrap(e);
      }
      if (this.output.length > 0) {
        const produced = this.output;
        this.output = [];
        sink(produced);
      }
    } while (pos < chunk.length);
    if (final) this.verifyTrailer();
  }

  private verifyTrailer(): void {
    const minimum = this.compression === "gzip" ? 18 : 6; // header + empty final block + trailer
    if (this.consumed < minimum) {
      throw new ArrayRecordError("TRUNCATED", `${this.compression} stream of ${this.consumed} bytes is too short`, {
        file: this.file,
        offset: this.consumed,
      });
    }
    const t = this.tail;
    const ok =
      this.compression === "gzip"
        ? (t[0]! | (t[1]! << 8) | (t[2]! << 16) | (t[3]! << 24)) >>> 0 === this.check &&
          (t[4]! | (t[5]! << 8) | (t[6]! << 16) | (t[7]! << 24)) >>> 0 === this.outputBytes % 0x1_0000_0000
        : ((t[0]! << 24) | (t[1]! << 16) | (t[2]! << 8) | t[3]!) >>> 0 === this.check;
    if (!ok) {
      throw new ArrayRecordError(
        "CORRUPT",
        `${this.compression} trailer does not match the decompressed data (stream damaged or cut short)`,
        { file: this.file, offset: this.consumed - this.trailerBytes },
      );
    }
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

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Adler-32 (RFC 1950) of `data`, continuing from `adler` (start with 1). */
export function adler32(data: Uint8Array, adler: number): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  let i = 0;
  while (i < data.length) {
    // 5552 bytes is the most that can be summed before b might overflow 2^32 (zlib's NMAX).
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Compression level 0–9 of DEFLATE (6 is TensorFlow's and zlib's default). */
export type DeflateLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/**
 * Synchronous streaming compressor producing one GZIP or ZLIB stream, with node:zlib: each pushed
 * piece is deflated on its own and ends with a sync flush, so the pieces concatenate into one
 * valid DEFLATE stream (no back-reference crosses a piece); `final` adds the empty last block and
 * the trailer. (fflate's streaming compressor was dropped: about 1% of its streams hold a
 * back-reference zlib rejects as "invalid distance too far back", which TensorFlow could not read.)
 */
export class StreamDeflater {
  private started = false;
  /** CRC-32 (gzip) or Adler-32 (zlib) of everything pushed. */
  private checksum: number;
  /** Uncompressed length modulo 2^32 (gzip's ISIZE). */
  private length = 0;

  constructor(
    private readonly compression: "gzip" | "zlib",
    private readonly level: DeflateLevel = 6,
  ) {
    this.checksum = compression === "gzip" ? 0 : 1;
  }

  /** Compresses `chunk` (`final` ends the stream) and returns the compressed bytes produced so far. */
  push(chunk: Uint8Array, final: boolean): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.started) {
      out.push(this.compression === "gzip" ? GZIP_HEADER : ZLIB_HEADER);
      this.started = true;
    }
    if (chunk.length > 0) {
      out.push(deflateRawSync(chunk, { level: this.level, finishFlush: zlibConstants.Z_SYNC_FLUSH }));
      this.checksum = this.compression === "gzip" ? crc32(chunk, this.checksum) >>> 0 : adler32(chunk, this.checksum);
      this.length = (this.length + chunk.length) >>> 0;
    }
    if (final) {
      out.push(FINAL_EMPTY_BLOCK);
      out.push(this.compression === "gzip" ? gzipTrailer(this.checksum, this.length) : zlibTrailer(this.checksum));
    }
    return out;
  }
}

/** Gzip member header: deflate, no flags, no mtime, OS unix. */
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03);
/** Zlib header: deflate with a 32 KiB window, default level. */
const ZLIB_HEADER = Uint8Array.of(0x78, 0x9c);
/** A final, empty, fixed-Huffman DEFLATE block: what zlib writes when finishing after a sync flush. */
const FINAL_EMPTY_BLOCK = Uint8Array.of(0x03, 0x00);

function gzipTrailer(crc: number, length: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, crc >>> 0, true);
  view.setUint32(4, length >>> 0, true);
  return out;
}

function zlibTrailer(adler: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, adler >>> 0, false);
  return out;
}
