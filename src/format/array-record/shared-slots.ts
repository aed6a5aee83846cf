/**
 * Shared memory the decode workers write decoded spans into for `forEachParallel`, reused from
 * span to span and from read to read. A span decoded into memory of its own (what
 * `readRangeParallel` returns, since its records outlive the read) must be faulted in afresh:
 * ~0.5 ms per MB here, more than a worker takes to verify an uncompressed megabyte. A slot comes
 * back once its span's records have been visited, and is written again by a later span.
 */

/** Smallest slot allocated: spans are about a MiB (the reader's span size). */
const MIN_SLOT_BYTES = 1 << 20;
/** Free bytes kept for later reads; beyond that, returned slots are left to the GC. */
const MAX_KEPT_BYTES = 64 << 20;
/** Free slots are let go once no read has taken one for this long. */
const IDLE_RELEASE_MS = 1000;

/** A pool of SharedArrayBuffers (whole multiples of {@link MIN_SLOT_BYTES}), kept while reads use them. */
export class SlotPool {
  private free: SharedArrayBuffer[] = [];
  private keptBytes = 0;
  private idle: ReturnType<typeof setTimeout> | undefined;

  /** A slot of at least `bytes` bytes that no one else uses until {@link give} returns it. */
  take(bytes: number): SharedArrayBuffer {
    // Smallest free slot that fits: slots grow to the largest span seen, not one per size.
    let best = -1;
    for (let k = 0; k < this.free.length; k++) {
      const size = this.free[k]!.byteLength;
      if (size >= bytes && (best < 0 || size < this.free[best]!.byteLength)) best = k;
    }
    // Whole MiBs, so spans of slightly different sizes fit the same slots.
    if (best < 0) return new SharedArrayBuffer(Math.max(1, Math.ceil(bytes / MIN_SLOT_BYTES)) * MIN_SLOT_BYTES);
    const slot = this.free[best]!;
    this.free[best] = this.free[this.free.length - 1]!;
    this.free.pop();
    this.keptBytes -= slot.byteLength;
    return slot;
  }

  /** Returns a slot no worker writes and no caller views any more. */
  give(slot: SharedArrayBuffer): void {
    if (this.keptBytes + slot.byteLength > MAX_KEPT_BYTES) return;
    this.free.push(slot);
    this.keptBytes += slot.byteLength;
    if (this.idle !== undefined) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.idle = undefined;
      this.free = [];
      this.keptBytes = 0;
    }, IDLE_RELEASE_MS);
    this.idle.unref();
  }

  /** Free bytes kept (for tests). */
  get freeBytes(): number {
    return this.keptBytes;
  }
}

let shared: SlotPool | undefined;

/** The process-wide slot pool. */
export function sharedSlotPool(): SlotPool {
  return (shared ??= new SlotPool());
}
