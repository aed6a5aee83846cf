import { crc32c as nativeCrc32c } from "@node-rs/crc32";

/**
 * CRC32C (Castagnoli), the checksum TFRecord framing uses, plus TensorFlow's "masked" form.
 *
 * Long inputs go to the native `@node-rs/crc32` (hardware CRC32C, several GB/s); inputs shorter
 * than {@link NATIVE_THRESHOLD} bytes use a JavaScript table instead, because a native call costs
 * ~150 ns of fixed overhead while the table needs ~2 ns a byte — the 8-byte length field of every
 * TFRecord would otherwise pay that overhead once per record.
 */

/** Below this many bytes, {@link crc32c} computes in JavaScript rather than calling native code. */
export const NATIVE_THRESHOLD = 64;

/** The reflected Castagnoli polynomial. */
const POLY = 0x82f63b78;

/** Byte-at-a-time lookup table: TABLE[b] is the CRC register step for input byte b. */
const TABLE = /* @__PURE__ */ (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC32C of `bytes[start, end)` computed in JavaScript; fast for a few bytes, slow for many. */
export function crc32cSmall(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Continues `crc` (a finished CRC32C of earlier bytes) over `bytes[start, end)` in JavaScript. */
export function crc32cExtendSmall(crc: number, bytes: Uint8Array, start: number, end: number): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * CRC32C of `bytes` as an unsigned 32-bit number. `initial` continues a previous CRC, so
 * `crc32c(b, crc32c(a)) === crc32c(a ‖ b)`.
 */
export function crc32c(bytes: Uint8Array, initial = 0): number {
  if (bytes.length < NATIVE_THRESHOLD && initial === 0) return crc32cSmall(bytes);
  return nativeCrc32c(bytes, initial) >>> 0;
}

/** The additive constant of TensorFlow's CRC mask (`kMaskDelta` in tensorflow/core/lib/hash/crc32c.h). */
const MASK_DELTA = 0xa282ead8;

/**
 * TensorFlow's masked CRC: rotate right by 15 bits and add {@link MASK_DELTA} (mod 2^32).
 * Masking exists so that a CRC computed over bytes that themselves contain CRCs stays strong.
 */
export function maskCrc32c(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** Inverse of {@link maskCrc32c}. */
export function unmaskCrc32c(masked: number): number {
  const rotated = (masked - MASK_DELTA) >>> 0;
  return ((rotated >>> 17) | (rotated << 15)) >>> 0;
}

/*
 * Combining CRCs. For the standard CRC32C (init and final XOR all ones),
 *   crc(A ‖ B) = shift(crc(A), |B|) ^ crc(B),
 * where shift(c, n) multiplies c by x^(8n) modulo the polynomial (zlib's crc32_combine). This lets
 * a reader check the stored CRCs of many small records against ONE native CRC over the bytes that
 * hold them, instead of paying the native call overhead per record.
 */

/** a·b mod P in the bit-reflected representation (bit 31 is x^0). */
function multModP(a: number, b: number): number {
  let m = 0x8000_0000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/**
 * SHIFT_TABLES[k] multiplies a CRC by x^(8·2^k) mod P with four byte lookups: entry
 * `j*256 + b` is (b at byte j of the register) · x^(8·2^k). Built lazily, one k at a time.
 */
const SHIFT_TABLES: Int32Array[] = [];

function shiftTable(k: number): Int32Array {
  let table = SHIFT_TABLES[k];
  if (table !== undefined) return table;
  // x^(2^j) mod P by repeated squaring, from x^1 (0x40000000 reflected); we need j = k + 3.
  let power = 0x4000_0000;
  for (let j = 0; j < k + 3; j++) power = multModP(power, power);
  table = new Int32Array(1024);
  for (let j = 0; j < 4; j++) {
    for (let bit = 0; bit < 8; bit++) table[j * 256 + (1 << bit)] = multModP((1 << (8 * j + bit)) >>> 0, power);
    // Multiplication is linear: each entry is the XOR of the entries of its bits.
    for (let b = 3; b < 256; b++) {
      const low = b & -b;
      if (low !== b) table[j * 256 + b] = table[j * 256 + low]! ^ table[j * 256 + (b ^ low)]!;
    }
  }
  SHIFT_TABLES[k] = table;
  return table;
}

/** shift(crc, n): `crc` times x^(8n) mod P, i.e. what appending n bytes does to a CRC, before XOR-ing in theirs. */
export function crc32cShift(crc: number, n: number): number {
  let c = crc | 0;
  let k = 0;
  // Lengths above 2^31 (rare) shed their high bits with float arithmetic first.
  for (; n > 0x7fff_ffff; k++) {
    const bit = n % 2;
    n = (n - bit) / 2;
    if (bit === 1) c = shiftBy(shiftTable(k), c);
  }
  for (let bits = n | 0; bits !== 0; bits >>>= 1, k++) {
    if (bits & 1) c = shiftBy(SHIFT_TABLES[k] ?? shiftTable(k), c);
  }
  return c >>> 0;
}

function shiftBy(t: Int32Array, c: number): number {
  return t[c & 0xff]! ^ t[256 + ((c >>> 8) & 0xff)]! ^ t[512 + ((c >>> 16) & 0xff)]! ^ t[768 + (c >>> 24)]!;
}

/** CRC32C of A ‖ B from `crcA`, `crcB` and the length of B (zlib's crc32_combine). */
export function crc32cCombine(crcA: number, crcB: number, lengthB: number): number {
  return (crc32cShift(crcA, lengthB) ^ crcB) >>> 0;
}
