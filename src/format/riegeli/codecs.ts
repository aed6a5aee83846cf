/**
 * Compression of chunk streams (FORMAT.md §4): none, Brotli (node:zlib), Zstd (zstd-napi, sync),
 * Snappy (raw block format: our addon `native/snappy`, else the `snappy` package). A compressed stream is `varint(uncompressed length)` + payload.
 * Decompression never allocates more than the caller's bound, which comes from trusted sizes
 * (the chunk header's decoded size, or a record count).
 */
import { constants as zlibConstants, brotliCompressSync, brotliDecompressSync } from "node:zlib";
import { createRequire } from "node:module";
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from "snappy";
import { SNAPPY_LITERAL_LIMIT, readSnappyLiteral, snappyLiteral } from "./snappy-literal.js";
import { ArrayRecordError } from "../errors.js";
import { cursor, readVarintAt, varintSize, writeVarint, type Cursor } from "../varint.js";
import { allocBytes } from "../bytes/slab.js";
import { ZSTD_RAW_LIMIT, readZstdStoredFrame, writeZstdRawFrame, zstdCompressBound } from "./zstd-small.js";
import type { Compression } from "./compressor-options.js";
import { viewOf } from "../bytes/views.js";

// zstd-napi's low-level binding: decompress into a buffer we size ourselves (its high-level
// Decompressor trusts the frame's content size for the allocation).
const require = createRequire(import.meta.url);
const zstd = require("zstd-napi/binding.js") as typeof import("zstd-napi/binding.js");

/**
 * Our Snappy addon (`native/snappy`, C written from the format description): ~1.2–1.3 µs
 * to decode (1.75 before the decoder's fixed-size copies) and ~2.5–3 µs to compress a 1.3 KB record, against 3–9 µs per call for the `snappy`
 * package's N-API binding (measured; most of a small record's cost, hence a native hot path of our own).
 */
interface SnappyAddon {
  /** Decodes a raw Snappy block into `dst`; the decoded length, or -1 (malformed, or not exactly `dst.length`). */
  decodeInto(src: Uint8Array, dst: Uint8Array): number;
  /**
   * Writes `src` as a raw Snappy block at the start of `dst` (at least {@link snappyMaxCompressedLength}
   * bytes); its length, or -1. Absent from builds that predate it.
   */
  compressInto?(src: Uint8Array, dst: Uint8Array): number;
}

/** The most bytes the addon's `compressInto` writes for `n` input bytes (it refuses smaller outputs). */
function snappyMaxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/** The addon's Snappy preamble is 32-bit: longer inputs go to the package (which refuses them too). */
const SNAPPY_ADDON_MAX_INPUT = 0xffffffff;

/**
 * The addon, when it was built (an optional dependency compiled by node-gyp on install) and
 * agrees with the `snappy` package on a sample; otherwise null and the package decodes (its N-API
 * binding costs 4–8 µs per call, most of a small record's decode).
 */
const snappyAddon: SnappyAddon | null = loadSnappyAddon();

function loadSnappyAddon(): SnappyAddon | null {
  try {
    const addon = require("arrayrecord-snappy") as SnappyAddon;
    const sample = new Uint8Array(3000).map((_, i) => (i % 7 === 0 ? i & 0xff : (i * 13) % 5));
    const packed = snappyCompress(Buffer.from(sample));
    const out = new Uint8Array(sample.length);
    if (addon.decodeInto(packed, out) !== sample.length || Buffer.compare(Buffer.from(out), Buffer.from(sample)) !== 0) return null;
    if (addon.decodeInto(packed.subarray(0, packed.length - 1), out) !== -1) return null;
    return addon;
  } catch {
    return null;
  }
}

/**
 * The addon's compressor, when present and the `snappy` package decodes its output of a sample
 * back to the sample; otherwise null and the package compresses.
 */
const snappyAddonCompress: ((src: Uint8Array, dst: Uint8Array) => number) | null = checkAddonCompressor(snappyAddon);

function checkAddonCompressor(addon: SnappyAddon | null): ((src: Uint8Array, dst: Uint8Array) => number) | null {
  const compressInto = addon?.compressInto;
  if (compressInto === undefined) return null;
  try {
    const sample = new Uint8Array(70_000).map((_, i) => (i % 5 === 0 ? (i * 31) & 0xff : (i >> 4) % 3));
    const out = new Uint8Array(snappyMaxCompressedLength(sample.length));
    const n = compressInto(sample, out);
    if (n <= 0 || n >= sample.length) return null;
    const back = snappyUncompress(Buffer.from(out.buffer, 0, n), { asBuffer: true }) as Buffer;
    if (Buffer.compare(back, Buffer.from(sample)) !== 0) return null;
    if (compressInto(sample, out.subarray(0, out.length - 1)) !== -1) return null;
    return compressInto;
  } catch {
    return null;
  }
}

/** Which Snappy decoder runs: our addon, or the `snappy` package's (for tests and benchmarks). */
export const snappyDecoder: "addon" | "package" = snappyAddon === null ? "package" : "addon";

/** Which Snappy compressor runs: our addon's, or the `snappy` package's (their bytes differ; both are valid Snappy). */
export const snappyEncoder: "addon" | "package" = snappyAddonCompress === null ? "package" : "addon";

/** Compression type bytes stored in chunk data. */
export const CompressionByte = { NONE: 0x00, BROTLI: 0x62, ZSTD: 0x7a, SNAPPY: 0x73 } as const;

/** The type byte stored for `compression`. */
export function compressionByte(compression: Compression): number {
  switch (compression.type) {
    case "uncompressed":
      return CompressionByte.NONE;
    case "brotli":
      return CompressionByte.BROTLI;
    case "zstd":
      return CompressionByte.ZSTD;
    case "snappy":
      return CompressionByte.SNAPPY;
  }
}

/** Compresses chunk streams with fixed settings, reusing native contexts across calls. */
export class StreamCompressor {
  private zstdContext: InstanceType<typeof zstd.CCtx> | undefined;
  private zstdLimited: InstanceType<typeof zstd.CCtx> | undefined;

  constructor(
    readonly compression: Compression,
    private readonly windowLog: number | undefined,
  ) {}

  /** Encodes `raw` as a chunk stream: itself when uncompressed, else varint length + payload. */
  encode(raw: Uint8Array): Uint8Array {
    if (this.compression.type === "uncompressed") return raw;
    const bound = this.directBound(raw.length);
    if (bound !== undefined) {
      const out = allocBytes(bound);
      return out.subarray(0, this.encodeInto(raw, out, 0));
    }
    const payload = this.compress(raw);
    const out = allocBytes(varintSize(raw.length) + payload.length);
    out.set(payload, writeVarint(out, 0, raw.length));
    return out;
  }

  /**
   * The most bytes {@link encodeInto} writes for `rawLength` input bytes when this compression
   * can encode straight into the caller's buffer (zstd, Snappy through our addon), sparing a per-stream allocation and copy (~1 µs of a 1.3 KB record's write, measured);
   * otherwise undefined, and {@link encode} is the way.
   */
  directBound(rawLength: number): number | undefined {
    switch (this.compression.type) {
      case "zstd":
        return varintSize(rawLength) + (rawLength <= ZSTD_RAW_LIMIT ? 9 + rawLength : zstdCompressBound(rawLength));
      case "snappy":
        return snappyAddonCompress !== null && rawLength >= SNAPPY_LITERAL_LIMIT && rawLength <= SNAPPY_ADDON_MAX_INPUT
          ? varintSize(rawLength) + snappyMaxCompressedLength(rawLength)
          : undefined;
      default:
        return undefined;
    }
  }

  /**
   * Writes the chunk stream {@link encode} would return for `raw` at `out[at..]`, which must hold
   * at least {@link directBound}`(raw.length)` bytes (defined); returns the stream's length.
   */
  encodeInto(raw: Uint8Array, out: Uint8Array, at: number): number {
    const pos = writeVarint(out, at, raw.length);
    let written: number;
    if (this.compression.type === "snappy") {
      written = snappyAddonCompress!(raw, out.subarray(pos));
    } else if (this.compression.type === "zstd") {
      written = raw.length <= ZSTD_RAW_LIMIT ? writeZstdRawFrame(raw, out, pos) : this.zstdContextFor(raw.length, this.compression.level).compress2(out.subarray(pos), raw);
    } else {
      throw new RangeError(`encodeInto does not take ${this.compression.type}`);
    }
    if (written < 0) throw new RangeError("encodeInto: output shorter than directBound");
    return pos + written - at;
  }

  private compress(raw: Uint8Array): Uint8Array {
    switch (this.compression.type) {
      case "zstd":
        throw new RangeError("zstd streams go through encodeInto"); // directBound is always defined
      case "brotli":
        return brotliCompressSync(raw, {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: this.compression.level,
            [zlibConstants.BROTLI_PARAM_LGWIN]: this.windowLog ?? 22,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length,
          },
        });
      case "snappy":
        return raw.length < SNAPPY_LITERAL_LIMIT ? snappyLiteral(raw) : snappyCompress(Buffer.from(raw.buffer, raw.byteOffset, raw.length));
      case "uncompressed":
        return raw;
    }
  }

  /**
   * The context for a stream of `length` bytes. No setPledgedSrcSize: compress2 is one-shot and
   * records the content size itself (same bytes, measured; one N-API call less per stream).
   */
  private zstdContextFor(length: number, level: number): InstanceType<typeof zstd.CCtx> {
    // An explicit window_log stops zstd from shrinking its tables to the input, which makes small
    // chunks 2-3x slower to compress. A stream no longer than the window cannot use a larger
    // window anyway, so the limit is only set where it can matter.
    const limitWindow = this.windowLog !== undefined && length > 2 ** this.windowLog;
    const ctx = limitWindow ? (this.zstdLimited ??= this.newZstdContext(level, this.windowLog)) : (this.zstdContext ??= this.newZstdContext(level, undefined));
    return ctx;
  }

  private newZstdContext(level: number, windowLog: number | undefined): InstanceType<typeof zstd.CCtx> {
    const ctx = new zstd.CCtx();
    ctx.setParameter(zstd.CParameter.compressionLevel, level);
    if (windowLog !== undefined) ctx.setParameter(zstd.CParameter.windowLog, windowLog);
    return ctx;
  }
}

let sharedZstdDecoder: InstanceType<typeof zstd.DCtx> | undefined;

/**
 * Decodes a chunk stream compressed with `type` (a compression byte). `maxSize` bounds the
 * uncompressed length; `exactSize` (when known) must match it. Returns the uncompressed bytes
 * (a view of `stream` when uncompressed). `fileOffset` locates errors.
 *
 * With `into` (exactly `exactSize` bytes, which must then be given), a compressed stream is
 * decoded straight into it and `into` is returned (the parallel reader's workers decode a span's
 * chunks into one output buffer this way instead of packing copies); an uncompressed stream is
 * still returned as its own view.
 */
export function decodeStream(type: number, stream: Uint8Array, maxSize: number, fileOffset: number, exactSize?: number, into?: Uint8Array): Uint8Array {
  return decodeStreamRange(type, stream, 0, stream.length, maxSize, fileOffset, exactSize, into);
}

/**
 * {@link decodeStream} of the stream `bytes[from, to)`, making no view of it but the one returned
 * (uncompressed) or handed to the codec (the payload): a simple chunk's two streams are decoded
 * out of its data this way, ~0.1 µs and ~100 bytes of garbage less per view (group_size:1 reads
 * make a few per record).
 */
export function decodeStreamRange(type: number, bytes: Uint8Array, from: number, to: number, maxSize: number, fileOffset: number, exactSize?: number, into?: Uint8Array): Uint8Array {
  if (type === CompressionByte.NONE) {
    checkStreamSize(to - from, maxSize, exactSize, fileOffset);
    return from === 0 && to === bytes.length ? bytes : viewOf(bytes, from, to);
  }
  if (into !== undefined && into.length !== exactSize) throw new RangeError(`decode target holds ${into.length} bytes, expected ${exactSize}`);
  const c = cursor(bytes, from, to);
  const size = readStreamSize(c, maxSize, exactSize, fileOffset);
  const payload = viewOf(bytes, c.offset, to);
  let out: Uint8Array;
  try {
    out = decompress(type, payload, size, fileOffset, into);
  } catch (e) {
    throw asStreamError(e, fileOffset);
  }
  if (out.length !== size) {
    throw new ArrayRecordError("CORRUPT", `decompressed ${out.length} bytes, stream declares ${size}`, { offset: fileOffset });
  }
  if (into !== undefined) {
    if (out.buffer !== into.buffer || out.byteOffset !== into.byteOffset) into.set(out);
    return into;
  }
  return out;
}

/** zstd's largest block: a stream no longer than this decodes as fast whole as in part. */
const ZSTD_BLOCK_MAX = 128 * 1024;

/**
 * The first `prefix` bytes of the stream `bytes[from, to)`, which must decode to exactly
 * `exactSize` bytes (checked as {@link decodeStreamRange} does), decoding no more of it than the
 * codec needs: a zstd stream longer than one block stops after the block that holds its byte
 * `prefix - 1` (a random read of a 256-record chunk needs half of it on average). Other streams
 * are decoded whole and may be returned whole (at least `prefix` bytes either way).
 */
export function decodeStreamPrefix(type: number, bytes: Uint8Array, from: number, to: number, exactSize: number, prefix: number, fileOffset: number): Uint8Array {
  if (type !== CompressionByte.ZSTD || exactSize <= ZSTD_BLOCK_MAX || prefix >= exactSize || exactSize > TRUSTED_ALLOCATION) {
    return decodeStreamRange(type, bytes, from, to, exactSize, fileOffset, exactSize);
  }
  const c = cursor(bytes, from, to);
  readStreamSize(c, exactSize, exactSize, fileOffset);
  const payload = bytes.subarray(c.offset, to);
  const out = allocBytes(prefix);
  const dctx = zstdDecoder();
  dctx.reset(zstd.ResetDirective.sessionOnly);
  let produced = 0;
  let input = payload;
  try {
    while (produced < prefix) {
      const [, written, consumed] = dctx.decompressStream(out.subarray(produced), input);
      if (written === 0 && consumed === 0) throw new ArrayRecordError("CORRUPT", "truncated zstd stream", { offset: fileOffset });
      produced += written;
      input = input.subarray(consumed);
    }
  } catch (e) {
    throw asStreamError(e, fileOffset);
  }
  return out;
}

/** Reads a compressed stream's decoded size (the varint at `c`, which it passes) and checks it as {@link checkStreamSize} does. */
function readStreamSize(c: Cursor, maxSize: number, exactSize: number | undefined, fileOffset: number): number {
  const size = readVarintAt(c, fileOffset);
  checkStreamSize(size, maxSize, exactSize, fileOffset);
  return size;
}

/** What a codec threw while decoding a stream, as the error to throw: ours as it is, a codec's own as CORRUPT. */
function asStreamError(e: unknown, fileOffset: number): ArrayRecordError {
  if (e instanceof ArrayRecordError) return e;
  return new ArrayRecordError("CORRUPT", `cannot decompress chunk stream: ${(e as Error).message}`, { offset: fileOffset }, { cause: e });
}

/** Decompresses `payload` (declaring `size` bytes), into `into` where the codec can write there directly. */
function decompress(type: number, payload: Uint8Array, size: number, fileOffset: number, into: Uint8Array | undefined): Uint8Array {
  switch (type) {
    case CompressionByte.ZSTD:
      return readZstdStoredFrame(payload, size) ?? decompressZstd(payload, size, fileOffset, into);
    case CompressionByte.BROTLI:
      // maxOutputLength makes zlib stop (and throw) instead of growing past the declared size.
      return brotliDecompressSync(payload, { maxOutputLength: Math.max(1, size) });
    case CompressionByte.SNAPPY: {
      const literal = readSnappyLiteral(payload);
      if (literal !== undefined) return literal;
      // The native decoder sizes its output from the stream's own preamble: check it first.
      const declared = readVarintAt(cursor(payload), fileOffset);
      if (declared !== size) {
        throw new ArrayRecordError("CORRUPT", `snappy payload declares ${declared} bytes, stream declares ${size}`, { offset: fileOffset });
      }
      if (snappyAddon !== null) {
        const out = into ?? allocBytes(size);
        if (snappyAddon.decodeInto(payload, out) !== size) throw new ArrayRecordError("CORRUPT", "malformed snappy stream", { offset: fileOffset });
        return out;
      }
      const out = snappyUncompress(Buffer.from(payload.buffer, payload.byteOffset, payload.length), { asBuffer: true }) as Buffer;
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    }
    default:
      throw new ArrayRecordError("CORRUPT", `unknown compression type 0x${type.toString(16).padStart(2, "0")}`, { offset: fileOffset });
  }
}

/** Declared sizes up to this many bytes are allocated up front; larger ones only as output appears. */
const TRUSTED_ALLOCATION = 64 << 20;

/** The decoding context this thread shares between streams. */
function zstdDecoder(): InstanceType<typeof zstd.DCtx> {
  if (sharedZstdDecoder === undefined) {
    sharedZstdDecoder = new zstd.DCtx();
    // Accept every window a writer may choose (window_log up to 31).
    sharedZstdDecoder.setParameter(zstd.DParameter.windowLogMax, 31);
  }
  return sharedZstdDecoder;
}

function decompressZstd(payload: Uint8Array, size: number, fileOffset: number, into: Uint8Array | undefined): Uint8Array {
  const dctx = zstdDecoder();
  if (size <= TRUSTED_ALLOCATION) {
    const out = into ?? allocBytes(size);
    return out.subarray(0, dctx.decompress(out, payload));
  }
  // A large declared size may be a lie: grow the output as the decoder really produces bytes.
  dctx.reset(zstd.ResetDirective.sessionOnly);
  const pieces: Buffer[] = [];
  let produced = 0;
  let input = payload;
  for (;;) {
    const piece = Buffer.allocUnsafe(Math.min(TRUSTED_ALLOCATION, size - produced + 1));
    const [remaining, written, consumed] = dctx.decompressStream(piece, input);
    input = input.subarray(consumed);
    produced += written;
    pieces.push(piece.subarray(0, written));
    if (produced > size) break;
    if (remaining === 0 && input.length === 0) break;
    if (written === 0 && consumed === 0) {
      throw new ArrayRecordError("CORRUPT", "truncated zstd stream", { offset: fileOffset });
    }
  }
  return Buffer.concat(pieces, produced);
}

/** Throws CORRUPT unless a stream's decoded `size` is `exactSize` (when given) and at most `maxSize`. */
export function checkStreamSize(size: number, maxSize: number, exactSize: number | undefined, fileOffset: number): void {
  if (exactSize !== undefined && size !== exactSize) {
    throw new ArrayRecordError("CORRUPT", `chunk stream holds ${size} bytes, expected ${exactSize}`, { offset: fileOffset });
  }
  if (size > maxSize) {
    throw new ArrayRecordError("CORRUPT", `chunk stream claims ${size} bytes, at most ${maxSize} allowed`, { offset: fileOffset });
  }
}
