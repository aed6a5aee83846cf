/**
 * Our `native/chunkhash` addon (HighwayHash-64 with AVX2, chunk verification, the decoding of
 * simple zstd and Snappy chunks and the encoding of a writer's; built from source by node-gyp on install), loaded once per thread: null
 * where it was not built, has no AVX2 engine, or disagrees with our hash on a sample. Its users
 * (chunk-hashes.ts, native-chunk-decoder.ts, native-chunk-encoder.ts) keep their TypeScript paths for that case.
 */
import { createRequire } from "node:module";
import { highwayHash64, RIEGELI_HASH_KEY } from "./highwayhash.js";
import { keyToBytes } from "./highwayhash-shared.js";

/** The arguments `encodeChunks` and `encodeChunksPacked` share (chunkencode.c says what each is). */
type EncodeArguments = [
  key: Uint8Array,
  codec: number,
  level: number,
  windowLog: number,
  sizes: Uint8Array,
  values: Uint8Array,
  groups: Float64Array,
  from: number,
  to: number,
  out: Uint8Array,
  outAt: number,
];

/** The addon's functions (native/chunkhash/chunkhash.c, chunkdecode.c and chunkencode.c say what each does). */
export interface ChunkHashAddon {
  hash(key: Uint8Array, data: Uint8Array, out: Uint8Array): void;
  verifyChunks(key: Uint8Array, bytes: Uint8Array, start: number, offsets: Float64Array, count: number, verified: Uint8Array): number;
  sealChunks(key: Uint8Array, bytes: Uint8Array, start: number, offsets: Float64Array, count: number): void;
  chunkVerifier(key: Uint8Array): (bytes: Uint8Array, start: number, begin: number) => boolean;
  decodeChunks(
    key: Uint8Array,
    bytes: Uint8Array,
    start: number,
    offsets: Float64Array,
    count: number,
    numRecords: Float64Array,
    decodedSizes: Float64Array,
    out: Uint8Array,
    outAt: number,
    bounds: Float64Array,
    boundsAt: number,
    decoded: Uint8Array,
    stored: 0 | 1 | 2 | 3,
  ): number;
  chunkDecoder(key: Uint8Array): (bytes: Uint8Array, start: number, begin: number, limit: number, out: Uint8Array) => boolean;
  encodeChunks(...args: [...EncodeArguments, position: number, begins: Float64Array]): number;
  encodeChunksPacked(...args: [...EncodeArguments, ends: Float64Array]): number;
  layOutChunks(key: Uint8Array, chunks: Uint8Array, count: number, out: Uint8Array, outAt: number, position: number, begins: Float64Array): number;
}

/** The Riegeli hash key as the addon takes it. */
export const KEY = keyToBytes(RIEGELI_HASH_KEY);

/** The addon when it was built, has the AVX2 engine, and agrees with ours on a sample; else null. */
export const addon: ChunkHashAddon | null = loadAddon();

function loadAddon(): ChunkHashAddon | null {
  try {
    const loaded = createRequire(import.meta.url)("arrayrecord-chunkhash") as Partial<ChunkHashAddon>;
    const names = ["hash", "verifyChunks", "sealChunks", "chunkVerifier", "decodeChunks", "chunkDecoder", "encodeChunks", "encodeChunksPacked", "layOutChunks"] as const;
    if (names.some((name) => loaded[name] === undefined)) return null;
    const out = new Uint8Array(8);
    // Every tail length (0..31 bytes after whole packets) and a few packets.
    for (let len = 0; len < 100; len++) {
      const sample = new Uint8Array(len + 1).map((_, i) => (i * 131 + len * 7) & 0xff).subarray(1);
      loaded.hash!(KEY, sample, out);
      if (new DataView(out.buffer).getBigUint64(0, true) !== highwayHash64(sample)) return null;
    }
    return loaded as ChunkHashAddon;
  } catch {
    return null;
  }
}
