/** A {@link ByteSource} wrapper that reads ahead, so many small sequential reads cost one I/O. */
import type { ByteSource } from "./byte-source.js";

/** Serves reads from a buffer of at least `readahead` bytes fetched from the wrapped source. */
export class ReadaheadSource implements ByteSource {
  private buffer: Uint8Array = new Uint8Array(0);
  private bufferStart = 0;

  constructor(
    private readonly inner: ByteSource,
    private readonly readahead: number,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get size(): number {
    return this.inner.size;
  }

  readSync(position: number, length: number): Uint8Array {
    const hit = this.fromBuffer(position, length);
    if (hit !== undefined) return hit;
    this.fill(position, this.inner.readSync(position, Math.max(length, this.readahead)));
    return this.fromBuffer(position, length) ?? this.buffer.subarray(0, 0);
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const hit = this.fromBuffer(position, length);
    if (hit !== undefined) return hit;
    this.fill(position, await this.inner.read(position, Math.max(length, this.readahead)));
    return this.fromBuffer(position, length) ?? this.buffer.subarray(0, 0);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  closeSync(): void {
    this.inner.closeSync();
  }

  private fill(position: number, bytes: Uint8Array): void {
    this.buffer = bytes;
    this.bufferStart = position;
  }

  /** The requested bytes when the buffer holds them all (or all the source has). */
  private fromBuffer(position: number, length: number): Uint8Array | undefined {
    const at = position - this.bufferStart;
    const end = Math.min(at + length, this.size - this.bufferStart);
    if (at < 0 || end > this.buffer.length || at > this.buffer.length) return undefined;
    return this.buffer.subarray(at, Math.max(at, end));
  }
}
