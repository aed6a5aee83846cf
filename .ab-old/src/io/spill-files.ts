/**
 * Spill files: a sink's records on their way to a shard, kept in the run's temporary directory
 * instead of crossing the runner's shuffle. On Flink every byte of a shuffled element goes to the
 * job server JVM and back over the Fn API; a spill file stays on the (shared) file system and only
 * its name is shuffled. Each bundle writes its own files (one per shard it touched), named with a
 * UUID, so a retried bundle never collides with the attempt it replaces; the shuffle only carries
 * names from attempts that succeeded, and finalize removes the whole temporary directory.
 *
 * A file is a sequence of frames: u32 LE payload length, a kind byte, the payload (`shard-frames.ts`:
 * a record batch, or pre-encoded ArrayRecord chunks).
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ArrayRecordError } from "../format/errors.js";
import { frameItems, type ShardItem } from "./shard-frames.js";

/** Bytes before a frame's payload: u32 LE length, kind byte. */
const FRAME_HEADER = 5;

/** An open spill file of one bundle and shard. */
export class SpillFile {
  private fd: number;
  private readonly header = Buffer.alloc(FRAME_HEADER);

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

  /** Appends one frame of `kind` whose payload is `pieces` back to back (`bytes` in all). */
  appendFrame(kind: number, pieces: Uint8Array[], bytes: number): void {
    if (bytes > 0xffffffff) throw new ArrayRecordError("INVALID_OPTIONS", `a frame of ${bytes} bytes is too large for a spill file`, { file: this.path });
    this.header.writeUInt32LE(bytes, 0);
    this.header[4] = kind;
    wrapIo(this.path, "write", () => writeAll(this.fd, [this.header, ...pieces]));
  }

  /** Closes the file (its contents are complete once this returns). */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    wrapIo(this.path, "close", () => fs.closeSync(fd));
  }
}

/**
 * The items of a spill file (records and pre-encoded chunks), in order; a frame running past the
 * end is CORRUPT.
 */
export function* readSpillFile(file: string): Generator<ShardItem> {
  const fd = wrapIo(file, "open", () => fs.openSync(file, "r"));
  try {
    const size = fs.fstatSync(fd).size;
    const header = Buffer.alloc(FRAME_HEADER);
    let position = 0;
    while (position < size) {
      if (size - position < FRAME_HEADER || fs.readSync(fd, header, 0, FRAME_HEADER, position) !== FRAME_HEADER) {
        throw new ArrayRecordError("CORRUPT", "spill file: truncated frame header", { file, offset: position });
      }
      const length = header.readUInt32LE(0);
      if (length > size - position - FRAME_HEADER) throw new ArrayRecordError("CORRUPT", `spill file: a frame of ${length} bytes runs past the end`, { file, offset: position });
      const batch = new Uint8Array(length);
      let read = 0;
      while (read < length) {
        const n = fs.readSync(fd, batch, read, length - read, position + FRAME_HEADER + read);
        if (n === 0) throw new ArrayRecordError("CORRUPT", "spill file: truncated frame", { file, offset: position });
        read += n;
      }
      const payloadOffset = position + FRAME_HEADER;
      position += FRAME_HEADER + length;
      yield* frameItems(header[4]!, batch, file, payloadOffset);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Pieces per writev call (well under every OS's IOV_MAX). */
const PIECES_PER_CALL = 512;

/** Writes `pieces` back to back at the file's position, in as few calls as the OS allows. */
function writeAll(fd: number, pieces: Uint8Array[]): void {
  for (let from = 0; from < pieces.length; from += PIECES_PER_CALL) {
    const slice = pieces.slice(from, from + PIECES_PER_CALL);
    let written = fs.writevSync(fd, slice);
    // A short write (rare, e.g. a full disk or a signal): finish piece by piece from where it stopped.
    for (const piece of slice) {
      if (written >= piece.length) {
        written -= piece.length;
        continue;
      }
      let at = written;
      written = 0;
      while (at < piece.length) at += fs.writeSync(fd, piece, at, piece.length - at);
    }
  }
}

function wrapIo<T>(file: string, what: string, action: () => T): T {
  try {
    return action();
  } catch (e) {
    if (e instanceof ArrayRecordError) throw e;
    throw new ArrayRecordError("IO", `spill file: ${what} failed: ${(e as Error).message}`, { file });
  }
}
