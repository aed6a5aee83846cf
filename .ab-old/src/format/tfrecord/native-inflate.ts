/**
 * Asynchronous streaming GZIP/ZLIB decompression with node:zlib's native inflate (zlib on libuv's
 * thread pool): 3–4× faster than fflate's JavaScript inflater, so the async TFRecord reader (and
 * the CLI, which uses it) keeps up with TensorFlow.
 *
 * Checks: zlib verifies every GZIP member's CRC-32 and ISIZE and the ZLIB Adler-32 itself (CORRUPT
 * on mismatch) and reports a stream cut short (TRUNCATED). zlib stops at the end of a ZLIB stream
 * and ignores what follows, so for ZLIB our own trailer check stays: the Adler-32 of all the output
 * must be the file's last 4 bytes (trailing bytes are CORRUPT, as on the sync path). GZIP keeps
 * zlib's per-member checks; like gzip(1), zlib accepts trailing zero padding after the last member.
 */
import { createGunzip, createInflate, type Gunzip, type Inflate } from "node:zlib";
import { ArrayRecordError } from "../errors.js";
import { adler32 } from "./compression.js";

/**
 * Compressed bytes handed to zlib per step. DEFLATE expands at most ~1032:1, so one step's output
 * stays below ~64 MiB even for a decompression bomb; the caller consumes it before the next step.
 */
const STEP_BYTES = 64 * 1024;
/** Size of the buffers zlib fills (fewer, larger callbacks than its 16 KiB default). */
const OUTPUT_CHUNK_BYTES = 256 * 1024;

/** One GZIP or ZLIB stream decompressed by node:zlib, fed chunk by chunk. */
export class NativeInflater {
  private readonly zlib: Gunzip | Inflate;
  private output: Uint8Array[] = [];
  private failure: Error | undefined;
  private ended = false;
  /** Compressed bytes handed to zlib so far (error offsets are in the compressed file). */
  private consumed = 0;
  /** ZLIB only: Adler-32 of the output so far, and the last 4 compressed bytes seen. */
  private adler = 1;
  private tail = new Uint8Array(0);

  constructor(
    private readonly compression: "gzip" | "zlib",
    private readonly file?: string,
  ) {
    this.zlib = compression === "gzip" ? createGunzip({ chunkSize: OUTPUT_CHUNK_BYTES }) : createInflate({ chunkSize: OUTPUT_CHUNK_BYTES });
    this.zlib.on("data", (data: Buffer) => {
      const view = new Uint8Array(data.buffer, data.byteOffset, data.length);
      if (compression === "zlib") this.adler = adler32(view, this.adler);
      this.output.push(view);
    });
    this.zlib.on("error", (e: Error) => {
      this.failure ??= e;
    });
    // zlib may end its output early: at the end of a ZLIB stream followed by more bytes.
    this.zlib.once("end", () => {
      this.ended = true;
    });
  }

  /**
   * Decompresses `chunk`, yielding the output of each bounded step (each buffer fresh, never
   * reused) so the caller consumes it before more is produced. Pipelined: zlib inflates step k+1
   * on the thread pool while the caller handles the output of step k, so at most two steps of
   * output are held.
   */
  async *push(chunk: Uint8Array): AsyncGenerator<Uint8Array[], void, undefined> {
    let previous: Promise<void> | undefined;
    for (let pos = 0; pos < chunk.length; pos += STEP_BYTES) {
      const step = chunk.subarray(pos, pos + STEP_BYTES);
      // Bytes after the end of the stream: zlib takes no more (our trailer check then fails).
      const writing = this.ended || this.failure ? Promise.resolve() : this.settled((done) => this.zlib.write(step, done));
      this.consumed += step.length;
      if (this.compression === "zlib") this.keepTail(step);
      if (previous !== undefined) yield await this.outputAfter(previous);
      previous = writing;
    }
    if (previous !== undefined) yield await this.outputAfter(previous);
  }

  /** Stops zlib (a reader that gives up early must not leave it running). */
  destroy(): void {
    this.zlib.destroy();
  }

  /** The output so far, once `written` has settled; throws zlib's failure. */
  private async outputAfter(written: Promise<void>): Promise<Uint8Array[]> {
    await written;
    if (this.failure) throw this.wrap(this.failure);
    return this.take();
  }

  /** Ends the stream: returns the last output; throws if the stream is cut short or damaged. */
  async end(): Promise<Uint8Array[]> {
    // An empty compressed file holds no records (TensorFlow reads it as empty, too).
    if (this.consumed === 0) {
      this.zlib.destroy();
      return [];
    }
    if (!this.failure && !this.ended) {
      await this.settled((done) => {
        this.zlib.once("end", done);
        this.zlib.end();
      });
    }
    if (this.failure) throw this.wrap(this.failure);
    if (this.compression === "zlib") this.checkZlibTrailer();
    return this.take();
  }

  /**
   * Waits until `start`'s callback runs, zlib fails or its output ends: after an error (or an early
   * end) zlib may never call back the write in progress, so waiting on the callback alone could hang.
   */
  private settled(start: (done: () => void) => void): Promise<void> {
    if (this.failure) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.zlib.off("error", done);
        this.zlib.off("end", done);
        resolve();
      };
      this.zlib.once("error", done);
      this.zlib.once("end", done);
      start(done);
    });
  }

  private take(): Uint8Array[] {
    const out = this.output;
    this.output = [];
    return out;
  }

  private keepTail(step: Uint8Array): void {
    if (step.length >= 4) this.tail = step.slice(step.length - 4);
    else {
      const joined = new Uint8Array(this.tail.length + step.length);
      joined.set(this.tail);
      joined.set(step, this.tail.length);
      this.tail = joined.slice(Math.max(0, joined.length - 4));
    }
  }

  private checkZlibTrailer(): void {
    const t = this.tail;
    const stored = t.length === 4 ? ((t[0]! << 24) | (t[1]! << 16) | (t[2]! << 8) | t[3]!) >>> 0 : -1;
    if (stored !== this.adler) {
      throw new ArrayRecordError("CORRUPT", "zlib trailer does not match the decompressed data (bytes after the stream, or damaged)", {
        file: this.file,
        offset: this.consumed - t.length,
      });
    }
  }

  private wrap(e: Error): ArrayRecordError {
    if (e instanceof ArrayRecordError) return e;
    // zlib's "unexpected end of file" (Z_BUF_ERROR): the compressed stream stops early.
    const truncated = (e as { code?: string }).code === "Z_BUF_ERROR";
    return new ArrayRecordError(truncated ? "TRUNCATED" : "CORRUPT", `cannot decompress ${this.compression}: ${e.message}`, {
      file: this.file,
      offset: this.consumed,
    }, { cause: e });
  }
}
