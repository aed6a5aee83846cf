/**
 * Recovery mode: damaged data chunks are skipped and reported with their byte and record ranges;
 * a file whose footer and postscript are destroyed is read by walking its chunks.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ArrayRecordDataSource, ArrayRecordReader, MemoryByteSource, encodeArrayRecord, isArrayRecordError, type DamagedRegion } from "../../../src/index.js";
import { runSync } from "../../../src/format/bytes/io-plan.js";
import { scanChunks } from "../../../src/format/array-record/chunk-scan.js";
import { ChunkType } from "../../../src/format/riegeli/chunk-header.js";
import { BLOCK_SIZE } from "../../../src/format/riegeli/blocks.js";
import { randomRecords } from "../../helpers/generators.js";

/** Begins and ends of the chunks holding records, in file order (the last is the footer). */
function recordChunks(file: Uint8Array): { begin: number; end: number; numRecords: number }[] {
  const out: { begin: number; end: number; numRecords: number }[] = [];
  runSync(
    new MemoryByteSource(file),
    scanChunks(file.length, (item) => {
      if (item.kind !== "chunk") throw new Error(`damage in a clean file at ${item.begin}`);
      const { chunkType, numRecords } = item.chunk.header;
      if (chunkType === ChunkType.SIMPLE && numRecords > 0) out.push({ begin: item.chunk.begin, end: item.chunk.end, numRecords });
    }),
  );
  return out;
}

function recover(file: Uint8Array): { records: Uint8Array[]; regions: DamagedRegion[]; reader: ArrayRecordReader } {
  const regions: DamagedRegion[] = [];
  const reader = ArrayRecordReader.openSync(new MemoryByteSource(file, "damaged"), "", { recover: { onDamage: (r) => regions.push(r) } });
  return { records: reader.readAllSync().map((r) => r.slice()), regions, reader };
}

/** Same count and bytes (vitest's deep equality on hundreds of byte arrays is slow). */
function expectSameRecords(got: Uint8Array[], want: Uint8Array[]): void {
  expect(got.length).toBe(want.length);
  expect(got.findIndex((r, i) => !Buffer.from(r).equals(want[i]!))).toBe(-1);
}

function strictFailure(file: Uint8Array): string {
  try {
    ArrayRecordReader.openSync(new MemoryByteSource(file)).readAllSync();
    return "ok";
  } catch (e) {
    if (!isArrayRecordError(e)) throw e;
    return e.code;
  }
}

const records = randomRecords(41, 300, 100, 2000);
const clean = encodeArrayRecord(records, "group_size:10,zstd:1");
const chunks = recordChunks(clean);

describe("recovery", () => {
  it("finds 30 data chunks, the footer and the postscript in the clean file", () => {
    // 30 data chunks, the footer (31 records), the postscript (3 records).
    expect(chunks.length).toBe(32);
    expect(chunks[30]!.numRecords).toBe(31);
    expect(chunks[31]!.numRecords).toBe(3);
    expect(chunks[31]!.begin).toBe(clean.length - BLOCK_SIZE);
  });

  it("skips one corrupted data chunk, yields every other record, and names the lost range", () => {
    const damaged = clean.slice();
    const chunk = chunks[7]!;
    damaged[chunk.begin + 60] ^= 0x10; // inside the data: the data hash fails
    expect(strictFailure(damaged)).toBe("CORRUPT");
    const { records: got, regions, reader } = recover(damaged);
    expectSameRecords(got, [...records.slice(0, 70), ...records.slice(80)]);
    expect(regions).toEqual([
      { file: "damaged", begin: chunk.begin, end: chunks[8]!.begin, records: { start: 70, end: 80 }, lostRecords: 10, code: "CORRUPT", reason: "chunk data hash mismatch" },
    ]);
    expect(reader.recovery).toMatchObject({ method: "footer", recoveredRecords: 290, lostRecords: 10, unknownLoss: false, footerProblem: undefined });
    expect(reader.numRecords).toBe(290);
    expectSameRecords([reader.readSync(70)], [records[80]!]);
  });

  it("reads a clean file in recovery mode exactly, with an empty report", () => {
    const { records: got, regions, reader } = recover(clean);
    expectSameRecords(got, records);
    expect(regions).toEqual([]);
    expect(reader.recovery).toMatchObject({ method: "footer", recoveredRecords: 300, lostRecords: 0, unknownLoss: false });
  });

  it("yields every record by scanning when the footer and the postscript are destroyed", () => {
    const damaged = clean.slice();
    const footer = chunks[30]!;
    // Overwrite everything from the footer to the end (footer, padding, postscript) with noise.
    for (let i = footer.begin; i < damaged.length; i++) damaged[i] = (i * 7919) & 0xff;
    expect(strictFailure(damaged)).toBe("CORRUPT");
    const { records: got, regions, reader } = recover(damaged);
    expectSameRecords(got, records);
    expect(reader.recovery).toMatchObject({ method: "scan", recoveredRecords: 300, lostRecords: 0 });
    expect(reader.recovery!.footerProblem).toMatch(/hash mismatch/);
    // The destroyed tail is one region of unknown content: no record numbers are claimed for it.
    expect(regions.map((r) => [r.begin, r.end, r.records])).toEqual([[footer.begin, damaged.length, undefined]]);
  });

  it("uses the footer found by scanning when only the postscript is destroyed", () => {
    const damaged = clean.slice();
    damaged.fill(0xaa, clean.length - BLOCK_SIZE);
    const { records: got, regions, reader } = recover(damaged);
    expectSameRecords(got, records);
    expect(regions).toEqual([]);
    expect(reader.recovery).toMatchObject({ method: "footer", recoveredRecords: 300 });
    expect(reader.recovery!.footerProblem).toMatch(/postscript|hash/);
  });

  it("resynchronises on the next block header after a destroyed chunk header, and keeps order", () => {
    const big = randomRecords(42, 120, 3000, 9000);
    const file = encodeArrayRecord(big, "group_size:4,uncompressed");
    const at = recordChunks(file);
    // Destroy the header of a data chunk that lies within one block (its end is unknowable), and the footer.
    const k = at.findIndex((c, i) => i > 3 && c.begin % BLOCK_SIZE !== 0 && Math.floor(c.begin / BLOCK_SIZE) === Math.floor((c.begin + 40) / BLOCK_SIZE));
    const damaged = file.slice();
    damaged.fill(0, at[k]!.begin, at[k]!.begin + 40);
    const footer = at[at.length - 2]!;
    damaged.fill(0x55, footer.begin, footer.begin + 64);
    const { records: got, regions, reader } = recover(damaged);
    const nextBoundary = (Math.floor(at[k]!.begin / BLOCK_SIZE) + 1) * BLOCK_SIZE;
    const resumed = at.findIndex((c) => c.begin >= nextBoundary || c.end > nextBoundary);
    // Chunks before k survive; the walk resumes at the first chunk whose begin the next block header names.
    const firstKept = resumed > k ? resumed : resumed + 1;
    expect(firstKept).toBeGreaterThan(k + 1); // some chunks after k are lost: the test exercises resynchronisation
    expectSameRecords(got, [...big.slice(0, 4 * k), ...big.slice(4 * firstKept)]);
    expect(regions[0]).toMatchObject({ begin: at[k]!.begin, records: undefined, lostRecords: undefined, code: "CORRUPT", reason: "chunk header hash mismatch" });
    expect(reader.recovery!.method).toBe("scan");
    expect(reader.recovery!.unknownLoss).toBe(true);
  });

  it("salvages the prefix of a truncated file", () => {
    const cut = clean.subarray(0, chunks[12]!.begin + 30);
    expect(strictFailure(cut)).toMatch(/CORRUPT|TRUNCATED/);
    const { records: got, regions } = recover(cut);
    expectSameRecords(got, records.slice(0, 120));
    expect(regions.at(-1)!.end).toBe(cut.length);
  });

  it("opens a data source in recovery mode, one report per file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "recovery-"));
    const a = path.join(dir, "a-00000-of-00002");
    const b = path.join(dir, "a-00001-of-00002");
    writeFileSync(a, clean);
    const damaged = clean.slice();
    damaged[chunks[0]!.begin + 60] ^= 1;
    writeFileSync(b, damaged);
    expect(() => ArrayRecordDataSource.openSync([a, b]).getManySync([...Array(600).keys()])).toThrow(/hash mismatch/);
    const seen: string[] = [];
    const ds = ArrayRecordDataSource.openSync([a, b], "", { recover: { onDamage: (r) => seen.push(`${path.basename(r.file)} ${r.records!.start}`) } });
    expect(ds.length).toBe(590);
    expectSameRecords([ds.getSync(300)], [records[10]!]);
    expect(seen).toEqual(["a-00001-of-00002 0"]);
    expect(ds.recovery.map((r) => r.lostRecords)).toEqual([0, 10]);
    ds.closeSync();
  });
});
