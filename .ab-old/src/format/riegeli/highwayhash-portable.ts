/**
 * The portable HighwayHash-64 engine: plain TypeScript, 64-bit lanes as pairs of 32-bit halves.
 * Used where WebAssembly SIMD is unavailable, and as the reference the SIMD engine is checked
 * against at load time.
 */

import { LITTLE_ENDIAN, RIEGELI_KEY_WORDS, result } from "./highwayhash-shared.js";

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
export function portableHash(data: Uint8Array, key: Int32Array | null): void {
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
