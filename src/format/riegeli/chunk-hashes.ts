/**
 * Verifying (reader) or writing (writer) the hashes of many chunks in one native call (our
 * `native/chunkhash` addon: HighwayHash-64 with AVX2, written from the algorithm): a 1.3 KB chunk's
 * two hashes cost ~330 ns through the WebAssembly engine, most of it per-call work, and a reader
 * checks (a writer computes) one such pair per record of a group_size:1 file. The verifying call
 * marks the chunks it verified on the window; the chunk parser then skips their hashes and
 * verifies every other chunk itself, so errors (and their offsets) are the parser's. A chunk read
 * alone (a random read) is verified by a function bound to the key and, when all is well, handed
 * over as its in-place header (`verifiedSimpleChunkAt`). Without the addon (not built, or no AVX2)
 * nothing is marked or handed over and writers hash each chunk as they lay it out.
 */
import { simpleChunkAsIs, type FileWindow } from "./chunk-reader.js";
import type { ChunkHeader } from "./chunk-header.js";
import { addon, KEY, type ChunkHashAddon } from "./chunkhash-addon.js";

/** True when chunk hashes are verified natively here (tests and benchmarks ask). */
export const nativeChunkHashes: boolean = addon !== null;

/**
 * Verifies, in one native call, the hashes of the chunks beginning at `offsets[from..to)` that
 * lie inside one block and inside `window`, and returns the window with them marked (the parser
 * skips their hashes). The window's bytes must not change before those chunks are parsed, except
 * by the parser itself. Returns `window` unchanged when there is no native engine.
 */
export function withVerifiedChunks(window: FileWindow, offsets: Float64Array, from: number, to: number): FileWindow {
  if (addon === null || to <= from) return window;
  const begins = offsets.subarray(from, to);
  const flags = new Uint8Array(to - from);
  if (addon.verifyChunks(KEY, window.bytes, window.start, begins, begins.length, flags) === 0) return window;
  return markedWindow(window, new VerifiedChunks(begins, flags));
}

/**
 * The header of the simple chunk read alone into `bytes` (`bytes[0]` is file position `begin`)
 * when the native engine verifies both its hashes with header and data inside one block and the
 * parser would take it as it is (`simpleChunkAsIs`); else undefined (no engine, damage, a split or
 * transposed chunk), and the caller parses the chunk in full, which reports what is wrong. A
 * random read's fast path: one native call of a verifier bound to the key (one typed array; each
 * costs an N-API call ~40 ns), the header read in place, no window, parse or chunk objects.
 */
export function verifiedSimpleChunkAt(bytes: Uint8Array, begin: number, limit: number): ChunkHeader | undefined {
  if (verifyOne === null || !verifyOne(bytes, begin, begin)) return undefined;
  return simpleChunkAsIs(bytes, 0, begin, limit);
}

/** The addon's verifier of one chunk, bound to the Riegeli key. */
const verifyOne = addon?.chunkVerifier(KEY) ?? null;

/**
 * `window` with `verified`, as a literal of its fields: `{ ...window, verified }` took ~2 µs per
 * call when random reads marked their chunk this way (130 ms per pass of 65,536 random reads,
 * `bench/ab.js … random`), the call itself ~0.2.
 */
function markedWindow(window: FileWindow, verified: NonNullable<FileWindow["verified"]>): FileWindow {
  return { bytes: window.bytes, start: window.start, inPlace: window.inPlace === true, verified };
}

/**
 * Which chunks of a span were verified: flags by chunk, found by file position. Chunks are parsed
 * in file order, so a lookup first tries the chunk after the last one found (no hashing or search
 * per chunk, and no set of 65,536 positions to build per pass).
 */
class VerifiedChunks {
  private next = 0;

  constructor(
    private readonly begins: Float64Array,
    private readonly flags: Uint8Array,
  ) {}

  has(begin: number): boolean {
    let k = this.next;
    if (this.begins[k] !== begin) k = indexOf(this.begins, begin);
    if (k < 0) return false;
    this.next = k + 1;
    return this.flags[k] === 1;
  }
}

/** Position of `value` in the ascending `sorted`, or -1. */
function indexOf(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = sorted[mid]!;
    if (at === value) return mid;
    if (at < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Chunks a writer laid out with their two hash fields unwritten (chunk-writer.ts `writeChunk`), to
 * be hashed in one native call before their bytes leave it. Measured on the group_size:1 writes of
 * the bench: ~330 ns of WebAssembly hashing and two calls per chunk become one AVX2 pass per flush.
 */
export class DeferredChunkHashes {
  private offsets = new Float64Array(1024);
  private count = 0;

  private constructor(private readonly sealNative: ChunkHashAddon["sealChunks"]) {}

  /** A deferral where the native engine is loaded; undefined elsewhere (writers hash each chunk as they lay it out). */
  static create(): DeferredChunkHashes | undefined {
    return addon === null ? undefined : new DeferredChunkHashes(addon.sealChunks);
  }

  /** Defers the hashes of the chunk at file position `begin`, whose header and data lie inside one block. */
  add(begin: number): void {
    if (this.count === this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.count++] = begin;
  }

  /**
   * Writes the hashes of every deferred chunk into `bytes`, which holds them all (`bytes[0]` is at
   * file position `start`), and forgets them. Throws TypeError, writing nothing, if one is not inside.
   */
  seal(bytes: Uint8Array, start: number): void {
    if (this.count === 0) return;
    this.sealNative(KEY, bytes, start, this.offsets, this.count);
    this.count = 0;
  }
}
