import { readFileSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as defaultImpl from "../../../src/format/riegeli/highwayhash.js";

type HashModule = typeof defaultImpl;
type HighwayHashKey = readonly [bigint, bigint, bigint, bigint];

interface VectorFile {
  keys: Record<string, string[]>;
  vectors: { key: string; length: number; hash: string }[];
}

const vectorFile = JSON.parse(
  // A copy of ../shared/vectors/highwayhash64.json: the test vectors of Google's HighwayHash C library.
  readFileSync(new URL("../../fixtures/highwayhash64.json", import.meta.url), "utf8"),
) as VectorFile;

const keys: Record<string, HighwayHashKey> = {};
for (const [name, words] of Object.entries(vectorFile.keys)) {
  keys[name] = words.map((w) => BigInt(w)) as unknown as HighwayHashKey;
}

/** The vectors' input of length n: byte i = (i*31 + (i>>8) + 7) & 0xff. */
function vectorInput(n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i * 31 + (i >> 8) + 7) & 0xff;
  return d;
}

function u64le(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

/** A fresh copy of the module, loaded with `WebAssembly` replaced by `replacement`. */
async function loadWith(replacement: unknown): Promise<HashModule> {
  vi.stubGlobal("WebAssembly", replacement);
  vi.resetModules();
  try {
    return (await import("../../../src/format/riegeli/highwayhash.js")) as HashModule;
  } finally {
    vi.unstubAllGlobals();
  }
}

/** The portable engine: the module loaded where WebAssembly does not exist. */
let portable: HashModule;
/** WebAssembly memories the module created when loaded with an instrumented WebAssembly. */
const instrumentedMemories: { buffer: ArrayBuffer }[] = [];
let instrumented: HashModule;

/** The part of the WebAssembly JS API the test touches (the project's TS libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}

beforeAll(async () => {
  portable = await loadWith(undefined);
  const real = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  class RecordingInstance extends real.Instance {
    constructor(module: object, imports?: object) {
      super(module, imports);
      const m = this.exports["m"];
      if (m instanceof real.Memory) instrumentedMemories.push(m);
    }
  }
  instrumented = await loadWith({ ...real, Module: real.Module, Memory: real.Memory, Instance: RecordingInstance });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("engines", () => {
  it("uses the WebAssembly engine by default in this runtime", () => {
    expect(instrumentedMemories.length).toBe(1);
    const marker = vectorInput(200).map((b) => b ^ 0x5a);
    instrumented.highwayHash64(marker);
    const mem = new Uint8Array(instrumentedMemories[0]!.buffer);
    // The input was copied into the module's memory: the WebAssembly engine did the hashing.
    expect(Buffer.from(mem).indexOf(Buffer.from(marker))).toBeGreaterThanOrEqual(0);
    expect(instrumented.highwayHash64(marker)).toBe(portable.highwayHash64(marker));
  });
});

const engines: [string, () => HashModule][] = [
  ["default", () => defaultImpl],
  ["portable", () => portable],
];

describe.each(engines)("%s engine", (_name, impl) => {
  it("matches all 276 vectors of Google's C library", () => {
    const { highwayHash64 } = impl();
    expect(vectorFile.vectors.length).toBe(276);
    const inputs = new Map<number, Uint8Array>();
    for (const v of vectorFile.vectors) {
      let data = inputs.get(v.length);
      if (data === undefined) inputs.set(v.length, (data = vectorInput(v.length)));
      const key = keys[v.key]!;
      expect(highwayHash64(data, key), `${v.key} key, length ${v.length}`).toBe(BigInt(v.hash));
    }
  });

  it("exports exactly the four documented names", () => {
    expect(Object.keys(impl()).sort()).toEqual(["RIEGELI_HASH_KEY", "highwayHash64", "riegeliHashMatches", "writeRiegeliHash"]);
    expect(Object.isFrozen(impl().RIEGELI_HASH_KEY)).toBe(true);
  });

  it("defaults to the Riegeli key", () => {
    const { highwayHash64, RIEGELI_HASH_KEY } = impl();
    expect(RIEGELI_HASH_KEY).toEqual([
      0x2f696c6567656952n,
      0x0a7364726f636572n,
      0x2f696c6567656952n,
      0x0a7364726f636572n,
    ]);
    const data = vectorInput(77);
    expect(highwayHash64(data)).toBe(highwayHash64(data, RIEGELI_HASH_KEY));
    // the same key words in another array take the custom-key path
    const copy = [...RIEGELI_HASH_KEY] as unknown as HighwayHashKey;
    expect(highwayHash64(data, copy)).toBe(highwayHash64(data));
  });

  it("matches the FORMAT.md §3 table", () => {
    const { highwayHash64 } = impl();
    expect(highwayHash64(new Uint8Array(0))).toBe(0x72c3b1e9c0139fe1n);
    expect(highwayHash64(Uint8Array.of(0x00, 0x01, 0x01, 0x30))).toBe(0x3b0c4f7d283310dan);
    const blockHeader = new Uint8Array(16);
    blockHeader.set(u64le(64n), 8);
    expect(highwayHash64(blockHeader)).toBe(0x3f4a880dd170af83n);
  });

  it("verifies and writes the hashes of the first 64 bytes of every Riegeli file", () => {
    const { riegeliHashMatches, writeRiegeliHash, highwayHash64 } = impl();
    const head = new Uint8Array(64);
    head.set(u64le(0x3f4a880dd170af83n), 0); // block header hash
    head.set(u64le(64n), 16); // next_chunk
    head.set(u64le(0xa9e187923cc2ba91n), 24); // chunk header hash
    head.set(u64le(0x72c3b1e9c0139fe1n), 40); // data hash of the empty data
    head[48] = 0x73; // chunk type 's'
    expect(highwayHash64(head.subarray(32, 64))).toBe(0xa9e187923cc2ba91n);
    expect(riegeliHashMatches(head.subarray(8, 24), head, 0)).toBe(true);
    expect(riegeliHashMatches(head.subarray(32, 64), head, 24)).toBe(true);
    expect(riegeliHashMatches(new Uint8Array(0), head, 40)).toBe(true);

    const written = new Uint8Array(64);
    written.set(head.subarray(8, 24), 8);
    written.set(head.subarray(32, 64), 32);
    writeRiegeliHash(written.subarray(8, 24), written, 0);
    writeRiegeliHash(written.subarray(32, 64), written, 24);
    expect(written).toEqual(head);
  });

  it("riegeliHashMatches rejects any wrong bit and checks its offset", () => {
    const { riegeliHashMatches, highwayHash64 } = impl();
    const data = vectorInput(1300);
    const stored = new Uint8Array(20);
    stored.set(u64le(highwayHash64(data)), 5);
    expect(riegeliHashMatches(data, stored, 5)).toBe(true);
    expect(riegeliHashMatches(data, stored, 4)).toBe(false);
    for (let bit = 0; bit < 64; bit++) {
      const bad = stored.slice();
      bad[5 + (bit >> 3)]! ^= 1 << (bit & 7);
      expect(riegeliHashMatches(data, bad, 5)).toBe(false);
    }
    const changed = data.slice();
    changed[1299]! ^= 1;
    expect(riegeliHashMatches(changed, stored, 5)).toBe(false);
    expect(() => riegeliHashMatches(data, stored, 13)).toThrow(RangeError);
    expect(() => riegeliHashMatches(data, stored, -1)).toThrow(RangeError);
    expect(() => riegeliHashMatches(data, stored, 1.5)).toThrow(RangeError);
  });

  it("writeRiegeliHash writes the u64 little-endian and leaves other bytes alone", () => {
    const { writeRiegeliHash, highwayHash64 } = impl();
    const data = vectorInput(33);
    const out = new Uint8Array(12).fill(0xee);
    writeRiegeliHash(data, out, 3);
    const expected = new Uint8Array(12).fill(0xee);
    expected.set(u64le(highwayHash64(data)), 3);
    expect(out).toEqual(expected);
    expect(() => writeRiegeliHash(data, out, 5)).toThrow(RangeError);
    expect(() => writeRiegeliHash(data, out, 0.5)).toThrow(RangeError);
  });

  it("hashes unaligned subarrays like copies", () => {
    const { highwayHash64, riegeliHashMatches } = impl();
    const backing = vectorInput(70_000);
    for (const offset of [1, 3, 5, 7, 13]) {
      for (const len of [0, 1, 16, 31, 32, 33, 100, 1300, 65_536 + 3]) {
        const view = backing.subarray(offset, offset + len);
        const copy = view.slice();
        const expected = highwayHash64(copy);
        expect(highwayHash64(view), `offset ${offset}, length ${len}`).toBe(expected);
        const stored = new Uint8Array(11);
        stored.set(u64le(expected), 3);
        expect(riegeliHashMatches(view, stored, 3)).toBe(true);
      }
    }
  });

  it("rejects keys that are not four u64 bigints", () => {
    const { highwayHash64 } = impl();
    const data = new Uint8Array(4);
    expect(() => highwayHash64(data, [0n, 0n, 0n, -1n])).toThrow(RangeError);
    expect(() => highwayHash64(data, [0n, 1n << 64n, 0n, 0n])).toThrow(RangeError);
    expect(() => highwayHash64(data, [0n, 0n, 0n] as unknown as HighwayHashKey)).toThrow(RangeError);
  });
});

describe("engines agree", () => {
  it("on every length 0..100, both keys", () => {
    const data = vectorInput(100).map((b, i) => b ^ (i * 7));
    for (const key of Object.values(keys)) {
      for (let n = 0; n <= 100; n++) {
        const d = data.subarray(0, n);
        expect(defaultImpl.highwayHash64(d, key), `length ${n}`).toBe(portable.highwayHash64(d, key));
      }
    }
  });

  it("on inputs spanning several 64 KiB pieces", () => {
    const data = vectorInput(2 * 65_536 + 38);
    for (const n of [65_535, 65_536, 65_537, 2 * 65_536, 2 * 65_536 + 37]) {
      const d = data.subarray(1, 1 + n);
      expect(defaultImpl.highwayHash64(d), `length ${d.length}`).toBe(portable.highwayHash64(d));
    }
  });

  it("on random inputs and keys", () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return (seed >>> 8) & 0xff;
    };
    for (let iter = 0; iter < 200; iter++) {
      const n = iter < 100 ? iter * 3 : rand() * 20;
      const d = new Uint8Array(n).map(() => rand());
      const key: bigint[] = [];
      for (let i = 0; i < 4; i++) {
        let k = 0n;
        for (let j = 0; j < 8; j++) k = (k << 8n) | BigInt(rand());
        key.push(k);
      }
      const k = key as unknown as HighwayHashKey;
      expect(defaultImpl.highwayHash64(d, k)).toBe(portable.highwayHash64(d, k));
    }
  });
});
