/**
 * Mutation fuzzing of the transposed chunk decoder, shared by the test suite (a few thousand cases)
 * and `npm run fuzz:transposed` (100,000+ on demand). Valid chunks from our encoder (every
 * compression; proto, non-proto and mixed records) are damaged in random ways, or replaced by
 * random bytes; the decoder must return records of exactly the declared count and size, or throw an
 * ArrayRecordError — never another exception, a hang or an unbounded allocation.
 */
import { StreamCompressor } from "../../src/format/riegeli/codecs.js";
import type { Compression } from "../../src/format/riegeli/compressor-options.js";
import { TransposedChunkBuilder } from "../../src/format/riegeli/transposed-chunk-encoder.js";
import { decodeTransposedChunk } from "../../src/format/riegeli/transposed-chunk-decoder.js";
import { isArrayRecordError } from "../../src/format/errors.js";
import { exampleRecords, mixedRecords, textRecords } from "./generators.js";
import { encodeFields, type ProtoField } from "./proto-arbitrary.js";

/** One chunk to decode: its data and the header's record count and decoded size. */
export interface FuzzChunk {
  data: Uint8Array;
  numRecords: number;
  decodedDataSize: number;
}

/** xorshift32 random numbers from a seed (deterministic runs). */
export class FuzzRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    this.state ^= this.state << 13;
    this.state ^= this.state >>> 17;
    this.state ^= this.state << 5;
    return (this.state >>> 0) % n;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Records with nested messages, groups and every wire type. */
function nestedRecords(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const fields: ProtoField[] = [
      { kind: "varint", field: 1, value: BigInt(i) * 1000003n },
      { kind: "fixed32", field: 2, value: Uint8Array.of(i, 1, 2, 3) },
      { kind: "fixed64", field: 3, value: new Uint8Array(8).fill(i) },
      { kind: "group", field: 4, fields: [{ kind: "varint", field: 1, value: BigInt(i % 4) }, { kind: "bytes", field: 2, value: Uint8Array.of(i) }] },
      { kind: "message", field: 5, fields: [{ kind: "message", field: 1, fields: [{ kind: "varint", field: 7, value: 1n << 63n }] }] },
    ];
    return encodeFields(fields.slice(0, 1 + (i % fields.length)));
  });
}

const COMPRESSIONS: Compression[] = [{ type: "uncompressed" }, { type: "zstd", level: 1 }, { type: "brotli", level: 1 }, { type: "snappy" }];

/** Valid chunks to mutate; uncompressed ones are repeated so damage often reaches the state machine. */
export function fuzzCorpus(): FuzzChunk[] {
  const sets = [exampleRecords(3, 20), mixedRecords(5, 24), nestedRecords(30), textRecords(1, 10, 0, 80), exampleRecords(9, 1)];
  const out: FuzzChunk[] = [];
  for (const compression of COMPRESSIONS) {
    for (const records of sets) {
      for (const bucketSize of compression.type === "uncompressed" ? [256] : [64, 1 << 20]) {
        const builder = new TransposedChunkBuilder(bucketSize);
        for (const r of records) builder.add(r);
        const decodedDataSize = builder.decodedDataSize;
        const data = builder.finish(new StreamCompressor(compression, undefined)).slice();
        const chunk = { data, numRecords: records.length, decodedDataSize };
        out.push(chunk);
        if (compression.type === "uncompressed") out.push(chunk, chunk);
      }
    }
  }
  return out;
}

/** One damaged (or random) chunk from the corpus. */
export function mutateChunk(corpus: readonly FuzzChunk[], rng: FuzzRandom): FuzzChunk {
  const base = corpus[rng.int(corpus.length)]!;
  let data: Uint8Array = base.data.slice();
  let { numRecords, decodedDataSize } = base;
  const kinds = 1 + rng.int(3);
  for (let k = 0; k < kinds; k++) {
    switch (rng.int(10)) {
      case 0:
        for (let n = 1 + rng.int(8); n > 0; n--) data[rng.int(data.length)]! ^= 1 << rng.int(8);
        break;
      case 1: {
        // Damage near the start, where the header and its counts are.
        const span = Math.min(data.length, 48);
        for (let n = 1 + rng.int(4); n > 0; n--) data[rng.int(span)] = rng.int(256);
        break;
      }
      case 2: {
        const at = rng.int(data.length);
        data.set(rng.bytes(Math.min(data.length - at, 1 + rng.int(16))), at);
        break;
      }
      case 3:
        data = data.subarray(0, rng.int(data.length + 1)).slice();
        break;
      case 4: {
        const at = rng.int(data.length + 1);
        const extra = rng.int(3) === 0 ? new Uint8Array(1 + rng.int(10)).fill(0xff) : rng.bytes(1 + rng.int(12));
        const next = new Uint8Array(data.length + extra.length);
        next.set(data.subarray(0, at));
        next.set(extra, at);
        next.set(data.subarray(at), at + extra.length);
        data = next;
        break;
      }
      case 5: {
        const at = rng.int(data.length + 1);
        const n = rng.int(Math.min(16, data.length - at) + 1);
        const next = new Uint8Array(data.length - n);
        next.set(data.subarray(0, at));
        next.set(data.subarray(at + n), at);
        data = next;
        break;
      }
      case 6:
        numRecords = [0, 1, numRecords + 1, Math.max(0, numRecords - 1), rng.int(1000), 2 ** 31][rng.int(6)]!;
        break;
      case 7:
        decodedDataSize = [0, decodedDataSize + 1, Math.max(0, decodedDataSize - 1), rng.int(100_000), 2 ** 40][rng.int(5)]!;
        break;
      case 8:
        // Random bytes behind a valid compression byte.
        data = rng.bytes(rng.int(200));
        if (data.length > 0) data[0] = [0x00, 0x7a, 0x62, 0x73][rng.int(4)]!;
        break;
      default: {
        // Swap two runs: plausible pieces in the wrong places.
        const n = 1 + rng.int(8);
        if (data.length > 2 * n) {
          const a = rng.int(data.length - n);
          const b = rng.int(data.length - n);
          const tmp = data.slice(a, a + n);
          data.copyWithin(a, b, b + n);
          data.set(tmp, b);
        }
      }
    }
  }
  return { data, numRecords, decodedDataSize };
}

/**
 * Decodes one chunk; returns "ok" or the error code. Throws (with the chunk described) if the
 * decoder fails any other way or returns records that disagree with the declared count and size.
 */
export function decodeOutcome(chunk: FuzzChunk): string {
  try {
    const records = decodeTransposedChunk(chunk.data, chunk.numRecords, chunk.decodedDataSize, 0);
    if (records.count !== chunk.numRecords || records.values.length !== chunk.decodedDataSize) {
      throw new Error(`decoded ${records.count} records of ${records.values.length} bytes, declared ${chunk.numRecords} of ${chunk.decodedDataSize}`);
    }
    return "ok";
  } catch (e) {
    if (isArrayRecordError(e)) return e.code;
    throw new Error(`not an ArrayRecordError for chunk ${Buffer.from(chunk.data.subarray(0, 64)).toString("hex")}… (${chunk.data.length} bytes, ${chunk.numRecords} records, ${chunk.decodedDataSize} bytes): ${(e as Error).stack}`);
  }
}
