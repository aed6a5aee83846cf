/**
 * The reused buffers of the sync visits (`forEachSync`, `forEachAtSync`, and the sparse spans of
 * `readSync(indices)`), kept for this thread rather than per reader: a data source's batch over
 * many shards reads one span or a few from each shard's reader, often a reader just opened, and
 * a set of its own per reader was a fresh 1 MiB read buffer (and decode buffers) per shard per
 * batch, faulted in afresh and left to the GC.
 */
import type { ReusedBuffers } from "./borrowed-chunks.js";

/** Sets kept while no visit uses them: a visit inside a visit's callback takes a second one. */
const MAX_KEPT_SETS = 2;
/** Kept sets are let go once no visit has given one back for this long. */
const IDLE_RELEASE_MS = 1000;

let kept: ReusedBuffers[] = [];
let idle: ReturnType<typeof setTimeout> | undefined;

/** A set of visit buffers no other visit uses until {@link keepVisitBuffers} gives it back. */
export function takeVisitBuffers(): ReusedBuffers {
  return kept.pop() ?? { read: undefined, decoded: undefined, spanValues: undefined, spanBounds: undefined };
}

/**
 * Gives back a set from {@link takeVisitBuffers} for later visits; its read buffer is dropped
 * when it grew past `maxReadBytes` (a reader's span size: one large chunk grew it).
 */
export function keepVisitBuffers(buffers: ReusedBuffers, maxReadBytes: number): void {
  if ((buffers.read?.length ?? 0) > maxReadBytes) buffers.read = undefined;
  if (kept.length >= MAX_KEPT_SETS) return;
  kept.push(buffers);
  if (idle !== undefined) clearTimeout(idle);
  idle = setTimeout(() => {
    idle = undefined;
    kept = [];
  }, IDLE_RELEASE_MS);
  idle.unref();
}

/** Sets kept (for tests). */
export function keptVisitBufferSets(): number {
  return kept.length;
}
