/**
 * A byte buffer filled from its end towards its start, as the transposed decoder produces records
 * last byte first. It never holds more than the chunk's declared decoded size; it starts at a
 * size the caller derives from the bytes really present and doubles only as output appears, so a
 * false size claim cannot make it allocate.
 */
import { ArrayRecordError } from "../errors.js";


/** Output written back to front, at most `limit` bytes. */
export class BackwardOutput {
  /** The buffer; the written bytes are `bytes[start, bytes.length)`. */
  bytes: Uint8Array;
  /** First written byte in {@link bytes}. */
  start: number;

  /** `limit`: the declared decoded size; `initial`: bytes to allocate up front (at most `limit`). */
  constructor(
    private readonly limit: number,
    private readonly fileOffset: number,
    initial: number,
  ) {
    this.bytes = new Uint8Array(Math.min(limit, initial));
    this.start = this.bytes.length;
  }

  /** Bytes written so far. */
  get written(): number {
    return this.bytes.length - this.start;
  }

  /** Makes room for `n` more bytes before {@link start}; returns the new start to write at. */
  reserve(n: number): number {
    if (n > this.start) this.grow(n);
    this.start -= n;
    return this.start;
  }

  private grow(n: number): void {
    const written = this.written;
    const needed = written + n;
    if (needed > this.limit) {
      throw new ArrayRecordError("CORRUPT", `transposed chunk: records exceed the declared decoded size ${this.limit}`, { offset: this.fileOffset });
    }
    const next = new Uint8Array(Math.min(this.limit, Math.max(needed, 2 * this.bytes.length)));
    next.set(this.bytes.subarray(this.start), next.length - written);
    this.bytes = next;
    this.start = next.length - written;
  }

  /** The written bytes in order (a view when the buffer is exactly full). */
  result(): Uint8Array {
    return this.start === 0 ? this.bytes : this.bytes.subarray(this.start);
  }
}
