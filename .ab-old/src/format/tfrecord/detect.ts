/**
 * Which whole-file compression a TFRecord file has, told from its first bytes (what `"auto"` means
 * when reading): a valid plain frame header first — whatever the file's name — then the GZIP
 * magic, then a valid 2-byte ZLIB header. TensorFlow itself must be told; users often do not know.
 */
import { ArrayRecordError } from "../errors.js";
import type { TFRecordCompression } from "./compression.js";
import { crc32cSmall, maskCrc32c } from "./crc32c.js";
import { TFRECORD_HEADER_BYTES } from "./frame.js";

/** How many leading bytes {@link detectTFRecordCompression} looks at. */
export const DETECT_BYTES = TFRECORD_HEADER_BYTES;

/** The outcome of detection: the compression and why it was chosen (for error messages). */
export interface DetectedCompression {
  compression: TFRecordCompression;
  /** Why, e.g. "GZIP magic 1f 8b (the first 12 bytes are not a plain TFRecord header)". */
  reason: string;
}

/**
 * Tells the compression of a TFRecord file from `head`, its first {@link DETECT_BYTES} bytes (or
 * the whole file when shorter):
 * 1. an empty file, or 12 bytes whose masked CRC32C of the length field holds → plain;
 * 2. `1f 8b` → GZIP (RFC 1952 magic);
 * 3. a 2-byte ZLIB header (method 8, window ≤ 32 KiB, no preset dictionary, header check
 *    divisible by 31) → ZLIB;
 * 4. a non-empty file shorter than one header that is neither → plain (reading reports it TRUNCATED);
 * 5. otherwise CORRUPT at offset 0, saying what was tried.
 */
export function detectTFRecordCompression(head: Uint8Array, file?: string): DetectedCompression {
  if (head.length === 0) return { compression: "none", reason: "empty file" };
  const full = head.length >= TFRECORD_HEADER_BYTES;
  if (full && validPlainHeader(head)) return { compression: "none", reason: "valid plain TFRecord header" };
  const notPlain = full ? "the first 12 bytes are not a plain TFRecord header: length CRC mismatch" : `only ${head.length} bytes`;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    return { compression: "gzip", reason: `GZIP magic 1f 8b (${notPlain})` };
  }
  if (head.length >= 2 && validZlibHeader(head[0]!, head[1]!)) {
    return { compression: "zlib", reason: `ZLIB header ${hex(head[0]!)} ${hex(head[1]!)} (${notPlain})` };
  }
  if (!full) return { compression: "none", reason: `${notPlain}, no GZIP or ZLIB header` };
  throw new ArrayRecordError(
    "CORRUPT",
    `not a TFRecord file: tried plain (${notPlain}), GZIP (no 1f 8b magic) and ZLIB (no valid 2-byte zlib header); ` +
      `first bytes ${Array.from(head.subarray(0, TFRECORD_HEADER_BYTES), hex).join(" ")}`,
    { file, offset: 0 },
  );
}

/** Whether `head` starts with a frame header whose length CRC holds (TensorFlow's check). */
function validPlainHeader(head: Uint8Array): boolean {
  const stored = (head[8]! | (head[9]! << 8) | (head[10]! << 16) | (head[11]! << 24)) >>> 0;
  return maskCrc32c(crc32cSmall(head, 0, 8)) === stored;
}

/** RFC 1950 §2.2: CM = 8 (deflate), CINFO ≤ 7, FDICT clear (TensorFlow sets no dictionary), FCHECK. */
function validZlibHeader(cmf: number, flg: number): boolean {
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (flg & 0x20) === 0 && ((cmf << 8) | flg) % 31 === 0;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

/**
 * Adds to an error raised while reading a file whose compression was detected (not given) how it
 * was detected, so a misdetected or damaged file says what was tried.
 */
export function explainDetected(e: unknown, detected: DetectedCompression): unknown {
  if (!(e instanceof ArrayRecordError) || detected.reason === "valid plain TFRecord header" || detected.reason === "empty file") return e;
  const how = detected.compression === "none" ? "plain" : detected.compression.toUpperCase();
  return new ArrayRecordError(e.code, `${e.reason} [read as ${how}, detected from ${detected.reason}; pass compression explicitly to override]`, {
    file: e.file,
    offset: e.offset,
  }, { cause: e });
}
