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

// ---------------------------------------------------------------------------------------------
// Public types

/** Compression applied to every chunk. */
export type Compression =
  | { type: "uncompressed" }
  | { type: "brotli"; level: number }
  | { type: "zstd"; level: number }
  /**
   * Snappy. Riegeli accepts a level 1..2 (default 1); ArrayRecord's canonical string never
   * records it. `level` is present only when a non-default level was requested.
   */
  | { type: "snappy"; level?: number };

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

const INT32_MAX = 2147483647;
/** 2^64 as a number: stands for UINT64_MAX (2^64−1), which a double cannot hold. */
const UINT64_MAX_AS_NUMBER = 2 ** 64;
const UINT64_MAX_TEXT = "18446744073709551615";

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

const BROTLI_MIN_LEVEL = 0;
const BROTLI_MAX_LEVEL = 11;
const BROTLI_DEFAULT_LEVEL = 6;
const BROTLI_MIN_WINDOW_LOG = 10;
const BROTLI_MAX_WINDOW_LOG = 30;
const ZSTD_MIN_LEVEL = -131072;
const ZSTD_MAX_LEVEL = 22;
const ZSTD_DEFAULT_LEVEL = 3;
const ZSTD_MIN_WINDOW_LOG = 10;
/** `ZSTD_WINDOWLOG_MAX` of a 64-bit build (30 on 32-bit builds). */
const ZSTD_MAX_WINDOW_LOG = 31;
const SNAPPY_MIN_LEVEL = 1;
const SNAPPY_MAX_LEVEL = 2;
const SNAPPY_DEFAULT_LEVEL = 1;

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
// Abseil number parsing

/** `absl::ascii_isspace`: space, \t, \n, \v, \f, \r. */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** `absl::StripAsciiWhitespace`. */
function stripAsciiWhitespace(s: string): string {
  let begin = 0;
  let end = s.length;
  while (begin < end && isAsciiSpace(s.charCodeAt(begin))) begin++;
  while (end > begin && isAsciiSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(begin, end);
}

/**
 * `absl::SimpleAtoi` into a 32-bit `int`: surrounding ASCII whitespace allowed, one optional
 * `+` or `-`, then one or more decimal digits (leading zeros fine), no overflow.
 */
function simpleAtoi32(text: string): number | undefined {
  const s = stripAsciiWhitespace(text);
  if (s.length === 0) return undefined;
  let i = 0;
  const negative = s[0] === "-";
  if (negative || s[0] === "+") {
    i = 1;
    if (i >= s.length) return undefined;
  }
  const limit = negative ? INT32_MAX + 1 : INT32_MAX;
  let value = 0;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
    if (value > limit) return undefined;
  }
  return negative ? (value === 0 ? 0 : -value) : value;
}

/** Abseil refuses float texts with this many significant decimal digits (`kDecimalDigitLimit`). */
const DECIMAL_DIGIT_LIMIT = 50_000_000;
/** The same limit for hexadecimal floats (`kHexadecimalDigitLimit`). */
const HEX_DIGIT_LIMIT = DECIMAL_DIGIT_LIMIT / 4;
/** Abseil reads at most this many exponent digits (after leading zeros) and drops the rest. */
const EXPONENT_DIGITS_MAX = 9;

const DECIMAL_FLOAT = /^([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?)([0-9]+))?$/;
const HEX_FLOAT = /^([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?)([0-9]+))?$/;
const INF_OR_NAN = /^(?:inf|infinity|nan|nan\([0-9A-Za-z_]*\))$/i;

/** Whether a mantissa `int.frac` is one Abseil's `ParseFloat` refuses as pathological. */
function tooManyDigits(intPart: string, fracPart: string | undefined, limit: number): boolean {
  const intSignificant = intPart.replace(/^0+/, "");
  if (intSignificant.length >= limit) return true;
  if (fracPart === undefined) return false;
  if (intSignificant.length === 0) {
    const fracSignificant = fracPart.replace(/^0+/, "");
    return fracPart.length - fracSignificant.length >= limit || fracSignificant.length >= limit;
  }
  return fracPart.length >= limit;
}

/** Exponent digits as Abseil reads them: leading zeros skipped, digits past the ninth dropped. */
function readExponent(sign: string, digits: string): number {
  const significant = digits.replace(/^0+/, "").slice(0, EXPONENT_DIGITS_MAX);
  const magnitude = significant.length === 0 ? 0 : Number(significant);
  return sign === "-" ? -magnitude : magnitude;
}

/** Correctly rounded (nearest, ties to even) double of `mantissa * 2^exponent`, `mantissa >= 0`. */
function binaryToDouble(mantissa: bigint, exponent: number): number {
  if (mantissa === 0n) return 0;
  const hex = mantissa.toString(16);
  const bits = (hex.length - 1) * 4 + Number.parseInt(hex[0] as string, 16).toString(2).length;
  // Keep 53 significant bits, fewer when the value falls in the subnormal range.
  let shift = bits - 53;
  if (exponent + shift < -1074) shift = -1074 - exponent;
  if (shift <= 0) return Number(mantissa) * 2 ** exponent;
  if (shift > bits) return 0; // below half the smallest subnormal
  const big = BigInt(shift);
  let q = mantissa >> big;
  const rem = mantissa - (q << big);
  const half = 1n << (big - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const e = exponent + shift;
  if (e > 1023) return Infinity;
  return Number(q) * 2 ** e;
}

/**
 * `absl::SimpleAtod`: surrounding ASCII whitespace allowed; an optional `+` (not followed by
 * `-`), then `absl::from_chars` in general format, which must consume everything: an optional
 * `-`, then `inf`/`infinity`/`nan`/`nan(chars)` (any case), a hexadecimal float after `0x`/`0X`
 * (`p` binary exponent), or a decimal `digits[.digits][e[+-]digits]` with at least one digit.
 * Overflow gives ±infinity, underflow 0.
 */
function simpleAtod(text: string): number | undefined {
  let s = stripAsciiWhitespace(text);
  if (s.length === 0) return undefined;
  if (s[0] === "+") {
    s = s.slice(1);
    if (s.length === 0 || s[0] === "-") return undefined;
  }
  let negative = false;
  if (s[0] === "-") {
    negative = true;
    s = s.slice(1);
  }
  const magnitude = parseUnsignedFloat(s);
  if (magnitude === undefined) return undefined;
  return negative ? -magnitude : magnitude;
}

/** The unsigned part of {@link simpleAtod}. */
function parseUnsignedFloat(s: string): number | undefined {
  if (s.length >= 2 && s[0] === "0" && (s[1] === "x" || s[1] === "X")) {
    // A failed hex parse would match just the "0", leaving text unconsumed: a failure too.
    const m = HEX_FLOAT.exec(s.slice(2));
    if (m === null) return undefined;
    const intPart = m[1] ?? "";
    const fracPart = m[2];
    if (intPart.length + (fracPart?.length ?? 0) === 0) return undefined;
    if (tooManyDigits(intPart, fracPart, HEX_DIGIT_LIMIT)) return undefined;
    const exponent = m[4] === undefined ? 0 : readExponent(m[3] ?? "", m[4]);
    const mantissa = BigInt("0x0" + intPart + (fracPart ?? ""));
    return binaryToDouble(mantissa, exponent - 4 * (fracPart?.length ?? 0));
  }
  if (INF_OR_NAN.test(s)) return s[0] === "n" || s[0] === "N" ? NaN : Infinity;
  const m = DECIMAL_FLOAT.exec(s);
  if (m === null) return undefined;
  const intPart = m[1] ?? "";
  const fracPart = m[2];
  if (intPart.length + (fracPart?.length ?? 0) === 0) return undefined;
  if (tooManyDigits(intPart, fracPart, DECIMAL_DIGIT_LIMIT)) return undefined;
  // JavaScript's decimal conversion is correctly rounded, like Abseil's.
  let normalized = (intPart === "" ? "0" : intPart) + (fracPart ? "." + fracPart : "");
  if (m[4] !== undefined) normalized += "e" + String(readExponent(m[3] ?? "", m[4]));
  return Number(normalized);
}

// ---------------------------------------------------------------------------------------------
// Riegeli OptionsParser

/** A value parser's verdict: `true` accepted, otherwise the descriptions of valid values. */
type Verdict = true | string[];

/** State a value parser sees: the key, its value, and which keys earlier items set. */
interface ValueContext {
  readonly key: string;
  readonly value: string;
  readonly seen: ReadonlySet<string>;
}

/** A value parser; it throws {@link ArrayRecordError} itself for conflicts. */
type ValueParser = (ctx: ValueContext) => Verdict;

interface OptionDef {
  readonly key: string;
  readonly parse: ValueParser;
}

function invalidOptions(message: string): ArrayRecordError {
  return new ArrayRecordError("INVALID_OPTIONS", message);
}

/** Riegeli `OptionsParser::FromString`: runs each item's value parser in text order. */
function runOptionsParser(text: string, options: readonly OptionDef[]): void {
  const seen = new Set<string>();
  for (const item of text.split(",")) {
    if (item.length === 0) continue;
    const colon = item.indexOf(":");
    const key = colon < 0 ? item : item.slice(0, colon);
    const value = colon < 0 ? "" : item.slice(colon + 1);
    const option = options.find((o) => o.key === key);
    if (option === undefined) {
      throw invalidOptions(`Unknown option ${key}, valid options: ${options.map((o) => o.key).join(", ")}`);
    }
    if (seen.has(key)) throw invalidOptions(`Option ${key} is present more than once`);
    const verdict = option.parse({ key, value, seen });
    if (verdict !== true) {
      throw invalidOptions(
        `Option ${key}: invalid value: ${value === "" ? "(empty)" : value}` +
          (verdict.length > 0 ? `, valid values: ${verdict.join(", ")}` : ""),
      );
    }
    seen.add(key);
  }
}

/** `ValueParser::Empty`: accepts an absent or empty value. */
function emptyValue(set: () => void): ValueParser {
  return ({ value }) => {
    if (value !== "") return ["(empty)"];
    set();
    return true;
  };
}

/** `ValueParser::Enum`: one of the listed texts (`""` also matches an absent value). */
function enumValue<T>(choices: ReadonlyArray<readonly [string, T]>, set: (v: T) => void): ValueParser {
  return ({ value }) => {
    for (const [name, v] of choices) {
      if (value === name) {
        set(v);
        return true;
      }
    }
    return choices.map(([name]) => (name === "" ? "(empty)" : name));
  };
}

/** `ValueParser::Int`: a 32-bit integer (`SimpleAtoi`) in `[min..max]`. */
function intValue(min: number, max: number, set: (v: number) => void): ValueParser {
  return ({ value }) => {
    const n = simpleAtoi32(value);
    if (n !== undefined && n >= min && n <= max) {
      set(n);
      return true;
    }
    return [`integers in the range [${min}..${max}]`];
  };
}

const BYTE_SUFFIX_SCALE: ReadonlyMap<string, number> = new Map([
  ["B", 1],
  ["k", 2 ** 10],
  ["K", 2 ** 10],
  ["M", 2 ** 20],
  ["G", 2 ** 30],
  ["T", 2 ** 40],
  ["P", 2 ** 50],
  ["E", 2 ** 60],
]);

/**
 * Riegeli `ValueParser::Bytes` conversion: a real (`SimpleAtod`) with an optional last-character
 * suffix `[BkKMGTPE]` (binary multiples), rounded half away from zero; values of 2^64 and
 * more saturate to UINT64_MAX (returned as `2 ** 64`). Undefined when not a number or negative.
 */
function parseBytes(text: string): number | undefined {
  let value = text;
  let scale = 1;
  const suffixScale = BYTE_SUFFIX_SCALE.get(value.slice(-1));
  if (suffixScale !== undefined) {
    scale = suffixScale;
    value = value.slice(0, -1);
  }
  const d = simpleAtod(value);
  if (d === undefined || !(d >= 0)) return undefined;
  const rounded = Math.round(d * scale); // d * scale >= 0, so ties round away from zero as std::round does
  if (rounded >= UINT64_MAX_AS_NUMBER) return UINT64_MAX_AS_NUMBER;
  return rounded === 0 ? 0 : rounded; // no -0
}

/** `ValueParser::Bytes` in `[min..max]` (`max` may be UINT64_MAX as `2 ** 64`). */
function bytesValue(min: number, max: number, set: (v: number) => void): ValueParser {
  return ({ value }) => {
    const n = parseBytes(value);
    if (n !== undefined && n >= min && n <= max) {
      set(n);
      return true;
    }
    return [
      `integers expressed as reals with optional suffix [BkKMGTPE], in the range [${min}..${renderUint64(max)}]`,
    ];
  };
}

/** `ValueParser::Or`: the first parser that accepts wins; otherwise all descriptions. */
function orValue(...parsers: ValueParser[]): ValueParser {
  return (ctx) => {
    const valid: string[] = [];
    for (const parse of parsers) {
      const verdict = parse(ctx);
      if (verdict === true) return true;
      valid.push(...verdict);
    }
    return valid;
  };
}

/** `ValueParser::And`: every parser must accept, in order. */
function andValue(...parsers: ValueParser[]): ValueParser {
  return (ctx) => {
    for (const parse of parsers) {
      const verdict = parse(ctx);
      if (verdict !== true) return verdict;
    }
    return true;
  };
}

/** `ValueParser::FailIfSeen`: a conflict if any of `keys` (checked in order) was set earlier. */
function failIfSeen(...keys: string[]): ValueParser {
  return ({ key, seen }) => {
    for (const other of keys) {
      if (seen.has(other)) throw invalidOptions(`Option ${key} conflicts with option ${other}`);
    }
    return true;
  };
}

/** `ValueParser::FailIfAnySeen`: a conflict if any option was set earlier. */
function failIfAnySeen(): ValueParser {
  return ({ key, seen }) => {
    if (seen.size > 0) throw invalidOptions(`Option ${key} must be first`);
    return true;
  };
}

/** `ValueParser::CopyTo`: appends `key[:value]` to a separate options text. */
function copyTo(target: { text: string }): ValueParser {
  return ({ key, value }) => {
    target.text += (target.text === "" ? "" : ",") + key + (value === "" ? "" : ":" + value);
    return true;
  };
}

// ---------------------------------------------------------------------------------------------
// Riegeli CompressorOptions

type CompressionType = Compression["type"];

interface CompressorState {
  type: CompressionType;
  level: number;
  windowLog: number | undefined;
}

const COMPRESSOR_KEYS: readonly CompressionType[] = ["uncompressed", "brotli", "zstd", "snappy"];

/**
 * Riegeli `CompressorOptions::FromString` applied to `state` (fields the text does not set are
 * kept). A first pass settles the compression type (rejecting two types at once), a second
 * parses levels and `window_log`, whose accepted values depend on that type.
 */
function applyCompressorText(state: CompressorState, text: string): void {
  const ignore: ValueParser = () => true;
  runOptionsParser(text, [
    ...COMPRESSOR_KEYS.map((type) => ({
      key: type,
      parse: andValue(failIfSeen(...COMPRESSOR_KEYS.filter((k) => k !== type)), () => {
        state.type = type;
        return true;
      }),
    })),
    { key: "window_log", parse: ignore },
    { key: "brotli_encoder", parse: ignore },
  ]);

  const setLevel = (level: number): void => {
    state.level = level;
  };
  const windowLogRange = (min: number, max: number): ValueParser =>
    orValue(
      enumValue([["auto", undefined]], (v: undefined) => {
        state.windowLog = v;
      }),
      intValue(min, max, (v) => {
        state.windowLog = v;
      }),
    );
  let windowLog: ValueParser;
  switch (state.type) {
    case "uncompressed":
      windowLog = failIfSeen("uncompressed");
      break;
    case "brotli":
      windowLog = windowLogRange(BROTLI_MIN_WINDOW_LOG, BROTLI_MAX_WINDOW_LOG);
      break;
    case "zstd":
      windowLog = windowLogRange(ZSTD_MIN_WINDOW_LOG, ZSTD_MAX_WINDOW_LOG);
      break;
    case "snappy":
      windowLog = failIfSeen("snappy");
      break;
  }
  runOptionsParser(text, [
    { key: "uncompressed", parse: andValue(failIfSeen("window_log"), emptyValue(() => setLevel(0))) },
    {
      key: "brotli",
      parse: orValue(
        emptyValue(() => setLevel(BROTLI_DEFAULT_LEVEL)),
        intValue(BROTLI_MIN_LEVEL, BROTLI_MAX_LEVEL, setLevel),
      ),
    },
    {
      key: "zstd",
      parse: orValue(emptyValue(() => setLevel(ZSTD_DEFAULT_LEVEL)), intValue(ZSTD_MIN_LEVEL, ZSTD_MAX_LEVEL, setLevel)),
    },
    {
      key: "snappy",
      parse: andValue(
        failIfSeen("window_log"),
        orValue(
          emptyValue(() => setLevel(SNAPPY_DEFAULT_LEVEL)),
          intValue(SNAPPY_MIN_LEVEL, SNAPPY_MAX_LEVEL, setLevel),
        ),
      ),
    },
    { key: "window_log", parse: windowLog },
    {
      key: "brotli_encoder",
      parse: enumValue(
        [
          ["rbrotli_or_cbrotli", 0],
          ["cbrotli", 1],
          ["rbrotli", 2],
        ],
        () => {},
      ),
    },
  ]);
}

function compressionFromState(state: CompressorState): Compression {
  switch (state.type) {
    case "uncompressed":
      return { type: "uncompressed" };
    case "brotli":
      return { type: "brotli", level: state.level };
    case "zstd":
      return { type: "zstd", level: state.level };
    case "snappy":
      return state.level === SNAPPY_DEFAULT_LEVEL ? { type: "snappy" } : { type: "snappy", level: state.level };
  }
}

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

/** Decimal text of a uint64 held as a number (`2 ** 64` and above stand for UINT64_MAX). */
function renderUint64(n: number): string {
  return n >= UINT64_MAX_AS_NUMBER ? UINT64_MAX_TEXT : BigInt(n).toString();
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
