/**
 * `ArrayRecordDataSource`: many ArrayRecord files (shards) read as one indexed array of records,
 * the way Grain and TFDS read a sharded data set.
 */
import { ArrayRecordError } from "../errors.js";
import { globPaths, globPathsSync } from "../bytes/path-openers.js";
import { ArrayRecordReader } from "./reader.js";
import type { OpenOptions, RecoveryReport } from "./recovery.js";

/** Files: a list of paths, or one glob pattern (e.g. `data/train.array_record-*`). */
export type DataSourceInput = string | readonly string[];

/** Random access to the records of several ArrayRecord files as one array, in shard order. */
export class ArrayRecordDataSource implements Iterable<Uint8Array> {
  /** `files + 1` cumulative record counts: file f holds `[starts[f], starts[f+1])`. */
  private readonly starts: Float64Array;

  private constructor(private readonly readers: ArrayRecordReader[]) {
    this.starts = new Float64Array(readers.length + 1);
    readers.forEach((reader, f) => (this.starts[f + 1] = this.starts[f]! + reader.numRecords));
  }

  /**
   * Opens every file (a path list, or a glob pattern whose matches are ordered by shard number).
   * `open.recover` opens each file in recovery mode: damaged chunks are left out and reported.
   */
  static openSync(input: DataSourceInput, readerOptions = "", open: OpenOptions = {}): ArrayRecordDataSource {
    const paths = typeof input === "string" ? orderShards(globPathsSync(input)) : [...input];
    checkNotEmpty(paths, input);
    const readers: ArrayRecordReader[] = [];
    try {
      for (const path of paths) readers.push(ArrayRecordReader.openSync(path, readerOptions, open));
    } catch (e) {
      for (const reader of readers) reader.closeSync();
      throw e;
    }
    return new ArrayRecordDataSource(readers);
  }

  /** Async {@link openSync}: opens the files concurrently. */
  static async open(input: DataSourceInput, readerOptions = "", open: OpenOptions = {}): Promise<ArrayRecordDataSource> {
    const paths = typeof input === "string" ? orderShards(await globPaths(input)) : [...input];
    checkNotEmpty(paths, input);
    const opened = await Promise.allSettled(paths.map((path) => ArrayRecordReader.open(path, readerOptions, open)));
    const failure = opened.find((r) => r.status === "rejected");
    if (failure !== undefined) {
      await Promise.all(opened.map((r) => (r.status === "fulfilled" ? r.value.close() : undefined)));
      throw failure.reason;
    }
    return new ArrayRecordDataSource(opened.map((r) => (r as PromiseFulfilledResult<ArrayRecordReader>).value));
  }

  /** Total number of records. */
  get length(): number {
    return this.starts[this.readers.length]!;
  }

  /** In recovery mode, one report per file (in file order); empty for a strict data source. */
  get recovery(): RecoveryReport[] {
    return this.readers.flatMap((reader) => (reader.recovery === undefined ? [] : [reader.recovery]));
  }

  /** The files, in the order their records are numbered. */
  get files(): string[] {
    return this.readers.map((reader) => reader.name);
  }

  /** Record `index` of the whole data set. */
  getSync(index: number): Uint8Array {
    const f = this.fileOf(index);
    return this.readers[f]!.readSync(index - this.starts[f]!);
  }

  /** Async {@link getSync}. */
  get(index: number): Promise<Uint8Array> {
    const f = this.fileOf(index);
    return this.readers[f]!.read(index - this.starts[f]!);
  }

  /** The records at `indices`, in the order given; one batched read per file. */
  getManySync(indices: readonly number[]): Uint8Array[] {
    const out = new Array<Uint8Array>(indices.length);
    for (const [f, group] of this.groupByFile(indices)) {
      const records = this.readers[f]!.readSync(group.local);
      group.positions.forEach((p, k) => (out[p] = records[k]!));
    }
    return out;
  }

  /** Async {@link getManySync}: the files are read concurrently. */
  async getMany(indices: readonly number[]): Promise<Uint8Array[]> {
    const out = new Array<Uint8Array>(indices.length);
    await Promise.all(
      [...this.groupByFile(indices)].map(async ([f, group]) => {
        const records = await this.readers[f]!.read(group.local);
        group.positions.forEach((p, k) => (out[p] = records[k]!));
      }),
    );
    return out;
  }

  /** Every record, file after file. */
  *[Symbol.iterator](): Iterator<Uint8Array> {
    for (const reader of this.readers) yield* reader.records();
  }

  /** Async iteration over every record. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (const reader of this.readers) yield* reader.recordsAsync();
  }

  /** Closes every file. */
  closeSync(): void {
    for (const reader of this.readers) reader.closeSync();
  }

  /** Async {@link closeSync}. */
  async close(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.close()));
  }

  private groupByFile(indices: readonly number[]): Map<number, { local: number[]; positions: number[] }> {
    const groups = new Map<number, { local: number[]; positions: number[] }>();
    indices.forEach((index, p) => {
      const f = this.fileOf(index);
      let group = groups.get(f);
      if (group === undefined) groups.set(f, (group = { local: [], positions: [] }));
      group.local.push(index - this.starts[f]!);
      group.positions.push(p);
    });
    return groups;
  }

  private fileOf(index: number): number {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) {
      throw new ArrayRecordError("OUT_OF_RANGE", `index ${index} out of bounds [0, ${this.length})`);
    }
    let lo = 0;
    let hi = this.readers.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
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
