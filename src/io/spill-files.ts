/**
 * Spill files: a sink's records on their way to a shard, kept in the run's temporary directory
 * instead of crossing the runner's shuffle. On Flink every byte of a shuffled element goes to the
 * job server JVM and back over the Fn API; a spill file stays on the (shared) file system and only
 * its name is shuffled. Each bundle writes its own files (one per shard it touched), named with a
 * UUID, so a retried bundle never collides with the attempt it replaces; the shuffle only carries
 * names from attempts that succeeded, and finalize removes the whole temporary directory.
 *
 * A file is a sequence of frames: u32 LE length + a record batch (`transforms/record-batches.ts`).
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ArrayRecordError } from "../format/errors.js";
import { unpackRecords } from "../transforms/record-batches.js";

/** An open spill file of one bundle and shard. */
export class SpillFile {
  private fd: number;
  private readonly header = Buffer.alloc(4);

  private constructor(
    /** The file's path. */
    readonly path: string,
  ) {
    this.fd = -1;
  }

  /** Creates a new spill file for `shard` in `dir` (made if missing). */
  static create(dir: string, shard: number): SpillFile {
    fs.mkdirSync(dir, { recursive: true });
    const file = new SpillFile(path.join(dir, `spill-${shard}-${randomUUID()}`));
    file.fd = wrapIo(file.path, "create", () => fs.openSync(file.path, "wx"));
    return file;
  }

  /** Appends one record batch. */
  append(batch: Uint8Array): void {
    if (batch.length > 0xffffffff) throw new ArrayRecordError("INVALID_OPTIONS", `a record batch of ${batch.length} bytes is too large for a spill frame`, { file: this.path });
    this.header.writeUInt32LE(batch.length, 0);
    wrapIo(this.path, "write", () => {
      writeFully(this.fd, this.header);
      writeFully(this.fd, batch);
    });
  }

  /** Closes the file (its contents are complete once this returns). */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    wrapIo(this.path, "close", () => fs.closeSync(fd));
  }
}

/** The records of a spill file, in order; a frame running past the end is CORRUPT. */
export function* readSpillFile(file: string): Generator<Uint8Array> {
  const fd = wrapIo(file, "open", () => fs.openSync(file, "r"));
  try {
    const size = fs.fstatSync(fd).size;
    const header = Buffer.alloc(4);
    let position = 0;
    while (position < size) {
      if (size - position < 4 || fs.readSync(fd, header, 0, 4, position) !== 4) throw new ArrayRecordError("CORRUPT", "spill file: truncated frame header", { file, offset: position });
      const length = header.readUInt32LE(0);
      if (length > size - position - 4) throw new ArrayRecordError("CORRUPT", `spill file: a frame of ${length} bytes runs past the end`, { file, offset: position });
      const batch = new Uint8Array(length);
      let read = 0;
      while (read < length) {
        const n = fs.readSync(fd, batch, read, length - read, position + 4 + read);
        if (n === 0) throw new ArrayRecordError("CORRUPT", "spill file: truncated frame", { file, offset: position });
        read += n;
      }
      position += 4 + length;
      yield* unpackRecords(batch);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function writeFully(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
}

function wrapIo<T>(file: string, what: string, action: () => T): T {
  try {
    return action();
  } catch (e) {
    if (e instanceof ArrayRecordError) throw e;
    throw new ArrayRecordError("IO", `spill file: ${what} failed: ${(e as Error).message}`, { file });
  }
}
