/**
 * Riegeli's `OptionsParser` (`riegeli/base/options_parser.cc`): the `key:value,key:value` grammar
 * and the value parsers that option sets (compressor, writer, reader options) are built from.
 */

import { ArrayRecordError } from "../errors.js";
import { UINT64_MAX_AS_NUMBER, renderUint64, simpleAtoi32, simpleAtod } from "./abseil-numbers.js";

// ---------------------------------------------------------------------------------------------
// Riegeli OptionsParser

/** A value parser's verdict: `true` accepted, otherwise the descriptions of valid values. */
export type Verdict = true | string[];

/** State a value parser sees: the key, its value, and which keys earlier items set. */
export interface ValueContext {
  readonly key: string;
  readonly value: string;
  readonly seen: ReadonlySet<string>;
}

/** A value parser; it throws {@link ArrayRecordError} itself for conflicts. */
export type ValueParser = (ctx: ValueContext) => Verdict;

export interface OptionDef {
  readonly key: string;
  readonly parse: ValueParser;
}

export function invalidOptions(message: string): ArrayRecordError {
  return new ArrayRecordError("INVALID_OPTIONS", message);
}

/** Riegeli `OptionsParser::FromString`: runs each item's value parser in text order. */
export function runOptionsParser(text: string, options: readonly OptionDef[]): void {
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
export function emptyValue(set: () => void): ValueParser {
  return ({ value }) => {
    if (value !== "") return ["(empty)"];
    set();
    return true;
  };
}

/** `ValueParser::Enum`: one of the listed texts (`""` also matches an absent value). */
export function enumValue<T>(choices: ReadonlyArray<readonly [string, T]>, set: (v: T) => void): ValueParser {
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
export function intValue(min: number, max: number, set: (v: number) => void): ValueParser {
  return ({ value }) => {
    const n = simpleAtoi32(value);
    if (n !== undefined && n >= min && n <= max) {
      set(n);
      return true;
    }
    return [`integers in the range [${min}..${max}]`];
  };
}

export const BYTE_SUFFIX_SCALE: ReadonlyMap<string, number> = new Map([
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
export function parseBytes(text: string): number | undefined {
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
export function bytesValue(min: number, max: number, set: (v: number) => void): ValueParser {
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
export function orValue(...parsers: ValueParser[]): ValueParser {
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
export function andValue(...parsers: ValueParser[]): ValueParser {
  return (ctx) => {
    for (const parse of parsers) {
      const verdict = parse(ctx);
      if (verdict !== true) return verdict;
    }
    return true;
  };
}

/** `ValueParser::FailIfSeen`: a conflict if any of `keys` (checked in order) was set earlier. */
export function failIfSeen(...keys: string[]): ValueParser {
  return ({ key, seen }) => {
    for (const other of keys) {
      if (seen.has(other)) throw invalidOptions(`Option ${key} conflicts with option ${other}`);
    }
    return true;
  };
}

/** `ValueParser::FailIfAnySeen`: a conflict if any option was set earlier. */
export function failIfAnySeen(): ValueParser {
  return ({ key, seen }) => {
    if (seen.size > 0) throw invalidOptions(`Option ${key} must be first`);
    return true;
  };
}

/** `ValueParser::CopyTo`: appends `key[:value]` to a separate options text. */
export function copyTo(target: { text: string }): ValueParser {
  return ({ key, value }) => {
    target.text += (target.text === "" ? "" : ",") + key + (value === "" ? "" : ":" + value);
    return true;
  };
}
