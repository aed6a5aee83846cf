/**
 * Parallel reads of spans of chunks for `ArrayRecordReader` (`readRangeParallel`, `readParallel`,
 * `forEachParallel`, `forEachAtParallel`, and batches of large spans: `read(indices)`,
 * `readSync(indices)`): spans issued to the shared decode workers
 * (parallel-decode.ts) a few per worker ahead, their records handed over in span order, and for
 * the borrowed visits decoded into reused shared memory (shared-slots.ts).
 */
import type { ByteSource } from "../bytes/byte-source.js";
import type { ByteRange } from "../bytes/io-plan.js";
import { spanChunks, spanDecodedSize, type FileLayout, type SpanChunks } from "./file-layout.js";
import { sharedDecodePool, type PackedRecords } from "./parallel-decode.js";
import { sharedSlotPool } from "./shared-slots.js";

/**
 * Spans in flight per decode worker. Records are handed over in span order, so one slow span
 * stalls the issuing of more: with 2 per worker the workers sat idle 30–40% of a parallel read of
 * 1.3 KB chunks.
 */
const SPANS_PER_WORKER = 4;

/** Largest span (bytes plus decoded size) decoded into reused shared memory; larger ones get memory of their own. */
const MAX_SHARED_SPAN = 16 << 20;

/** What a parallel read needs of its reader. */
export interface SpanReads {
  readonly layout: FileLayout;
  readonly source: ByteSource;
  /** Throws CLOSED once the reader is closed. */
  checkOpen(): void;
  /** Reads a span into a buffer of its own where the source can (transferable to a worker). */
  fetchOwned(range: ByteRange): Promise<{ bytes: Uint8Array; owned: boolean }>;
}

/**
 * Reads spans of adjacent chunks and decodes them on the shared pool's first `workers` workers,
 * keeping SPANS_PER_WORKER spans per worker in flight; hands each span's records to `consume` in
 * span order. With `shared`, the spans are decoded into slots of shared memory (shared-slots.ts)
 * that go back to the pool once `consume` returns: the records are valid only until then.
 */
export async function decodeSpansParallel(
  reader: SpanReads,
  spans: readonly { first: number; last: number; range: ByteRange }[],
  workers: number,
  consume: (s: number, records: PackedRecords) => void,
  { picks, shared = false }: { picks?: readonly (Float64Array | undefined)[]; shared?: boolean } = {},
): Promise<void> {
  const pool = sharedDecodePool();
  const slotPool = sharedSlotPool();
  const file = reader.source.name;
  const decoded: (Promise<PackedRecords> | undefined)[] = [];
  const slots: (SharedArrayBuffer | undefined)[] = [];
  // A local file's workers read (or map) their spans themselves (see DecodePool.decodeFile).
  const fd = reader.source.fileDescriptor?.();
  const mapped = reader.source.mapping !== undefined;
  const issue = (s: number): void => {
    const span = spans[s]!;
    const chunks = spanChunks(reader.layout, span.first, span.last);
    const { position, length } = span.range;
    const pick = picks?.[s];
    // A slot holds the span's bytes, then its decoded records (decode-worker.ts decodeShared).
    // Not for picked records (they come back as a small buffer of their own), a mapped file's
    // (they view the mapping), or a span the footer says decodes to more than MAX_SHARED_SPAN
    // (one huge chunk, or a lying footer): those get memory of their own.
    const size = length + spanDecodedSize(chunks);
    const into = shared && pick === undefined && !mapped && size <= MAX_SHARED_SPAN ? (slots[s] = slotPool.take(size)) : undefined;
    const extra = { pick, into };
    const pending =
      fd !== undefined
        ? pool.decodeFile(fd, position, length, chunks, workers, file, { ...extra, mapped })
        : reader.fetchOwned(span.range).then(({ bytes, owned }) => pool.decode(bytes, position, chunks, workers, file, owned, extra));
    pending.catch(() => {}); // awaited in order below; an early failure must not go unhandled meanwhile
    decoded[s] = pending;
  };
  let issued = 0;
  for (; issued < Math.min(SPANS_PER_WORKER * workers, spans.length); issued++) issue(issued);
  for (let s = 0; s < spans.length; s++) {
    let records: PackedRecords;
    try {
      records = await decoded[s]!;
    } catch (e) {
      reader.checkOpen(); // closed while the span was read or decoded: that, not its symptom (EBADF), is the error
      throw e;
    }
    decoded[s] = undefined;
    reader.checkOpen(); // closed while this span was decoding
    if (issued < spans.length) issue(issued++);
    consume(s, records);
    // Its records visited, no worker writes the slot any more: a later span may. (A failure
    // above leaves the slots of spans still in flight to them and then to the GC.)
    const slot = slots[s];
    if (slot !== undefined) {
      slots[s] = undefined;
      slotPool.give(slot);
    }
  }
}

/** A span of a local file for {@link decodeSpansParallelSync}: what its worker reads and decodes. */
export interface SyncSpan {
  /** The file's descriptor (the workers read it themselves), and its name for errors. */
  readonly fd: number;
  readonly file: string;
  /** Whether the file is mapped (the workers map it too). */
  readonly mapped: boolean;
  readonly position: number;
  readonly length: number;
  readonly chunks: SpanChunks;
  /** The records to copy out (span-relative), or undefined for all. */
  readonly pick: Float64Array | undefined;
}

/**
 * {@link decodeSpansParallel} for a caller that blocks (`readSync(indices)` of local files, one
 * or several: the spans may come from different files): the same spans in flight per worker,
 * sent over the workers' sync channel, each span's records to `consume` in span order. A failed
 * span abandons those still in flight. No shared memory: the records are the caller's.
 *
 * With `onThisThread`, this thread decodes spans too instead of idling: the workers take spans
 * from the front, and whenever the next worker answer is not in yet this thread calls
 * `onThisThread(s)` for the last span nobody has taken (its records are then the callback's to
 * deliver). It keeps about its share of the spans out of the first sends, so a batch of a few
 * spans is split too.
 */
export function decodeSpansParallelSync(
  spans: readonly SyncSpan[],
  workers: number,
  consume: (s: number, records: PackedRecords) => void,
  onThisThread?: (s: number) => void,
): void {
  const pool = sharedDecodePool();
  const ids: number[] = [];
  const issue = (s: number): void => {
    const { fd, position, length, chunks, pick, mapped } = spans[s]!;
    ids[s] = pool.decodeFileSync(fd, position, length, chunks, workers, { pick, mapped });
  };
  /** Spans from `end` on are this thread's; those before it the workers'. */
  let end = spans.length;
  const ownShare = onThisThread === undefined ? 0 : Math.ceil(spans.length / (workers + 1));
  let issued = 0;
  for (; issued < Math.min(SPANS_PER_WORKER * workers, end - ownShare); issued++) issue(issued);
  let s = 0;
  try {
    while (s < end) {
      // Nothing in flight (s === issued) only happens with onThisThread, and then spans are left for it.
      const file = spans[s]!.file;
      let records = onThisThread !== undefined && s < issued ? pool.pollSync(ids[s]!, file) : undefined;
      if (records === undefined && onThisThread !== undefined && issued < end) {
        onThisThread(--end);
        continue;
      }
      records ??= pool.waitSync(ids[s]!, file);
      s++;
      if (issued < end) issue(issued++);
      consume(s - 1, records);
    }
  } catch (e) {
    pool.abandonSync(ids.slice(s, issued));
    throw e;
  }
}

/**
 * Record `i` of a decoded span: a view of its values (`new Uint8Array(buffer, …)`: ~30 ns against
 * 50–110 ns for subarray here, no species lookup), or of the reader's mapping `fileBytes` where the
 * worker verified it in place there (`inFile`).
 */
export function packedRecord({ values, bounds, inFile }: PackedRecords, i: number, fileBytes: ArrayBuffer | undefined): Uint8Array {
  const from = bounds[2 * i]!;
  const length = bounds[2 * i + 1]! - from;
  return inFile !== undefined && inFile[i] === 1 ? new Uint8Array(fileBytes!, from, length) : new Uint8Array(values.buffer, values.byteOffset + from, length);
}
