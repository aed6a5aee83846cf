/**
 * The transposed files written by Google's C++ library (../shared/golden) read exactly through
 * the access paths not covered by golden.test.ts: full verification and the data source.
 */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ArrayRecordDataSource } from "../../src/format/array-record/data-source.js";
import { verifyArrayRecord, verifyArrayRecordSync } from "../../src/format/array-record/verify.js";
import { FileByteSource } from "../../src/format/bytes/file-source.js";
import { GOLDEN_DIR, goldenFiles, parseLengthPrefixed, recordsSha256 } from "../helpers/golden.js";

const transposed = goldenFiles().filter((g) => g.expect.writer_options_string.includes("transpose:true"));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("transposed golden files", () => {
  it("are the three C++-written ones", () => {
    expect(transposed.map((g) => g.expect.file)).toEqual([
      "example_gs1_transpose_uncompressed.array_record",
      "example_gs64_transpose.array_record",
      "mixed_gs16_transpose_zstd.array_record",
    ]);
  });

  describe.each(transposed)("$expect.file", ({ path, expect: golden }) => {
    const expected = parseLengthPrefixed(fs.readFileSync(GOLDEN_DIR + golden.file.replace(".array_record", ".records"))).map(hex);

    it("verifies, decoding every data chunk", async () => {
      const source = FileByteSource.openSync(path);
      try {
        const report = verifyArrayRecordSync(source);
        expect(report.records).toBe(golden.num_records);
        expect(await verifyArrayRecord(source)).toEqual(report);
      } finally {
        source.closeSync();
      }
    });

    it("reads exactly through the data source", async () => {
      const sync = ArrayRecordDataSource.openSync(path);
      expect(sync.length).toBe(golden.num_records);
      expect([...sync].map(hex)).toEqual(expected);
      const indices = [golden.num_records - 1, 0, 17, 17, Math.floor(golden.num_records / 2)];
      expect(sync.getManySync(indices).map(hex)).toEqual(indices.map((i) => expected[i]));
      sync.closeSync();
      const source = await ArrayRecordDataSource.open([path]);
      expect((await source.getMany(indices)).map(hex)).toEqual(indices.map((i) => expected[i]));
      expect(hex(await source.get(3))).toBe(expected[3]);
      const all: Uint8Array[] = [];
      for await (const r of source) all.push(r);
      expect(recordsSha256(all)).toBe(golden.records_sha256);
      await source.close();
    });
  });
});
