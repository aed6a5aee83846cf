/**
 * Structure-aware damage for fuzzing the reader: bit flips, byte runs, truncations, extensions,
 * swapped blocks, and forged lengths and counts in chunk headers, block headers, the footer and the
 * postscript (forgeries carry valid hashes, so they reach the checks behind the hashes).
 * Everything is deterministic for a {@link Rng}.
 */
import { MemoryByteSource } from "../../src/format/bytes/byte-source.js";
import { runSync } from "../../src/format/bytes/io-plan.js";
import { scanChunks } from "../../src/format/array-record/chunk-scan.js";
import { decodeFooterEntry, decodeFooterMetadata, decodePostscript, encodeFooterEntry, encodeFooterMetadata, encodePostscript } from "../../src/format/array-record/footer.js";
import { BLOCK_HEADER_SIZE, BLOCK_SIZE, writeU64 } from "../../src/format/riegeli/blocks.js";
import { ChunkType, CHUNK_HEADER_SIZE } from "../../src/format/riegeli/chunk-header.js";
import { layOutChunk, paddingChunkTo } from "../../src/format/riegeli/chunk-writer.js";
import { StreamCompressor } from "../../src/format/riegeli/codecs.js";
import { writeRiegeliHash } from "../../src/format/riegeli/highwayhash.js";
import { SimpleChunkBuilder, decodeSimpleChunk, recordAt } from "../../src/format/riegeli/simple-chunk.js";
import { parseChunk } from "../../src/format/riegeli/chunk-reader.js";

/** A small deterministic generator (mulberry32). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 2^32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 0x100000000) * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** The seed of case `index` of a run seeded with `seed` (so one case can be replayed alone). */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/** Where things are in a clean file. */
export interface FileMap {
  readonly bytes: Uint8Array;
  /** Every chunk: begin, end, and where its 40 header bytes are (undefined when split by a block header). */
  readonly chunks: { begin: number; end: number; headerAt: number | undefined; type: number }[];
  /** The footer's chunk begin and its records (metadata first), when the file has a valid tail. */
  readonly footerOffset: number;
  readonly footerRecords: Uint8Array[];
}

/** Maps a clean file (throws if it is not clean). `bytes` must be a plain Uint8Array (Buffer#slice is a view). */
export function mapFile(bytes: Uint8Array): FileMap {
  const chunks: FileMap["chunks"] = [];
  runSync(
    new MemoryByteSource(bytes),
    scanChunks(bytes.length, (item) => {
      if (item.kind !== "chunk") throw new Error(`the clean file is damaged at ${item.begin}`);
      const { begin, end } = item.chunk;
      const inBlock = BLOCK_SIZE - (begin % BLOCK_SIZE);
      const headerAt = begin % BLOCK_SIZE === 0 ? begin + BLOCK_HEADER_SIZE : inBlock >= CHUNK_HEADER_SIZE ? begin : undefined;
      chunks.push({ begin, end, headerAt, type: item.chunk.header.chunkType });
    }),
  );
  const postscriptAt = bytes.length - BLOCK_SIZE;
  const postscript = parseChunk({ bytes: bytes.subarray(postscriptAt), start: postscriptAt }, postscriptAt, { limit: bytes.length, limitIsEof: true });
  const ps = decodeSimpleChunk(postscript.data, postscript.header.numRecords, postscript.header.decodedDataSize, postscriptAt);
  const footerOffset = decodePostscript(recordAt(ps, 0), postscriptAt);
  const footerChunk = parseChunk({ bytes: bytes.subarray(footerOffset, postscriptAt), start: footerOffset }, footerOffset, { limit: postscriptAt, limitIsEof: false });
  const footer = decodeSimpleChunk(footerChunk.data, footerChunk.header.numRecords, footerChunk.header.decodedDataSize, footerOffset);
  const footerRecords: Uint8Array[] = [];
  for (let i = 0; i < footer.count; i++) footerRecords.push(new Uint8Array(recordAt(footer, i)));
  return { bytes, chunks, footerOffset, footerRecords };
}

/** The mutation kinds, each equally likely. */
export const MUTATION_KINDS = [
  "bit-flips",
  "byte-run",
  "truncate",
  "extend",
  "swap-blocks",
  "move-bytes",
  "forge-chunk-header",
  "forge-block-header",
  "forge-footer",
  "forge-postscript",
] as const;

/** One of {@link MUTATION_KINDS}. */
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** A damaged copy of `map.bytes` and how it was damaged. */
export function mutate(rng: Rng, map: FileMap): { kind: MutationKind; bytes: Uint8Array } {
  const kind = rng.pick(MUTATION_KINDS);
  return { kind, bytes: MUTATORS[kind](rng, map) };
}

/** Values a forged length or count takes: edge cases around the true value and the limits. */
function forgedValue(rng: Rng, original: number, fileSize: number, max: number): number {
  const choices = [0, 1, original + 1, Math.max(0, original - 1), original * 2, fileSize, fileSize + 1, 2 ** 31, 2 ** 32 + 1, max, rng.int(fileSize * 2), rng.int(2 ** 40)];
  return Math.min(max, rng.pick(choices));
}

const MAX_U53 = Number.MAX_SAFE_INTEGER;
const MAX_U56 = 2 ** 56 - 1;

function readU64Loose(bytes: Uint8Array, at: number): number {
  let value = 0;
  for (let i = 7; i >= 0; i--) value = value * 256 + bytes[at + i]!;
  return value;
}

/** Writes a value up to 2^64 (beyond 2^53 as approximate high bits: forged fields may exceed what readers accept). */
function writeU64Any(out: Uint8Array, at: number, value: number): void {
  if (value <= MAX_U53) return writeU64(out, at, value);
  const high = Math.floor(value / 0x100000000);
  writeU64(out, at, 0);
  for (let i = 0; i < 4; i++) out[at + 4 + i] = (high >>> (8 * i)) & 0xff;
}

const MUTATORS: Record<MutationKind, (rng: Rng, map: FileMap) => Uint8Array> = {
  "bit-flips": (rng, { bytes }) => {
    const out = bytes.slice();
    for (let k = 1 + rng.int(8); k > 0; k--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  },
  "byte-run": (rng, { bytes }) => {
    const out = bytes.slice();
    const at = rng.int(out.length);
    const n = Math.min(out.length - at, 1 + rng.int(rng.pick([8, 64, 4096])));
    const fill = rng.int(3);
    for (let k = 0; k < n; k++) out[at + k] = fill === 0 ? 0 : fill === 1 ? 0xff : rng.int(256);
    return out;
  },
  truncate: (rng, { bytes }) => {
    // Anywhere, or near a block boundary (where the postscript and block headers sit).
    const near = Math.floor(rng.int(bytes.length) / BLOCK_SIZE) * BLOCK_SIZE + rng.int(80) - 40;
    const at = rng.int(2) === 0 ? rng.int(bytes.length) : Math.max(0, Math.min(bytes.length - 1, near));
    return bytes.slice(0, at);
  },
  extend: (rng, { bytes }) => {
    const n = rng.pick([1, 24, 40, 4096, BLOCK_SIZE, BLOCK_SIZE + 1 + rng.int(100)]);
    const out = new Uint8Array(bytes.length + n);
    out.set(bytes);
    const how = rng.int(3);
    if (how === 1) for (let i = bytes.length; i < out.length; i++) out[i] = rng.int(256);
    // Repeat the file's own tail: a second postscript-like block at the new end.
    if (how === 2) out.set(bytes.subarray(Math.max(0, bytes.length - n)), bytes.length);
    return out;
  },
  "swap-blocks": (rng, { bytes }) => {
    const blocks = Math.floor(bytes.length / BLOCK_SIZE);
    const out = bytes.slice();
    if (blocks < 2) return out.reverse();
    const a = rng.int(blocks);
    let b = rng.int(blocks - 1);
    if (b >= a) b++;
    // Blocks with identical block headers may swap into a different valid file: not damage.
    const ha = bytes.subarray(a * BLOCK_SIZE, a * BLOCK_SIZE + BLOCK_HEADER_SIZE);
    const hb = bytes.subarray(b * BLOCK_SIZE, b * BLOCK_SIZE + BLOCK_HEADER_SIZE);
    if (Buffer.from(ha).equals(hb)) return MUTATORS["bit-flips"](rng, { bytes } as FileMap);
    out.set(bytes.subarray(a * BLOCK_SIZE, (a + 1) * BLOCK_SIZE), b * BLOCK_SIZE);
    out.set(bytes.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE), a * BLOCK_SIZE);
    return out;
  },
  "move-bytes": (rng, { bytes }) => {
    const out = bytes.slice();
    const from = rng.int(out.length);
    const to = rng.int(out.length);
    const n = Math.min(1 + rng.int(rng.pick([64, 1024, 20000])), out.length - Math.max(from, to));
    out.copyWithin(to, from, from + n);
    return out;
  },
  "forge-chunk-header": (rng, { bytes, chunks }) => {
    const out = bytes.slice();
    const candidates = chunks.filter((c) => c.headerAt !== undefined);
    const chunk = rng.pick(candidates);
    const at = chunk.headerAt!;
    const field = rng.int(4);
    if (field === 0) writeU64Any(out, at + 8, forgedValue(rng, readU64Loose(out, at + 8), bytes.length, 2 ** 64 - 1));
    else if (field === 1) writeU64Any(out, at + 32, forgedValue(rng, readU64Loose(out, at + 32), bytes.length, 2 ** 64 - 1));
    else if (field === 2) {
      const n = forgedValue(rng, readU64Loose(out, at + 24) / 256, bytes.length, MAX_U56);
      const type = out[at + 24]!;
      writeU64Any(out, at + 24, n * 256);
      out[at + 24] = type;
    } else out[at + 24] = rng.pick([ChunkType.SIGNATURE, ChunkType.METADATA, ChunkType.PADDING, ChunkType.SIMPLE, ChunkType.TRANSPOSED, 0x00, 0x7a]);
    writeRiegeliHash(out.subarray(at + 8, at + CHUNK_HEADER_SIZE), out, at);
    return out;
  },
  "forge-block-header": (rng, { bytes }) => {
    const out = bytes.slice();
    const at = rng.int(Math.floor(bytes.length / BLOCK_SIZE)) * BLOCK_SIZE;
    const field = 8 + 8 * rng.int(2);
    writeU64Any(out, at + field, forgedValue(rng, readU64Loose(out, at + field), bytes.length, 2 ** 64 - 1));
    writeRiegeliHash(out.subarray(at + 8, at + BLOCK_HEADER_SIZE), out, at);
    return out;
  },
  "forge-footer": (rng, map) => {
    const records: Uint8Array[] = map.footerRecords.map((r) => new Uint8Array(r));
    const meta = decodeFooterMetadata(records[0]!, 0);
    const size = map.bytes.length;
    const which = rng.int(records.length === 1 ? 1 : 3);
    if (which === 0) {
      const field = rng.pick(["version", "numChunks", "numRecords"] as const);
      records[0] = encodeFooterMetadata({ ...meta, [field]: forgedValue(rng, meta[field], size, MAX_U53) });
    } else if (which === 1) {
      const i = 1 + rng.int(records.length - 1);
      const entry = decodeFooterEntry(records[i]!, i - 1, 0);
      const field = rng.pick(["chunkOffset", "numRecords", "decodedDataSize"] as const);
      records[i] = encodeFooterEntry({ ...entry, [field]: forgedValue(rng, entry[field], size, MAX_U53) });
    } else {
      // Drop, duplicate or swap entries.
      const i = 1 + rng.int(records.length - 1);
      const j = 1 + rng.int(records.length - 1);
      const op = rng.int(3);
      if (op === 0) records.splice(i, 1);
      else if (op === 1) records.splice(i, 0, records[i]!);
      else [records[i], records[j]] = [records[j]!, records[i]!];
    }
    return rebuildTail(map, records, map.footerOffset);
  },
  "forge-postscript": (rng, map) => {
    const target = rng.int(2) === 0 ? rng.pick(map.chunks).begin : forgedValue(rng, map.footerOffset, map.bytes.length, MAX_U53);
    return rebuildTail(map, map.footerRecords, target);
  },
};

/** The file's data chunks, then a footer holding `footerRecords` and a postscript naming `postscriptTarget`. */
function rebuildTail(map: FileMap, footerRecords: Uint8Array[], postscriptTarget: number): Uint8Array {
  const parts: Uint8Array[] = [map.bytes.subarray(0, map.footerOffset)];
  let position = map.footerOffset;
  const emit = (chunk: { chunkType: number; data: Uint8Array; numRecords: number; decodedDataSize: number }): void => {
    const laid = layOutChunk(position, chunk);
    parts.push(laid);
    position += laid.length;
  };
  const pad = (): void => {
    const padding = paddingChunkTo(position);
    if (padding !== undefined) emit(padding);
  };
  const simple = (records: Uint8Array[]): void => {
    const builder = new SimpleChunkBuilder();
    for (const r of records) builder.add(r);
    const decodedDataSize = builder.decodedDataSize;
    const data = builder.finish(new StreamCompressor({ type: "uncompressed" }, undefined)).slice();
    emit({ chunkType: ChunkType.SIMPLE, data, numRecords: records.length, decodedDataSize });
  };
  simple(footerRecords);
  pad();
  const postscript = encodePostscript(postscriptTarget);
  simple([postscript, postscript, postscript]);
  pad();
  return new Uint8Array(Buffer.concat(parts));
}
