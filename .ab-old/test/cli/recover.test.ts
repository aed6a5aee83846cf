/** `arrayrecord verify --recover OUT FILE`: salvages the surviving records in order and prints the loss. */
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ArrayRecordReader, encodeArrayRecord } from "../../src/index.js";
import { randomRecords } from "../helpers/generators.js";
import { runCli } from "../helpers/cli.js";

describe("verify --recover", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "recover-cli-"));
  const records = randomRecords(7, 40, 10, 300);
  const clean = encodeArrayRecord(records, "group_size:1,uncompressed");

  it("writes every record but the damaged one, prints the lost range, exits 1", () => {
    const damaged = clean.slice();
    // Record 0's chunk begins at 64 (after the signature); its data starts 40 bytes later.
    damaged[64 + 40 + 5] ^= 0xff;
    const file = path.join(dir, "damaged.array_record");
    const out = path.join(dir, "salvaged.array_record");
    writeFileSync(file, damaged);
    const r = runCli(["verify", "--recover", out, file]);
    expect(r.status).toBe(1);
    const text = r.stdout.toString();
    expect(text).toContain(`${file}: lost bytes [64, `);
    expect(text).toContain("records [0, 1): CORRUPT: chunk data hash mismatch");
    expect(text).toContain(`recovered 39 records into ${out}; lost 1 records in 1 damaged regions`);
    const reader = ArrayRecordReader.openSync(out);
    expect(reader.readAllSync().map((x) => Buffer.from(x).toString("hex"))).toEqual(records.slice(1).map((x) => Buffer.from(x).toString("hex")));
    expect(reader.writerOptions).toMatch(/^group_size:1,transpose:false,pad_to_block_boundary:false,uncompressed/);
    reader.closeSync();
  });

  it("exits 0 and copies a clean file; usage error without exactly one FILE", () => {
    const file = path.join(dir, "clean.array_record");
    const out = path.join(dir, "copy.array_record");
    writeFileSync(file, clean);
    const r = runCli(["verify", "--recover", out, file]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toContain("recovered 40 records");
    expect(ArrayRecordReader.openSync(out).numRecords).toBe(40);
    const usage = runCli(["verify", "--recover", path.join(dir, "x"), file, file]);
    expect(usage.status).toBe(2);
    expect(existsSync(path.join(dir, "x"))).toBe(false);
  });
});
