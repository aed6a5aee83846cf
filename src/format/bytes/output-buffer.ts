/** A growable byte buffer the encoder writes file bytes into, handed to the file in large pieces. */

/** Appends bytes into one reusable allocation; {@link take} hands out what was written. */
export class OutputBuffer {
  private bytes: Uint8Array;
  /** Bytes written since the last {@link take}. */
  length = 0;

  constructor(initialCapacity = 1 << 20) {
    this.bytes = new Uint8Array(initialCapacity);
  }

  /** Reserves `n` bytes at the end and returns the buffer and the offset to write them at. */
  reserve(n: number): { bytes: Uint8Array; at: number } {
    const at = this.length;
    if (at + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(at + n, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, at));
      this.bytes = grown;
    }
    this.length = at + n;
    return { bytes: this.bytes, at };
  }

  /** Gives back the last `n` bytes reserved and not written (a reservation made for the most a step could write). */
  unreserve(n: number): void {
    if (n < 0 || n > this.length) throw new RangeError(`cannot give back ${n} of ${this.length} bytes`);
    this.length -= n;
  }

  /**
   * The bytes written so far, emptying the buffer. With `reuse` the returned view is only valid
   * until the next write (for a synchronous consumer); otherwise a fresh allocation follows.
   */
  take(reuse: boolean): Uint8Array {
    const out = this.bytes.subarray(0, this.length);
    if (!reuse) this.bytes = new Uint8Array(this.bytes.length);
    this.length = 0;
    return out;
  }
}
