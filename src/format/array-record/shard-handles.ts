/**
 * Open shard files for a data source of any number of shards: at most `maxOpen` readers are open
 * at once (least recently used ones are closed first), while every shard's footer index — read
 * once, the first time the shard is needed — stays in memory as a compact {@link FileLayout}. A
 * shard that was closed is reopened with its kept layout, so its footer is never read again.
 * Footers of many shards are read {@link FOOTER_CONCURRENCY} at a time, sync or async.
 */
import { ArrayRecordError } from "../errors.js";
import type { ByteSource } from "../bytes/byte-source.js";
import { openPathSource, openPathSourceSync, openPathSourcesSync, type LocalSourceOptions } from "../bytes/path-openers.js";
import { ArrayRecordReader } from "./reader.js";
import type { FileLayout } from "./file-layout.js";
import type { OpenOptions } from "./recovery.js";

/** How shard names become byte sources (by default as the reader opens a path: local files, or URLs with a registered path opener). */
export interface ShardOpener {
  /** Opens the shard named `name` for reading. */
  openSync(name: string): ByteSource;
  /** Async {@link openSync}. */
  open(name: string): Promise<ByteSource>;
  /** Sync opens of several shards whose opens overlap (remote objects); optional. */
  openManySync?(names: readonly string[]): ByteSource[];
}

/** Shards are paths (or URLs) opened as {@link ArrayRecordReader.open} opens them, local ones with `local`'s `mmap`. */
export function pathOpener(local: LocalSourceOptions = {}): ShardOpener {
  return {
    openSync: (name) => openPathSourceSync(name, local),
    open: (name) => openPathSource(name, local),
    openManySync: (names) => openPathSourcesSync(names, local),
  };
}

const PATH_OPENER = pathOpener();

/** Shards whose footers are read at once when many are needed (GETs in flight, for remote shards). */
export const FOOTER_CONCURRENCY = 16;

/** An open shard: its reader, and how many reads are using it (a used reader is never closed). */
export interface Handle {
  readonly reader: ArrayRecordReader;
  pins: number;
}

/** A bounded, least-recently-used set of open shard readers over shards whose layouts are kept. */
export class ShardHandles {
  /** Open readers by shard; a Map iterates in insertion order, so the first entry is the least recently used. */
  private readonly handles = new Map<number, Handle>();
  /** Footer indexes, filled as each shard is first opened. */
  private readonly layouts: (FileLayout | undefined)[];
  /** Async opens in flight: they count against the limit before they land in `handles`. */
  private opening = 0;
  /** Async acquirers waiting for a handle to be released. */
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    /** Shard names, in data-set order. */
    readonly names: readonly string[],
    /** Most readers open at once (1 or more). */
    readonly maxOpen: number,
    private readonly readerOptions: string,
    private readonly openOptions: OpenOptions,
    private readonly opener: ShardOpener = PATH_OPENER,
  ) {
    if (!Number.isSafeInteger(maxOpen) || maxOpen < 1) {
      throw new ArrayRecordError("INVALID_OPTIONS", `maxOpenFiles must be a positive integer, got ${maxOpen}`);
    }
    this.layouts = new Array<FileLayout | undefined>(names.length).fill(undefined);
  }

  /** Number of readers open now. */
  get openCount(): number {
    return this.handles.size;
  }

  /** Shard `f`'s layout (its footer is read now if it never was). */
  layoutSync(f: number): FileLayout {
    const layout = this.layouts[f];
    if (layout !== undefined) return layout;
    const handle = this.acquireSync(f);
    this.release(handle);
    return this.layouts[f]!;
  }

  /** Async {@link layoutSync}. */
  async layout(f: number): Promise<FileLayout> {
    const layout = this.layouts[f];
    if (layout !== undefined) return layout;
    return this.use(f, async () => this.layouts[f]!);
  }

  /** Whether every shard's layout has been read. */
  get allLayoutsKnown(): boolean {
    return this.layouts.every((layout) => layout !== undefined);
  }

  /**
   * Reads the footers of every shard whose layout is not known yet, {@link FOOTER_CONCURRENCY}
   * shards per batch (fewer when `maxOpen` is smaller); an opener with `openManySync` opens each batch in one call (for remote shards
   * their GETs then overlap). The readers stay open while `maxOpen` allows.
   */
  loadLayoutsSync(): void {
    const missing = this.names.map((_, f) => f).filter((f) => this.layouts[f] === undefined);
    const openMany = this.opener.openManySync?.bind(this.opener);
    const batchSize = Math.min(FOOTER_CONCURRENCY, this.maxOpen); // a batch is open at once: the file limit holds
    for (let at = 0; at < missing.length; at += batchSize) {
      const batch = missing.slice(at, at + batchSize);
      if (openMany === undefined || batch.length === 1) {
        for (const f of batch) this.layoutSync(f);
        continue;
      }
      this.checkOpen();
      while (this.handles.size + batch.length > this.maxOpen && this.evictSync()) {
        // room for the whole batch: closed the least recently used idle reader
      }
      const sources = openMany(batch.map((f) => this.names[f]!));
      let k = 0;
      try {
        for (; k < batch.length; k++) {
          const f = batch[k]!;
          const reader = ArrayRecordReader.openSync(sources[k]!, this.readerOptions, this.openOptions); // closes its source on failure
          this.layouts[f] = reader.fileLayout;
          this.keepSync(f, reader);
        }
      } catch (e) {
        for (const source of sources.slice(k + 1)) source.closeSync();
        throw e;
      }
    }
  }

  /** Async {@link loadLayoutsSync}: at most {@link FOOTER_CONCURRENCY} footers (and `maxOpen` files) at once. */
  async loadLayouts(): Promise<void> {
    const missing = this.names.map((_, f) => f).filter((f) => this.layouts[f] === undefined);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (failure === undefined && next < missing.length) {
        const f = missing[next++]!;
        try {
          await this.layout(f);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(FOOTER_CONCURRENCY, missing.length) }, worker));
    if (failure !== undefined) throw failure.error;
  }

  /** Keeps a reader just opened for its footer among the open ones if there is room, else closes it. */
  private keepSync(f: number, reader: ArrayRecordReader): void {
    while (this.handles.size >= this.maxOpen && this.evictSync()) {
      // closed the least recently used idle reader
    }
    if (this.handles.has(f) || this.handles.size >= this.maxOpen) reader.closeSync();
    else this.handles.set(f, { reader, pins: 0 });
  }

  /** Runs `fn` with shard `f`'s reader; the reader stays open until `fn` returns. */
  useSync<T>(f: number, fn: (reader: ArrayRecordReader) => T): T {
    const handle = this.acquireSync(f);
    try {
      return fn(handle.reader);
    } finally {
      this.release(handle);
    }
  }

  /** Async {@link useSync}: waits for a free slot when `maxOpen` readers are all in use. */
  async use<T>(f: number, fn: (reader: ArrayRecordReader) => Promise<T>): Promise<T> {
    const handle = await this.acquire(f);
    try {
      return await fn(handle.reader);
    } finally {
      this.release(handle);
    }
  }

  /**
   * Shard `f`'s reader, pinned until {@link release}. Sync callers cannot wait: when every open
   * reader is pinned (only by unfinished iterations), one more is opened beyond `maxOpen`.
   */
  acquireSync(f: number): Handle {
    this.checkOpen();
    const open = this.handles.get(f);
    if (open !== undefined) return this.pin(f, open);
    while (this.handles.size >= this.maxOpen && this.evictSync()) {
      // closed the least recently used idle reader
    }
    const source = this.opener.openSync(this.names[f]!);
    let reader: ArrayRecordReader;
    const layout = this.layouts[f];
    if (layout === undefined) {
      reader = ArrayRecordReader.openSync(source, this.readerOptions, this.openOptions);
      this.layouts[f] = reader.fileLayout;
    } else {
      reader = ArrayRecordReader.withLayout(source, layout, this.readerOptions);
    }
    return this.pin(f, { reader, pins: 0 });
  }

  /** Async {@link acquireSync}: never opens more than `maxOpen` readers. */
  async acquire(f: number): Promise<Handle> {
    // Take a slot (`opening` counts it) before any await, so concurrent acquirers cannot overshoot.
    for (;;) {
      this.checkOpen();
      const open = this.handles.get(f);
      if (open !== undefined) return this.pin(f, open);
      if (this.handles.size + this.opening < this.maxOpen) {
        this.opening++;
        break;
      }
      const idle = this.idleOldest();
      if (idle !== undefined) {
        const evicted = this.handles.get(idle)!;
        this.handles.delete(idle);
        this.opening++;
        try {
          // The slot stays taken until the file is really closed: the limit holds for descriptors.
          await evicted.reader.close();
        } catch (e) {
          this.opening--;
          this.wake();
          throw e;
        }
        break;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    let reader: ArrayRecordReader;
    try {
      this.checkOpen();
      const source = await this.opener.open(this.names[f]!);
      const layout = this.layouts[f];
      if (layout === undefined) {
        reader = await ArrayRecordReader.open(source, this.readerOptions, this.openOptions);
        this.layouts[f] ??= reader.fileLayout;
      } else {
        reader = ArrayRecordReader.withLayout(source, layout, this.readerOptions);
      }
    } catch (e) {
      this.opening--;
      this.wake();
      throw e;
    }
    this.opening--;
    const raced = this.handles.get(f);
    if (raced !== undefined || this.closed) {
      // Another acquirer opened the same shard meanwhile (use theirs), or the data source closed.
      await reader.close();
      this.wake();
      this.checkOpen();
      return this.pin(f, raced!);
    }
    return this.pin(f, { reader, pins: 0 });
  }

  /** Unpins a handle from {@link acquire}/{@link acquireSync}; a waiting acquirer may now close it. */
  release(handle: Handle): void {
    handle.pins--;
    if (handle.pins === 0) this.wake();
  }

  /** Closes every open reader; later use throws CLOSED. */
  closeSync(): void {
    this.closed = true;
    for (const handle of this.handles.values()) handle.reader.closeSync();
    this.handles.clear();
    this.wakeAll();
  }

  /** Async {@link closeSync}. */
  async close(): Promise<void> {
    this.closed = true;
    const readers = [...this.handles.values()].map((h) => h.reader);
    this.handles.clear();
    this.wakeAll();
    await Promise.all(readers.map((reader) => reader.close()));
  }

  private pin(f: number, handle: Handle): Handle {
    handle.pins++;
    // Re-insert: most recently used goes last.
    this.handles.delete(f);
    this.handles.set(f, handle);
    return handle;
  }

  private idleOldest(): number | undefined {
    for (const [f, handle] of this.handles) if (handle.pins === 0) return f;
    return undefined;
  }

  private evictSync(): boolean {
    const f = this.idleOldest();
    if (f === undefined) return false;
    const handle = this.handles.get(f)!;
    this.handles.delete(f);
    handle.reader.closeSync();
    return true;
  }

  /** Every waiter re-checks (one woken waiter may find its shard open and not need the free slot). */
  private wake(): void {
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private checkOpen(): void {
    if (this.closed) throw new ArrayRecordError("CLOSED", "the data source is closed");
  }
}
