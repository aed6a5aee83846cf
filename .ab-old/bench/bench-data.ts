/**
 * The data every format benchmark (ours and Google's wheel through `bench:python`) uses: records,
 * the option sets of the issue-14 table, and the fixed seeded permutation random and batch reads
 * sample from.
 */
import { textRecords } from "../test/helpers/generators.js";

/** The option sets of the issue-14 table, in its row order. */
export const OPTION_SETS = [
  "group_size:1,uncompressed",
  "group_size:1,zstd:3",
  "group_size:1,snappy",
  "group_size:256,zstd:3",
  "group_size:256,uncompressed",
];

/** Records read by random and batch reads of files with more than one record per chunk. */
const LARGE_GROUP_SAMPLE = 2048;

/** The benchmark records and how to sample them. */
export interface BenchData {
  records: Uint8Array[];
  totalBytes: number;
  /** A fixed permutation of all record indices (seed 42). */
  order: number[];
  /** The indices random and batch reads visit for `options`: all of {@link order}, or its first 2,048 with groups > 1. */
  sampleFor(options: string): number[];
}

/** `text(1234, n, 1200, 1400)` and its permutation. */
export function benchData(n: number): BenchData {
  const records = packed(textRecords(1234, n, 1200, 1400));
  const order = permutation(n, 42);
  return {
    records,
    totalBytes: records.reduce((s, r) => s + r.length, 0),
    order,
    sampleFor: (options) => (groupSizeOf(options) > 1 ? order.slice(0, Math.min(n, LARGE_GROUP_SAMPLE)) : order),
  };
}

/** The group_size of an options string (C++'s default 1 when absent). */
export function groupSizeOf(options: string): number {
  const m = /(?:^|,)group_size:(\d+)/.exec(options);
  return m ? Number(m[1]) : 1;
}

/** A Fisher–Yates shuffle driven by a 32-bit LCG: fixed across runs and languages. */
export function permutation(count: number, seed: number): number[] {
  const out = Array.from({ length: count }, (_, i) => i);
  let s = seed;
  for (let i = count - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The records as views of one buffer: the same bytes, but one ArrayBuffer instead of 65,536. The
 * harness holds them for the whole run, and every major GC (which the reads' fresh chunk buffers
 * trigger) marked and swept 65,536 array buffers of the harness's own: group_size:256 zstd:3
 * `sequential` took 140/146 ms of CPU per pass with them separate, 82/84 ms packed (bench/cpu.ts,
 * alternating). C++'s and the wheel's harnesses hold theirs outside any tracing GC.
 */
function packed(records: Uint8Array[]): Uint8Array[] {
  const all = new Uint8Array(records.reduce((sum, r) => sum + r.length, 0));
  let at = 0;
  return records.map((r) => {
    all.set(r, at);
    at += r.length;
    return all.subarray(at - r.length, at);
  });
}
