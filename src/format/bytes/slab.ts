/**
 * Small byte arrays carved out of shared slabs. V8 allocates each typed array of more than a few
 * dozen bytes separately (about 1.2 µs for 1.3 KB here, more than decoding the record), so decoded
 * chunks and small reads take views of a 128 KiB slab instead, as Node's Buffer pool does. A view
 * keeps its whole slab alive: copy records (`slice()`) to keep a few of many for long.
 */

const SLAB_SIZE = 128 * 1024;
/** Larger requests get their own allocation. */
const MAX_SLAB_REQUEST = 8 * 1024;

let slab = new Uint8Array(0);
let used = 0;

/**
 * An array of `n` bytes that no one else uses (slab space is never handed out twice), for the
 * caller to fill completely: large ones are not zeroed first.
 */
export function allocBytes(n: number): Uint8Array {
  if (n > MAX_SLAB_REQUEST) return ownedBytes(n);
  if (used + n > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    used = 0;
  }
  const out = new Uint8Array(slab.buffer, used, n); // not subarray: see views.ts
  // Keep views 8-byte aligned, which Arrow and DataView users appreciate.
  used = (used + n + 7) & ~7;
  return out;
}

/**
 * `n` bytes not zeroed first (the caller overwrites them all) in an ArrayBuffer of their own, so
 * they can be transferred to another thread; as a plain Uint8Array: Buffer's own subarray is
 * several times slower, and decoders take many views.
 */
export function ownedBytes(n: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, n);
}

/**
 * `buffer` when it holds `length` bytes, else a new one of at least `length` bytes: twice the old
 * size up to `cap`, so a reused buffer grows in a few steps.
 */
export function grownBytes(buffer: Uint8Array | undefined, length: number, cap = Infinity): Uint8Array {
  if (buffer !== undefined && buffer.length >= length) return buffer;
  return allocBytes(Math.max(length, Math.min(cap, 2 * (buffer?.length ?? 0))));
}

/**
 * `buffer` when it holds `length` bytes, else a new one of at least twice its size (not zeroed)
 * holding a copy of its first `keep` bytes: for output gathered piece by piece.
 */
export function grownKeeping(buffer: Uint8Array, length: number, keep: number): Uint8Array {
  if (buffer.length >= length) return buffer;
  const grown = ownedBytes(Math.max(length, 2 * buffer.length));
  grown.set(buffer.subarray(0, keep));
  return grown;
}

/** Reads whose bytes belong to the reader alone (see {@link markFresh}). */
const freshReads = new WeakSet<Uint8Array>();

/**
 * Marks `bytes` as a fresh read no one else holds (a file read into a new allocation), so a
 * decoder may reuse its memory in place (chunk-reader's `inPlace` windows).
 */
export function markFresh(bytes: Uint8Array): Uint8Array {
  freshReads.add(bytes);
  return bytes;
}

/** True for bytes {@link markFresh} marked. */
export function isFresh(bytes: Uint8Array): boolean {
  return freshReads.has(bytes);
}
