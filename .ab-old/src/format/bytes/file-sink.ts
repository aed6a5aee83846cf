/**
 * Atomic file output: bytes go to a hidden temporary file beside the target (`.NAME.tmp-…`),
 * which is fsynced and renamed over the target on commit, then the directory is fsynced. On abort
 * the temporary file is removed. A crash never leaves a complete-looking file under the final name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { ArrayRecordError } from "../errors.js";
import { ioError, wrapIo } from "./file-source.js";

/** Where encoded bytes go. */
export interface ByteSink {
  /** A name for error messages (the final path). */
  readonly name: string;
  /** Appends bytes. */
  writeSync(bytes: Uint8Array): void;
  /** Async {@link writeSync}. */
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the written bytes durable and visible under the final name. */
  commitSync(): void;
  /** Async {@link commitSync}. */
  commit(): Promise<void>;
  /** Discards everything written. Idempotent; never throws. */
  abortSync(): void;
}

/** Options of {@link AtomicFileSink}. */
export interface AtomicFileSinkOptions {
  /**
   * fsync the file before the rename and the directory after it, so a committed file survives a
   * power loss. Default true; turn off only for scratch output (the rename stays atomic).
   */
  fsync?: boolean;
}

/** A {@link ByteSink} writing `target` atomically through a temporary file in the same directory. */
export class AtomicFileSink implements ByteSink {
  /** The temporary file being written. */
  readonly tempPath: string;
  private fd: number | undefined;

  private constructor(
    readonly name: string,
    tempPath: string,
    fd: number,
    private readonly durable: boolean,
  ) {
    this.tempPath = tempPath;
    this.fd = fd;
  }

  /** Creates the temporary file for `target` (removing those a killed writer of `target` left). */
  static createSync(target: string, options: AtomicFileSinkOptions = {}): AtomicFileSink {
    removeStaleTemporaries(target);
    const tempPath = temporaryPathFor(target);
    const fd = wrapIo(target, () => fs.openSync(tempPath, "wx", 0o644));
    return new AtomicFileSink(target, tempPath, fd, options.fsync ?? true);
  }

  /** Async {@link createSync}. */
  static async create(target: string, options: AtomicFileSinkOptions = {}): Promise<AtomicFileSink> {
    removeStaleTemporaries(target);
    const tempPath = temporaryPathFor(target);
    const fd = await new Promise<number>((resolve, reject) =>
      fs.open(tempPath, "wx", 0o644, (err, fd) => (err ? reject(ioError(target, err)) : resolve(fd))),
    );
    return new AtomicFileSink(target, tempPath, fd, options.fsync ?? true);
  }

  writeSync(bytes: Uint8Array): void {
    const fd = this.descriptor();
    let done = 0;
    while (done < bytes.length) done += wrapIo(this.name, () => fs.writeSync(fd, bytes, done, bytes.length - done));
  }

  async write(bytes: Uint8Array): Promise<void> {
    const fd = this.descriptor();
    let done = 0;
    while (done < bytes.length) {
      done += await new Promise<number>((resolve, reject) =>
        fs.write(fd, bytes, done, bytes.length - done, null, (err, n) => (err ? reject(ioError(this.name, err)) : resolve(n))),
      );
    }
  }

  commitSync(): void {
    const fd = this.descriptor();
    wrapIo(this.name, () => {
      if (this.durable) fs.fsyncSync(fd);
      fs.closeSync(fd);
      this.fd = undefined;
      fs.renameSync(this.tempPath, this.name);
    });
    if (this.durable) syncDirectory(path.dirname(this.name));
  }

  async commit(): Promise<void> {
    const fd = this.descriptor();
    this.fd = undefined;
    try {
      if (this.durable) {
        await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(ioError(this.name, err)) : resolve())));
      }
    } finally {
      fs.closeSync(fd);
    }
    await fs.promises.rename(this.tempPath, this.name).catch((e: unknown) => {
      throw ioError(this.name, e);
    });
    if (this.durable) syncDirectory(path.dirname(this.name));
  }

  abortSync(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // Already unusable: removing the file below is what matters.
      }
      this.fd = undefined;
    }
    try {
      fs.unlinkSync(this.tempPath);
    } catch {
      // Gone already (or never created): nothing to clean.
    }
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new ArrayRecordError("CLOSED", "file is closed", { file: this.name });
    return this.fd;
  }
}

/** Collects written bytes in memory; {@link bytes} gives the result after commit. */
export class MemoryByteSink implements ByteSink {
  private pieces: Uint8Array[] = [];
  private result: Uint8Array | undefined;

  constructor(readonly name = "<memory>") {}

  writeSync(bytes: Uint8Array): void {
    this.pieces.push(new Uint8Array(bytes)); // a copy: writers reuse their buffers
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.writeSync(bytes);
  }

  commitSync(): void {
    const result = new Uint8Array(this.pieces.reduce((n, piece) => n + piece.length, 0));
    let at = 0;
    for (const piece of this.pieces) {
      result.set(piece, at);
      at += piece.length;
    }
    this.result = result;
    this.pieces = [];
  }

  async commit(): Promise<void> {
    this.commitSync();
  }

  abortSync(): void {
    this.pieces = [];
  }

  /** The committed bytes. */
  get bytes(): Uint8Array {
    if (this.result === undefined) throw new ArrayRecordError("CLOSED", "memory sink not committed yet");
    return this.result;
  }
}

/** A hidden name beside `target`, unique per call: `.NAME.tmp-PID-RANDOM`. */
export function temporaryPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
}

/**
 * Removes the temporary files of `target` (`.NAME.tmp-PID-RANDOM`) whose writing process is gone
 * (killed before it could commit or abort). Files of live processes are left alone; so is
 * everything when the directory cannot be read. Returns the paths removed.
 */
export function removeStaleTemporaries(target: string): string[] {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)-[0-9a-f]{12}$/.exec(name.slice(prefix.length));
    if (match === null || processIsAlive(Number(match[1]))) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(path.join(dir, name));
    } catch {
      // Removed by someone else meanwhile, or not ours to remove: leave it.
    }
  }
  return removed;
}

/** True unless the system says no process has this id (ESRCH). */
function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Fsyncs a directory so renames in it are durable; best effort where directories cannot be opened. */
export function syncDirectory(directory: string): void {
  // Makes the rename durable. Some platforms cannot open directories; the rename still happened.
  let fd: number | undefined;
  try {
    fd = fs.openSync(directory, "r");
    fs.fsyncSync(fd);
  } catch {
    // Not supported here (e.g. Windows): best effort.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
