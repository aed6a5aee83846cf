import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArrayRecordError } from "../../../src/format/errors.js";
import {
  DEFAULT_READER_OPTIONS,
  DEFAULT_WRITER_OPTIONS,
  effectiveWriterParallelism,
  parseReaderOptions,
  parseWriterOptions,
  writerOptionsToString,
  type Compression,
  type WriterOptions,
} from "../../../src/format/array-record/options.js";

const DEFAULT_STRING = "group_size:1,transpose:false,pad_to_block_boundary:false,zstd:3,window_log:20,max_parallelism:1";
const WRITER_KEYS =
  "default, group_size, max_parallelism, saturation_delay_ms, transpose, transpose_bucket_size, " +
  "uncompressed, brotli, zstd, snappy, window_log, pad_to_block_boundary";
const UINT64_MAX = 2 ** 64; // how the API holds 2^64-1

/** The error `fn` throws, checked to be an INVALID_OPTIONS ArrayRecordError. */
function optionsError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ArrayRecordError);
    expect((e as ArrayRecordError).code).toBe("INVALID_OPTIONS");
    return (e as ArrayRecordError).message;
  }
  throw new Error("expected an INVALID_OPTIONS error");
}
const writerError = (text: string): string => optionsError(() => parseWriterOptions(text));
const readerError = (text: string): string => optionsError(() => parseReaderOptions(text));
const render = (text: string): string => writerOptionsToString(parseWriterOptions(text), 1);

describe("writer defaults", () => {
  it("empty text gives the defaults", () => {
    const o = parseWriterOptions("");
    expect(o).toEqual({
      groupSize: 1,
      maxParallelism: "auto",
      saturationDelayMs: 10,
      compression: { type: "zstd", level: 3 },
      windowLog: 20,
      transpose: false,
      transposeBucketSize: 256,
      padToBlockBoundary: false,
    });
    expect(o).toEqual(DEFAULT_WRITER_OPTIONS);
    expect(writerOptionsToString(DEFAULT_WRITER_OPTIONS, 1)).toBe(DEFAULT_STRING);
  });
  it("DEFAULT_WRITER_OPTIONS is frozen and parse results are fresh", () => {
    expect(Object.isFrozen(DEFAULT_WRITER_OPTIONS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_WRITER_OPTIONS.compression)).toBe(true);
    const a = parseWriterOptions("");
    a.groupSize = 9;
    expect(parseWriterOptions("").groupSize).toBe(1);
  });
  it("max_parallelism prints the effective value", () => {
    expect(writerOptionsToString(parseWriterOptions("max_parallelism:8"), 3)).toBe(
      "group_size:1,transpose:false,pad_to_block_boundary:false,zstd:3,window_log:20,max_parallelism:3",
    );
    expect(effectiveWriterParallelism(parseWriterOptions("max_parallelism:8"))).toBe(1);
    expect(effectiveWriterParallelism(parseWriterOptions("max_parallelism:8"), 4)).toBe(4);
    expect(effectiveWriterParallelism(parseWriterOptions("max_parallelism:2"), 4)).toBe(2);
    expect(effectiveWriterParallelism(parseWriterOptions("max_parallelism:auto"), 6)).toBe(6);
  });
});

describe("grammar", () => {
  it("skips empty items", () => {
    for (const t of [",", ",,", ",,,", ",group_size:2,,", "group_size:2,", ",group_size:2"]) {
      expect(parseWriterOptions(t).groupSize).toBe(t.includes("2") ? 2 : 1);
    }
  });
  it("rejects unknown keys, listing the valid ones", () => {
    expect(writerError("foo")).toBe(`Unknown option foo, valid options: ${WRITER_KEYS}`);
    expect(writerError("foo:1")).toBe(`Unknown option foo, valid options: ${WRITER_KEYS}`);
    expect(writerError(":1")).toBe(`Unknown option , valid options: ${WRITER_KEYS}`);
    expect(writerError(" group_size:1")).toContain("Unknown option  group_size,");
    expect(writerError("group_size :1")).toContain("Unknown option group_size ,");
    expect(writerError("GROUP_SIZE:1")).toContain("Unknown option GROUP_SIZE,");
    expect(writerError("brotli_encoder:cbrotli")).toContain("Unknown option brotli_encoder,");
    expect(writerError("readahead_buffer_size:0")).toContain("Unknown option readahead_buffer_size,");
  });
  it("rejects duplicate keys", () => {
    expect(writerError("group_size:1,group_size:2")).toBe("Option group_size is present more than once");
    expect(writerError("group_size:1,group_size:1")).toBe("Option group_size is present more than once");
    expect(writerError("zstd,zstd:5")).toBe("Option zstd is present more than once");
    expect(writerError("transpose,transpose")).toBe("Option transpose is present more than once");
    expect(writerError("window_log:20,zstd,window_log:20")).toBe("Option window_log is present more than once");
  });
  it("splits key and value at the first colon only", () => {
    expect(writerError("group_size:1:2")).toBe(
      "Option group_size: invalid value: 1:2, valid values: integers in the range [1..2147483647]",
    );
    expect(writerError("zstd:1:2")).toBe(
      "Option zstd: invalid value: 1:2, valid values: (empty), integers in the range [-131072..22]",
    );
  });
  it("handles `default`", () => {
    expect(parseWriterOptions("default")).toEqual(DEFAULT_WRITER_OPTIONS);
    expect(parseWriterOptions(",default,")).toEqual(DEFAULT_WRITER_OPTIONS);
    expect(parseWriterOptions("default:anything")).toEqual(DEFAULT_WRITER_OPTIONS);
    expect(parseWriterOptions("default,group_size:5").groupSize).toBe(5);
    expect(render("default,uncompressed")).toBe(
      "group_size:1,transpose:false,pad_to_block_boundary:false,uncompressed,max_parallelism:1",
    );
    expect(writerError("group_size:5,default")).toBe("Option default must be first");
    expect(writerError("zstd,default")).toBe("Option default must be first");
    expect(writerError("default,default")).toBe("Option default is present more than once");
  });
});

describe("integer values (absl::SimpleAtoi)", () => {
  const g = (v: string): number => parseWriterOptions(`group_size:${v}`).groupSize;
  const bad = (v: string): string => writerError(`group_size:${v}`);
  const range = "valid values: integers in the range [1..2147483647]";
  it("accepts the range 1..2^31-1", () => {
    expect(g("1")).toBe(1);
    expect(g("2147483647")).toBe(2147483647);
    expect(bad("0")).toBe(`Option group_size: invalid value: 0, ${range}`);
    expect(bad("2147483648")).toBe(`Option group_size: invalid value: 2147483648, ${range}`);
    expect(bad("-1")).toBe(`Option group_size: invalid value: -1, ${range}`);
    expect(bad("99999999999999999999")).toContain("invalid value: 99999999999999999999");
    expect(bad("-0")).toContain("invalid value: -0,");
  });
  it("accepts a sign, surrounding ASCII whitespace and leading zeros", () => {
    expect(g("+1")).toBe(1);
    expect(g(" 1")).toBe(1);
    expect(g("1 ")).toBe(1);
    expect(g("\t\n\v\f\r 7 \r\n")).toBe(7);
    expect(g("01")).toBe(1);
    expect(g("000000000000000000000000007")).toBe(7);
    expect(g("+0002147483647")).toBe(2147483647);
  });
  it("rejects everything else", () => {
    expect(bad("")).toBe(`Option group_size: invalid value: (empty), ${range}`);
    expect(writerError("group_size")).toBe(`Option group_size: invalid value: (empty), ${range}`);
    for (const v of ["abc", "1.5", "1.0", "1e3", "0x10", "+", "-", "+-1", "-+1", "- 1", "1 2", "1_000", "\u00a01", "1\u00a0", " ", "１"]) {
      expect(bad(v), v).toContain(range);
    }
  });
  it("max_parallelism and saturation_delay_ms", () => {
    expect(parseWriterOptions("max_parallelism:auto").maxParallelism).toBe("auto");
    expect(parseWriterOptions("max_parallelism:1").maxParallelism).toBe(1);
    expect(parseWriterOptions("max_parallelism: 16").maxParallelism).toBe(16);
    expect(parseWriterOptions("max_parallelism:2147483647").maxParallelism).toBe(2147483647);
    expect(writerError("max_parallelism:0")).toBe(
      "Option max_parallelism: invalid value: 0, valid values: auto, integers in the range [1..2147483647]",
    );
    expect(writerError("max_parallelism:AUTO")).toContain("valid values: auto, integers");
    expect(writerError("max_parallelism")).toContain("invalid value: (empty)");
    expect(parseWriterOptions("saturation_delay_ms:1").saturationDelayMs).toBe(1);
    expect(parseWriterOptions("saturation_delay_ms:2147483647").saturationDelayMs).toBe(2147483647);
    expect(writerError("saturation_delay_ms:0")).toBe(
      "Option saturation_delay_ms: invalid value: 0, valid values: integers in the range [1..2147483647]",
    );
    // Neither is part of the canonical string.
    expect(render("saturation_delay_ms:99,max_parallelism:7")).toBe(DEFAULT_STRING);
  });
  it("property: any int32 is accepted as group_size iff >= 1, in any decimal spelling", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.constantFrom("", "+", "0", "00"),
        fc.constantFrom("", " ", "\t"),
        (n, prefix, space) => {
          const text = n < 0 ? `${space}-${prefix.replace("+", "")}${-n}${space}` : `${space}${prefix}${n}${space}`;
          if (n >= 1) expect(g(text)).toBe(n);
          else expect(bad(text)).toContain(range);
        },
      ),
    );
  });
});

describe("booleans", () => {
  it("transpose: empty means true", () => {
    expect(parseWriterOptions("transpose").transpose).toBe(true);
    expect(parseWriterOptions("transpose:").transpose).toBe(true);
    expect(parseWriterOptions("transpose:true").transpose).toBe(true);
    expect(parseWriterOptions("transpose:false").transpose).toBe(false);
    expect(writerError("transpose:TRUE")).toBe(
      "Option transpose: invalid value: TRUE, valid values: (empty), true, false",
    );
    expect(writerError("transpose:1")).toContain("valid values: (empty), true, false");
    expect(writerError("transpose: true")).toContain("invalid value:  true,");
  });
  it("pad_to_block_boundary: empty means false", () => {
    expect(parseWriterOptions("pad_to_block_boundary").padToBlockBoundary).toBe(false);
    expect(parseWriterOptions("pad_to_block_boundary:").padToBlockBoundary).toBe(false);
    expect(parseWriterOptions("pad_to_block_boundary:true").padToBlockBoundary).toBe(true);
    expect(parseWriterOptions("pad_to_block_boundary:false").padToBlockBoundary).toBe(false);
    expect(writerError("pad_to_block_boundary:yes")).toBe(
      "Option pad_to_block_boundary: invalid value: yes, valid values: (empty), true, false",
    );
  });
  it("transpose_bucket_size is printed only when transposing", () => {
    expect(render("transpose_bucket_size:1k")).toBe(DEFAULT_STRING);
    expect(render("transpose,transpose_bucket_size:1k")).toBe(
      "group_size:1,transpose:true,pad_to_block_boundary:false,transpose_bucket_size:1024,zstd:3,window_log:20,max_parallelism:1",
    );
  });
});

describe("transpose_bucket_size (Riegeli Bytes: absl::SimpleAtod + suffix)", () => {
  const b = (v: string): number => parseWriterOptions(`transpose_bucket_size:${v}`).transposeBucketSize;
  const bad = (v: string): string => writerError(`transpose_bucket_size:${v}`);
  const printed = (v: string): string =>
    /transpose_bucket_size:(\d+)/.exec(render(`transpose,transpose_bucket_size:${v}`))?.[1] ?? "";
  const valid =
    "valid values: auto, integers expressed as reals with optional suffix [BkKMGTPE], in the range [1..18446744073709551615]";
  it("auto and plain integers", () => {
    expect(b("auto")).toBe(256);
    expect(b("1")).toBe(1);
    expect(b("256")).toBe(256);
    expect(b("000123")).toBe(123);
    expect(bad("0")).toBe(`Option transpose_bucket_size: invalid value: 0, ${valid}`);
    expect(bad("")).toBe(`Option transpose_bucket_size: invalid value: (empty), ${valid}`);
    expect(writerError("transpose_bucket_size")).toBe(`Option transpose_bucket_size: invalid value: (empty), ${valid}`);
  });
  it("suffixes are binary multiples and only the last character counts", () => {
    expect(b("1B")).toBe(1);
    expect(b("1k")).toBe(1024);
    expect(b("1K")).toBe(1024);
    expect(b("1M")).toBe(2 ** 20);
    expect(b("1G")).toBe(2 ** 30);
    expect(b("1T")).toBe(2 ** 40);
    expect(b("1P")).toBe(2 ** 50);
    expect(b("1E")).toBe(2 ** 60);
    expect(b("3.5M")).toBe(3.5 * 2 ** 20);
    for (const v of ["B", "k", "1m", "1g", "1KB", "1KiB", "1b", "1 kb", "1k "]) expect(bad(v), v).toContain(valid);
    expect(b(" 1k")).toBe(1024);
    expect(b("1 k")).toBe(1024); // the suffix is cut first, then whitespace around the number is allowed
    expect(b("+1k")).toBe(1024);
  });
  it("fractions round half away from zero", () => {
    expect(b("1.5")).toBe(2);
    expect(b("2.5")).toBe(3);
    expect(b("0.5")).toBe(1);
    expect(b("1.4999")).toBe(1);
    expect(b("0.0009765625k")).toBe(1);
    expect(b("1.5k")).toBe(1536);
    expect(b(".5k")).toBe(512);
    expect(b("5.k")).toBe(5120);
    expect(bad("0.4")).toContain(valid);
    expect(bad("0.0001k")).toContain(valid);
  });
  it("decimal exponents, hex floats, inf and nan", () => {
    expect(b("1e3")).toBe(1000);
    expect(b("1E3")).toBe(1000);
    expect(b("1e+3")).toBe(1000);
    expect(b("25e-1")).toBe(3);
    expect(b("1e0000000003")).toBe(1000);
    expect(b("1.e3")).toBe(1000);
    expect(bad("1e")).toContain(valid); // 'e' is not a suffix; "1e" is not a full number
    expect(bad("1e+")).toContain(valid);
    expect(b("1.5e1k")).toBe(15 * 1024);
    // absl::from_chars reads hexadecimal floats after 0x
    expect(b("0x100")).toBe(256);
    expect(b("0X1p10")).toBe(1024);
    expect(b("0x1.8p1")).toBe(3);
    expect(b("0x.8")).toBe(1);
    expect(b("0x1e3")).toBe(0x1e3); // e is a hex digit
    expect(b("0x1E")).toBe(2 ** 60); // E is the suffix: 0x1 exa
    expect(b("0x1B")).toBe(1);
    expect(b("0x1p-1")).toBe(1);
    for (const v of ["0x", "0xg", "0x.", "0x1p", "0xinf", "0x1P+", ".", "1.2.3", "1_000", "0b1", "0o7", "--1", "+-1", "-+1", "١"]) {
      expect(bad(v), v).toContain(valid);
    }
    expect(printed("inf")).toBe("18446744073709551615");
    expect(b("inf")).toBe(UINT64_MAX);
    expect(b("INF")).toBe(UINT64_MAX);
    expect(b("Infinity")).toBe(UINT64_MAX);
    expect(b("+infinity")).toBe(UINT64_MAX);
    expect(bad("infinit")).toContain(valid);
    expect(bad("infinityy")).toContain(valid);
    expect(bad("nan")).toContain(valid);
    expect(bad("NaN(123)")).toContain(valid);
    expect(bad("-inf")).toContain(valid);
    expect(bad("-1")).toContain(valid);
    expect(bad("-0")).toContain(valid); // -0 passes the sign check but rounds to 0 < 1
    expect(bad("1e-400")).toContain(valid);
    expect(b("1e400")).toBe(UINT64_MAX);
    expect(b("0x1p99999999999")).toBe(UINT64_MAX);
    expect(bad("0x1p-99999999999")).toContain(valid);
  });
  it("large values print as exact uint64 and saturate at 2^64-1", () => {
    expect(printed("1E")).toBe("1152921504606846976");
    expect(printed("1152921504606846976")).toBe("1152921504606846976");
    expect(printed("15.999999999999998E")).toBe("18446744073709549568");
    expect(printed("18446744073709549568")).toBe("18446744073709549568");
    expect(printed("18446744073709551615")).toBe("18446744073709551615"); // rounds to 2^64 as a double
    expect(printed("16E")).toBe("18446744073709551615");
    expect(printed("1e30")).toBe("18446744073709551615");
    expect(printed("9007199254740993")).toBe("9007199254740992"); // nearest double
    expect(printed("123456789012345678901234567890e-12")).toBe("123456789012345680");
    expect(printed("12345678901234567890")).toBe("12345678901234567168"); // nearest double, printed exactly
    expect(printed("123456789012345678901")).toBe("18446744073709551615"); // above 2^64
    // the printed saturated value parses back to itself
    expect(printed(printed("inf"))).toBe("18446744073709551615");
  });
  it("property: any safe integer round-trips, also with a k suffix", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(b(String(n))).toBe(n);
        expect(printed(String(n))).toBe(String(n));
        if (n * 1024 <= Number.MAX_SAFE_INTEGER) expect(b(`${n}k`)).toBe(n * 1024);
      }),
    );
  });
  it("property: a decimal real rounds like Math.round", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 1e15, noNaN: true }), (d) => {
        expect(b(String(d))).toBe(Math.round(d));
      }),
    );
  });
});

describe("compression", () => {
  const c = (text: string): Compression => parseWriterOptions(text).compression;
  const w = (text: string): number | undefined => parseWriterOptions(text).windowLog;
  it("uncompressed", () => {
    expect(c("uncompressed")).toEqual({ type: "uncompressed" });
    expect(c("uncompressed:")).toEqual({ type: "uncompressed" });
    expect(w("uncompressed")).toBeUndefined();
    expect(writerError("uncompressed:0")).toBe("Option uncompressed: invalid value: 0, valid values: (empty)");
  });
  it("zstd levels -131072..22, default 3, level 0 kept as 0", () => {
    expect(c("zstd")).toEqual({ type: "zstd", level: 3 });
    expect(c("zstd:")).toEqual({ type: "zstd", level: 3 });
    expect(c("zstd:-131072")).toEqual({ type: "zstd", level: -131072 });
    expect(c("zstd:22")).toEqual({ type: "zstd", level: 22 });
    expect(c("zstd:0")).toEqual({ type: "zstd", level: 0 });
    expect(c("zstd:+5")).toEqual({ type: "zstd", level: 5 });
    expect(c("zstd: -5")).toEqual({ type: "zstd", level: -5 });
    expect(c("zstd:007")).toEqual({ type: "zstd", level: 7 });
    expect(render("zstd:0")).toBe(
      "group_size:1,transpose:false,pad_to_block_boundary:false,zstd:0,window_log:20,max_parallelism:1",
    );
    expect(render("zstd:-131072")).toContain(",zstd:-131072,window_log:20,");
    const valid = "valid values: (empty), integers in the range [-131072..22]";
    expect(writerError("zstd:-131073")).toBe(`Option zstd: invalid value: -131073, ${valid}`);
    expect(writerError("zstd:23")).toBe(`Option zstd: invalid value: 23, ${valid}`);
    expect(writerError("zstd:1e3")).toBe(`Option zstd: invalid value: 1e3, ${valid}`);
    expect(writerError("zstd:3.0")).toContain(valid);
  });
  it("brotli levels 0..11, default 6, window_log not printed unless given", () => {
    expect(c("brotli")).toEqual({ type: "brotli", level: 6 });
    expect(c("brotli:0")).toEqual({ type: "brotli", level: 0 });
    expect(c("brotli:11")).toEqual({ type: "brotli", level: 11 });
    expect(w("brotli")).toBeUndefined();
    expect(render("brotli")).toBe("group_size:1,transpose:false,pad_to_block_boundary:false,brotli:6,max_parallelism:1");
    const valid = "valid values: (empty), integers in the range [0..11]";
    expect(writerError("brotli:12")).toBe(`Option brotli: invalid value: 12, ${valid}`);
    expect(writerError("brotli:-1")).toBe(`Option brotli: invalid value: -1, ${valid}`);
  });
  it("snappy levels 1..2 are accepted but never printed", () => {
    expect(c("snappy")).toEqual({ type: "snappy" });
    expect(c("snappy:1")).toEqual({ type: "snappy" });
    expect(c("snappy:2")).toEqual({ type: "snappy", level: 2 });
    expect(render("snappy:2")).toBe("group_size:1,transpose:false,pad_to_block_boundary:false,snappy,max_parallelism:1");
    const valid = "valid values: (empty), integers in the range [1..2]";
    expect(writerError("snappy:0")).toBe(`Option snappy: invalid value: 0, ${valid}`);
    expect(writerError("snappy:3")).toBe(`Option snappy: invalid value: 3, ${valid}`);
  });
  it("two compressions at once are a conflict", () => {
    expect(writerError("zstd,brotli")).toBe("Option brotli conflicts with option zstd");
    expect(writerError("brotli,zstd")).toBe("Option zstd conflicts with option brotli");
    expect(writerError("uncompressed,snappy")).toBe("Option snappy conflicts with option uncompressed");
    expect(writerError("snappy,uncompressed")).toBe("Option uncompressed conflicts with option snappy");
    expect(writerError("brotli,snappy,zstd")).toBe("Option snappy conflicts with option brotli");
    // Conflicts are found after the whole text passed the first parser.
    expect(writerError("zstd,brotli,group_size:0")).toContain("Option group_size: invalid value: 0");
  });
  it("window_log for zstd: 10..31, auto and absence both give ArrayRecord's 20", () => {
    expect(w("zstd")).toBe(20);
    expect(w("zstd,window_log:auto")).toBe(20);
    expect(w("zstd,window_log:10")).toBe(10);
    expect(w("zstd,window_log:31")).toBe(31);
    expect(w("window_log:31,zstd:1")).toBe(31); // order does not matter
    expect(w("window_log: 25")).toBe(25);
    const valid = "valid values: auto, integers in the range [10..31]";
    expect(writerError("zstd,window_log:9")).toBe(`Option window_log: invalid value: 9, ${valid}`);
    expect(writerError("zstd,window_log:32")).toBe(`Option window_log: invalid value: 32, ${valid}`);
    expect(writerError("zstd,window_log")).toBe(`Option window_log: invalid value: (empty), ${valid}`);
    expect(render("zstd:5,window_log:31")).toBe(
      "group_size:1,transpose:false,pad_to_block_boundary:false,zstd:5,window_log:31,max_parallelism:1",
    );
  });
  it("window_log without a compressor applies to the default zstd:3", () => {
    expect(render("window_log:24")).toBe(
      "group_size:1,transpose:false,pad_to_block_boundary:false,zstd:3,window_log:24,max_parallelism:1",
    );
    expect(render("window_log:auto")).toBe(DEFAULT_STRING);
    expect(writerError("window_log:zstd")).toBe(
      "Option window_log: invalid value: zstd, valid values: auto, integers in the range [10..31]",
    );
  });
  it("window_log for brotli: 10..30 or auto (not printed)", () => {
    expect(w("brotli,window_log:10")).toBe(10);
    expect(w("brotli,window_log:30")).toBe(30);
    expect(w("window_log:22,brotli")).toBe(22);
    expect(w("brotli,window_log:auto")).toBeUndefined();
    expect(render("brotli:9,window_log:30")).toBe(
      "group_size:1,transpose:false,pad_to_block_boundary:false,brotli:9,window_log:30,max_parallelism:1",
    );
    expect(render("brotli,window_log:auto")).toBe(
      "group_size:1,transpose:false,pad_to_block_boundary:false,brotli:6,max_parallelism:1",
    );
    const valid = "valid values: auto, integers in the range [10..30]";
    expect(writerError("brotli,window_log:9")).toBe(`Option window_log: invalid value: 9, ${valid}`);
    expect(writerError("brotli,window_log:31")).toBe(`Option window_log: invalid value: 31, ${valid}`);
  });
  it("window_log with uncompressed or snappy is rejected, whatever its value", () => {
    for (const codec of ["uncompressed", "snappy"]) {
      for (const value of ["20", "auto", "junk", ""]) {
        const item = value === "" ? "window_log" : `window_log:${value}`;
        expect(writerError(`${codec},${item}`)).toBe(`Option window_log conflicts with option ${codec}`);
        expect(writerError(`${item},${codec}`)).toBe(`Option ${codec} conflicts with option window_log`);
      }
    }
  });
});

describe("reader options", () => {
  const READER_KEYS = "max_parallelism, readahead_buffer_size, index_storage_option";
  it("defaults", () => {
    expect(parseReaderOptions("")).toEqual({ readaheadBufferSize: 0, maxParallelism: "auto", indexStorageOption: "in_memory" });
    expect(parseReaderOptions(",,")).toEqual(DEFAULT_READER_OPTIONS);
  });
  it("readahead_buffer_size: auto (=0) or bytes 0..1 GiB", () => {
    const r = (v: string): number => parseReaderOptions(`readahead_buffer_size:${v}`).readaheadBufferSize;
    expect(r("auto")).toBe(0);
    expect(r("0")).toBe(0);
    expect(Object.is(r("-0"), 0)).toBe(true);
    expect(r("0.4")).toBe(0);
    expect(r("16M")).toBe(16 * 2 ** 20);
    expect(r("1G")).toBe(2 ** 30);
    expect(r("1073741824")).toBe(2 ** 30);
    expect(r("0.5G")).toBe(2 ** 29);
    expect(r(" 4k")).toBe(4096);
    expect(r("0x10k")).toBe(16384);
    const valid =
      "valid values: auto, integers expressed as reals with optional suffix [BkKMGTPE], in the range [0..1073741824]";
    expect(readerError("readahead_buffer_size:1073741825")).toBe(
      `Option readahead_buffer_size: invalid value: 1073741825, ${valid}`,
    );
    for (const v of ["1.0000001G", "2G", "1T", "inf", "-1", "nan", "", "16MB", "x"]) {
      expect(readerError(`readahead_buffer_size:${v}`), v).toContain(valid);
    }
    expect(readerError("readahead_buffer_size")).toBe(`Option readahead_buffer_size: invalid value: (empty), ${valid}`);
  });
  it("max_parallelism: auto or 0..2^31-1", () => {
    const m = (v: string): number | "auto" => parseReaderOptions(`max_parallelism:${v}`).maxParallelism;
    expect(m("auto")).toBe("auto");
    expect(m("0")).toBe(0);
    expect(m("+0")).toBe(0);
    expect(m("-0")).toBe(0);
    expect(m("2147483647")).toBe(2147483647);
    expect(m(" 8 ")).toBe(8);
    const valid = "valid values: auto, integers in the range [0..2147483647]";
    expect(readerError("max_parallelism:-1")).toBe(`Option max_parallelism: invalid value: -1, ${valid}`);
    expect(readerError("max_parallelism:2147483648")).toBe(`Option max_parallelism: invalid value: 2147483648, ${valid}`);
    expect(readerError("max_parallelism:1.0")).toContain(valid);
  });
  it("index_storage_option: empty/in_memory or offloaded", () => {
    const i = (t: string): string => parseReaderOptions(t).indexStorageOption;
    expect(i("index_storage_option")).toBe("in_memory");
    expect(i("index_storage_option:")).toBe("in_memory");
    expect(i("index_storage_option:in_memory")).toBe("in_memory");
    expect(i("index_storage_option:offloaded")).toBe("offloaded");
    expect(readerError("index_storage_option:OFFLOADED")).toBe(
      "Option index_storage_option: invalid value: OFFLOADED, valid values: (empty), in_memory, offloaded",
    );
  });
  it("grammar: unknown keys, duplicates, no `default`", () => {
    expect(readerError("default")).toBe(`Unknown option default, valid options: ${READER_KEYS}`);
    expect(readerError("group_size:1")).toBe(`Unknown option group_size, valid options: ${READER_KEYS}`);
    expect(readerError("max_parallelism:1,max_parallelism:1")).toBe("Option max_parallelism is present more than once");
    expect(
      parseReaderOptions(",readahead_buffer_size:1M,,max_parallelism:0,index_storage_option:offloaded,"),
    ).toEqual({ readaheadBufferSize: 2 ** 20, maxParallelism: 0, indexStorageOption: "offloaded" });
  });
  it("property: generated reader texts parse to the generated values", () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 0, max: 2 ** 30 })),
        fc.option(fc.oneof(fc.constant("auto" as const), fc.integer({ min: 0, max: 2 ** 31 - 1 }))),
        fc.option(fc.constantFrom("in_memory" as const, "offloaded" as const)),
        (readahead, par, index) => {
          const items: string[] = [];
          if (readahead !== null) items.push(`readahead_buffer_size:${readahead}`);
          if (par !== null) items.push(`max_parallelism:${par}`);
          if (index !== null) items.push(`index_storage_option:${index}`);
          expect(parseReaderOptions(items.join(","))).toEqual({
            readaheadBufferSize: readahead ?? 0,
            maxParallelism: par ?? "auto",
            indexStorageOption: index ?? "in_memory",
          });
        },
      ),
    );
  });
});

describe("rendering", () => {
  it("rejects option objects C++ could not hold", () => {
    const bad = (patch: Partial<WriterOptions>): string =>
      optionsError(() => writerOptionsToString({ ...DEFAULT_WRITER_OPTIONS, ...patch }, 1));
    expect(bad({ groupSize: 0 })).toContain("groupSize");
    expect(bad({ groupSize: 1.5 })).toContain("groupSize");
    expect(bad({ compression: { type: "zstd", level: 23 } })).toContain("compression.level");
    expect(bad({ compression: { type: "uncompressed" }, windowLog: 20 })).toContain("windowLog");
    expect(bad({ compression: { type: "snappy" }, windowLog: 20 })).toContain("windowLog");
    expect(bad({ compression: { type: "brotli", level: 6 }, windowLog: 31 })).toContain("windowLog");
    expect(bad({ transposeBucketSize: 0 })).toContain("transposeBucketSize");
    expect(optionsError(() => writerOptionsToString(DEFAULT_WRITER_OPTIONS, 1.5))).toContain("max_parallelism");
  });
  it("zstd without window_log (C++ API default object) prints no window_log", () => {
    expect(writerOptionsToString({ ...DEFAULT_WRITER_OPTIONS, windowLog: undefined }, 1)).toBe(
      "group_size:1,transpose:false,pad_to_block_boundary:false,zstd:3,max_parallelism:1",
    );
  });
});

const compressionArb: fc.Arbitrary<{ compression: Compression; windowLog: number | undefined }> = fc.oneof(
  fc.constant({ compression: { type: "uncompressed" } as Compression, windowLog: undefined }),
  fc.constant({ compression: { type: "snappy" } as Compression, windowLog: undefined }),
  fc.record({
    compression: fc.integer({ min: 0, max: 11 }).map((level): Compression => ({ type: "brotli", level })),
    windowLog: fc.option(fc.integer({ min: 10, max: 30 }), { nil: undefined }),
  }),
  fc.record({
    compression: fc.integer({ min: -131072, max: 22 }).map((level): Compression => ({ type: "zstd", level })),
    windowLog: fc.integer({ min: 10, max: 31 }),
  }),
);

/** Options as parse would produce them (zstd always has a window log; snappy has the default level). */
const writerOptionsArb: fc.Arbitrary<WriterOptions> = fc
  .record({
    groupSize: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    maxParallelism: fc.oneof(fc.constant("auto" as const), fc.integer({ min: 1, max: 2 ** 31 - 1 })),
    saturationDelayMs: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    codec: compressionArb,
    transpose: fc.boolean(),
    transposeBucketSize: fc.oneof(
      fc.integer({ min: 1, max: 1 << 20 }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: 0, max: 63 }).map((e) => 2 ** e),
      fc.constant(UINT64_MAX),
    ),
    padToBlockBoundary: fc.boolean(),
  })
  .map(({ codec, ...rest }) => ({ ...rest, compression: codec.compression, windowLog: codec.windowLog }));

/** What the canonical string records of `o`, written with parallelism `m`. */
function recorded(o: WriterOptions, m: number): unknown {
  return {
    groupSize: o.groupSize,
    maxParallelism: m,
    compression: o.compression,
    windowLog: o.windowLog,
    transpose: o.transpose,
    transposeBucketSize: o.transpose ? o.transposeBucketSize : 256,
    padToBlockBoundary: o.padToBlockBoundary,
  };
}

describe("properties", () => {
  it("rendered options parse back to the same recorded options and re-render identically", () => {
    fc.assert(
      fc.property(writerOptionsArb, fc.integer({ min: 1, max: 2 ** 31 - 1 }), (o, m) => {
        const text = writerOptionsToString(o, m);
        const back = parseWriterOptions(text);
        expect(recorded(back, m)).toEqual(recorded(o, m));
        expect(back.maxParallelism).toBe(m);
        expect(back.saturationDelayMs).toBe(10);
        expect(writerOptionsToString(back, m)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("any text made of option-like pieces either parses (and its rendering is a fixed point) or throws INVALID_OPTIONS", () => {
    const piece = fc.constantFrom(
      "",
      "default",
      "group_size:7",
      "group_size:0",
      "group_size: 3",
      "max_parallelism:auto",
      "max_parallelism:4",
      "saturation_delay_ms:5",
      "transpose",
      "transpose:false",
      "transpose_bucket_size:1.5k",
      "transpose_bucket_size:auto",
      "uncompressed",
      "brotli",
      "brotli:11",
      "zstd",
      "zstd:-5",
      "zstd:0",
      "snappy",
      "snappy:2",
      "window_log:auto",
      "window_log:25",
      "window_log:31",
      "pad_to_block_boundary",
      "pad_to_block_boundary:true",
      "bogus",
      ":",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), fc.integer({ min: 1, max: 64 }), (pieces, m) => {
        const text = pieces.join(",");
        let o: WriterOptions;
        try {
          o = parseWriterOptions(text);
        } catch (e) {
          expect(e).toBeInstanceOf(ArrayRecordError);
          expect((e as ArrayRecordError).code).toBe("INVALID_OPTIONS");
          return;
        }
        const s = writerOptionsToString(o, m);
        expect(render(s).replace(/max_parallelism:\d+$/, "")).toBe(s.replace(/max_parallelism:\d+$/, ""));
        expect(writerOptionsToString(parseWriterOptions(s), m)).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
});
