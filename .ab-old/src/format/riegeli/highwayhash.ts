/**
 * HighwayHash-64 (Google's HighwayHash, 64-bit result, the standard portable algorithm), as used
 * by the Riegeli container to hash block headers, chunk headers and chunk data (FORMAT.md §3).
 *
 * Two interchangeable engines compute it; the public functions below hide which one runs:
 *
 * - a WebAssembly SIMD engine (the module bytes are assembled at load time by a small encoder in
 *   this file; each pair of the four 64-bit lanes lives in one `v128`, so the 32x32->64 multiplies
 *   are widening SIMD multiplies and the "zipper merge" is one byte permutation), used when the
 *   runtime can compile it, the host is little-endian, and it agrees with the portable engine on
 *   a self-check at load time;
 * - a portable engine in plain TypeScript doing the 64-bit arithmetic on pairs of 32-bit halves,
 *   used otherwise;
 * - for Riegeli-keyed inputs of 16 KiB or more, the native `highwayhash` addon when it is
 *   installed and passes its self-check (highwayhash-native.ts): ~4x the WebAssembly speed there.
 *
 * Neither allocates per call (except for a view per 64 KiB piece of inputs longer than 64 KiB).
 * Both keep module-level scratch state, which is safe because each call runs to completion
 * synchronously (worker threads get their own module instance).
 */

import { createWasmEngine } from "./highwayhash-wasm.js";
import { portableHash } from "./highwayhash-portable.js";
import { NATIVE_MIN_BYTES, loadNativeRiegeliHash } from "./highwayhash-native.js";
import {
  RIEGELI_HASH_KEY,
  RIEGELI_KEY_WORDS,
  keyToWords,
  result,
  type Engine,
  type HighwayHashKey,
} from "./highwayhash-shared.js";

export { RIEGELI_HASH_KEY } from "./highwayhash-shared.js";

/** Scratch words for a caller's key. */
const customKeyWords = new Int32Array(8);


/**
 * True when `engine` agrees with the portable engine on inputs reaching every branch of the
 * module (no, odd, 4-aligned, >= 16-byte partial packets; one and several full packets; both
 * keys). Kept small: at load time the portable engine still runs unoptimized.
 */
function agreesWithPortable(engine: Engine): boolean {
  const sample = new Uint8Array(101);
  for (let i = 0; i < sample.length; i++) sample[i] = (i * 31 + 7) & 0xff;
  for (const len of [0, 3, 16, 21, 32, 63, 100]) {
    for (const key of [null, RIEGELI_KEY_WORDS]) {
      const data = sample.subarray(1, 1 + len);
      portableHash(data, key);
      const lo = result[0], hi = result[1];
      engine(data, key);
      if (result[0] !== lo || result[1] !== hi) return false;
    }
  }
  return true;
}

function selectEngine(): Engine {
  const wasm = createWasmEngine();
  return wasm !== null && agreesWithPortable(wasm) ? wasm : portableHash;
}

/** The engine in use (WebAssembly SIMD where available, else portable). */
const smallEngine: Engine = selectEngine();
const native = loadNativeRiegeliHash();

/** {@link smallEngine}, with large Riegeli-keyed inputs going to the native addon when loaded. */
const engine: Engine =
  native === null ? smallEngine : (data, key) => (key === null && data.length >= NATIVE_MIN_BYTES ? native(data) : smallEngine(data, key));

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * HighwayHash-64 of `data` with `key` (default: {@link RIEGELI_HASH_KEY}), as an unsigned 64-bit
 * bigint. Throws RangeError if a key word is not a bigint in [0, 2^64).
 */
export function highwayHash64(data: Uint8Array, key: HighwayHashKey = RIEGELI_HASH_KEY): bigint {
  engine(data, key === RIEGELI_HASH_KEY ? null : keyToWords(key, customKeyWords));
  return (BigInt(result[1]! >>> 0) << 32n) | BigInt(result[0]! >>> 0);
}

/**
 * True when the Riegeli-keyed HighwayHash-64 of `data` equals the little-endian u64 stored at
 * `stored[storedOffset, storedOffset + 8)`. Throws RangeError unless `storedOffset` is an integer
 * with those 8 bytes inside `stored`.
 */
export function riegeliHashMatches(data: Uint8Array, stored: Uint8Array, storedOffset: number): boolean {
  const o = storedOffset;
  if (o >>> 0 !== o || o + 8 > stored.length) throw new RangeError(`stored hash offset ${o} out of range`);
  engine(data, null);
  const lo = stored[o]! | (stored[o + 1]! << 8) | (stored[o + 2]! << 16) | (stored[o + 3]! << 24);
  const hi = stored[o + 4]! | (stored[o + 5]! << 8) | (stored[o + 6]! << 16) | (stored[o + 7]! << 24);
  return lo === result[0] && hi === result[1];
}

/**
 * Writes the Riegeli-keyed HighwayHash-64 of `data` as a little-endian u64 at
 * `out[outOffset, outOffset + 8)`. Throws RangeError unless `outOffset` is an integer with those
 * 8 bytes inside `out`.
 */
export function writeRiegeliHash(data: Uint8Array, out: Uint8Array, outOffset: number): void {
  const o = outOffset;
  if (o >>> 0 !== o || o + 8 > out.length) throw new RangeError(`hash output offset ${o} out of range`);
  engine(data, null);
  const lo = result[0]!, hi = result[1]!;
  out[o] = lo; out[o + 1] = lo >>> 8; out[o + 2] = lo >>> 16; out[o + 3] = lo >>> 24;
  out[o + 4] = hi; out[o + 5] = hi >>> 8; out[o + 6] = hi >>> 16; out[o + 7] = hi >>> 24;
}
