/**
 * When a batch read of a local file (`ArrayRecordReader.read(indices)` and `readSync(indices)`,
 * and so a data source's `getMany` and `getManySync`) decodes on the decode workers instead of
 * the calling thread: where each span gives a worker enough to do to pay for its round trip. The
 * workers read the file themselves, verify and decode into buffers they reuse, and copy out the
 * few records of sparse spans; the calling thread's async path reads each span into fresh memory
 * through libuv's pool. A sync batch blocks while the workers decode (parallel-decode.ts
 * `waitSync`) when its chunks are compressed; uncompressed, this thread decodes spans too, with
 * one worker fewer ({@link syncBatchPlan}).
 * Measured here (65,536 records of 1.3 KB, 2 cores): `await reader.read(sample)` against
 * `readParallel(sample, 2)`, 15 alternating reps: group_size:256 zstd:3 (333 KB chunks) 16 / 256 /
 * 2,048 random records 8.7 / 79 / 104 ms on this thread, 5.2 / 46 / 54 ms on 2 workers;
 * group_size:64 zstd:3 (83 KB chunks, most spans one chunk) 256 records 29 vs 33 ms, 2,048
 * (spans of adjacent chunks) 131 vs 68 ms; group_size:1 random records (1.3 KB spans) 3–4x slower
 * on workers at every size. `bench.js --ops getitems_async` (one `getMany(sample)`), this thread
 * vs workers: group_size:256 uncompressed 19–21k vs 74–99k records/s, group_size:1 uncompressed
 * (all records: 1 MiB spans) 424–471k vs 498–522k.
 */

/** Average decoded bytes per span from which a batch's chunks are decoded on the workers. */
export const WORKER_BATCH_MIN_SPAN_BYTES = 256 * 1024;

/**
 * The workers a batch read should decode on, or 0 for this thread: `workers` (from
 * `max_parallelism`) when it is at least 2 and the batch's `spans` decode to at least
 * {@link WORKER_BATCH_MIN_SPAN_BYTES} each on average (`decodedBytes` in all).
 */
export function batchWorkerCount(workers: number, spans: number, decodedBytes: number): number {
  if (workers < 2 || spans === 0) return 0;
  return decodedBytes / spans >= WORKER_BATCH_MIN_SPAN_BYTES ? workers : 0;
}

/**
 * Least ratio of decoded to stored bytes from which a sync batch's spans decode on the workers
 * alone (compressed chunks). `bench/ab.js .bench-build .bench-build+workers OPTIONS batch 12`
 * (one `readSync(sample)` over the 65,536-record bench file, this thread vs 2 workers, median wall
 * ms, session 18): group_size:1 zstd:3 288 vs 165, snappy 135 vs 91, group_size:256 zstd:3 (2,048
 * records) 75 vs 65; uncompressed (ratio ~1) group_size:1 85 vs 92, group_size:256 17 vs 17.
 */
export const SYNC_WORKER_BATCH_MIN_RATIO = 1.25;

/** How a sync batch read decodes: on `workers` decode workers (0: on this thread alone), and whether this thread decodes spans too (`here`). */
export interface SyncBatchPlan {
  readonly workers: number;
  readonly here: boolean;
}

/**
 * How a sync batch read should decode, for `workers` from `max_parallelism`: on this thread alone
 * unless {@link batchWorkerCount} sends the batch to the workers; then compressed spans (decoding
 * to at least {@link SYNC_WORKER_BATCH_MIN_RATIO} times their `storedBytes`) on the workers alone,
 * and others on this thread and one worker fewer: an uncompressed span costs a worker what it
 * costs this thread (a `pread` and a native hash), so the round trip pays only when this thread
 * works meanwhile. Session 20, `ab.js`, one `readSync(sample)`, median wall ms of 15 reps, this
 * thread alone / this thread and 1 worker: group_size:256 uncompressed 18 / 12, group_size:1
 * uncompressed 110 / 91; compressed, 2 workers / this thread and 1 worker (25 reps, both orders):
 * group_size:256 zstd:3 64 / 67 and 64 / 69, group_size:1 zstd:3 197 / 202 and 186 / 191.
 */
export function syncBatchPlan(workers: number, spans: number, decodedBytes: number, storedBytes: number): SyncBatchPlan {
  const count = batchWorkerCount(workers, spans, decodedBytes);
  if (count === 0) return { workers: 0, here: true };
  return decodedBytes >= SYNC_WORKER_BATCH_MIN_RATIO * storedBytes ? { workers: count, here: false } : { workers: count - 1, here: true };
}
