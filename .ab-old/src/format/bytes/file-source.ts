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
}

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

  private constructor(
    name: string,
    fd: number,
    readonly size: number,
    options: FileSourceOptions,
  ) {
    super(name, fd);
    this.preadInto = options.nativeReads !== false ? fileIoAddon?.preadInto : undefined;
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
    return freshIfLarge(out.subarray(0, this.readIntoSync(position, out)));
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - position)));
    return freshIfLarge(plainView(out, await this.readInto(position, out)));
  }

  readIntoSync(position: number, target: Uint8Array): number {
    const fd = this.descriptor();
    try {
      return preadFully(fd, target, position, this.preadInto);
    } catch (e) {
      throw ioError(this.name, e);
    }
  }

  async readInto(position: number, target: Uint8Array): Promise<number> {
    const fd = this.descriptor();
    let done = 0;
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
 * A plain Uint8Array view of a Buffer's first `length` bytes: decoders take many subarrays, and
 * Buffer's own subarray is several times slower than Uint8Array's.
 */
/**
 * Marks reads that may hold a chunk split by a block header as fresh (decoders reassemble those in
 * place); small reads are not worth the WeakSet entry (a split small chunk is copied, cheaply).
 */
function freshIfLarge(bytes: Uint8Array): Uint8Array {
  return bytes.length > 8192 ? markFresh(bytes) : bytes;
}

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
