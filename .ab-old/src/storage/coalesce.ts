/** Merging nearby byte ranges into fewer, larger reads (one ranged GET costs far more than a few KiB). */
import type { ByteRange } from "../format/bytes/io-plan.js";

/** A merged read and the requested ranges it serves. */
export interface CoalescedRead extends ByteRange {
  /** Indices (into the request list) of the ranges inside this read. */
  readonly members: number[];
}

/**
 * Groups `ranges` (any order) into reads: ranges whose gap is at most `maxGap` bytes share one read,
 * as long as the read stays within `maxBytes`.
 */
export function coalesceRanges(ranges: readonly ByteRange[], maxGap: number, maxBytes: number): CoalescedRead[] {
  const order = ranges.map((_, k) => k).sort((a, b) => ranges[a]!.position - ranges[b]!.position);
  const out: { position: number; end: number; members: number[] }[] = [];
  for (const k of order) {
    const { position, length } = ranges[k]!;
    const end = position + length;
    const last = out[out.length - 1];
    if (last !== undefined && position - last.end <= maxGap && Math.max(end, last.end) - last.position <= maxBytes) {
      last.end = Math.max(last.end, end);
      last.members.push(k);
    } else {
      out.push({ position, end, members: [k] });
    }
  }
  return out.map((r) => ({ position: r.position, length: r.end - r.position, members: r.members }));
}
