/** Node file adapters for {@link ByteSource}: positional reads from one file descriptor. */
import * as fs from "node:fs";
import { ArrayRecordError } from "../errors.js";
import { allocBytes, markFresh } from "./slab.js";
import type { ByteSource } from "./byte-source.js";
import { fileIoAddon, type FileIoAddon } from "./native-file-io.js";

/** How a {@link FileByteSource} reads. */
export interface FileSourceOptions {
  /**
   * Positional reads through the `arrayrecord-fileio` addon when it is built (default true):
   * ~0.7 µs of CPU per small read against `fs.readSync`'s 0.9–1.6 µs here. False: `fs.readSync`
   * always (the portable path, which builds without the addon use).
   */
  nativeReads?: boolean;
  /**
   * Small synchronous reads (at most {@link MAPPED_READ_MAX} bytes: a random record's chunk) copy
   * from a read-only mapping of the file instead of making a system call (default true; needs the
   * addon and `nativeReads`). The copy is the caller's, so unlike `{ mmap: true }` nothing returned
   * ever views the file. When the file is truncated under the mapping, the read that finds out
   * (fileio.c's SIGBUS guard) and all later ones go to pread, so they answer as pread would.
   */
  mappedSmallReads?: boolean;
}

/**
 * Largest read that {@link FileSourceOptions.mappedSmallReads} serves from the mapping. The
 * mapping is advised MADV_RANDOM, so on a cold page cache each 4 KiB page faults in on its own:
 * up to here that costs about what one pread does; longer reads go to pread, whose system call is
 * then a small part of the copy.
 */
export const MAPPED_READ_MAX = 16 * 1024;

/**
 * Largest asynchronous read first tried without waiting (the addon's `preadCached`): a random
 * record's chunk, from the page cache, without a trip through libuv's thread pool (~20 k such
 * reads/s one at a time here, against hundreds of thousands). Larger reads (readahead spans) keep
 * the thread pool, whose copy then overlaps the caller's decoding.
 */
export const CACHED_READ_MAX = 64 * 1024;

/**
 * A local file's descriptor, open until closed: what both local byte sources ({@link FileByteSource}
 * and the mapped one) keep. Closing never invalidates bytes already returned.
 */
export abstract class OpenLocalFile {
  private fd: number | undefined;

  protected constructor(
    /** The file's path. */
    readonly name: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** The file's descriptor (kept open while the source is), for the parallel reader's workers. */
  fileDescriptor(): number {
    return this.descriptor();
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    fs.closeSync(fd);
  }

  /** The descriptor; CLOSED once {@link closeSync} ran. */
  protected descriptor(): number {
    if (this.fd === undefined) throw new ArrayRecordError("CLOSED", "file is closed", { file: this.name });
    return this.fd;
  }
}

/** A {@link ByteSource} over a local file. */
export class FileByteSource extends OpenLocalFile implements ByteSource {
  private readonly preadInto: FileIoAddon["preadInto"] | undefined;
  /** The addon's non-blocking read, until it says this file does not support it. */
  private preadCached: FileIoAddon["preadCached"] | undefined;
  /** The mapForReads id once a small read made one, null when not wanted or not possible. */
  private mappingId: number | null | undefined;

  private constructor(
    name: string,
    fd: number,
    readonly size: number,
    options: FileSourceOptions,
  ) {
    super(name, fd);
    this.preadInto = options.nativeReads !== false ? fileIoAddon?.preadInto : undefined;
    this.preadCached = options.nativeReads !== false ? fileIoAddon?.preadCached : undefined;
    if (this.preadInto === undefined || options.mappedSmallReads === false) this.mappingId = null;
  }

  /** Opens `path` for reading. */
  static openSync(path: string, options: FileSourceOptions = {}): FileByteSource {
    const fd = wrapIo(path, () => fs.openSync(path, "r"));
    try {
      return new FileByteSource(path, fd, fs.fstatSync(fd).size, options);
    } catch (e) {
      fs.closeSync(fd);
      throw ioError(path, e);
    }
  }

  /** Async {@link openSync}. */
  static async open(path: string, options: FileSourceOptions = {}): Promise<FileByteSource> {
    // A plain descriptor (not a FileHandle, which closes itself when collected) serves both read paths.
    const fd = await new Promise<number>((resolve, reject) => fs.open(path, "r", (err, fd) => (err ? reject(ioError(path, err)) : resolve(fd))));
    try {
      const stats = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))));
      return new FileByteSource(path, fd, stats.size, options);
    } catch (e) {
      fs.closeSync(fd);
      throw ioError(path, e);
    }
  }

  readSync(position: number, length: number): Uint8Array {
    const out = allocBytes(Math.max(0, Math.min(length, this.size - position)));
    const n = this.readIntoSync(position, out);
    // No second view of a complete read (~0.06 µs each): a random read makes one per record.
    return freshIfLarge(n === out.length ? out : out.subarray(0, n));
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - position)));
    return freshIfLarge(plainView(out, await this.readInto(position, out)));
  }

  readIntoSync(position: number, target: Uint8Array): number {
    const fd = this.descriptor();
    if (target.length <= MAPPED_READ_MAX && this.mappingId !== null) {
      const n = this.readMapped(fd, position, target);
      if (n >= 0) return n;
    }
    try {
      return preadFully(fd, target, position, this.preadInto);
    } catch (e) {
      throw ioError(this.name, e);
    }
  }

  /**
   * A small read copied from the mapping (made on the first one): no system call. -1 when there is
   * no mapping (it could not be made, or it was dropped): the caller reads with pread instead.
   */
  private readMapped(fd: number, position: number, target: Uint8Array): number {
    const addon = fileIoAddon!;
    this.mappingId ??= addon.mapForReads(fd, this.size);
    if (this.mappingId === null) return -1;
    const n = addon.readMapped(this.mappingId, target, position);
    if (n >= 0) return n;
    // The file lost pages under the mapping (truncated by another process): drop the mapping and
    // read with pread from now on, this read included, so callers see what pread says of the file.
    addon.unmapForReads(this.mappingId);
    this.mappingId = null;
    return -1;
  }

  readCachedSync(position: number, length: number): Uint8Array | undefined {
    const fd = this.descriptor();
    const want = Math.max(0, Math.min(length, this.size - position));
    if (this.preadCached === undefined || want > CACHED_READ_MAX) return undefined;
    const out = allocBytes(want);
    return this.readCachedInto(fd, position, out) === want ? out : undefined;
  }

  /** What of a read the page cache holds, read now without waiting for a disk (0 when not supported here). Callers keep to {@link CACHED_READ_MAX}. */
  private readCachedInto(fd: number, position: number, target: Uint8Array): number {
    if (this.preadCached === undefined) return 0;
    const n = this.preadCached(fd, target, position);
    if (n >= 0) return n;
    this.preadCached = undefined; // not supported here: the thread pool reads this file from now on
    return 0;
  }

  override closeSync(): void {
    if (this.mappingId != null) fileIoAddon!.unmapForReads(this.mappingId);
    this.mappingId = null;
    super.closeSync();
  }

  async readInto(position: number, target: Uint8Array): Promise<number> {
    const fd = this.descriptor();
    let done = target.length <= CACHED_READ_MAX ? this.readCachedInto(fd, position, target) : 0;
    while (done < target.length) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.read(fd, target, done, target.length - done, position + done, (err, bytesRead) => (err ? reject(ioError(this.name, err)) : resolve(bytesRead))),
      );
      if (n === 0) break;
      done += n;
    }
    return done;
  }

}

/**
 * Marks reads that may hold a chunk split by a block header as fresh (decoders reassemble those in
 * place); small reads are not worth the WeakSet entry (a split small chunk is copied, cheaply).
 */
function freshIfLarge(bytes: Uint8Array): Uint8Array {
  return bytes.length > 8192 ? markFresh(bytes) : bytes;
}

/**
 * A plain Uint8Array view of a Buffer's first `length` bytes: decoders take many subarrays, and
 * Buffer's own subarray is several times slower than Uint8Array's.
 */
function plainView(buffer: Buffer, length: number): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

/**
 * Fills `target` from byte `position` of the file open as `fd`, retrying short reads; the bytes
 * read (fewer only at the end of the file). Through `preadInto` (the addon's, ~0.7 µs a call) when
 * given, else `fs.readSync` (the portable path). Errors are thrown as they come: callers name the file.
 */
export function preadFully(fd: number, target: Uint8Array, position: number, preadInto: FileIoAddon["preadInto"] | undefined): number {
  if (preadInto !== undefined) return preadInto(fd, target, position);
  let done = 0;
  while (done < target.length) {
    const n = fs.readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Runs a file operation, turning a Node error into an IO {@link ArrayRecordError}. */
export function wrapIo<T>(file: string, operation: () => T): T {
  try {
    return operation();
  } catch (e) {
    throw ioError(file, e);
  }
}

/** An IO {@link ArrayRecordError} for a Node error on `file`. */
export function ioError(file: string, e: unknown): ArrayRecordError {
  if (e instanceof ArrayRecordError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ArrayRecordError("IO", message, { file }, { cause: e });
}
