/**
 * Pieces both HighwayHash-64 engines share: the key (as 32-bit words), the initial multiplier
 * lanes, and the result cell every engine leaves its answer in. See highwayhash.ts.
 */

/** A HighwayHash key: four 64-bit words, each in [0, 2^64). */
export type HighwayHashKey = readonly [bigint, bigint, bigint, bigint];

/**
 * The key Riegeli uses for every hash in a file: the 32 ASCII bytes
 * `"Riegeli/records\nRiegeli/records\n"` read as four little-endian u64 words.
 */
export const RIEGELI_HASH_KEY: readonly [bigint, bigint, bigint, bigint] = Object.freeze([
  0x2f696c6567656952n,
  0x0a7364726f636572n,
  0x2f696c6567656952n,
  0x0a7364726f636572n,
] as const);

/** Initial `mul0` lanes as [lo32, hi32] pairs (the WebAssembly engine loads them; the portable engine spells them out inline). */
export const INIT_MUL0 = [0xfe4cce2f, 0xdbe6d5d5, 0x299f31d0, 0xa4093822, 0x03707344, 0x13198a2e, 0x85a308d3, 0x243f6a88];
/** Initial `mul1` lanes as [lo32, hi32] pairs. */
export const INIT_MUL1 = [0xcb0ef593, 0x3bd39e10, 0xb5f18a8c, 0xc0acf169, 0x34e90c6c, 0xbe5466cf, 0x38d01377, 0x452821e6];

const U64_MAX = (1n << 64n) - 1n;

/** Splits a key into eight 32-bit words (lo, hi per u64), validating its range. */
export function keyToWords(key: HighwayHashKey, out: Int32Array): Int32Array {
  if (key.length !== 4) throw new RangeError("HighwayHash key must have 4 words");
  for (let i = 0; i < 4; i++) {
    const k = key[i];
    if (typeof k !== "bigint" || k < 0n || k > U64_MAX) {
      throw new RangeError(`HighwayHash key word ${i} is not a u64 bigint`);
    }
    out[2 * i] = Number(k & 0xffffffffn) | 0;
    out[2 * i + 1] = Number(k >> 32n) | 0;
  }
  return out;
}

export const RIEGELI_KEY_WORDS = keyToWords(RIEGELI_HASH_KEY, new Int32Array(8));

/** A key as the 32 bytes native engines take: its four words, little-endian (validated as by {@link keyToWords}). */
export function keyToBytes(key: HighwayHashKey): Uint8Array {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  keyToWords(key, new Int32Array(8)).forEach((word, i) => view.setInt32(4 * i, word, true));
  return out;
}

/** Result of the last hash: [lo32, hi32] as int32. Every engine leaves its answer here. */
export const result = new Int32Array(2);

/** Hashes `data` with the given key words (null = the Riegeli key) into {@link result}. */
export type Engine = (data: Uint8Array, key: Int32Array | null) => void;

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
