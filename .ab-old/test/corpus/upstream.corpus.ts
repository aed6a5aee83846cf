/**
 * Files written by others in ../shared/interop/upstream: array_record's own sharded test data and
 * Riegeli record files (simple, transposed, block-boundary cases, a damaged one). Every file there
 * must have an expectation below.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ArrayRecordDataSource } from "../../src/format/array-record/data-source.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { RiegeliReader } from "../../src/format/riegeli/record-reader.js";
import { ChunkType } from "../../src/format/riegeli/chunk-header.js";
import { isArrayRecordError } from "../../src/format/errors.js";
import { INTEROP_DIR } from "../helpers/golden.js";

const UPSTREAM = path.join(INTEROP_DIR, "upstream");
const text = (r: Uint8Array) => Buffer.from(r).toString();

/** Expected content of each Riegeli file: record count, data chunk begins, and a record check. */
interface RiegeliExpectation {
  records: number;
  dataChunks?: number[];
  check: (records: Uint8Array[]) => void;
  /** Transposed files: their data chunks are 't' chunks. */
  transposed?: boolean;
  /** Damaged on purpose: must be rejected. */
  corrupt?: boolean;
}

const hundred = (records: Uint8Array[]) => expect(records.map(text)).toEqual(Array.from({ length: 100 }, (_, i) => `record_${String(i).padStart(6, "0")}`));
const allEmpty = (tail: boolean) => (records: Uint8Array[]) => {
  const last = records.length - 1;
  records.forEach((r, i) => expect(text(r)).toBe(tail && i === last ? "tail" : ""));
};

const RIEGELI: Record<string, RiegeliExpectation> = {
  "riegeli-rs/golden/simple_none.riegeli": { records: 100, check: hundred },
  "riegeli-rs/golden/simple_brotli.riegeli": { records: 100, check: hundred },
  "riegeli-rs/golden/simple_zstd.riegeli": { records: 100, check: hundred },
  "riegeli-rs/golden/transpose_none.riegeli": { records: 100, check: hundred, transposed: true },
  "riegeli-rs/golden/transpose_brotli.riegeli": { records: 100, check: hundred, transposed: true },
  "riegeli-rs/golden/transpose_zstd.riegeli": { records: 100, check: hundred, transposed: true },
  "riegeli-rs/boundary/A_q_boundary_plus_1.riegeli": { records: 65473, dataChunks: [64], check: allEmpty(false) },
  "riegeli-rs/boundary/A_q_boundary_plus_1_with_tail.riegeli": { records: 65474, dataChunks: [64, 65561], check: allEmpty(true) },
  "riegeli-rs/boundary/B_q_boundary_plus_24.riegeli": { records: 65496, dataChunks: [64], check: allEmpty(false) },
  "riegeli-rs/boundary/B_q_boundary_plus_24_with_tail.riegeli": { records: 65497, dataChunks: [64, 65561], check: allEmpty(true) },
  "riegeli-rs/boundary/C_q_boundary_exact.riegeli": { records: 65472, dataChunks: [64], check: allEmpty(false) },
  "riegeli-rs/boundary/D_chunk_starts_at_boundary.riegeli": {
    records: 2,
    dataChunks: [64, 65600],
    check: (records) => expect(records.map(text)).toEqual(["file-one-record", "boundary-coincident-file"]),
  },
  "riegeli-rs/regression/recovery_regions_alias.riegeli": { records: 0, check: () => {}, corrupt: true },
};

const DIGITS = ["digits.array_record-00000-of-00002", "digits.array_record-00001-of-00002"];

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

describe("interop/upstream", () => {
  it("every file there has an expectation", () => {
    const known = new Set([...Object.keys(RIEGELI), ...DIGITS, "riegeli-rs/boundary/SHA256SUMS"]);
    expect(listFiles(UPSTREAM).filter((f) => !known.has(f))).toEqual([]);
  });

  it("the boundary files are the ones SHA256SUMS lists", () => {
    const sums = fs.readFileSync(path.join(UPSTREAM, "riegeli-rs/boundary/SHA256SUMS"), "utf8").trim().split("\n");
    for (const line of sums) {
      const [digest, name] = line.split(/\s+/);
      const bytes = fs.readFileSync(path.join(UPSTREAM, "riegeli-rs/boundary", name!));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(digest);
    }
  });

  it("the two digits shards read as one array of ten records through the data source", async () => {
    const source = ArrayRecordDataSource.openSync(path.join(UPSTREAM, "digits.array_record-*"));
    expect(source.length).toBe(10);
    expect(source.files.map((f) => path.basename(f))).toEqual(DIGITS);
    expect([...source].map(text)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(source.getManySync([9, 0, 5, 4, 7]).map(text)).toEqual(["9", "0", "5", "4", "7"]);
    expect(text(source.getSync(6))).toBe("6");
    expect(() => source.getSync(10)).toThrow(expect.objectContaining({ code: "OUT_OF_RANGE" }));
    source.closeSync();
    const listed = await ArrayRecordDataSource.open(DIGITS.map((f) => path.join(UPSTREAM, f)).reverse());
    expect((await listed.getMany([0, 9])).map(text)).toEqual(["5", "4"]);
    expect(text(await listed.get(1))).toBe("6");
    await listed.close();
  });

  it("each digits shard has the stored options and layout of FORMAT.md §8", () => {
    for (const [k, name] of DIGITS.entries()) {
      const reader = ArrayRecordReader.openSync(path.join(UPSTREAM, name));
      expect(reader.writerOptions).toBe("group_size:1,transpose:false,pad_to_block_boundary:false,uncompressed,max_parallelism:1");
      expect(reader.readAllSync().map(text)).toEqual(["0", "1", "2", "3", "4"].map((d) => String(Number(d) + 5 * k)));
      reader.closeSync();
      const chunks = [...RiegeliReader.openSync(path.join(UPSTREAM, name)).chunksSync()];
      expect(chunks.map((c) => [c.begin, c.end, String.fromCharCode(c.chunkType)])).toEqual([
        [0, 64, "s"], [64, 108, "r"], [108, 152, "r"], [152, 196, "r"], [196, 240, "r"], [240, 284, "r"],
        [284, 462, "r"], [462, 65536, "p"], [65536, 65644, "r"], [65644, 131072, "p"],
      ]);
    }
  });

  describe.each(Object.entries(RIEGELI))("%s", (name, expected) => {
    const file = path.join(UPSTREAM, name);
    if (expected.corrupt) {
      it("is rejected with CORRUPT", async () => {
        expect(() => RiegeliReader.openSync(file).readAllSync()).toThrow(expect.objectContaining({ code: "CORRUPT", file }));
        await expect(collect(RiegeliReader.open(file))).rejects.toSatisfy((e) => isArrayRecordError(e, "CORRUPT"));
      });
      return;
    }
    it(`holds ${expected.records} records in the documented chunks`, async () => {
      const reader = RiegeliReader.openSync(file);
      const records = reader.readAllSync();
      expect(records.length).toBe(expected.records);
      expected.check(records);
      const dataType = expected.transposed ? ChunkType.TRANSPOSED : ChunkType.SIMPLE;
      const chunks = [...reader.chunksSync()];
      const data = chunks.filter((c) => c.chunkType === dataType).map((c) => c.begin);
      expect(data.length).toBeGreaterThan(0);
      if (expected.transposed) expect(chunks.filter((c) => c.chunkType === ChunkType.SIMPLE)).toEqual([]);
      if (expected.dataChunks) expect(data).toEqual(expected.dataChunks);
      expect((await collect(RiegeliReader.open(file))).length).toBe(expected.records);
    });
  });
});

async function collect(reader: Promise<RiegeliReader>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const r of (await reader).records()) out.push(r);
  return out;
}
