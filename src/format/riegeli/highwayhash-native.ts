/**
 * The native HighwayHash engine for large inputs: the `highwayhash` npm addon (Google's C++
 * HighwayHash with AVX2 where the CPU has it, built from source by node-gyp on install), an
 * optional dependency. Measured here: 11.9 GB/s on 330 KB chunks against 2–3.5 GB/s for the
 * WebAssembly engine, but 0.8 µs of fixed cost per call, so only inputs of at least
 * {@link NATIVE_MIN_BYTES} go to it. When the addon is missing, fails to load (e.g. in a worker
 * thread, if it is not context-aware) or disagrees with the portable engine at load time, the
 * WebAssembly / portable engines do all the work.
 */
import { createRequire } from "node:module";
import { portableHash } from "./highwayhash-portable.js";
import { RIEGELI_HASH_KEY, keyToBytes, result } from "./highwayhash-shared.js";

/** Inputs at least this long are hashed natively (below it the per-call cost dominates). */
export const NATIVE_MIN_BYTES = 16 * 1024;

/** Writes the Riegeli-keyed hash of `data` into the shared `result` words [lo, hi]. */
export type NativeRiegeliHash = (data: Uint8Array) => void;

interface HighwayHashAddon {
  asBuffer(key: Buffer, input: Buffer): Buffer;
}

/** The native engine, or null when it cannot be used here. */
export function loadNativeRiegeliHash(): NativeRiegeliHash | null {
  let addon: HighwayHashAddon;
  try {
    addon = createRequire(import.meta.url)("highwayhash") as HighwayHashAddon;
  } catch {
    return null;
  }
  const key = Buffer.from(keyToBytes(RIEGELI_HASH_KEY));
  const hash: NativeRiegeliHash = (data) => {
    const out = addon.asBuffer(key, Buffer.from(data.buffer, data.byteOffset, data.length));
    result[0] = out.readInt32LE(0);
    result[1] = out.readInt32LE(4);
  };
  try {
    // Self-check against the portable engine: partial and full packets, large and odd sizes.
    for (const len of [0, 5, 31, 32, 100, NATIVE_MIN_BYTES + 7]) {
      const sample = new Uint8Array(len + 3).map((_, i) => (i * 31 + (i >> 8) + 7) & 0xff).subarray(3);
      portableHash(sample, null);
      const lo = result[0], hi = result[1];
      hash(sample);
      if (result[0] !== lo || result[1] !== hi) return null;
    }
  } catch {
    return null;
  }
  return hash;
}
