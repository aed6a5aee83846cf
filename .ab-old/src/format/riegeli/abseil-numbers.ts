/**
 * Number parsing as Abseil does it (`absl::SimpleAtoi`, `absl::SimpleAtod`,
 * `absl::StripAsciiWhitespace`): Riegeli's option parser reads every number through these, so
 * which texts are accepted, and how they round, must match them exactly.
 */

/** INT32_MAX. */
export const INT32_MAX = 2147483647;
/** 2^64 as a number: stands for UINT64_MAX (2^64−1), which a double cannot hold. */
export const UINT64_MAX_AS_NUMBER = 2 ** 64;
const UINT64_MAX_TEXT = "18446744073709551615";

/** Decimal text of a uint64 held as a number (`2 ** 64` and above stand for UINT64_MAX). */
export function renderUint64(n: number): string {
  return n >= UINT64_MAX_AS_NUMBER ? UINT64_MAX_TEXT : BigInt(n).toString();
}

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
export function simpleAtoi32(text: string): number | undefined {
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
export function simpleAtod(text: string): number | undefined {
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
