/**
 * `ArrayRecordDataSource`: many ArrayRecord files (shards) read as one indexed array of records,
 * the way Grain and TFDS read a sharded data set. Any number of shards: their footers are read
 * once and kept as compact indexes, while only a bounded number of files stay open (least
 * recently used closed first; see shard-handles.ts).
 *
 * When footers are read: mapping a global index to a shard needs every shard's record count, and
 * a count is in the shard's footer (one GET for a remote shard). By default open reads them all,
 * {@link FOOTER_CONCURRENCY} at a time — sync and async alike (remote opens of a batch overlap
 * behind one bridge call) — so `length` is known and a damaged shard fails the open. With
 * `lazy: true` open reads no footer: iteration reads each shard's footer when it reaches the shard,
 * and the first call that needs counts (`length`, `get*`, `count()`, `recovery`) reads every footer
 * not read yet, the same way; a damaged shard fails that call instead of the open.
 */
import { ArrayRecordError } from "../errors.js";
import { globPaths, globPathsSync } from "../bytes/path-openers.js";
import { recoveryOf, type OpenOptions, type RecoveryReport } from "./recovery.js";
import { workerCount } from "./parallel-decode.js";
import type { ArrayRecordReader } from "./reader.js";
import { FOOTER_CONCURRENCY, pathOpener, ShardHandles, type Handle, type ShardOpener } from "./shard-handles.js";
import { readSyncBatches } from "./sync-batches.js";

/** Files: a list of paths, or one glob pattern (e.g. `data/train.array_record-*`). */
export type DataSourceInput = string | readonly string[];

/** Data source options: the reader's open options, and how many shard files may be open at once. */
export interface DataSourceOptions extends OpenOptions {
  /**
   * Most shard files open at once (default 64): shards beyond it are closed least recently used
   * first and reopened on demand, without reading their footers again.
   */
  maxOpenFiles?: number;
  /** How shard names become byte sources (default: local paths, and URLs with a registered path opener). */
  opener?: ShardOpener;
  /**
   * Read no footer at open (default false): each is read when first needed — by iteration as it
   * reaches the shard, or all at once ({@link FOOTER_CONCURRENCY} at a time) by the first call that
   * needs record counts. Worth it over many remote shards read only by iteration, or opened and not
   * read at all.
   */
  lazy?: boolean;
}

/** Default {@link DataSourceOptions.maxOpenFiles}: well under the usual 1,024 open files per process. */
export const DEFAULT_MAX_OPEN_FILES = 64;

/** Random access to the records of several ArrayRecord files as one array, in shard order. */
export class ArrayRecordDataSource implements Iterable<Uint8Array> {
  /** `files + 1` cumulative record counts (file f holds `[starts[f], starts[f+1])`), once every footer is read. */
  private startsOrUndefined: Float64Array | undefined;

  private constructor(private readonly shards: ShardHandles) {}

  /**
   * Opens a path list, or a glob pattern whose matches are ordered by shard number, reading every
   * footer once ({@link FOOTER_CONCURRENCY} at a time; none with `open.lazy`). `open.recover` opens
   * each file in recovery mode: damaged chunks are left out and reported; `open.maxOpenFiles`
   * bounds the files open at once.
   */
  static openSync(input: DataSourceInput, readerOptions = "", open: DataSourceOptions = {}): ArrayRecordDataSource {
    const paths = typeof input === "string" ? orderShards(globPathsSync(input)) : [...input];
    checkNotEmpty(paths, input);
    const shards = newShards(paths, readerOptions, open);
    try {
      if (open.lazy !== true) shards.loadLayoutsSync();
      return new ArrayRecordDataSource(shards);
    } catch (e) {
      shards.closeSync();
      throw e;
    }
  }

  /** Async {@link openSync}. */
  static async open(input: DataSourceInput, readerOptions = "", open: DataSourceOptions = {}): Promise<ArrayRecordDataSource> {
    const paths = typeof input === "string" ? orderShards(await globPaths(input)) : [...input];
    checkNotEmpty(paths, input);
    const shards = newShards(paths, readerOptions, open);
    try {
      if (open.lazy !== true) await shards.loadLayouts();
      return new ArrayRecordDataSource(shards);
    } catch (e) {
      await shards.close();
      throw e;
    }
  }

  /** Total number of records (a lazy data source reads the footers it has not read yet, blocking; see {@link count}). */
  get length(): number {
    const starts = this.startsSync();
    return starts[starts.length - 1]!;
  }

  /** Async {@link length}: a lazy data source reads missing footers without blocking the event loop. */
  async count(): Promise<number> {
    const starts = await this.startsAsync();
    return starts[starts.length - 1]!;
  }

  /** In recovery mode, one report per file (in file order); empty for a strict data source. */
  get recovery(): RecoveryReport[] {
    this.startsSync();
    return this.shards.names.flatMap((_, f) => {
      const report = recoveryOf(this.shards.layoutSync(f));
      return report === undefined ? [] : [report];
    });
  }

  /** The files, in the order their records are numbered. */
  get files(): string[] {
    return [...this.shards.names];
  }

  /** Shard files open now (at most `maxOpenFiles`, except while sync iterations hold more). */
  get openFiles(): number {
    return this.shards.openCount;
  }

  /** Record `index` of the whole data set. */
  getSync(index: number): Uint8Array {
    const starts = this.startsSync();
    const f = fileOf(starts, index);
    return this.shards.useSync(f, (reader) => reader.readSync(index - starts[f]!));
  }

  /** Async {@link getSync}. */
  async get(index: number): Promise<Uint8Array> {
    const starts = await this.startsAsync();
    const f = fileOf(starts, index);
    return this.shards.use(f, (reader) => reader.read(index - starts[f]!));
  }

  /** The records at `indices`, in the order given; one batched read per file. */
  getManySync(indices: readonly number[]): Uint8Array[] {
    const out = new Array<Uint8Array>(indices.length);
    const groups = [...groupByFile(this.startsSync(), indices)];
    // Up to maxOpenFiles shards at a time, their local files' batches read together (sync-batches.ts).
    for (let from = 0; from < groups.length; from += this.shards.maxOpen) {
      const window = groups.slice(from, from + this.shards.maxOpen);
      const handles: Handle[] = [];
      try {
        for (const [f] of window) handles.push(this.shards.acquireSync(f));
        const records = readManyShardsSync(
          handles.map((handle) => handle.reader),
          window.map(([, group]) => group.local),
        );
        window.forEach(([, group], k) => group.positions.forEach((p, i) => (out[p] = records[k]![i]!)));
      } finally {
        for (const handle of handles) this.shards.release(handle);
      }
    }
    return out;
  }

  /** Async {@link getManySync}: the files are read concurrently (at most `maxOpenFiles` at once). */
  async getMany(indices: readonly number[]): Promise<Uint8Array[]> {
    const out = new Array<Uint8Array>(indices.length);
    const starts = await this.startsAsync();
    await Promise.all(
      [...groupByFile(starts, indices)].map(async ([f, group]) => {
        const records = await this.shards.use(f, (reader) => reader.read(group.local));
        group.positions.forEach((p, k) => (out[p] = records[k]!));
      }),
    );
    return out;
  }

  /** Every record, file after file (each file stays open while its records are iterated). */
  *[Symbol.iterator](): Iterator<Uint8Array> {
    for (let f = 0; f < this.shards.names.length; f++) {
      const handle = this.shards.acquireSync(f);
      try {
        yield* handle.reader.records();
      } finally {
        this.shards.release(handle);
      }
    }
  }

  /** Async iteration over every record. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (let f = 0; f < this.shards.names.length; f++) {
      const handle = await this.shards.acquire(f);
      try {
        yield* handle.reader.recordsAsync();
      } finally {
        this.shards.release(handle);
      }
    }
  }

  /** Closes every open file; later reads throw CLOSED. */
  closeSync(): void {
    this.shards.closeSync();
  }

  /** Async {@link closeSync}. */
  async close(): Promise<void> {
    await this.shards.close();
  }

  private startsSync(): Float64Array {
    if (this.startsOrUndefined === undefined) {
      this.shards.loadLayoutsSync();
      this.startsOrUndefined = cumulativeCounts(this.shards);
    }
    return this.startsOrUndefined;
  }

  private async startsAsync(): Promise<Float64Array> {
    if (this.startsOrUndefined === undefined) {
      await this.shards.loadLayouts();
      this.startsOrUndefined ??= cumulativeCounts(this.shards);
    }
    return this.startsOrUndefined;
  }
}

/** Cumulative record counts of shards whose layouts are all known. */
function cumulativeCounts(shards: ShardHandles): Float64Array {
  const n = shards.names.length;
  const starts = new Float64Array(n + 1);
  for (let f = 0; f < n; f++) starts[f + 1] = starts[f]! + shards.layoutSync(f).index.numRecords;
  return starts;
}

function groupByFile(starts: Float64Array, indices: readonly number[]): Map<number, { local: number[]; positions: number[] }> {
  const groups = new Map<number, { local: number[]; positions: number[] }>();
  indices.forEach((index, p) => {
    const f = fileOf(starts, index);
    let group = groups.get(f);
    if (group === undefined) groups.set(f, (group = { local: [], positions: [] }));
    group.local.push(index - starts[f]!);
    group.positions.push(p);
  });
  return groups;
}

/**
 * `readers[k].readSync(locals[k])` for every k: the batches of local files together on the decode
 * workers where they pay (sync-batches.ts), the others one by one.
 */
function readManyShardsSync(readers: readonly ArrayRecordReader[], locals: readonly number[][]): Uint8Array[][] {
  const prepared = readers.map((reader, k) => reader.prepareSyncBatch(locals[k]!));
  const local = prepared.flatMap((batch, k) => (batch === undefined ? [] : [k]));
  const out = new Array<Uint8Array[]>(readers.length);
  if (local.length > 0) {
    // Every shard is opened with the same reader options.
    const read = readSyncBatches(
      local.map((k) => prepared[k]!),
      workerCount(readers[local[0]!]!.options.maxParallelism),
    );
    local.forEach((k, i) => (out[k] = read[i]!));
  }
  return readers.map((reader, k) => out[k] ?? reader.readSync(locals[k]!));
}

/** The file holding global record `index`. */
function fileOf(starts: Float64Array, index: number): number {
  const length = starts[starts.length - 1]!;
  if (!Number.isSafeInteger(index) || index < 0 || index >= length) {
    throw new ArrayRecordError("OUT_OF_RANGE", `index ${index} out of bounds [0, ${length})`);
  }
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function newShards(paths: string[], readerOptions: string, open: DataSourceOptions): ShardHandles {
  const { maxOpenFiles = DEFAULT_MAX_OPEN_FILES, opener, ...openOptions } = open;
  // An opener of the caller's own opens its shards its way; `mmap` applies to the default one.
  return new ShardHandles(paths, maxOpenFiles, readerOptions, openOptions, opener ?? (open.mmap !== undefined ? pathOpener({ mmap: open.mmap }) : undefined));
}

const SHARD_PATTERN = /-(\d+)-of-(\d+)/;

/** Orders paths by shard number (`NAME-00003-of-00010…`), then by name; unnumbered names sort by name. */
export function orderShards(paths: readonly string[]): string[] {
  const key = (path: string) => {
    const m = SHARD_PATTERN.exec(path.slice(path.lastIndexOf("/") + 1));
    return m === null ? -1 : Number(m[1]);
  };
  return [...paths].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb && ka >= 0 && kb >= 0) return ka - kb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

function checkNotEmpty(paths: string[], input: DataSourceInput): void {
  if (paths.length === 0) {
    throw new ArrayRecordError("IO", `no files match ${typeof input === "string" ? input : "the empty list"}`);
  }
}
