/**
 * Cases `npm run fuzz` found over ../shared/golden, replayed exactly (the harness is deterministic:
 * case i of seed s is the same everywhere), so each fix stays fixed.
 */
import { describe, expect, it } from "vitest";
import { caseInput, directoryCorpus } from "../../bench/fuzz/campaign.js";
import { checkCase } from "../../bench/fuzz/check-case.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { MemoryByteSource } from "../../src/format/bytes/byte-source.js";
import { GOLDEN_DIR } from "../helpers/golden.js";

const corpus = directoryCorpus(GOLDEN_DIR);

describe("fuzz findings over the golden corpus", () => {
  it("holds the 18 golden files the cases were numbered against", () => {
    expect(corpus.length).toBe(18);
  });

  it("seed 1 case 60623: a chunk copied onto another's footer offset is reported lost, never returned out of order", () => {
    const { file, kind, bytes } = caseInput(corpus, 1, 60623);
    expect([file.name, kind]).toEqual(["small10k_default.array_record", "move-bytes"]);
    // The copy lands an intact one-record chunk (record 6078's count and decoded size) on chunk
    // 6078's offset, after chunks whose headers it destroyed.
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(bytes, "case-60623"), "", { recover: true });
    const got = reader.readAllSync();
    // Match every record returned to the next equal original (the file repeats some records).
    const indices: number[] = [];
    let j = 0;
    for (const r of got) {
      while (j < file.records.length && !Buffer.from(file.records[j]!).equals(r)) j++;
      indices.push(j++);
    }
    expect(indices.every((v) => v < file.records.length)).toBe(true);
    expect(indices.includes(6078)).toBe(false);
    const report = reader.recovery!;
    expect(report.method).toBe("footer");
    expect(report.unknownLoss).toBe(false);
    expect(got.length + report.lostRecords).toBe(10_000);
    expect(report.regions.some((r) => r.records?.start === 6078 && /position is unconfirmed/.test(r.reason))).toBe(true);
    // The whole oracle of the harness agrees.
    expect(checkCase(file.records, bytes, {})).toMatchObject({ strict: "CORRUPT" });
  });
});
