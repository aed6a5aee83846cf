import type { ByteRange } from "./io-plan.js";

/**
 * Random-access bytes to read a file from. The core reads files only through this interface, so
 * it can run over a local file, a buffer in memory, or (later) HTTP range requests.
 */
export interface ByteSource {
  /** A name for error messages (usually the path). */
  readonly name: string;
  /** Total length in bytes. */
  readonly size: number;
  /** Reads `length` bytes at `position`; fewer only when the source ends first. */
  readSync(position: number, length: number): Uint8Array;
  /** Async {@link readSync}. */
  read(position: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: fills `target` from `position` and returns the bytes read (fewer only at the end),
   * so a streaming reader can reuse one buffer instead of allocating one per read.
   */
  readIntoSync?(position: number, target: Uint8Array): number;
  /** Optional async {@link readIntoSync}. */
  readInto?(position: number, target: Uint8Array): Promise<number>;
  /**
   * Optional: {@link readSync}'s bytes when they can be had now without waiting for a disk (a
   * local file's page cache), else undefined. Lets async readers skip a thread-pool round trip;
   * it may decline any read (large ones, uncached ones) and the caller then uses {@link read}.
   */
  readCachedSync?(position: number, length: number): Uint8Array | undefined;
  /**
   * Optional: reads several ranges at once, each result as {@link read} gives it. A source with a
   * high cost per read (an object store) merges nearby ranges and runs the reads concurrently.
   */
  readMany?(ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
  /** Optional sync {@link readMany}. */
  readManySync?(ranges: readonly ByteRange[]): Uint8Array[];
  /**
   * Optional: the OS file descriptor of a local file, for worker threads of this process to read
   * with positional reads while the source is open (the parallel reader's workers read their spans
   * themselves this way). Throws CLOSED once closed.
   */
  fileDescriptor?(): number;
  /**
   * Optional: the whole file mapped into memory (byte i of the buffer is byte i of the file), when
   * the source is a mapping. The parallel reader's workers then map the same file, verify chunks
   * there, and return file positions for records this thread views in its own mapping (no copy).
   */
  mapping?(): ArrayBuffer;
  /** Releases the underlying resource; further reads fail. Idempotent. */
  close(): Promise<void>;
  /** Sync {@link close}. */
  closeSync(): void;
}

/** A {@link ByteSource} over bytes already in memory. Reads return views, not copies. */
export class MemoryByteSource implements ByteSource {
  readonly size: number;

  constructor(
    private readonly bytes: Uint8Array,
    readonly name = "<memory>",
  ) {
    this.size = bytes.length;
  }

  readSync(position: number, length: number): Uint8Array {
    const start = Math.min(position, this.size);
    return this.bytes.subarray(start, Math.min(this.size, start + length));
  }

  read(position: number, length: number): Promise<Uint8Array> {
    return Promise.resolve(this.readSync(position, length));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  closeSync(): void {}
}
