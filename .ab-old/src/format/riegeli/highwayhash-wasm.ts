/**
 * The WebAssembly SIMD HighwayHash-64 engine. The module bytes are assembled at load time by the
 * small encoder below; each pair of the four 64-bit lanes lives in one `v128`, so the 32x32->64
 * multiplies are widening SIMD multiplies and the "zipper merge" is one byte permutation.
 */

import { INIT_MUL0, INIT_MUL1, LITTLE_ENDIAN, RIEGELI_KEY_WORDS, result, type Engine } from "./highwayhash-shared.js";

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
export function createWasmEngine(): Engine | null {
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
