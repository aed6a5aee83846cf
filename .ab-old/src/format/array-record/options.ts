/**
 * ArrayRecord writer and reader option strings (FORMAT.md §6.5, §6.6).
 *
 * The grammar, defaults, accepted values and error messages follow Google's C++ implementation:
 * ArrayRecord's `ArrayRecordWriterBase::Options::FromString` / `ToString` and
 * `ArrayRecordReaderBase::Options::FromString`, which are built on Riegeli's `OptionsParser`
 * (`riegeli/base/options_parser.cc`) and `CompressorOptions::FromString`
 * (`riegeli/chunk_encoding/compressor_options.cc`), whose numbers are read with Abseil's
 * `SimpleAtoi` / `SimpleAtod`. This module is an independent implementation of that behaviour.
 *
 * Grammar: `options ::= option? ("," option?)*`, `option ::= key (":" value)?`. The key is the
 * text before the first `:` (it is not trimmed), the value is everything after it. Empty items
 * are skipped, a key may appear at most once, unknown keys are rejected.
 */

import { ArrayRecordError } from "../errors.js";

import {
  applyCompressorText,
  compressionFromState,
  type Compression,
  COMPRESSOR_KEYS,
  type CompressorState,
  BROTLI_MIN_LEVEL,
  BROTLI_MAX_LEVEL,
  BROTLI_MIN_WINDOW_LOG,
  BROTLI_MAX_WINDOW_LOG,
  ZSTD_MIN_LEVEL,
  ZSTD_MAX_LEVEL,
  ZSTD_DEFAULT_LEVEL,
  ZSTD_MIN_WINDOW_LOG,
  ZSTD_MAX_WINDOW_LOG,
  SNAPPY_MIN_LEVEL,
  SNAPPY_MAX_LEVEL,
} from "../riegeli/compressor-options.js";

import {
  bytesValue,
  copyTo,
  enumValue,
  failIfAnySeen,
  intValue,
  invalidOptions,
  orValue,
  runOptionsParser,
} from "../riegeli/options-parser.js";
import { INT32_MAX, UINT64_MAX_AS_NUMBER, renderUint64 } from "../riegeli/abseil-numbers.js";

export type { Compression } from "../riegeli/compressor-options.js";

/** Writer options, as C++ `ArrayRecordWriterBase::Options` holds them after `FromString`. */
export interface WriterOptions {
  /** Records per chunk, 1..2^31−1. Default 1. */
  groupSize: number;
  /** Maximum concurrent chunk encoders, 1..2^31−1, or `"auto"` (the thread-pool size). */
  maxParallelism: number | "auto";
  /** Delay in milliseconds when the parallel writing queue is saturated, 1..2^31−1. Default 10. */
  saturationDelayMs: number;
  /** Chunk compression. Default zstd level 3. */
  compression: Compression;
  /**
   * LZ77 window log as C++ resolves it: brotli 10..30 or `undefined` (auto, brotli uses 22);
   * zstd 10..31 (ArrayRecord forces 20 when none or `auto` was given); always `undefined` for
   * uncompressed and snappy. Printed in the canonical string only when defined.
   */
  windowLog: number | undefined;
  /** Whether chunks use the transposed encoding. Default false. */
  transpose: boolean;
  /**
   * Bucket size in bytes for non-proto records in transposed chunks, 1..2^64−1. Default 256.
   * The value 2^64−1 (what any input of 2^64 or more, e.g. `inf`, saturates to) is not
   * representable as a number and is held as `2 ** 64`; it renders as `18446744073709551615`.
   */
  transposeBucketSize: number;
  /** Whether each chunk is padded to a 64 KiB block boundary. Default false. */
  padToBlockBoundary: boolean;
}

/** Reader options, as C++ `ArrayRecordReaderBase::Options` holds them after `FromString`. */
export interface ReaderOptions {
  /** Readahead buffer size in bytes, 0..2^30 (`auto` = 0). Default 0 (no readahead). */
  readaheadBufferSize: number;
  /** Maximum readahead threads, 0..2^31−1 (0 = no prefetch), or `"auto"` (the thread-pool size). */
  maxParallelism: number | "auto";
  /** `in_memory` keeps chunk offsets in memory; `offloaded` re-reads the footer per lookup. */
  indexStorageOption: "in_memory" | "offloaded";
}

// ---------------------------------------------------------------------------------------------
// Constants (values from the C++ and Riegeli headers: array_record_writer.h, brotli_writer.h,
// zstd_writer.h, snappy_writer.h, array_record_reader.cc)


/** Default records per chunk (`kDefaultGroupSize`). */
const DEFAULT_GROUP_SIZE = 1;
/** Default saturation delay (`kDefaultSaturationDelayMs`). */
const DEFAULT_SATURATION_DELAY_MS = 10;
/** Default transpose bucket size, also what `auto` means (`kDefaultTransposeBucketSize`). */
const DEFAULT_TRANSPOSE_BUCKET_SIZE = 256;
/** Window log ArrayRecord forces for zstd when none is given (`kZstdDefaultWindowLog`). */
const ARRAY_RECORD_ZSTD_WINDOW_LOG = 20;
/** Compression ArrayRecord applies when the text names none (`kArrayRecordDefaultCompression`). */
const ARRAY_RECORD_DEFAULT_COMPRESSION = "zstd:3";


/** Largest readahead buffer the C++ reader accepts (1 GiB). */
const MAX_READAHEAD_BUFFER_SIZE = 1024 * 1024 * 1024;

/** The options `parseWriterOptions("")` yields: group_size 1, zstd 3 with window_log 20, no transpose, no padding. */
export const DEFAULT_WRITER_OPTIONS: Readonly<WriterOptions> = Object.freeze({
  groupSize: DEFAULT_GROUP_SIZE,
  maxParallelism: "auto",
  saturationDelayMs: DEFAULT_SATURATION_DELAY_MS,
  compression: Object.freeze({ type: "zstd", level: ZSTD_DEFAULT_LEVEL }),
  windowLog: ARRAY_RECORD_ZSTD_WINDOW_LOG,
  transpose: false,
  transposeBucketSize: DEFAULT_TRANSPOSE_BUCKET_SIZE,
  padToBlockBoundary: false,
} satisfies WriterOptions);

/** The options `parseReaderOptions("")` yields. */
export const DEFAULT_READER_OPTIONS: Readonly<ReaderOptions> = Object.freeze({
  readaheadBufferSize: 0,
  maxParallelism: "auto",
  indexStorageOption: "in_memory",
} satisfies ReaderOptions);

// ---------------------------------------------------------------------------------------------
// Writer options

/**
 * Parses an ArrayRecord writer options string exactly as C++
 * `ArrayRecordWriterBase::Options::FromString` does, e.g. `"group_size:64,transpose,zstd:5"`.
 * Throws {@link ArrayRecordError} `INVALID_OPTIONS` with C++'s message on any rejected text.
 */
export function parseWriterOptions(text: string): WriterOptions {
  let groupSize = DEFAULT_GROUP_SIZE;
  let maxParallelism: number | "auto" = "auto";
  let saturationDelayMs = DEFAULT_SATURATION_DELAY_MS;
  let transpose = false;
  let transposeBucketSize = DEFAULT_TRANSPOSE_BUCKET_SIZE;
  let padToBlockBoundary = false;
  const compressor = { text: "" };

  runOptionsParser(text, [
    { key: "default", parse: failIfAnySeen() },
    { key: "group_size", parse: intValue(1, INT32_MAX, (v) => (groupSize = v)) },
    {
      key: "max_parallelism",
      parse: orValue(
        enumValue([["auto", "auto" as const]], (v) => (maxParallelism = v)),
        intValue(1, INT32_MAX, (v) => (maxParallelism = v)),
      ),
    },
    { key: "saturation_delay_ms", parse: intValue(1, INT32_MAX, (v) => (saturationDelayMs = v)) },
    {
      key: "transpose",
      parse: enumValue(
        [
          ["", true],
          ["true", true],
          ["false", false],
        ],
        (v) => (transpose = v),
      ),
    },
    {
      key: "transpose_bucket_size",
      parse: orValue(
        enumValue([["auto", DEFAULT_TRANSPOSE_BUCKET_SIZE]], (v) => (transposeBucketSize = v)),
        bytesValue(1, UINT64_MAX_AS_NUMBER, (v) => (transposeBucketSize = v)),
      ),
    },
    { key: "uncompressed", parse: copyTo(compressor) },
    { key: "brotli", parse: copyTo(compressor) },
    { key: "zstd", parse: copyTo(compressor) },
    { key: "snappy", parse: copyTo(compressor) },
    { key: "window_log", parse: copyTo(compressor) },
    {
      key: "pad_to_block_boundary",
      // Note: an empty value means false here (unlike transpose).
      parse: enumValue(
        [
          ["", false],
          ["true", true],
          ["false", false],
        ],
        (v) => (padToBlockBoundary = v),
      ),
    },
  ]);

  // C++ looks for the compressor names as substrings of the collected compressor text.
  if (text === "default" || !COMPRESSOR_KEYS.some((name) => compressor.text.includes(name))) {
    compressor.text += "," + ARRAY_RECORD_DEFAULT_COMPRESSION;
  }
  // The C++ Options constructor has already applied "zstd:3"; the text only overrides.
  const state: CompressorState = { type: "zstd", level: ZSTD_DEFAULT_LEVEL, windowLog: undefined };
  applyCompressorText(state, compressor.text);
  if (state.type === "zstd" && state.windowLog === undefined) state.windowLog = ARRAY_RECORD_ZSTD_WINDOW_LOG;

  return {
    groupSize,
    maxParallelism,
    saturationDelayMs,
    compression: compressionFromState(state),
    windowLog: state.windowLog,
    transpose,
    transposeBucketSize,
    padToBlockBoundary,
  };
}

function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * Checks that every field of `options` holds a value C++ could hold (the ranges of
 * {@link WriterOptions}); throws {@link ArrayRecordError} `INVALID_OPTIONS` naming the field.
 */
export function validateWriterOptions(options: WriterOptions): void {
  const fail = (field: string, value: unknown): never => {
    throw invalidOptions(`Writer option ${field} has an invalid value: ${String(value)}`);
  };
  if (!isIntIn(options.groupSize, 1, INT32_MAX)) fail("groupSize", options.groupSize);
  if (options.maxParallelism !== "auto" && !isIntIn(options.maxParallelism, 1, INT32_MAX)) {
    fail("maxParallelism", options.maxParallelism);
  }
  if (!isIntIn(options.saturationDelayMs, 1, INT32_MAX)) fail("saturationDelayMs", options.saturationDelayMs);
  if (typeof options.transpose !== "boolean") fail("transpose", options.transpose);
  if (typeof options.padToBlockBoundary !== "boolean") fail("padToBlockBoundary", options.padToBlockBoundary);
  if (!isIntIn(options.transposeBucketSize, 1, UINT64_MAX_AS_NUMBER)) {
    fail("transposeBucketSize", options.transposeBucketSize);
  }
  const c = options.compression;
  switch (c.type) {
    case "uncompressed":
      if (options.windowLog !== undefined) fail("windowLog", options.windowLog);
      break;
    case "snappy":
      if (c.level !== undefined && !isIntIn(c.level, SNAPPY_MIN_LEVEL, SNAPPY_MAX_LEVEL)) fail("compression.level", c.level);
      if (options.windowLog !== undefined) fail("windowLog", options.windowLog);
      break;
    case "brotli":
      if (!isIntIn(c.level, BROTLI_MIN_LEVEL, BROTLI_MAX_LEVEL)) fail("compression.level", c.level);
      if (options.windowLog !== undefined && !isIntIn(options.windowLog, BROTLI_MIN_WINDOW_LOG, BROTLI_MAX_WINDOW_LOG)) {
        fail("windowLog", options.windowLog);
      }
      break;
    case "zstd":
      if (!isIntIn(c.level, ZSTD_MIN_LEVEL, ZSTD_MAX_LEVEL)) fail("compression.level", c.level);
      if (options.windowLog !== undefined && !isIntIn(options.windowLog, ZSTD_MIN_WINDOW_LOG, ZSTD_MAX_WINDOW_LOG)) {
        fail("windowLog", options.windowLog);
      }
      break;
    default:
      fail("compression.type", (c as { type: unknown }).type);
  }
}


/**
 * The canonical string C++ `ArrayRecordWriterBase::Options::ToString` stores in the footer:
 * `group_size:G,transpose:T,pad_to_block_boundary:P`, then `,transpose_bucket_size:S` if
 * transposing, then `,uncompressed` | `,brotli:L` | `,zstd:L` | `,snappy`, then `,window_log:W`
 * if set, then `,max_parallelism:M` with M the writer's effective parallelism (1 when it
 * writes without a thread pool; see {@link effectiveWriterParallelism}). Saturation delay and
 * a snappy level are never printed.
 */
export function writerOptionsToString(options: WriterOptions, effectiveMaxParallelism: number): string {
  validateWriterOptions(options);
  if (!isIntIn(effectiveMaxParallelism, 0, 2 ** 32 - 1)) {
    throw invalidOptions(`Invalid effective max_parallelism: ${effectiveMaxParallelism}`);
  }
  let out =
    `group_size:${options.groupSize},transpose:${options.transpose}` +
    `,pad_to_block_boundary:${options.padToBlockBoundary}`;
  if (options.transpose) out += `,transpose_bucket_size:${renderUint64(options.transposeBucketSize)}`;
  const c = options.compression;
  switch (c.type) {
    case "uncompressed":
      out += ",uncompressed";
      break;
    case "brotli":
      out += `,brotli:${c.level}`;
      break;
    case "zstd":
      out += `,zstd:${c.level}`;
      break;
    case "snappy":
      out += ",snappy";
      break;
  }
  if (options.windowLog !== undefined) out += `,window_log:${options.windowLog}`;
  out += `,max_parallelism:${effectiveMaxParallelism}`;
  return out;
}

/**
 * The parallelism the C++ writer settles on (and prints): 1 without a thread pool, whatever
 * `max_parallelism` says; with a pool of `poolThreads` threads, that number capped by a numeric
 * `max_parallelism`.
 */
export function effectiveWriterParallelism(options: WriterOptions, poolThreads?: number): number {
  if (poolThreads === undefined) return 1;
  return options.maxParallelism === "auto" ? poolThreads : Math.min(poolThreads, options.maxParallelism);
}

// ---------------------------------------------------------------------------------------------
// Reader options

/**
 * Parses an ArrayRecord reader options string exactly as C++
 * `ArrayRecordReaderBase::Options::FromString` does, e.g.
 * `"readahead_buffer_size:16M,max_parallelism:0"`. Throws {@link ArrayRecordError}
 * `INVALID_OPTIONS` with C++'s message on any rejected text.
 */
export function parseReaderOptions(text: string): ReaderOptions {
  let readaheadBufferSize = 0;
  let maxParallelism: number | "auto" = "auto";
  let indexStorageOption: ReaderOptions["indexStorageOption"] = "in_memory";
  runOptionsParser(text, [
    {
      key: "max_parallelism",
      parse: orValue(
        enumValue([["auto", "auto" as const]], (v) => (maxParallelism = v)),
        intValue(0, INT32_MAX, (v) => (maxParallelism = v)),
      ),
    },
    {
      key: "readahead_buffer_size",
      parse: orValue(
        enumValue([["auto", 0]], (v) => (readaheadBufferSize = v)),
        bytesValue(0, MAX_READAHEAD_BUFFER_SIZE, (v) => (readaheadBufferSize = v)),
      ),
    },
    {
      key: "index_storage_option",
      parse: enumValue(
        [
          ["", "in_memory"],
          ["in_memory", "in_memory"],
          ["offloaded", "offloaded"],
        ] as const,
        (v) => (indexStorageOption = v),
      ),
    },
  ]);
  return { readaheadBufferSize, maxParallelism, indexStorageOption };
}
