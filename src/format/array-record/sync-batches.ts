/**
 * Sync batch reads of local files on the decode workers: one reader's `readSync(indices)`, or a
 * data source's `getManySync` over several shards, whose spans then go to the workers as one
 * stream (a shard's batch does not wait for the last span of the shard before it). Whether the
 * workers pay, and whether this thread decodes spans too, is decided for all the batches at once
 * (batch-workers.ts `syncBatchPlan`).
 */
import { syncBatchPlan } from "./batch-workers.js";
import type { PackedRecords } from "./parallel-decode.js";
import { decodeSpansParallelSync, type SyncSpan } from "./parallel-spans.js";

/** One reader's sync batch, prepared (`ArrayRecordReader.prepareSyncBatch`) but not read. */
export interface PreparedSyncBatch {
  /** How many spans it reads, and what they decode to and are stored in (by the footer). */
  readonly spanCount: number;
  readonly decodedBytes: number;
  readonly storedBytes: number;
  /** Whether this thread can decode its spans while the workers decode others (not for a mapped file). */
  readonly canDecodeHere: boolean;
  /** The batch read on this thread alone. */
  readHere(): Uint8Array[];
  /** The batch as work for the workers and, where the plan says, this thread. */
  onWorkers(): SyncBatchJob;
}

/** A prepared batch's spans for the workers, and where their records go. */
export interface SyncBatchJob {
  readonly spans: readonly SyncSpan[];
  /** The records in the order asked for, complete once every span is consumed or decoded here. */
  readonly out: Uint8Array[];
  /** Takes span s's records from a worker's answer into `out`. */
  consume(s: number, records: PackedRecords): void;
  /** Decodes span s on this thread into `out`. */
  decodeHere(s: number): void;
}

/**
 * Reads prepared batches (each one reader's), on `workers` decode workers (from `max_parallelism`)
 * where their spans pay for the round trips, else each on this thread; their records, batch by
 * batch.
 */
export function readSyncBatches(batches: readonly PreparedSyncBatch[], workers: number): Uint8Array[][] {
  let spans = 0;
  let decoded = 0;
  let stored = 0;
  for (const batch of batches) {
    spans += batch.spanCount;
    decoded += batch.decodedBytes;
    stored += batch.storedBytes;
  }
  const plan = syncBatchPlan(workers, spans, decoded, stored);
  if (plan.workers === 0 || (plan.here && !batches.every((batch) => batch.canDecodeHere))) return batches.map((batch) => batch.readHere());
  const jobs = batches.map((batch) => batch.onWorkers());
  /** For each span of the run: its job, and its index within the job. */
  const owners = jobs.flatMap((job) => job.spans.map((_, s) => ({ job, s })));
  decodeSpansParallelSync(
    jobs.flatMap((job) => job.spans),
    plan.workers,
    (g, records) => owners[g]!.job.consume(owners[g]!.s, records),
    plan.here ? (g) => owners[g]!.job.decodeHere(owners[g]!.s) : undefined,
  );
  return jobs.map((job) => job.out);
}
