/**
 * Recovery accepts a chunk only where the file confirms its position (fuzz finding: seed 1, case
 * 60623 of `npm run fuzz` over ../shared/golden, replayed in test/corpus/fuzz-findings.corpus.ts).
 * A chunk carries no record of where it belongs, so an intact chunk copied onto the offset the footer
 * gives another chunk of the same record count and decoded size verifies; it must be reported as
 * lost unless the chain of verified chunk ends (or a block header) confirms where it lies.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ArrayRecordReader, MemoryByteSource, encodeArrayRecord, type DamagedRegion } from "../../../src/index.js";
import { runSync } from "../../../src/format/bytes/io-plan.js";
import { scanChunks } from "../../../src/format/array-record/chunk-scan.js";
import { ChunkType } from "../../../src/format/riegeli/chunk-header.js";

/** Records of one length, each distinct: with group_size:1 and no compression every chunk has the same size. */
function sameSizeRecords(count: number, length: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const r = new Uint8Array(length);
    for (let j = 0; j < length; j++) r[j] = (i * 31 + j * 7 + (i >> 3)) & 0xff;
    r[0] = i & 0xff;
    r[1] = i >> 8;
    return r;
  });
}

/** Begins of the chunks holding records (data, then the footer and the postscript), in file order. */
function recordChunkBegins(file: Uint8Array): number[] {
  const begins: number[] = [];
  runSync(
    new MemoryByteSource(file),
    scanChunks(file.length, (item) => {
      if (item.kind === "chunk" && item.chunk.header.chunkType === ChunkType.SIMPLE && item.chunk.header.numRecords > 0) begins.push(item.chunk.begin);
    }),
  );
  return begins;
}

const COUNT = 1000;
const records = sameSizeRecords(COUNT, 100);
const clean = encodeArrayRecord(records, "group_size:1,uncompressed");
/** Begins of the data chunks, and of the footer at [COUNT]. */
const begins = recordChunkBegins(clean).slice(0, COUNT + 1);
const chunkLength = begins[1]! - begins[0]!;
/** The chunk that the block header at 64 KiB interrupts (or that begins there): it names its begin. */
const anchoredAt64K = begins.findLastIndex((b) => b <= 65536);
/** Indices [from, to). */
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Copies chunks x-1 and x over chunks y-1 and y, starting `skip` bytes into chunk x-1's
 * header: chunk y-1's header no longer verifies (its hash, bytes 0-7, stays; with `skip` at most 20 its
 * data hash, bytes 16-23, changes), and chunk y's footer
 * offset holds an intact copy of chunk x.
 */
function copyOnto(x: number, y: number, skip: number): Uint8Array {
  const out = clean.slice();
  out.copyWithin(begins[y - 1]! + skip, begins[x - 1]! + skip, begins[x + 1]!);
  return out;
}

function recover(file: Uint8Array): { got: Uint8Array[]; regions: DamagedRegion[]; reader: ArrayRecordReader } {
  const regions: DamagedRegion[] = [];
  const reader = ArrayRecordReader.openSync(new MemoryByteSource(file, "moved"), "", { recover: { onDamage: (r) => regions.push(r) } });
  return { got: reader.readAllSync().map((r) => r.slice()), regions, reader };
}

/** Index in `records` of each record returned, -1 when it is none of them. */
function originalIndices(got: Uint8Array[]): number[] {
  return got.map((r) => records.findIndex((o) => Buffer.from(o).equals(r)));
}

describe("recovery confirms chunk positions", () => {
  it("the test file: 1000 one-record chunks of equal size except where a block header interrupts one", () => {
    expect(begins.length).toBe(COUNT + 1);
    expect(begins.filter((b, i) => i > 0 && i < COUNT && b - begins[i - 1]! !== chunkLength).length).toBe(2);
    expect(anchoredAt64K).toBe(457);
  });

  it("reports an intact chunk copied onto another's offset after a damaged header as lost, and what follows until a block header confirms a position", () => {
    const damaged = copyOnto(40, 150, 12);
    // The copy verifies where it lies: a strict read of record 150 returns record 40's bytes (as
    // Google's library would; chunks carry no position), and only the damaged header 149 fails.
    const strict = ArrayRecordReader.openSync(new MemoryByteSource(damaged));
    expect(Buffer.from(strict.readSync(150)).equals(records[40]!)).toBe(true);
    expect(Buffer.from(strict.readSync(151)).equals(records[151]!)).toBe(true);
    expect(() => strict.readSync(149)).toThrow(/hash mismatch/);
    const { got, regions, reader } = recover(damaged);
    // Chunk 150 (the copy) and the intact chunks after it look alike: each verifies and ends where
    // the next begins. Nothing confirms a position until the chunk the block header at 64 KiB names.
    const lost = range(149, anchoredAt64K);
    expect(originalIndices(got)).toEqual(range(0, COUNT).filter((i) => !lost.includes(i)));
    expect(regions.map((r) => [r.begin, r.end, r.records?.start, r.records?.end, r.code])).toEqual(lost.map((c) => [begins[c], begins[c + 1], c, c + 1, "CORRUPT"]));
    expect(regions[0]!.reason).toBe("chunk header hash mismatch");
    expect(regions.slice(1).every((r) => /position is unconfirmed/.test(r.reason))).toBe(true);
    expect(reader.recovery).toMatchObject({ method: "footer", recoveredRecords: COUNT - lost.length, lostRecords: lost.length, unknownLoss: false });
  });

  it("keeps the chain through a chunk whose data is damaged but whose header verifies", () => {
    const damaged = clean.slice();
    damaged[begins[100]! + 60] ^= 0x40; // in chunk 100's data
    const { got, regions } = recover(damaged);
    expect(originalIndices(got)).toEqual(range(0, COUNT).filter((i) => i !== 100));
    expect(regions.map((r) => [r.records?.start, r.reason])).toEqual([[100, "chunk data hash mismatch"]]);
  });

  it("reports a shorter intact chunk at a confirmed offset as lost: it does not end where the next chunk begins", () => {
    // One record of 100 bytes, compressed: the record count and decoded size of chunk 80, fewer bytes.
    const short = encodeArrayRecord([new Uint8Array(100).fill(7)], "group_size:1,zstd:1");
    const [shortBegin, footerBegin] = recordChunkBegins(short);
    const chunk = short.subarray(shortBegin!, footerBegin!);
    expect(chunk.length).toBeLessThan(chunkLength - 40);
    const damaged = clean.slice();
    damaged.set(chunk, begins[80]!);
    const { got, regions } = recover(damaged);
    const lost = range(80, anchoredAt64K);
    expect(originalIndices(got)).toEqual(range(0, COUNT).filter((i) => !lost.includes(i)));
    expect(regions[0]!.records).toEqual({ start: 80, end: 81 });
    expect(regions[0]!.reason).toMatch(/not where the footer puts the next chunk/);
    expect(regions.length).toBe(lost.length);
  });

  it("property: chunks copied over others after a damaged header never come back out of order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: COUNT - 2 }), fc.integer({ min: 1, max: COUNT - 2 }), fc.integer({ min: 8, max: 20 }), (x, y, skip) => {
        fc.pre(x !== y);
        const { got, reader } = recover(copyOnto(x, y, skip));
        const indices = originalIndices(got);
        // Every record an original, strictly increasing (in order, no duplicates), the rest reported.
        expect(indices.every((v, i) => v >= 0 && (i === 0 || v > indices[i - 1]!))).toBe(true);
        expect(got.length + reader.recovery!.lostRecords).toBe(COUNT);
      }),
      { seed: 13, numRuns: 15 },
    );
  });
});
