import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { GOLDEN_DIR, INTEROP_DIR, parseLengthPrefixed } from "../helpers/golden.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const digits0 = path.join(INTEROP_DIR, "upstream/digits.array_record-00000-of-00002");

describe("arrayrecord CLI", () => {
  it("info --json prints one compact object per file with numeric counts", () => {
    const golden = path.join(GOLDEN_DIR, "text_gs7_zstd.array_record");
    const transposed = path.join(GOLDEN_DIR, "example_gs64_transpose.array_record");
    const r = runCli(["info", "--json", digits0, golden, transposed]);
    expect(r.status).toBe(0);
    const lines = r.stdout.toString().trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({
      file: digits0,
      num_records: 5,
      num_chunks: 5,
      group_size: 1,
      writer_options: "group_size:1,transpose:false,pad_to_block_boundary:false,uncompressed,max_parallelism:1",
      file_size: 131072,
      // Five 44-byte chunks (FORMAT.md §8).
      data_bytes: 220,
      chunk_types: { simple: 5, transposed: 0 },
    });
    expect(lines[1]).toMatchObject({ num_records: 300, num_chunks: 43, group_size: 7, file_size: 131072, chunk_types: { simple: 43, transposed: 0 } });
    expect(lines[2]).toMatchObject({ num_records: 500, num_chunks: 8, group_size: 64, data_bytes: 30651, chunk_types: { simple: 0, transposed: 8 } });
  });

  it("cat prints records in every format and honours half-open ranges", () => {
    expect(runCli(["cat", digits0]).stdout.toString()).toBe("0\n1\n2\n3\n4\n");
    expect(runCli(["cat", digits0, "--range", "1:3"]).stdout.toString()).toBe("1\n2\n");
    expect(runCli(["cat", digits0, "--range", ":2", "--format", "hex"]).stdout.toString()).toBe("30\n31\n");
    expect(runCli(["cat", digits0, "--range", "4:", "--format", "base64"]).stdout.toString()).toBe("NA==\n");
    expect(runCli(["cat", digits0, "--range", "3:4", "--format", "jsonl"]).stdout.toString()).toBe('{"index":3,"length":1,"utf8":"3"}\n');
    const golden = path.join(GOLDEN_DIR, "rand_gs1_uncompressed");
    const lp = runCli(["cat", golden + ".array_record", "--format", "length-prefixed"]);
    expect(Buffer.compare(lp.stdout, fs.readFileSync(golden + ".records"))).toBe(0);
  });

  it("write stores stdin lines and length-prefixed records", () => {
    const out = path.join(dir, "lines.array_record");
    const w = runCli(["write", out, "--options", "group_size:2,snappy"], "alpha\nbeta\n\ngamma");
    expect(w.status).toBe(0);
    const reader = ArrayRecordReader.openSync(out);
    expect(reader.readAllSync().map((r) => Buffer.from(r).toString())).toEqual(["alpha", "beta", "", "gamma"]);
    expect(reader.writerOptions).toBe("group_size:2,transpose:false,pad_to_block_boundary:false,snappy,max_parallelism:1");
    reader.closeSync();
    const records = fs.readFileSync(path.join(GOLDEN_DIR, "text_default.records"));
    const lp = path.join(dir, "lp.array_record");
    expect(runCli(["write", lp, "--input-format", "length-prefixed"], records).status).toBe(0);
    expect(ArrayRecordReader.openSync(lp).readAllSync().map((r) => Buffer.from(r).toString("hex"))).toEqual(
      parseLengthPrefixed(records).map((r) => Buffer.from(r).toString("hex")),
    );
  });

  it("verify exits 0 on clean files and 1 naming file and offset on damage", () => {
    expect(runCli(["verify", digits0, path.join(GOLDEN_DIR, "big_gs1_zstd.array_record")]).status).toBe(0);
    const damaged = path.join(dir, "damaged.array_record");
    const bytes = fs.readFileSync(digits0);
    bytes[200]! ^= 1;
    fs.writeFileSync(damaged, bytes);
    const r = runCli(["verify", digits0, damaged]);
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toMatch(new RegExp(`${damaged}: FAILED: .*offset 196`));
  });

  it("errors are one line on stderr with exit 1; usage errors exit 2", () => {
    const missing = runCli(["cat", path.join(dir, "nope.array_record")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("IO");
    for (const args of [[], ["frobnicate"], ["cat"], ["cat", digits0, "--format", "xml"], ["cat", digits0, "--range", "3"], ["cat", digits0, "--range", "4:2"], ["info", "--bogus", digits0], ["write"]]) {
      const r = runCli(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("Usage: arrayrecord");
    }
    const bad = runCli(["write", path.join(dir, "x.array_record"), "--options", "group_size:0"], "a\n");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("group_size");
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(".") || f === "x.array_record")).toEqual([]);
  });
});
