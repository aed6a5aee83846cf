/**
 * `ArrayRecordReader`: random and sequential access to the records of one ArrayRecord file, with
 * a synchronous API (for Beam DoFns and scripts) and an asynchronous one that batches I/O and
 * overlaps it with decoding. Records are views into decoded chunks (no per-record copy).
 */
import { ArrayRecordError } from "../errors.js";
import type { ByteSource } from "../bytes/byte-source.js";
import { openPathSource, openPathSourceSync } from "../bytes/path-openers.js";
import { dataChunkStats, type DataChunkStats } from "./chunk-stats.js";
import { spanChunks, type FileLayout } from "./file-layout.js";
import { openLayoutAsync, openLayoutSync, recoveryOf, type OpenOptions, type RecoveryReport } from "./recovery.js";
import { allocBytes, grownBytes, isFresh, ownedBytes } from "../bytes/slab.js";
import { chunkOrder } from "./batch-order.js";
import { workerCount, type PackedRecords } from "./parallel-decode.js";
import { decodeSpansParallel, packedRecord, type SpanReads } from "./parallel-spans.js";
import { checkFullRead, runAsync, runSync, type ByteRange, type IoPlan } from "../bytes/io-plan.js";
import { parseReaderOptions, type ReaderOptions } from "./options.js";
import { batchWorkerCount } from "./batch-workers.js";
import { readSyncBatches, type PreparedSyncBatch, type SyncBatchJob } from "./sync-batches.js";
import { keepVisitBuffers, takeVisitBuffers } from "./visit-buffers.js";
import { recordAt, type ChunkRecords } from "../riegeli/simple-chunk.js";
import type { FileWindow } from "../riegeli/chunk-reader.js";
import { decodeChunkReusing, decodeSpanReusing, visitChunkRecords, type RecordVisitor, type ReusedBuffers, type VisitedSpan } from "./borrowed-chunks.js";
import { decodeOwnedSpan, decodeReadChunk, nativeRecord, readChunks, visitNativeRecords } from "./native-chunks.js";

/**
 * A batch read copies the records of a span serving at most 1 in this many of the records its
 * chunks hold (and reuses one read buffer for such spans); denser spans are served as views.
 */
const SPARSE_BATCH = 8;

/**
 * One-record reads of chunks longer than this read into a buffer the reader reuses (and copy the
 * record out when it views that buffer) instead of a fresh allocation per chunk: faulting in a new
 * 333 KB buffer for each random record of a group_size:256 file cost more than reading it.
 */
const REUSED_CHUNK_READ_MIN = 64 * 1024;

/** Bytes read per I/O by range and full reads (several adjacent chunks at a time). */
const DEFAULT_SPAN_BYTES = 1 << 20;

/** Where to read from: a path or any {@link ByteSource}. */
export type ReaderInput = string | ByteSource;

/** Reads records of an ArrayRecord file by index, by batches of indices, by range, or in order. */
export class ArrayRecordReader implements Iterable<Uint8Array>, AsyncIterable<Uint8Array> {
  private position = 0;
  private cachedChunk = -1;
  private cached: ChunkRecords | undefined;
  private closed = false;
  private readonly spanBytes: number;
  /** Read buffer reused by sequential and batch reads of spans while no decoded chunk views it (see {@link takeSpanBuffer}). */
  private spanScratch: Uint8Array | undefined;
  /** Read buffer reused by one-record reads of large chunks (see {@link readChunkSync}). */
  private chunkScratch: Uint8Array | undefined;
  /** Whether {@link cached} views {@link chunkScratch} (its records are then copied out); set by {@link cache}. */
  private cachedInScratch = false;

  private constructor(
    private readonly source: ByteSource,
    private readonly layout: FileLayout,
    /** The parsed reader options. */
    readonly options: ReaderOptions,
  ) {
    this.spanBytes = Math.max(options.readaheadBufferSize, DEFAULT_SPAN_BYTES);
  }

  /**
   * Opens a file (or byte source) and reads its index. `options` is a C++-style reader options
   * string; `open.recover` skips damaged chunks instead of failing (see {@link recovery}).
   */
  static openSync(input: ReaderInput, options = "", open: OpenOptions = {}): ArrayRecordReader {
    const parsed = parseReaderOptions(options);
    const source = typeof input === "string" ? openPathSourceSync(input, { mmap: open.mmap }) : input;
    try {
      return new ArrayRecordReader(source, openLayoutSync(source, open), parsed);
    } catch (e) {
      source.closeSync();
      throw withFile(e, source.name);
    }
  }

  /** Async {@link openSync}. */
  static async open(input: ReaderInput, options = "", open: OpenOptions = {}): Promise<ArrayRecordReader> {
    const parsed = parseReaderOptions(options);
    const source = typeof input === "string" ? await openPathSource(input, { mmap: open.mmap }) : input;
    try {
      return new ArrayRecordReader(source, await openLayoutAsync(source, open), parsed);
    } catch (e) {
      await source.close();
      throw withFile(e, source.name);
    }
  }

  /**
   * A reader over `source` with the layout another reader already read from the same file
   * ({@link layout}): no footer read. The data source reopens evicted shards this way.
   */
  static withLayout(source: ByteSource, layout: FileLayout, options = ""): ArrayRecordReader {
    return new ArrayRecordReader(source, layout, parseReaderOptions(options));
  }

  /** What opening read: the footer metadata and chunk index (and, in recovery mode, the report). */
  get fileLayout(): FileLayout {
    return this.layout;
  }

  /** The file's name (its path when opened from one). */
  get name(): string {
    return this.source.name;
  }

  /**
   * In recovery mode, what was recovered and what was lost (the reader serves only the records of
   * chunks that verified, numbered without gaps); undefined for a strict reader.
   */
  get recovery(): RecoveryReport | undefined {
    return recoveryOf(this.layout);
  }

  /** Number of records in the file. */
  get numRecords(): number {
    return this.layout.index.numRecords;
  }

  /** Number of data chunks. */
  get numChunks(): number {
    return this.layout.index.numChunks;
  }

  /** Records per chunk (every chunk but the last), or 0 for a file without records. */
  get groupSize(): number {
    return this.layout.index.numChunks === 0 ? 0 : this.layout.index.recordsIn(0);
  }

  /** The writer options string stored in the file by its writer. */
  get writerOptions(): string {
    return this.layout.meta.writerOptions;
  }

  /** File size in bytes. */
  get fileSize(): number {
    return this.layout.fileSize;
  }

  /** Index of the record {@link readNextSync} returns next. */
  get recordIndex(): number {
    return this.position;
  }

  /** Moves the sequential position to record `index` (0 ≤ index ≤ numRecords). */
  seek(index: number): void {
    this.checkOpen();
    if (!Number.isSafeInteger(index) || index < 0 || index > this.numRecords) {
      throw this.error("OUT_OF_RANGE", `seek position ${index} out of bounds [0, ${this.numRecords}]`);
    }
    this.position = index;
  }

  /** The record at the sequential position, advancing it; undefined at the end. */
  readNextSync(): Uint8Array | undefined {
    if (this.position >= this.numRecords) return this.checkOpen();
    return this.readSync(this.position++);
  }

  /** Async {@link readNextSync}. */
  async readNext(): Promise<Uint8Array | undefined> {
    if (this.position >= this.numRecords) return this.checkOpen();
    return this.read(this.position++);
  }

  /** The record at `index`, or the records at `indices` (in the order given). */
  readSync(index: number): Uint8Array;
  readSync(indices: readonly number[]): Uint8Array[];
  readSync(which: number | readonly number[]): Uint8Array | Uint8Array[] {
    if (typeof which === "number") return this.readOneSync(which);
    if (this.source.readManySync !== undefined) {
      const batch = this.batchSpans(which);
      let bytes: Uint8Array[];
      try {
        bytes = this.source.readManySync(batch.spans.map((span) => span.range));
      } catch (e) {
        throw withFile(e, this.source.name);
      }
      return this.feedBatch(which, batch, bytes);
    }
    // A local file's batch of large spans decodes on the workers (sync-batches.ts).
    const prepared = this.prepareSyncBatch(which);
    if (prepared !== undefined) return readSyncBatches([prepared], workerCount(this.options.maxParallelism))[0]!;
    return this.readBatchHere(which, this.batchSpans(which));
  }

  /**
   * A local file's {@link readSync}(indices), prepared to run on the decode workers alone or with
   * other readers' batches (sync-batches.ts: a data source's `getManySync`); undefined for other
   * sources. Not for applications: `readSync` runs it.
   */
  prepareSyncBatch(indices: readonly number[]): PreparedSyncBatch | undefined {
    const fd = this.source.fileDescriptor?.();
    if (fd === undefined || this.source.readManySync !== undefined) return undefined;
    const batch = this.batchSpans(indices);
    const { decoded, stored } = this.batchBytes(batch.spans);
    return {
      spanCount: batch.spans.length,
      decodedBytes: decoded,
      storedBytes: stored,
      // Spans decoded here are read into buffers (batchSpanHere).
      canDecodeHere: this.source.readIntoSync !== undefined,
      readHere: () => this.readBatchHere(indices, batch),
      onWorkers: () => this.syncBatchJob(indices, batch, fd),
    };
  }

  /** A batch read on this thread: into reused buffers where the source reads into them, else by its plan. */
  private readBatchHere(indices: readonly number[], batch: BatchSpans): Uint8Array[] {
    return this.source.readIntoSync !== undefined ? this.batchSync(indices, batch) : this.runSync(this.batchPlan(indices, batch));
  }

  /** Async {@link readSync}. */
  read(index: number): Promise<Uint8Array>;
  read(indices: readonly number[]): Promise<Uint8Array[]>;
  async read(which: number | readonly number[]): Promise<Uint8Array | Uint8Array[]> {
    if (typeof which === "number") {
      const c = this.chunkFor(which, "index");
      // A chunk the page cache holds is read and decoded now, without a thread-pool round trip.
      const k = which - this.layout.index.recordStart(c);
      if (!this.cachedHolds(c, k)) this.cache(c, this.readCachedChunk(c, this.throughFor(c, k)) ?? (await this.runAsync(readChunks(this.layout, c, c)))[0]!);
      return this.cachedRecord(k);
    }
    if (this.source.readMany !== undefined) {
      const batch = this.batchSpans(which);
      const bytes = await this.source.readMany(batch.spans.map((span) => span.range)).catch((e: unknown) => {
        throw withFile(e, this.source.name);
      });
      return this.feedBatch(which, batch, bytes);
    }
    if (this.source.fileDescriptor !== undefined) {
      // A local file's batch of large spans decodes on the workers (batch-workers.ts).
      const batch = this.batchSpans(which);
      const workers = this.batchWorkers(batch);
      if (workers > 0) {
        const out = new Array<Uint8Array>(which.length);
        await this.batchParallel(which, workers, (record, k) => (out[k] = record), false, batch);
        return out;
      }
      return this.runAsync(this.batchPlan(which, batch));
    }
    return this.runAsync(this.batchPlan(which));
  }

  /** The workers a local file's async batch decodes on (0: this thread), by `max_parallelism` and what its spans decode to (batch-workers.ts). */
  private batchWorkers({ spans }: BatchSpans): number {
    return batchWorkerCount(workerCount(this.options.maxParallelism), spans.length, this.batchBytes(spans).decoded);
  }

  /** What a batch's spans decode to (by the footer) and are stored in. */
  private batchBytes(spans: BatchSpans["spans"]): { decoded: number; stored: number } {
    const { decodedSizes } = this.layout.index;
    let decoded = 0;
    let stored = 0;
    for (const span of spans) {
      stored += span.range.length;
      for (let c = span.first; c <= span.last; c++) decoded += decodedSizes[c]!;
    }
    return { decoded, stored };
  }

  /** Records `[start, end)` in order. */
  readRangeSync(start: number, end: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const chunks of this.rangeSpans(start, end)) this.collect(this.runSync(chunks.plan), chunks.first, start, end, out);
    return out;
  }

  /** Async {@link readRangeSync}: reads the next span while decoding the current one. */
  async readRange(start: number, end: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for await (const records of this.spanRecordsAsync(start, end)) for (const record of records) out.push(record);
    return out;
  }

  /**
   * Records `[start, end)` in order, verified and decompressed on `workers` worker threads while
   * this thread reads ahead (default: the reader option `max_parallelism`, `auto` = the cores).
   * Pays off for compressed files on several cores; records are views into per-span buffers.
   */
  async readRangeParallel(start: number, end: number, workers = workerCount(this.options.maxParallelism)): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    await this.rangeParallel(start, end, workers, (record) => out.push(record), false);
    return out;
  }

  /**
   * The records at `indices` (in the order given), like {@link read}, with the chunks they need
   * verified and decompressed on `workers` worker threads (default: the reader option
   * `max_parallelism`) while this thread reads ahead. Each needed chunk is read and decoded once;
   * adjacent needed chunks are read together (at most a span of bytes). Records are views into
   * per-span buffers; a span serving at most 1 in 8 of its records comes back as a small buffer
   * of just those (the worker copies them out), not as the whole span.
   */
  async readParallel(indices: readonly number[], workers = workerCount(this.options.maxParallelism)): Promise<Uint8Array[]> {
    const out = new Array<Uint8Array>(indices.length);
    await this.batchParallel(indices, workers, (record, k) => (out[k] = record), false);
    return out;
  }

  /**
   * Calls `visit(record, index)` for each record of `[start, end)` (default: all) in order, the
   * chunks verified and decompressed on `workers` worker threads (default: the reader option
   * `max_parallelism`) while this thread visits. The record is **borrowed**, as in
   * {@link forEachSync}: the workers decode into shared memory that later spans reuse, so it is
   * valid only until `visit` returns (`slice()` what you keep). Resolves once every record has
   * been visited; rejects with the first error (a throwing `visit` stops the read).
   */
  forEachParallel(visit: RecordVisitor, start = 0, end = this.numRecords, workers = workerCount(this.options.maxParallelism)): Promise<void> {
    return this.rangeParallel(start, end, workers, visit, true);
  }

  /**
   * Calls `visit(record, k)` for the record at `indices[k]`, for every k, in file order, with the
   * chunks verified and decompressed on `workers` worker threads as by {@link readParallel}. The
   * record is borrowed, as in {@link forEachParallel}: valid only until `visit` returns.
   */
  forEachAtParallel(indices: readonly number[], visit: RecordVisitor, workers = workerCount(this.options.maxParallelism)): Promise<void> {
    return this.batchParallel(indices, workers, visit, true);
  }

  /** {@link readRangeParallel} and {@link forEachParallel}: each record of `[start, end)` to `take`, in order; `shared` as in `decodeSpansParallel`. */
  private async rangeParallel(start: number, end: number, workers: number, take: RecordVisitor, shared: boolean): Promise<void> {
    this.checkWorkers(workers);
    const spans = [...this.rangeSpans(start, end)];
    const { index } = this.layout;
    const fileBytes = this.source.mapping?.();
    await decodeSpansParallel(
      this.spanReads(),
      spans,
      workers,
      (s, records) => {
        const base = index.recordStart(spans[s]!.first);
        const to = Math.min(end, index.recordStart(spans[s]!.last + 1)) - base;
        for (let i = Math.max(start, base) - base; i < to; i++) take(packedRecord(records, i, fileBytes), base + i);
      },
      { shared },
    );
  }

  /** {@link readParallel} and {@link forEachAtParallel}: the record at each `indices[k]` to `take`, in file order; `shared` as in `decodeSpansParallel`. */
  private async batchParallel(indices: readonly number[], workers: number, take: RecordVisitor, shared: boolean, batch = this.batchSpans(indices)): Promise<void> {
    this.checkWorkers(workers);
    const { picks, consume } = this.batchOnWorkers(indices, batch, take);
    await decodeSpansParallel(this.spanReads(), batch.spans, workers, consume, { picks, shared });
  }

  /** A local file's batch (open as `fd`) as work for the decode workers and this thread (sync-batches.ts). */
  private syncBatchJob(indices: readonly number[], batch: BatchSpans, fd: number): SyncBatchJob {
    const out = new Array<Uint8Array>(indices.length);
    const { picks, consume } = this.batchOnWorkers(indices, batch, (record, k) => (out[k] = record));
    const file = this.source.name;
    const mapped = this.source.mapping !== undefined;
    const spans = batch.spans.map(({ first, last, range }, s) => ({ fd, file, mapped, position: range.position, length: range.length, chunks: spanChunks(this.layout, first, last), pick: picks[s] }));
    return { spans, out, consume, decodeHere: this.batchSpanHere(indices, batch, out) };
  }

  /**
   * What a batch's spans ask of the workers, and how their records come back: a span serving few
   * of its records (see SPARSE_BATCH) sends the worker just those to copy out (`picks`); `consume`
   * hands the record at each `indices[k]` of a decoded span to `take`.
   */
  private batchOnWorkers(indices: readonly number[], { spans, order }: BatchSpans, take: RecordVisitor): { picks: (Float64Array | undefined)[]; consume: (s: number, records: PackedRecords) => void } {
    const { index } = this.layout;
    const fileBytes = this.source.mapping?.();
    const picks = spans.map((span) => {
      const base = index.recordStart(span.first);
      if ((span.to - span.from) * SPARSE_BATCH > index.recordStart(span.last + 1) - base) return undefined;
      const pick = new Float64Array(span.to - span.from);
      for (let k = span.from; k < span.to; k++) pick[k - span.from] = indices[order === undefined ? k : order[k]!]! - base;
      return pick;
    });
    const consume = (s: number, records: PackedRecords): void => {
      const span = spans[s]!;
      const base = index.recordStart(span.first);
      const picked = picks[s] !== undefined;
      for (let k = span.from; k < span.to; k++) {
        const p = order === undefined ? k : order[k]!;
        take(packedRecord(records, picked ? k - span.from : indices[p]! - base, fileBytes), p);
      }
    };
    return { picks, consume };
  }

  /** Every record, decoded on worker threads (see {@link readRangeParallel}). */
  readAllParallel(workers?: number): Promise<Uint8Array[]> {
    return this.readRangeParallel(0, this.numRecords, workers);
  }

  /** Bytes and types of the data chunks, from their headers (no record is decoded). */
  dataChunkStatsSync(): DataChunkStats {
    return this.runSync(dataChunkStats(this.layout));
  }

  /** Async {@link dataChunkStatsSync}. */
  dataChunkStats(): Promise<DataChunkStats> {
    return this.runAsync(dataChunkStats(this.layout));
  }

  /** Every record in order. */
  readAllSync(): Uint8Array[] {
    return this.readRangeSync(0, this.numRecords);
  }

  /** Async {@link readAllSync}. */
  readAll(): Promise<Uint8Array[]> {
    return this.readRange(0, this.numRecords);
  }

  /** Iterates records `[start, end)` (default: all), decoding a span of chunks at a time. */
  *records(start = 0, end = this.numRecords): Generator<Uint8Array> {
    const { index } = this.layout;
    for (const span of this.rangeSpans(start, end)) {
      // Records are yielded as they are viewed, without an array per span (65,536 pushes per pass).
      const chunks = this.sequentialChunks(span);
      for (let k = 0; k < chunks.length; k++) {
        const chunk = chunks[k]!;
        const base = index.recordStart(span.first + k);
        const to = Math.min(end, base + chunk.count) - base;
        const { values, starts } = chunk;
        if (starts === undefined) {
          if (start <= base && to > 0) yield values;
          continue;
        }
        const { buffer, byteOffset } = values;
        for (let i = Math.max(start, base) - base; i < to; i++) yield new Uint8Array(buffer, byteOffset + starts[i]!, starts[i + 1]! - starts[i]!);
      }
    }
  }

  /**
   * Calls `visit(record, index)` for each record of `[start, end)` (default: all) in order. The
   * record is **borrowed**: it views memory this call reuses for the records after it, so it is
   * valid only until `visit` returns (`slice()` what you keep). Nothing is allocated per span or
   * chunk, which makes this the fastest way through a file (C++'s records are `string_view`s of
   * the same kind); {@link records} gives records of their own. Every chunk's hashes are checked.
   */
  forEachSync(visit: RecordVisitor, start = 0, end = this.numRecords): void {
    const { index } = this.layout;
    const buffers = this.takeVisitBuffers();
    for (const span of this.rangeSpans(start, end)) {
      const { window, native } = this.visitedSpan(span, buffers);
      const spanBase = index.recordStart(span.first);
      for (let c = span.first; c <= span.last; c++) {
        const base = index.recordStart(c);
        const from = Math.max(start, base) - base;
        if (native !== undefined && native.decoded[c - span.first] === 1) {
          const to = Math.min(end, index.recordStart(c + 1)) - base;
          visitNativeRecords(native, base - spanBase + from, base - spanBase + to, base + from, visit);
          continue;
        }
        const chunk = this.decodeReusing(window, c, buffers);
        visitChunkRecords(chunk, base, from, Math.min(end, base + chunk.count) - base, visit);
      }
    }
    this.keepVisitBuffers(buffers);
  }

  /**
   * Calls `visit(record, k)` for the record at `indices[k]`, for every k, in file order (not the
   * order given: each needed chunk is read and decoded once, as by {@link readSync}). The record
   * is borrowed, as in {@link forEachSync}: valid only until `visit` returns.
   */
  forEachAtSync(indices: readonly number[], visit: RecordVisitor): void {
    const batch = this.batchSpans(indices);
    const buffers = this.takeVisitBuffers();
    for (const span of batch.spans) this.visitSpanAt(indices, batch, span, buffers, visit);
    this.keepVisitBuffers(buffers);
  }

  /**
   * Calls `visit(record, p)` for the positions `p` of a batch that `span` serves, reading it and
   * decoding its chunks into `buffers` (reused: each record is valid only until `visit` returns).
   */
  private visitSpanAt(indices: readonly number[], { chunks, order }: BatchSpans, span: BatchSpans["spans"][number], buffers: ReusedBuffers, visit: RecordVisitor): void {
    const { index } = this.layout;
    // Every chunk of a batch span serves a record: all are verified (and decoded) in one call.
    const { window, native } = this.visitedSpan(span, buffers);
    const spanBase = index.recordStart(span.first);
    let c = -1;
    let chunk: ChunkRecords | undefined;
    for (let k = span.from; k < span.to; k++) {
      const p = order === undefined ? k : order[k]!;
      if (chunks[p] !== c) {
        c = chunks[p]!;
        chunk = native !== undefined && native.decoded[c - span.first] === 1 ? undefined : this.decodeReusing(window, c, buffers);
      }
      visit(chunk === undefined ? nativeRecord(native!, indices[p]! - spanBase) : recordAt(chunk, indices[p]! - index.recordStart(c)), p);
    }
  }

  /** A visit's span read into reused memory, its simple zstd and Snappy chunks decoded natively (`decodeSpanReusing`). */
  private visitedSpan(span: { first: number; last: number; range: ByteRange }, buffers: ReusedBuffers): VisitedSpan {
    return decodeSpanReusing(this.layout, this.readSpanReusing(span.range, buffers), span.first, span.last, buffers);
  }

  /** Gives a visit's buffers back for later visits (visit-buffers.ts). */
  private keepVisitBuffers(buffers: ReusedBuffers): void {
    keepVisitBuffers(buffers, this.spanBytes);
  }

  /** Async {@link records}: the next span's I/O runs while the current one is consumed. */
  async *recordsAsync(start = 0, end = this.numRecords): AsyncGenerator<Uint8Array> {
    for await (const records of this.spanRecordsAsync(start, end)) yield* records;
  }

  [Symbol.iterator](): Iterator<Uint8Array> {
    return this.records();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.recordsAsync();
  }

  /** Closes the file. Further reads throw CLOSED (the shared decode workers stay, idle and unreferenced). */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    this.cached = undefined;
    this.spanScratch = undefined;
    this.chunkScratch = undefined;
    this.source.closeSync();
  }

  /** Async {@link closeSync}. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cached = undefined;
    this.spanScratch = undefined;
    this.chunkScratch = undefined;
    await this.source.close();
  }

  private checkWorkers(workers: number): void {
    if (!Number.isSafeInteger(workers) || workers < 1) {
      throw new ArrayRecordError("INVALID_OPTIONS", `workers must be a positive integer, got ${workers}`, { file: this.source.name });
    }
  }

  /** The records of `[start, end)` a span at a time; the next span's I/O runs while one is decoded and consumed. */
  private async *spanRecordsAsync(start: number, end: number): AsyncGenerator<Uint8Array[]> {
    const spans = [...this.rangeSpans(start, end)];
    let next = spans.length > 0 ? this.fetch(spans[0]!.bytes) : undefined;
    for (let s = 0; s < spans.length; s++) {
      const bytes = await next!;
      next = s + 1 < spans.length ? this.fetch(spans[s + 1]!.bytes) : undefined;
      const out: Uint8Array[] = [];
      this.collect(this.decodeFetched(spans[s]!.plan, bytes), spans[s]!.first, start, end, out);
      yield out;
    }
  }

  private readOneSync(index: number): Uint8Array {
    const c = this.chunkFor(index, "index");
    const k = index - this.layout.index.recordStart(c);
    if (!this.cachedHolds(c, k)) this.readChunkSync(c, this.throughFor(c, k));
    return this.cachedRecord(k);
  }

  /** True when the cached chunk is `c` and holds its record `k` (a chunk decoded for a random read may hold only its first records). */
  private cachedHolds(c: number, k: number): boolean {
    return c === this.cachedChunk && k < this.cached!.count;
  }

  /**
   * How far to decode chunk `c` for its record `k`: the first read of a chunk decodes only through
   * `k` where the codec can stop early; a read past what the cache holds decodes the whole chunk,
   * so reading a chunk's records in order decodes it at most twice.
   */
  private throughFor(c: number, k: number): number | undefined {
    return c === this.cachedChunk ? undefined : k;
  }

  /** Record `k` of the cached chunk; a copy when the chunk views {@link chunkScratch}, which the next large chunk read overwrites. */
  private cachedRecord(k: number): Uint8Array {
    const record = recordAt(this.cached!, k);
    if (!this.cachedInScratch) return record;
    const copy = allocBytes(record.length);
    copy.set(record);
    return copy;
  }

  /** Chunk `c` decoded now when its source can read it without waiting ({@link ByteSource.readCachedSync}), else undefined. */
  private readCachedChunk(c: number, through?: number): ChunkRecords | undefined {
    const { offsets } = this.layout.index;
    const start = offsets[c]!;
    try {
      const bytes = this.source.readCachedSync?.(start, offsets[c + 1]! - start);
      return bytes === undefined ? undefined : decodeReadChunk(this.layout, { bytes, start, inPlace: isFresh(bytes) }, c, through);
    } catch (e) {
      throw withFile(e, this.source.name);
    }
  }

  /**
   * Reads, decodes and caches chunk `c` (through record `through` where the codec can stop early:
   * {@link throughFor}): the hot path of random access, without a plan. A large chunk is read into
   * {@link chunkScratch} (if it fits a span), where records of uncompressed chunks are then views:
   * {@link cachedRecord} copies those out, since the next chunk overwrites them.
   */
  private readChunkSync(c: number, through?: number): void {
    this.checkOpen();
    const { offsets } = this.layout.index;
    const start = offsets[c]!;
    const length = offsets[c + 1]! - start;
    const source = this.source;
    this.cachedChunk = -1; // the scratch buffer is about to change under the cached chunk
    try {
      if (length <= REUSED_CHUNK_READ_MIN || length > this.spanBytes || source.readIntoSync === undefined) {
        const bytes = source.readSync(start, length);
        this.cache(c, decodeReadChunk(this.layout, { bytes, start, inPlace: isFresh(bytes) }, c, through));
        return;
      }
      this.chunkScratch = grownBytes(this.chunkScratch, length, this.spanBytes);
      const bytes = this.readWholeSync(this.chunkScratch, { position: start, length });
      const chunk = decodeReadChunk(this.layout, { bytes, start, inPlace: true }, c, through);
      this.cache(c, chunk, chunk.values.buffer === bytes.buffer);
    } catch (e) {
      throw withFile(e, source.name);
    }
  }

  /**
   * Reads the records at `indices`: their positions are sorted by chunk (one typed-array sort),
   * each needed chunk is read and decoded once, runs of adjacent chunks in one I/O of at most a
   * span, and each decoded chunk's records go straight to their places in the result.
   */
  private *batchPlan(indices: readonly number[], batch = this.batchSpans(indices)): IoPlan<Uint8Array[]> {
    const { spans, chunks, order } = batch;
    const out = new Array<Uint8Array>(indices.length);
    const { index } = this.layout;
    for (const span of spans) {
      const decoded = yield* readChunks(this.layout, span.first, span.last);
      for (let k = span.from; k < span.to; k++) {
        const p = order === undefined ? k : order[k]!;
        const c = chunks[p]!;
        out[p] = recordAt(decoded[c - span.first]!, indices[p]! - index.recordStart(c));
      }
    }
    return out;
  }

  /**
   * The decoded chunks of `span` for {@link records}. From a source that reads into buffers (a
   * local file) the span is read into the reader's span buffer ({@link takeSpanBuffer}) and
   * decoded there (in place).
   */
  private sequentialChunks(span: { first: number; last: number; range: ByteRange; plan: IoPlan<ChunkRecords[]> }): ChunkRecords[] {
    return this.source.readIntoSync === undefined ? this.runSync(span.plan) : this.spanBufferChunks(span);
  }

  /** The decoded chunks `[span.first, span.last]`, read into the reader's span buffer (a source that reads into buffers) and decoded there, in place. */
  private spanBufferChunks(span: { first: number; last: number; range: ByteRange }): ChunkRecords[] {
    const source = this.source;
    this.checkOpen();
    const buffer = this.takeSpanBuffer(span.range.length);
    try {
      const chunks = decodeOwnedSpan(this.layout, { bytes: this.readWholeSync(buffer, span.range), start: span.range.position, inPlace: true }, span.first, span.last);
      this.keepSpanBufferUnlessViewed(buffer, chunks);
      return chunks;
    } catch (e) {
      throw withFile(e, source.name);
    }
  }

  /**
   * A buffer of at least `length` bytes for reading a span whose records the caller keeps: the
   * reader's span buffer, taken (no other read uses it meanwhile), or a new one. Compressed
   * chunks decode into arrays of their own, so after them {@link keepSpanBufferUnlessViewed}
   * keeps the buffer for the next span; when a chunk's records view it (uncompressed data, stored
   * zstd frames, one-literal Snappy streams) it stays theirs and the next span gets a new one.
   * This spares allocating every span of a compressed file afresh (20 MB per pass over the
   * group_size:256 zstd bench file, 50 MB over the group_size:1 Snappy one), which fed V8's GCs.
   */
  private takeSpanBuffer(length: number): Uint8Array {
    const buffer = this.spanScratch;
    this.spanScratch = undefined;
    // At least a span's worth: a large allocation of its own, never a shared slab.
    return buffer !== undefined && buffer.length >= length ? buffer : allocBytes(Math.max(length, this.spanBytes));
  }

  /** Gives `buffer` back as the span buffer unless one of `chunks` views it (see {@link takeSpanBuffer}). */
  private keepSpanBufferUnlessViewed(buffer: Uint8Array, chunks: readonly ChunkRecords[]): void {
    const backing = buffer.buffer;
    if (buffer.length <= this.spanBytes && chunks.every((chunk) => chunk.values.buffer !== backing)) this.spanScratch = buffer;
  }

  /**
   * A batch read from a source that reads into buffers (a local file): like {@link batchPlan},
   * except that a span serving few of its records (at most 1 in {@link SPARSE_BATCH}, e.g. 2,048
   * random indices over 256-record chunks) is read and decoded as {@link forEachAtSync} does, into
   * buffers reused from span to span and chunk to chunk, and its records are copied out, instead
   * of keeping a fresh read of the whole span (and its decoded chunks) alive for a few views: that
   * allocation was most of the GC in such a batch's profile, and a fresh array per decoded chunk
   * cost 2,048 records from the group_size:256 zstd:3 bench file 8–15% more CPU (bench/ab.ts).
   */
  private batchSync(indices: readonly number[], batch: BatchSpans): Uint8Array[] {
    const out = new Array<Uint8Array>(indices.length);
    const decode = this.batchSpanHere(indices, batch, out);
    for (let s = 0; s < batch.spans.length; s++) decode(s);
    return out;
  }

  /**
   * How {@link batchSync} decodes span s of a batch on this thread (in any order), its records
   * into `out`; its errors name the file. A sparse span takes the visit buffers for itself alone
   * (visit-buffers.ts), so the spans of many readers' batches decoded in turn here (a data
   * source's) share one set.
   */
  private batchSpanHere(indices: readonly number[], batch: BatchSpans, out: Uint8Array[]): (s: number) => void {
    const { chunks, order } = batch;
    const { index } = this.layout;
    const copyOut = (record: Uint8Array, p: number): void => {
      const copy = allocBytes(record.length); // a slab view: cheaper than slice() for small records
      copy.set(record);
      out[p] = copy;
    };
    const decode = (span: BatchSpans["spans"][number]): void => {
      const held = index.recordStart(span.last + 1) - index.recordStart(span.first);
      if ((span.to - span.from) * SPARSE_BATCH <= held) {
        const buffers = this.takeVisitBuffers();
        this.visitSpanAt(indices, batch, span, buffers, copyOut);
        this.keepVisitBuffers(buffers);
        return;
      }
      const decoded = this.spanBufferChunks(span);
      for (let k = span.from; k < span.to; k++) {
        const p = order === undefined ? k : order[k]!;
        const c = chunks[p]!;
        out[p] = recordAt(decoded[c - span.first]!, indices[p]! - index.recordStart(c));
      }
    };
    return (s) => {
      try {
        decode(batch.spans[s]!);
      } catch (e) {
        throw withFile(e, this.source.name);
      }
    };
  }

  /**
   * The spans a batch read needs: positions sorted by chunk, grouped into runs of adjacent chunks
   * (each within spanBytes), with each run's byte range.
   */
  private batchSpans(indices: readonly number[]): BatchSpans {
    const n = indices.length;
    const { index } = this.layout;
    const { offsets } = index;
    const chunks = new Float64Array(n);
    let sorted = true;
    for (let k = 0; k < n; k++) {
      chunks[k] = this.chunkFor(indices[k]!, "index");
      if (k > 0 && chunks[k]! < chunks[k - 1]!) sorted = false;
    }
    const order = sorted ? undefined : chunkOrder(chunks, index.numChunks);
    const at = (k: number): number => (order === undefined ? k : order[k]!);
    const spans: BatchSpans["spans"] = [];
    let k = 0;
    while (k < n) {
      // A span: distinct chunks first..last, each adjacent to the previous, within spanBytes.
      const first = chunks[at(k)]!;
      let last = first;
      let end = k + 1;
      for (; end < n; end++) {
        const c = chunks[at(end)]!;
        if (c === last) continue;
        if (c !== last + 1 || offsets[c + 1]! - offsets[first]! > this.spanBytes) break;
        last = c;
      }
      spans.push({ first, last, from: k, to: end, range: { position: offsets[first]!, length: offsets[last + 1]! - offsets[first]! } });
      k = end;
    }
    return { spans, chunks, order };
  }

  /** Runs a batch plan with every span's bytes fetched in one `readMany` call (object stores merge and parallelise them). */
  private feedBatch(indices: readonly number[], batch: BatchSpans, bytes: Uint8Array[]): Uint8Array[] {
    const plan = this.batchPlan(indices, batch);
    try {
      let step = plan.next();
      for (let s = 0; !step.done; s++) step = plan.next(bytes[s]!);
      return step.value;
    } catch (e) {
      throw withFile(e, this.source.name);
    }
  }

  /** Groups sorted chunks into runs of adjacent chunks, each at most one span of bytes. */
  private *spans(chunks: number[]): Generator<[number, number]> {
    const { offsets } = this.layout.index;
    let k = 0;
    while (k < chunks.length) {
      const first = chunks[k]!;
      let last = first;
      while (k + 1 < chunks.length && chunks[k + 1] === last + 1 && offsets[last + 2]! - offsets[first]! <= this.spanBytes) last = chunks[++k]!;
      k++;
      yield [first, last];
    }
  }

  /** Spans of adjacent chunks covering records `[start, end)`, each with its plan and byte range. */
  private *rangeSpans(start: number, end: number) {
    this.checkOpen();
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > this.numRecords || start > end) {
      throw this.error("OUT_OF_RANGE", `invalid range [${start}, ${end}) for ${this.numRecords} records`);
    }
    if (start === end) return;
    const { index } = this.layout;
    const lastChunk = index.chunkOf(end - 1);
    const all: number[] = [];
    for (let c = index.chunkOf(start); c <= lastChunk; c++) all.push(c);
    for (const [first, last] of this.spans(all)) {
      const position = index.offsets[first]!;
      const range = { position, length: index.offsets[last + 1]! - position };
      yield { first, last, plan: readChunks(this.layout, first, last), bytes: range, range };
    }
  }

  private collect(chunks: ChunkRecords[], first: number, start: number, end: number, out: Uint8Array[]): void {
    const { index } = this.layout;
    for (let k = 0; k < chunks.length; k++) {
      const chunk = chunks[k]!;
      const base = index.recordStart(first + k);
      const to = Math.min(end, base + chunk.count) - base;
      const { values, starts } = chunk;
      if (starts === undefined) {
        if (start <= base && to > 0) out.push(values);
        continue;
      }
      // Views made here with the buffer and offset hoisted (recordAt per record looks them up again).
      const { buffer, byteOffset } = values;
      for (let i = Math.max(start, base) - base; i < to; i++) out.push(new Uint8Array(buffer, byteOffset + starts[i]!, starts[i + 1]! - starts[i]!));
    }
  }

  /** The reused buffers of a visit, taken for its duration (visit-buffers.ts: a visit that starts another from its callback gets a set of its own). */
  private takeVisitBuffers(): ReusedBuffers {
    this.checkOpen();
    return takeVisitBuffers();
  }

  /** A span's bytes for a visit: read into `buffers.read` when the source reads into buffers (a local file). */
  private readSpanReusing(range: ByteRange, buffers: ReusedBuffers): FileWindow {
    this.checkOpen();
    const source = this.source;
    try {
      if (source.readIntoSync === undefined) {
        const bytes = this.readFreshSync(range);
        return { bytes, start: range.position, inPlace: isFresh(bytes) };
      }
      buffers.read = grownBytes(buffers.read, range.length, this.spanBytes);
      return { bytes: this.readWholeSync(buffers.read, range), start: range.position, inPlace: true };
    } catch (e) {
      throw withFile(e, source.name);
    }
  }

  private decodeReusing(window: FileWindow, c: number, buffers: ReusedBuffers): ChunkRecords {
    try {
      return decodeChunkReusing(this.layout, window, c, buffers);
    } catch (e) {
      throw withFile(e, this.source.name);
    }
  }

  /** What the parallel reads (parallel-spans.ts) need of this reader. */
  private spanReads(): SpanReads {
    return { layout: this.layout, source: this.source, checkOpen: () => this.checkOpen(), fetchOwned: (range) => this.fetchOwned(range) };
  }

  /** Reads `range` into bytes of the source's choosing, checking it came whole. */
  private readFreshSync(range: ByteRange): Uint8Array {
    const bytes = this.source.readSync(range.position, range.length);
    checkFullRead(this.source, range, bytes.length);
    return bytes;
  }

  /** Reads `range` into the start of `buffer` (a local file's sync read), checking it came whole; the bytes read. */
  private readWholeSync(buffer: Uint8Array, range: ByteRange): Uint8Array {
    const n = this.source.readIntoSync!(range.position, buffer.subarray(0, range.length));
    checkFullRead(this.source, range, n);
    return buffer.subarray(0, n);
  }

  /** Starts reading a span into a buffer of its own (transferable to a worker without a copy) when the source can. */
  private async fetchOwned(range: { position: number; length: number }): Promise<{ bytes: Uint8Array; owned: boolean }> {
    this.checkOpen();
    if (this.source.readInto === undefined) return { bytes: await this.fetch(range), owned: false };
    // Not zeroed first (the read overwrites it; a short read is cut off below): zeroing 1 MiB per span showed in the profile.
    const length = Math.max(0, Math.min(range.length, this.source.size - range.position));
    const target = ownedBytes(length);
    const n = await this.source.readInto(range.position, target);
    return { bytes: n === target.length ? target : target.subarray(0, n), owned: true };
  }

  /** Starts reading a span ahead of its use. */
  private fetch(range: { position: number; length: number }): Promise<Uint8Array> {
    this.checkOpen();
    const pending = this.source.read(range.position, range.length);
    // A consumer may stop before awaiting a prefetch: its failure must not become an unhandled rejection.
    pending.catch(() => {});
    return pending;
  }

  private chunkFor(index: number, what: string): number {
    this.checkOpen();
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.numRecords) {
      throw this.error("OUT_OF_RANGE", `${what} ${index} out of bounds [0, ${this.numRecords})`);
    }
    return this.layout.index.chunkOf(index);
  }

  private cache(c: number, chunk: ChunkRecords, inScratch = false): void {
    this.cachedChunk = c;
    this.cached = chunk;
    this.cachedInScratch = inScratch;
  }

  private runSync<T>(plan: IoPlan<T>): T {
    this.checkOpen();
    try {
      return runSync(this.source, plan);
    } catch (e) {
      throw withFile(e, this.source.name);
    }
  }

  private async runAsync<T>(plan: IoPlan<T>): Promise<T> {
    this.checkOpen();
    try {
      return await runAsync(this.source, plan);
    } catch (e) {
      throw withFile(e, this.source.name);
    }
  }

  /** Feeds a one-read plan with bytes already fetched. */
  private decodeFetched<T>(plan: IoPlan<T>, bytes: Uint8Array): T {
    try {
      plan.next();
      const step = plan.next(bytes);
      if (!step.done) throw new Error("internal: plan asked for more than one read");
      return step.value;
    } catch (e) {
      throw withFile(e, this.source.name);
    }
  }

  private checkOpen(): undefined {
    if (this.closed) throw this.error("CLOSED", "reader is closed");
    return undefined;
  }

  private error(code: "OUT_OF_RANGE" | "CLOSED", message: string): ArrayRecordError {
    return new ArrayRecordError(code, message, { file: this.source.name });
  }
}

/** A batch read's plan: which spans of chunks to read, and the positions each serves. */
interface BatchSpans {
  /** Runs of adjacent chunks `first..last` serving sorted positions `[from, to)`, with their byte range. */
  spans: { first: number; last: number; from: number; to: number; range: { position: number; length: number } }[];
  /** Chunk of each requested position. */
  chunks: Float64Array;
  /** The positions in chunk order (stable), or undefined when the given order is already that. */
  order: Uint32Array | Float64Array | undefined;
}

function withFile(e: unknown, file: string): unknown {
  return e instanceof ArrayRecordError ? e.withFile(file) : e;
}
