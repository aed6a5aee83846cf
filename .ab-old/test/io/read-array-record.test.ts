import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { ArrayRecordWriter } from "../../src/format/array-record/writer.js";
import { readAllFromArrayRecord, readFromArrayRecord } from "../../src/io/read-array-record.js";
import { writeToArrayRecord } from "../../src/io/write-array-record.js";
import { createStrings } from "../../src/transforms/coders.js";
import type { RecordWithMetadata } from "../../src/transforms/coders.js";
import { recordsSha256 } from "../helpers/golden.js";
import { conformanceFixtures } from "../helpers/fixtures.js";
import { collect, collected, createRecords, hexMultiset, runDirect, tempDir } from "./beam-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Every conformance fixture (written by Google's library), transposed ones included. */
const golden = conformanceFixtures().map((f) => ({ path: f.path(), expect: f.expect }));

function readDirect(file: string): Uint8Array[] {
  const r = ArrayRecordReader.openSync(file);
  try {
    return r.readAllSync();
  } finally {
    r.closeSync();
  }
}

/** Split sizes from one record to more than any file. */
const SPLITS: { name: string; options: { desiredSplitRecords?: number; desiredSplitBytes?: number } }[] = [
  { name: "1 record", options: { desiredSplitRecords: 1 } },
  { name: "7 records", options: { desiredSplitRecords: 7 } },
  { name: "1 byte", options: { desiredSplitBytes: 1 } },
  { name: "3000 bytes", options: { desiredSplitBytes: 3000 } },
  { name: "64 KiB", options: { desiredSplitBytes: 65536 } },
  { name: "1 GiB (default-like, larger than a file)", options: { desiredSplitBytes: 1 << 30 } },
];

describe("readFromArrayRecord over the conformance fixtures", () => {
  it("has the 25 fixtures (transposed ones included), which the sync reader reads as the C++ library wrote them", () => {
    expect(golden.length).toBe(25);
    expect(golden.filter((g) => g.expect.writer_options_string.includes("transpose:true")).length).toBe(3);
    for (const g of golden) expect(recordsSha256(readDirect(g.path)), g.path).toBe(g.expect.records_sha256);
  });

  for (const split of SPLITS) {
    it(`reads every record exactly once with splits of ${split.name}`, async () => {
      // One split per record over the 100k-record file would take ~30 s through the direct
      // runner's shuffle; the 7-record splits cover that file (14k splits).
      const onePerRecord = split.options.desiredSplitRecords === 1 || split.options.desiredSplitBytes === 1;
      const files = golden.filter((g) => g.expect.num_records <= 20_000 || !onePerRecord).map((g) => g.path);
      const keys: string[] = [];
      const result = await runDirect((root) => {
        files.forEach((file, i) => keys.push(collect(root.apply(beam(`golden-${i}`, readFromArrayRecord(file, split.options))))));
      });
      files.forEach((file, i) => {
        expect(hexMultiset(collected<Uint8Array>(keys[i]!)), file).toEqual(hexMultiset(readDirect(file)));
      });
      const total = files.reduce((n, f) => n + ArrayRecordReader.openSync(f).numRecords, 0);
      expect((await result.counters())["arrayrecord_records_read"]).toBe(total);
    });
  }
});

import * as beamSdk from "apache-beam";
function beam<T>(name: string, transform: T): T {
  return beamSdk.withName(name, transform);
}

describe("readFromArrayRecord over fresh shards", () => {
  const dir = tempDir("read");
  dirs.push(dir);
  const strings = Array.from({ length: 300 }, (_, i) => `fresh-${i}-${"y".repeat(i % 40)}`);
  const prefix = path.join(dir, "fresh.array_record");

  it("reads back what writeToArrayRecord wrote, for many split sizes, in one pipeline", async () => {
    await runDirect((root) => {
      createRecords(root, strings).apply(writeToArrayRecord(prefix, { numShards: 4, writerOptions: "group_size:8,zstd:1" }));
    });
    // Plus a file with a huge chunk group, and an empty file.
    const w = ArrayRecordWriter.openSync(path.join(dir, "fresh.array_record-extra"), "group_size:1000,uncompressed");
    strings.forEach((s) => w.writeSync(s));
    w.closeSync();
    ArrayRecordWriter.openSync(path.join(dir, "fresh.array_record-empty")).closeSync();
    const expected = hexMultiset([...strings, ...strings].map((s) => new TextEncoder().encode(s)));
    const sizes = [{ desiredSplitRecords: 1 }, { desiredSplitRecords: 3 }, { desiredSplitBytes: 100 }, { desiredSplitBytes: 5000 }, {}];
    const keys: string[] = [];
    await runDirect((root) => {
      sizes.forEach((options, i) => keys.push(collect(root.apply(beam(`fresh-${i}`, readFromArrayRecord(`${prefix}-*`, options))))));
    });
    for (const key of keys) expect(hexMultiset(collected<Uint8Array>(key))).toEqual(expected);
  });

  it("readAllFromArrayRecord reads a PCollection of patterns, with metadata", async () => {
    let key = "";
    await runDirect((root) => {
      const patterns = createStrings(root, "patterns", [`${prefix}-0000[0-1]-of-00004`, `${prefix}-extra`]);
      key = collect(patterns.apply(readAllFromArrayRecord({ withMetadata: true, desiredSplitRecords: 5 })));
    });
    const got = collected<RecordWithMetadata>(key);
    const files = [`${prefix}-00000-of-00004`, `${prefix}-00001-of-00004`, `${prefix}-extra`];
    expect(got.length).toBe(files.reduce((n, f) => n + readDirect(f).length, 0));
    for (const { file, index, record } of got) {
      expect(files).toContain(file);
      expect(Buffer.from(record).equals(Buffer.from(ArrayRecordReader.openSync(file).readSync(Number(index))))).toBe(true);
    }
    const seen = new Set(got.map((g) => `${g.file}#${Number(g.index)}`));
    expect(seen.size).toBe(got.length);
  });

  it("fails with a typed error when a pattern matches nothing", async () => {
    await expect(
      runDirect((root) => {
        root.apply(readFromArrayRecord(path.join(dir, "nothing-*")));
      }),
    ).rejects.toThrow(/no files match/);
  });
});
