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
 *   used otherwise.
 *
 * Neither allocates per call (except for a view per 64 KiB piece of inputs longer than 64 KiB).
 * Both keep module-level scratch state, which is safe because each call runs to completion
 * synchronously (worker threads get their own module instance).
 */

/** A HighwayHash key: four 64-bit words, each in [0, 2^64). */
type HighwayHashKey = readonly [bigint, bigint, bigint, bigint];

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

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/** Initial `mul0` lanes as [lo32, hi32] pairs (the portable engine spells them out inline). */
const INIT_MUL0 = [0xfe4cce2f, 0xdbe6d5d5, 0x299f31d0, 0xa4093822, 0x03707344, 0x13198a2e, 0x85a308d3, 0x243f6a88];
/** Initial `mul1` lanes as [lo32, hi32] pairs. */
const INIT_MUL1 = [0xcb0ef593, 0x3bd39e10, 0xb5f18a8c, 0xc0acf169, 0x34e90c6c, 0xbe5466cf, 0x38d01377, 0x452821e6];

const U64_MAX = (1n << 64n) - 1n;

/** Splits a key into eight 32-bit words (lo, hi per u64), validating its range. */
function keyToWords(key: HighwayHashKey, out: Int32Array): Int32Array {
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

const RIEGELI_KEY_WORDS = keyToWords(RIEGELI_HASH_KEY, new Int32Array(8));
const customKeyWords = new Int32Array(8);

/** Result of the last hash: [lo32, hi32] as int32. Every engine leaves its answer here. */
const result = new Int32Array(2);

/** Hashes `data` with the given key words (null = the Riegeli key) into {@link result}. */
type Engine = (data: Uint8Array, key: Int32Array | null) => void;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Portable engine: u64 lanes as pairs of int32 (lo, hi). Every 64-bit add propagates the carry
// out of the low half branch-free (carry = top bit of (x & y) | ((x | y) & ~sum); a branch on a
// random carry mispredicts half the time and costs twice as much). Every 32x32->64 product takes
// its low half from Math.imul and its high half from the double product a*b: that is rounded by
// at most 2^10, and so is a*b - lo, so (a*b - lo) / 2^32 is within 2^-21 of the exact integer
// high half and rounding it (+0.5, truncate) is exact.
// ---------------------------------------------------------------------------------------------

const INV_2_32 = 1 / 4294967296;
/** Inputs are copied here in pieces so that packets can be read as aligned 32-bit words. */
const SCRATCH_BYTES = 65536;
const scratchBuffer = new ArrayBuffer(SCRATCH_BYTES + 32);
const scratch8 = new Uint8Array(scratchBuffer);
const scratch32 = new Int32Array(scratchBuffer);
/** Byte offset in the scratch buffer of the 32-byte packet built from the final partial packet. */
const TAIL = SCRATCH_BYTES;

/** Byte-swaps words [from, to) of the scratch buffer (big-endian hosts only). */
function swapScratchWords(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const w = scratch32[i]!;
    scratch32[i] = (w >>> 24) | ((w >>> 8) & 0xff00) | ((w & 0xff00) << 8) | (w << 24);
  }
}

/** Little-endian int32 at `bytes[i..i+4)`. */
function word(bytes: Uint8Array, i: number): number {
  return bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
}

/** The portable engine: one function with the whole state in locals, for speed. */
function portableHash(data: Uint8Array, key: Int32Array | null): void {
  const k = key ?? RIEGELI_KEY_WORDS;
  let m0l0 = 0xfe4cce2f | 0, m0h0 = 0xdbe6d5d5 | 0, m0l1 = 0x299f31d0 | 0, m0h1 = 0xa4093822 | 0;
  let m0l2 = 0x03707344 | 0, m0h2 = 0x13198a2e | 0, m0l3 = 0x85a308d3 | 0, m0h3 = 0x243f6a88 | 0;
  let m1l0 = 0xcb0ef593 | 0, m1h0 = 0x3bd39e10 | 0, m1l1 = 0xb5f18a8c | 0, m1h1 = 0xc0acf169 | 0;
  let m1l2 = 0x34e90c6c | 0, m1h2 = 0xbe5466cf | 0, m1l3 = 0x38d01377 | 0, m1h3 = 0x452821e6 | 0;
  // v0 = mul0 ^ key; v1 = mul1 ^ swap32(key)
  let v0l0 = m0l0 ^ k[0]!, v0h0 = m0h0 ^ k[1]!, v0l1 = m0l1 ^ k[2]!, v0h1 = m0h1 ^ k[3]!;
  let v0l2 = m0l2 ^ k[4]!, v0h2 = m0h2 ^ k[5]!, v0l3 = m0l3 ^ k[6]!, v0h3 = m0h3 ^ k[7]!;
  let v1l0 = m1l0 ^ k[1]!, v1h0 = m1h0 ^ k[0]!, v1l1 = m1l1 ^ k[3]!, v1h1 = m1h1 ^ k[2]!;
  let v1l2 = m1l2 ^ k[5]!, v1h2 = m1h2 ^ k[4]!, v1l3 = m1l3 ^ k[7]!, v1h3 = m1h3 ^ k[6]!;

  const n = data.length;
  const r = n & 31; // bytes in the final partial packet
  const fullEnd = n - r; // bytes in full packets
  const w32 = scratch32;
  let copied = 0; // input bytes of full packets copied to the scratch buffer so far
  let w = 0; // next word to read from the scratch buffer
  let wEnd = 0; // end of the words currently in the scratch buffer
  // 0: full packets of the input; 1: the partial packet; 2..5: the four finalization rounds
  let phase = fullEnd > 0 ? 0 : r > 0 ? 1 : 2;
  let t = 0, a = 0, b = 0, lo = 0, zl = 0, zh = 0;
  for (;;) {
    let p0l: number, p0h: number, p1l: number, p1h: number, p2l: number, p2h: number, p3l: number, p3h: number;
    if (phase === 0) {
      if (w === wEnd) {
        const take = Math.min(SCRATCH_BYTES, fullEnd - copied);
        scratch8.set(n <= SCRATCH_BYTES ? data : data.subarray(copied, copied + take));
        copied += take;
        w = 0;
        wEnd = take >> 2;
        if (!LITTLE_ENDIAN) swapScratchWords(0, wEnd);
      }
      p0l = w32[w]!; p0h = w32[w + 1]!; p1l = w32[w + 2]!; p1h = w32[w + 3]!;
      p2l = w32[w + 4]!; p2h = w32[w + 5]!; p3l = w32[w + 6]!; p3h = w32[w + 7]!;
      w += 8;
      if (w === wEnd && copied === fullEnd) phase = r > 0 ? 1 : 2;
    } else if (phase === 1) {
      // v0 += (r << 32) + r
      t = (v0l0 + r) | 0; v0h0 = (v0h0 + r + ((v0l0 & ~t) >>> 31)) | 0; v0l0 = t;
      t = (v0l1 + r) | 0; v0h1 = (v0h1 + r + ((v0l1 & ~t) >>> 31)) | 0; v0l1 = t;
      t = (v0l2 + r) | 0; v0h2 = (v0h2 + r + ((v0l2 & ~t) >>> 31)) | 0; v0l2 = t;
      t = (v0l3 + r) | 0; v0h3 = (v0h3 + r + ((v0l3 & ~t) >>> 31)) | 0; v0l3 = t;
      // rotate both 32-bit halves of every v1 lane left by r
      const s = 32 - r;
      v1l0 = (v1l0 << r) | (v1l0 >>> s); v1h0 = (v1h0 << r) | (v1h0 >>> s);
      v1l1 = (v1l1 << r) | (v1l1 >>> s); v1h1 = (v1h1 << r) | (v1h1 >>> s);
      v1l2 = (v1l2 << r) | (v1l2 >>> s); v1h2 = (v1h2 << r) | (v1h2 >>> s);
      v1l3 = (v1l3 << r) | (v1l3 >>> s); v1h3 = (v1h3 << r) | (v1h3 >>> s);
      // the packet: the first r & ~3 bytes, then either the last 4 bytes at 28..31 (r >= 16) or
      // the first, middle and last of the r & 3 odd bytes at 16..18
      const pk = scratch8;
      const tw = TAIL >> 2;
      w32[tw] = 0; w32[tw + 1] = 0; w32[tw + 2] = 0; w32[tw + 3] = 0;
      w32[tw + 4] = 0; w32[tw + 5] = 0; w32[tw + 6] = 0; w32[tw + 7] = 0;
      const whole = r & ~3;
      for (let i = 0; i < whole; i++) pk[TAIL + i] = data[fullEnd + i]!;
      if ((r & 16) !== 0) {
        const e = fullEnd + r - 4;
        pk[TAIL + 28] = data[e]!; pk[TAIL + 29] = data[e + 1]!; pk[TAIL + 30] = data[e + 2]!; pk[TAIL + 31] = data[e + 3]!;
      } else if ((r & 3) !== 0) {
        const q = fullEnd + whole;
        pk[TAIL + 16] = data[q]!; pk[TAIL + 17] = data[q + ((r & 3) >> 1)]!; pk[TAIL + 18] = data[fullEnd + r - 1]!;
      }
      p0l = word(pk, TAIL); p0h = word(pk, TAIL + 4); p1l = word(pk, TAIL + 8); p1h = word(pk, TAIL + 12);
      p2l = word(pk, TAIL + 16); p2h = word(pk, TAIL + 20); p3l = word(pk, TAIL + 24); p3h = word(pk, TAIL + 28);
      phase = 2;
    } else if (phase < 6) {
      // finalization: the packet is [swap32(v0[2]), swap32(v0[3]), swap32(v0[0]), swap32(v0[1])]
      p0l = v0h2; p0h = v0l2; p1l = v0h3; p1h = v0l3; p2l = v0h0; p2h = v0l0; p3l = v0h1; p3h = v0l1;
      phase++;
    } else {
      break;
    }

    // lane 0: v1 += mul0 + packet; mul0 ^= lo32(v1) * hi32(v0); v0 += mul1; mul1 ^= lo32(v0) * hi32(v1)
    t = (v1l0 + m0l0) | 0; v1h0 = (v1h0 + m0h0 + (((v1l0 & m0l0) | ((v1l0 | m0l0) & ~t)) >>> 31)) | 0; v1l0 = t;
    t = (v1l0 + p0l) | 0; v1h0 = (v1h0 + p0h + (((v1l0 & p0l) | ((v1l0 | p0l) & ~t)) >>> 31)) | 0; v1l0 = t;
    a = v1l0 >>> 0; b = v0h0 >>> 0; lo = Math.imul(a, b); m0l0 ^= lo; m0h0 ^= (a * b - (lo >>> 0)) * INV_2_32 + 0.5;
    t = (v0l0 + m1l0) | 0; v0h0 = (v0h0 + m1h0 + (((v0l0 & m1l0) | ((v0l0 | m1l0) & ~t)) >>> 31)) | 0; v0l0 = t;
    a = v0l0 >>> 0; b = v1h0 >>> 0; lo = Math.imul(a, b); m1l0 ^= lo; m1h0 ^= (a * b - (lo >>> 0)) * INV_2_32 + 0.5;
    // lane 1
    t = (v1l1 + m0l1) | 0; v1h1 = (v1h1 + m0h1 + (((v1l1 & m0l1) | ((v1l1 | m0l1) & ~t)) >>> 31)) | 0; v1l1 = t;
    t = (v1l1 + p1l) | 0; v1h1 = (v1h1 + p1h + (((v1l1 & p1l) | ((v1l1 | p1l) & ~t)) >>> 31)) | 0; v1l1 = t;
    a = v1l1 >>> 0; b = v0h1 >>> 0; lo = Math.imul(a, b); m0l1 ^= lo; m0h1 ^= (a * b - (lo >>> 0)) * INV_2_32 + 0.5;
    t = (v0l1 + m1l1) | 0; v0h1 = (v0h1 + m1h1 + (((v0l1 & m1l1) | ((v0l1 | m1l1) & ~t)) >>> 31)) | 0; v0l1 = t;
    a = v0l1 >>> 0; b = v1h1 >>> 0; lo = Math.imul(a, b); m1l1 ^= lo; m1h1 ^= (a * b - (lo >>> 0)) * INV_2_32 + 0.5;
    // lane 2
    t = (v1l2 + m0l2) | 0; v1h2 = (v1h2 + m0h2 + (((v1l2 & m0l2) | ((v1l2 | m0l2) & ~t)) >>> 31)) | 0; v1l2 = t;
    t = (v1l2 + p2l) | 0; v1h2 = (v1h2 + p2h + (((v1l2 & p2l) | ((v1l2 | p2l) & ~t)) >>> 31)) | 0; v1l2 = t;
    a = v1l2 >>> 0; b = v0h2 >>> 0; lo = Math.imul(a, b); m0l2 ^= lo; m0h2 ^= (a * b - (lo >>> 0)) * INV_2_32 + 0.5;
    t = (v0l2 + m1l2) | 0; v0h2 = (v0h2 + m1h2 + (((v0l2 & m1l2) | ((v0l2 | m1l2) & ~t)) >>> 31)) | 0; v0l2 = t;
    a = v0l2 >>> 0; b = v1h2 >>> 0; lo = Math.imul(a, b); m1l2 ^= lo; m1h2 ^= (a * b - (lo >>> 0)) * INV_2_32 + 0.5;
    // lane 3
    t = (v1l3 + m0l3) | 0; v1h3 = (v1h3 + m0h3 + (((v1l3 & m0l3) | ((v1l3 | m0l3) & ~t)) >>> 31)) | 0; v1l3 = t;
    t = (v1l3 + p3l) | 0; v1h3 = (v1h3 + p3h + (((v1l3 & p3l) | ((v1l3 | p3l) & ~t)) >>> 31)) | 0; v1l3 = t;
    a = v1l3 >>> 0; b = v0h3 >>> 0; lo = Math.imul(a, b); m0l3 ^= lo; m0h3 ^= (a * b - (lo >>> 0)) * INV_2_32 + 0.5;
    t = (v0l3 + m1l3) | 0; v0h3 = (v0h3 + m1h3 + (((v0l3 & m1l3) | ((v0l3 | m1l3) & ~t)) >>> 31)) | 0; v0l3 = t;
    a = v0l3 >>> 0; b = v1h3 >>> 0; lo = Math.imul(a, b); m1l3 ^= lo; m1h3 ^= (a * b - (lo >>> 0)) * INV_2_32 + 0.5;
    // Zipper merge of a lane pair (a, b), bytes listed from least significant: the low lane gets
    // [a3 b4 a2 a5 b6 a1 b7 a0] added, the high lane [b3 a4 b2 b5 b1 a6 b0 a7].
    // v0[0], v0[1] += zipper(v1[0], v1[1])
    zl = (v1l0 >>> 24) | ((v1h1 & 0xff) << 8) | (v1l0 & 0xff0000) | ((v1h0 & 0xff00) << 16);
    zh = ((v1h1 >>> 16) & 0xff) | (v1l0 & 0xff00) | ((v1h1 >>> 8) & 0xff0000) | (v1l0 << 24);
    t = (v0l0 + zl) | 0; v0h0 = (v0h0 + zh + (((v0l0 & zl) | ((v0l0 | zl) & ~t)) >>> 31)) | 0; v0l0 = t;
    zl = (v1l1 >>> 24) | ((v1h0 & 0xff) << 8) | (v1l1 & 0xff0000) | ((v1h1 & 0xff00) << 16);
    zh = ((v1l1 >>> 8) & 0xff) | ((v1h0 >>> 8) & 0xff00) | ((v1l1 & 0xff) << 16) | (v1h0 & 0xff000000);
    t = (v0l1 + zl) | 0; v0h1 = (v0h1 + zh + (((v0l1 & zl) | ((v0l1 | zl) & ~t)) >>> 31)) | 0; v0l1 = t;
    // v0[2], v0[3] += zipper(v1[2], v1[3])
    zl = (v1l2 >>> 24) | ((v1h3 & 0xff) << 8) | (v1l2 & 0xff0000) | ((v1h2 & 0xff00) << 16);
    zh = ((v1h3 >>> 16) & 0xff) | (v1l2 & 0xff00) | ((v1h3 >>> 8) & 0xff0000) | (v1l2 << 24);
    t = (v0l2 + zl) | 0; v0h2 = (v0h2 + zh + (((v0l2 & zl) | ((v0l2 | zl) & ~t)) >>> 31)) | 0; v0l2 = t;
    zl = (v1l3 >>> 24) | ((v1h2 & 0xff) << 8) | (v1l3 & 0xff0000) | ((v1h3 & 0xff00) << 16);
    zh = ((v1l3 >>> 8) & 0xff) | ((v1h2 >>> 8) & 0xff00) | ((v1l3 & 0xff) << 16) | (v1h2 & 0xff000000);
    t = (v0l3 + zl) | 0; v0h3 = (v0h3 + zh + (((v0l3 & zl) | ((v0l3 | zl) & ~t)) >>> 31)) | 0; v0l3 = t;
    // v1[0], v1[1] += zipper(v0[0], v0[1])
    zl = (v0l0 >>> 24) | ((v0h1 & 0xff) << 8) | (v0l0 & 0xff0000) | ((v0h0 & 0xff00) << 16);
    zh = ((v0h1 >>> 16) & 0xff) | (v0l0 & 0xff00) | ((v0h1 >>> 8) & 0xff0000) | (v0l0 << 24);
    t = (v1l0 + zl) | 0; v1h0 = (v1h0 + zh + (((v1l0 & zl) | ((v1l0 | zl) & ~t)) >>> 31)) | 0; v1l0 = t;
    zl = (v0l1 >>> 24) | ((v0h0 & 0xff) << 8) | (v0l1 & 0xff0000) | ((v0h1 & 0xff00) << 16);
    zh = ((v0l1 >>> 8) & 0xff) | ((v0h0 >>> 8) & 0xff00) | ((v0l1 & 0xff) << 16) | (v0h0 & 0xff000000);
    t = (v1l1 + zl) | 0; v1h1 = (v1h1 + zh + (((v1l1 & zl) | ((v1l1 | zl) & ~t)) >>> 31)) | 0; v1l1 = t;
    // v1[2], v1[3] += zipper(v0[2], v0[3])
    zl = (v0l2 >>> 24) | ((v0h3 & 0xff) << 8) | (v0l2 & 0xff0000) | ((v0h2 & 0xff00) << 16);
    zh = ((v0h3 >>> 16) & 0xff) | (v0l2 & 0xff00) | ((v0h3 >>> 8) & 0xff0000) | (v0l2 << 24);
    t = (v1l2 + zl) | 0; v1h2 = (v1h2 + zh + (((v1l2 & zl) | ((v1l2 | zl) & ~t)) >>> 31)) | 0; v1l2 = t;
    zl = (v0l3 >>> 24) | ((v0h2 & 0xff) << 8) | (v0l3 & 0xff0000) | ((v0h3 & 0xff00) << 16);
    zh = ((v0l3 >>> 8) & 0xff) | ((v0h2 >>> 8) & 0xff00) | ((v0l3 & 0xff) << 16) | (v0h2 & 0xff000000);
    t = (v1l3 + zl) | 0; v1h3 = (v1h3 + zh + (((v1l3 & zl) | ((v1l3 | zl) & ~t)) >>> 31)) | 0; v1l3 = t;
  }
  // v0[0] + v1[0] + mul0[0] + mul1[0]
  t = (v0l0 + v1l0) | 0;
  let h = (v0h0 + v1h0 + (((v0l0 & v1l0) | ((v0l0 | v1l0) & ~t)) >>> 31)) | 0;
  lo = (t + m0l0) | 0;
  h = (h + m0h0 + (((t & m0l0) | ((t | m0l0) & ~lo)) >>> 31)) | 0;
  t = (lo + m1l0) | 0;
  h = (h + m1h0 + (((lo & m1l0) | ((lo | m1l0) & ~t)) >>> 31)) | 0;
  result[0] = t;
  result[1] = h;
}

// ---------------------------------------------------------------------------------------------
// WebAssembly SIMD engine. The module has one function `h(len, flags)` hashing `len` bytes at
// DATA; flags: 1 = start from the key (else resume from the saved state), 2 = finish (else save
// the state; `len` is then a multiple of 32), 4 = use the custom key instead of the Riegeli key.
// State: v0, v1, mul0, mul1, each as two v128 locals holding lanes (0, 1) and (2, 3).
// ---------------------------------------------------------------------------------------------

/** Memory layout (one fixed-size memory of two 64 KiB pages, never grown). */
const MEM_KEY_RIEGELI = 0; // 32 bytes: the Riegeli key
const MEM_KEY_CUSTOM = 32; // 32 bytes: a caller's key
const MEM_RESULT = 64; // 8 bytes: the hash
const MEM_MASK = 128; // 64 bytes: 32 x 0xff then 32 x 0x00, to mask the final partial packet
const MEM_STATE = 256; // 128 bytes: the state between calls of a long input
const MEM_DATA = 512; // input bytes (and 32 bytes of slack read, then masked, past them)
const WASM_CHUNK = 65536; // input bytes per call: a multiple of 32 that fits after MEM_DATA
const WASM_PAGES = 2;

/** Basic opcodes and type codes used below (WebAssembly core spec, binary format). */
const Op = {
  Block: 0x02, Loop: 0x03, If: 0x04, Else: 0x05, End: 0x0b, Br: 0x0c, BrIf: 0x0d,
  LocalGet: 0x20, LocalSet: 0x21, LocalTee: 0x22,
  I32Load: 0x28, I32Load8U: 0x2d, I64Store: 0x37,
  I32Const: 0x41, I64Const: 0x42, I32GeU: 0x4f,
  I32Add: 0x6a, I32Sub: 0x6b, I32And: 0x71, I32Or: 0x72, I32Shl: 0x74, I32ShrU: 0x76,
  I64Or: 0x84, I64Shl: 0x86, I64ExtendI32U: 0xad,
  SimdPrefix: 0xfd, Void: 0x40, I32: 0x7f, V128: 0x7b,
} as const;

/** SIMD opcodes (after the 0xfd prefix, LEB128-encoded). */
const Simd = {
  Load: 0x00, Store: 0x0b, Const: 0x0c, Shuffle: 0x0d, Swizzle: 0x0e, I64x2Splat: 0x12,
  I32x4ReplaceLane: 0x1c, I64x2ExtractLane: 0x1d, And: 0x4e, Or: 0x50, Xor: 0x51,
  I32x4Shl: 0xab, I32x4ShrU: 0xad, I64x2Add: 0xce, I64x2ExtmulLowI32x4U: 0xde, I64x2ExtmulHighI32x4U: 0xdf,
} as const;

/** Appends `n` (an unsigned 32-bit integer) as unsigned LEB128. */
function pushUleb(out: number[], n: number): void {
  for (;;) {
    const b = n & 0x7f;
    n >>>= 7;
    if (n === 0) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** Appends `n` (a signed 32-bit integer) as signed LEB128. */
function pushSleb(out: number[], n: number): void {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** Byte-shuffle patterns (indices into the 16 bytes of one v128, lanes little-endian). */
const SHUFFLE_SWAP32 = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];
/** Two-input shuffles (indices 16..31 pick from the second v128): the low / high 32-bit words of
 *  the four 64-bit lanes of a pair of v128s. */
const SHUFFLE_LO32_PAIR = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const SHUFFLE_HI32_PAIR = [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31];
/** The zipper merge of two lanes (a = bytes 0..7, b = bytes 8..15) as one byte permutation. */
const SHUFFLE_ZIPPER = [3, 12, 2, 5, 14, 1, 15, 0, 11, 4, 10, 13, 9, 6, 8, 7];

/** The 16 little-endian bytes of the two u64 lanes given as [lo32, hi32] words from `first`. */
function laneBytes(words: readonly number[], first: number): number[] {
  const out: number[] = [];
  for (let i = first; i < first + 4; i++) for (let j = 0; j < 4; j++) out.push((words[i]! >>> (8 * j)) & 0xff);
  return out;
}

/** Assembles the WebAssembly module (about 1.7 KB). */
function buildWasmModule(): Uint8Array {
  const c: number[] = [];
  const op = (...bytes: number[]): void => {
    for (const x of bytes) c.push(x);
  };
  const simd = (code: number): void => {
    c.push(Op.SimdPrefix);
    pushUleb(c, code);
  };
  const get = (local: number): void => op(Op.LocalGet, local);
  const set = (local: number): void => op(Op.LocalSet, local);
  const i32 = (value: number): void => {
    c.push(Op.I32Const);
    pushSleb(c, value);
  };
  const memarg = (offset: number): void => {
    c.push(0); // alignment hint: 1 byte
    pushUleb(c, offset);
  };
  const load128 = (offset: number): void => {
    simd(Simd.Load);
    memarg(offset);
  };
  const store128 = (offset: number): void => {
    simd(Simd.Store);
    memarg(offset);
  };
  const const128 = (bytes: number[]): void => {
    simd(Simd.Const);
    op(...bytes);
  };
  const shuffle = (lanes: number[]): void => {
    simd(Simd.Shuffle);
    op(...lanes);
  };
  const loadU8 = (): void => {
    op(Op.I32Load8U);
    memarg(0);
  };

  // Locals: params 0 len, 1 flags; i32 2 p, 3 end, 4 r, 5 i; v128 6..17.
  const LEN = 0, FLAGS = 1, P = 2, END = 3, R = 4, I = 5;
  const V0 = [6, 7], V1 = [8, 9], MUL0 = [10, 11], MUL1 = [12, 13], PACKET = [14, 15], KEY = 16;
  const TMP_LO = 16, TMP_HI = 17; // TMP_LO shares its local with KEY (used only at the start)
  const STATE = [V0[0]!, V0[1]!, V1[0]!, V1[1]!, MUL0[0]!, MUL0[1]!, MUL1[0]!, MUL1[1]!];

  /**
   * dst ^= lo32(x) * hi32(y) in each 64-bit lane, for both halves at once: gather the low words of
   * x and the high words of y (one two-input shuffle each), then two widening multiplies.
   */
  const mulXor = (dst: number[], x: number[], y: number[]): void => {
    get(x[0]!); get(x[1]!); shuffle(SHUFFLE_LO32_PAIR); set(TMP_LO);
    get(y[0]!); get(y[1]!); shuffle(SHUFFLE_HI32_PAIR); set(TMP_HI);
    get(dst[0]!); get(TMP_LO); get(TMP_HI); simd(Simd.I64x2ExtmulLowI32x4U); simd(Simd.Xor); set(dst[0]!);
    get(dst[1]!); get(TMP_LO); get(TMP_HI); simd(Simd.I64x2ExtmulHighI32x4U); simd(Simd.Xor); set(dst[1]!);
  };
  /** Pushes the zipper merge of `local` (a swizzle with constant in-range indices: one pshufb). */
  const zipper = (local: number): void => {
    get(local); const128(SHUFFLE_ZIPPER); simd(Simd.Swizzle);
  };
  /** One HighwayHash update with the packet in PACKET[0], PACKET[1]. */
  const update = (): void => {
    for (let j = 0; j < 2; j++) {
      get(V1[j]!); get(MUL0[j]!); simd(Simd.I64x2Add); get(PACKET[j]!); simd(Simd.I64x2Add); set(V1[j]!);
    }
    mulXor(MUL0, V1, V0);
    for (let j = 0; j < 2; j++) {
      get(V0[j]!); get(MUL1[j]!); simd(Simd.I64x2Add); set(V0[j]!);
    }
    mulXor(MUL1, V0, V1);
    for (let j = 0; j < 2; j++) {
      get(V0[j]!); zipper(V1[j]!); simd(Simd.I64x2Add); set(V0[j]!);
    }
    for (let j = 0; j < 2; j++) {
      get(V1[j]!); zipper(V0[j]!); simd(Simd.I64x2Add); set(V1[j]!);
    }
  };

  // if (flags & 1) { state from key } else { state from memory }
  get(FLAGS); i32(1); op(Op.I32And, Op.If, Op.Void);
  for (let j = 0; j < 2; j++) {
    get(FLAGS); i32(4); op(Op.I32And); i32(3); op(Op.I32Shl); // key address: (flags & 4) << 3
    load128(16 * j); set(KEY);
    const128(laneBytes(INIT_MUL0, 4 * j)); set(MUL0[j]!);
    const128(laneBytes(INIT_MUL1, 4 * j)); set(MUL1[j]!);
    get(MUL0[j]!); get(KEY); simd(Simd.Xor); set(V0[j]!);
    get(MUL1[j]!); get(KEY); get(KEY); shuffle(SHUFFLE_SWAP32); simd(Simd.Xor); set(V1[j]!);
  }
  op(Op.Else);
  STATE.forEach((local, idx) => {
    i32(0); load128(MEM_STATE + 16 * idx); set(local);
  });
  op(Op.End);

  // for (p = DATA, end = DATA + (len & ~31); p < end; p += 32) update(packet at p)
  i32(MEM_DATA); set(P);
  get(LEN); i32(~31); op(Op.I32And); i32(MEM_DATA); op(Op.I32Add); set(END);
  op(Op.Block, Op.Void, Op.Loop, Op.Void);
  get(P); get(END); op(Op.I32GeU, Op.BrIf, 1);
  get(P); load128(0); set(PACKET[0]!);
  get(P); load128(16); set(PACKET[1]!);
  update();
  get(P); i32(32); op(Op.I32Add); set(P);
  op(Op.Br, 0, Op.End, Op.End);

  // if (flags & 2) finish, else save the state
  get(FLAGS); i32(2); op(Op.I32And, Op.If, Op.Void);
  {
    get(LEN); i32(31); op(Op.I32And); set(R);
    get(R); op(Op.If, Op.Void);
    {
      // v0 += (r << 32) + r
      for (let j = 0; j < 2; j++) {
        get(V0[j]!);
        get(R); op(Op.I64ExtendI32U); get(R); op(Op.I64ExtendI32U, Op.I64Const, 32, Op.I64Shl, Op.I64Or);
        simd(Simd.I64x2Splat); simd(Simd.I64x2Add); set(V0[j]!);
      }
      // rotate each 32-bit half of v1 left by r
      for (let j = 0; j < 2; j++) {
        get(V1[j]!); get(R); simd(Simd.I32x4Shl);
        get(V1[j]!); i32(32); get(R); op(Op.I32Sub); simd(Simd.I32x4ShrU);
        simd(Simd.Or); set(V1[j]!);
      }
      // packet = the first w = r & ~3 bytes (masked 16-byte loads) ...
      get(R); i32(~3); op(Op.I32And); set(I);
      get(P); load128(0); i32(MEM_MASK + 32); get(I); op(Op.I32Sub); load128(0); simd(Simd.And); set(PACKET[0]!);
      get(P); load128(16); i32(MEM_MASK + 48); get(I); op(Op.I32Sub); load128(0); simd(Simd.And); set(PACKET[1]!);
      // ... and, if r & 16, the last 4 bytes as bytes 28..31
      get(R); i32(16); op(Op.I32And, Op.If, Op.Void);
      get(PACKET[1]!); get(P); get(R); op(Op.I32Add); i32(4); op(Op.I32Sub, Op.I32Load); memarg(0);
      simd(Simd.I32x4ReplaceLane); op(3); set(PACKET[1]!);
      op(Op.Else);
      // ... else, if r & 3, bytes p[w], p[w + ((r & 3) >> 1)], p[r - 1] as bytes 16..18
      get(R); i32(3); op(Op.I32And, Op.If, Op.Void);
      get(PACKET[1]!);
      get(P); get(I); op(Op.I32Add); loadU8();
      get(P); get(I); op(Op.I32Add); get(R); i32(3); op(Op.I32And); i32(1); op(Op.I32ShrU, Op.I32Add); loadU8();
      i32(8); op(Op.I32Shl, Op.I32Or);
      get(P); get(R); op(Op.I32Add); i32(1); op(Op.I32Sub); loadU8();
      i32(16); op(Op.I32Shl, Op.I32Or);
      simd(Simd.I32x4ReplaceLane); op(0); set(PACKET[1]!);
      op(Op.End);
      op(Op.End);
      update();
    }
    op(Op.End);
    // four rounds with the packet [swap32(v0[2]), swap32(v0[3]), swap32(v0[0]), swap32(v0[1])]
    i32(4); set(I);
    op(Op.Loop, Op.Void);
    get(V0[1]!); get(V0[1]!); shuffle(SHUFFLE_SWAP32); set(PACKET[0]!);
    get(V0[0]!); get(V0[0]!); shuffle(SHUFFLE_SWAP32); set(PACKET[1]!);
    update();
    get(I); i32(1); op(Op.I32Sub, Op.LocalTee, I, Op.BrIf, 0);
    op(Op.End);
    // result = v0[0] + v1[0] + mul0[0] + mul1[0]
    i32(0);
    get(V0[0]!); get(V1[0]!); simd(Simd.I64x2Add); get(MUL0[0]!); simd(Simd.I64x2Add); get(MUL1[0]!); simd(Simd.I64x2Add);
    simd(Simd.I64x2ExtractLane); op(0);
    op(Op.I64Store); memarg(MEM_RESULT);
  }
  op(Op.Else);
  STATE.forEach((local, idx) => {
    i32(0); get(local); store128(MEM_STATE + 16 * idx);
  });
  op(Op.End);
  op(Op.End); // function body

  const body: number[] = [2, 4, Op.I32, 12, Op.V128]; // locals: 4 x i32, 12 x v128
  for (const x of c) body.push(x);
  const module: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, content: number[]): void => {
    module.push(id);
    pushUleb(module, content.length);
    for (const x of content) module.push(x);
  };
  section(1, [1, 0x60, 2, Op.I32, Op.I32, 0]); // types: (i32, i32) -> ()
  section(3, [1, 0]); // functions: #0 has type 0
  section(5, [1, 0x00, WASM_PAGES]); // memory: min WASM_PAGES, no max
  section(7, [2, 1, 0x6d, 0x02, 0, 1, 0x68, 0x00, 0]); // exports: "m" = memory 0, "h" = func 0
  const code: number[] = [1];
  pushUleb(code, body.length);
  for (const x of body) code.push(x);
  section(10, code);
  return new Uint8Array(module);
}

/** The part of the WebAssembly JS API used here (the project's TS libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** Compiles the SIMD engine, or returns null where WebAssembly SIMD is unavailable. */
function createWasmEngine(): Engine | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!LITTLE_ENDIAN || typeof api !== "object" || api === null) return null;
  let memory: { buffer: ArrayBuffer };
  let h: (len: number, flags: number) => void;
  try {
    const instance = new api.Instance(new api.Module(buildWasmModule()), {});
    memory = instance.exports["m"] as { buffer: ArrayBuffer };
    h = instance.exports["h"] as (len: number, flags: number) => void;
  } catch {
    return null;
  }
  const mem8 = new Uint8Array(memory.buffer);
  const mem32 = new Int32Array(memory.buffer);
  mem32.set(RIEGELI_KEY_WORDS, MEM_KEY_RIEGELI >> 2);
  mem8.fill(0xff, MEM_MASK, MEM_MASK + 32);
  const RESULT = MEM_RESULT >> 2;
  const KEY_CUSTOM = MEM_KEY_CUSTOM >> 2;
  return (data, key) => {
    let flags = 1;
    if (key !== null) {
      mem32.set(key, KEY_CUSTOM);
      flags = 5;
    }
    const n = data.length;
    if (n <= WASM_CHUNK) {
      mem8.set(data, MEM_DATA);
      h(n, flags | 2);
    } else {
      let off = 0;
      for (; n - off > WASM_CHUNK; off += WASM_CHUNK) {
        mem8.set(data.subarray(off, off + WASM_CHUNK), MEM_DATA);
        h(WASM_CHUNK, flags);
        flags &= ~1;
      }
      mem8.set(data.subarray(off), MEM_DATA);
      h(n - off, flags | 2);
    }
    result[0] = mem32[RESULT]!;
    result[1] = mem32[RESULT + 1]!;
  };
}

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
const engine: Engine = selectEngine();

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
