/**
 * fast-check arbitraries for the differential tests against the array-record wheel: record sets
 * (empty set, 0-byte, 1-byte, > 64 KiB, > 1 MiB, text, random bytes, serialized protos) and writer
 * option strings (group_size, uncompressed / zstd / brotli / snappy, window_log,
 * pad_to_block_boundary). Exported so other interop suites (e.g. transposed chunks, issue 12) reuse
 * them with their own option knobs.
 */
import fc from "fast-check";
import { encodeExample } from "../../src/index.js";

/** How to build one record; kept small (a seed and a size) so shrinking and printing stay cheap. */
export type RecordSpec =
  | { kind: "empty" }
  | { kind: "one"; byte: number }
  | { kind: "text"; length: number; seed: number }
  | { kind: "random"; length: number; seed: number }
  | { kind: "proto"; seed: number }
  | { kind: "over64k"; length: number; seed: number }
  | { kind: "over1m"; length: number; seed: number };

const seed = fc.integer({ min: 0, max: 0x7fffffff });

/** One record spec; large records are rare so a case stays fast. */
export const recordSpecArb: fc.Arbitrary<RecordSpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "empty" } as const) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("one" as const), byte: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("text" as const), length: fc.integer({ min: 0, max: 400 }), seed }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("random" as const), length: fc.integer({ min: 0, max: 3000 }), seed }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("proto" as const), seed }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("over64k" as const), length: fc.integer({ min: 65_537, max: 200_000 }), seed }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("over1m" as const), length: fc.integer({ min: 1_048_577, max: 1_300_000 }), seed }) },
);

/**
 * A record set: sometimes empty, usually 1..40 records, sometimes up to 300 small ones (so group
 * sizes span several chunks), rarely a set with two large records.
 */
export const recordSetArb: fc.Arbitrary<RecordSpec[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant([] as RecordSpec[]) },
  { weight: 12, arbitrary: fc.array(recordSpecArb, { minLength: 1, maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant("text" as const), length: fc.integer({ min: 0, max: 60 }), seed }),
        fc.record({ kind: fc.constant("proto" as const), seed }),
        fc.constant({ kind: "empty" } as const),
      ),
      { minLength: 41, maxLength: 300 },
    ),
  },
);

/** Knobs for {@link writerOptionsArb}: extra option items an interop suite wants mixed in. */
export interface WriterOptionsKnobs {
  /** Extra items (e.g. `transpose:true`) appended to each option string; default none. */
  extra?: fc.Arbitrary<string[]>;
}

/** The compression part of an option string, with its window_log when one is set. */
export const compressionArb: fc.Arbitrary<string[]> = fc.oneof(
  fc.constant<string[]>(["uncompressed"]),
  fc.tuple(fc.integer({ min: -20, max: 19 }), fc.option(fc.integer({ min: 10, max: 27 }), { nil: undefined })).map(([level, windowLog]) =>
    windowLog === undefined ? [`zstd:${level}`] : [`zstd:${level}`, `window_log:${windowLog}`],
  ),
  fc.tuple(fc.integer({ min: 0, max: 11 }), fc.option(fc.integer({ min: 10, max: 24 }), { nil: undefined })).map(([level, windowLog]) =>
    windowLog === undefined ? [`brotli:${level}`] : [`brotli:${level}`, `window_log:${windowLog}`],
  ),
  fc.constant<string[]>(["snappy"]),
);

/** A writer option string as a user writes it (items in a random order). */
export function writerOptionsArb(knobs: WriterOptionsKnobs = {}): fc.Arbitrary<string> {
  const groupSize = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 1000 }));
  return fc
    .tuple(groupSize, compressionArb, fc.option(fc.boolean(), { nil: undefined }), knobs.extra ?? fc.constant([] as string[]))
    .chain(([group, compression, pad, extra]) => {
      const items = [
        ...(group === undefined ? [] : [`group_size:${group}`]),
        ...compression,
        ...(pad === undefined ? [] : [`pad_to_block_boundary:${pad}`]),
        ...extra,
      ];
      return fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }).map((order) => order.join(","));
    });
}

/** xorshift32 bytes: cheap enough for megabyte records. */
function pseudoRandomBytes(n: number, seedValue: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seedValue | 0 || 0x9e3779b9;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
    out[i + 1] = (x >>> 8) & 0xff;
    out[i + 2] = (x >>> 16) & 0xff;
    out[i + 3] = (x >>> 24) & 0xff;
  }
  for (; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const WORDS = "the quick brown fox jumps over a lazy dog while records flow through chunks and blocks of riegeli".split(" ");

function textBytes(n: number, seedValue: number): Uint8Array {
  const noise = pseudoRandomBytes(Math.max(1, Math.ceil(n / 3)), seedValue);
  let s = "";
  for (let i = 0; s.length < n; i++) s += WORDS[noise[i % noise.length]! % WORDS.length] + (noise[i % noise.length]! % 7 === 0 ? "\n" : " ");
  return new TextEncoder().encode(s.slice(0, n));
}

function protoBytes(seedValue: number): Uint8Array {
  const r = pseudoRandomBytes(64, seedValue);
  return encodeExample({
    id: { kind: "bytes", values: [`ex-${seedValue}`] },
    label: { kind: "int64", values: [BigInt(r[0]! - 128) * 1_000_000_007n, r[1]!] },
    score: { kind: "float", values: [r[2]! / 7, -r[3]! / 3] },
    blob: { kind: "bytes", values: [r.subarray(4, 4 + (r[4]! % 60))] },
  });
}

/** The bytes of one record spec. */
export function materializeRecord(spec: RecordSpec): Uint8Array {
  switch (spec.kind) {
    case "empty":
      return new Uint8Array(0);
    case "one":
      return Uint8Array.of(spec.byte);
    case "text":
      return textBytes(spec.length, spec.seed);
    case "proto":
      return protoBytes(spec.seed);
    case "random":
    case "over64k":
    case "over1m":
      return pseudoRandomBytes(spec.length, spec.seed);
  }
}

/** A short description of a record set for failure messages (sizes, not bytes). */
export function describeRecords(records: readonly Uint8Array[]): string {
  const sizes = records.map((r) => r.length);
  const total = sizes.reduce((a, b) => a + b, 0);
  return `${records.length} records, ${total} bytes, sizes [${sizes.slice(0, 12).join(",")}${sizes.length > 12 ? ",…" : ""}]`;
}
