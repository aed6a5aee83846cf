import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { parseLengthPrefixed, recordsSha256 } from "../helpers/golden.js";
import { fixture } from "../helpers/fixtures.js";
import { textRecords } from "../helpers/generators.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
/** Records "0".."4", group_size:1, uncompressed, written by Google's library (like array_record's own digits shard). */
const digits0 = fixture("digits").path();

/** Length-prefixed stream (u32 little-endian length + bytes) of `records`. */
function lengthPrefixed(records: Uint8Array[]): Buffer {
  return Buffer.concat(records.flatMap((r) => [Buffer.from(Uint32Array.of(r.length).buffer), Buffer.from(r)]));
}

describe("arrayrecord CLI", () => {
  it("info --json prints one compact object per file with numeric counts", () => {
    const zstd = fixture("zstd_gs8");
    const transposed = fixture("transpose_gs16");
    const r = runCli(["info", "--json", digits0, zstd.path(), transposed.path()]);
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
    expect(lines[1]).toMatchObject({ num_records: 120, num_chunks: 15, group_size: 8, file_size: 131072, writer_options: zstd.expect.writer_options_string, chunk_types: { simple: 15, transposed: 0 } });
    expect(lines[2]).toMatchObject({ num_records: 80, num_chunks: 5, group_size: 16, writer_options: transposed.expect.writer_options_string, chunk_types: { simple: 0, transposed: 5 } });
  });

  it("cat prints records in every format and honours half-open ranges", () => {
    expect(runCli(["cat", digits0]).stdout.toString()).toBe("0\n1\n2\n3\n4\n");
    expect(runCli(["cat", digits0, "--range", "1:3"]).stdout.toString()).toBe("1\n2\n");
    expect(runCli(["cat", digits0, "--range", ":2", "--format", "hex"]).stdout.toString()).toBe("30\n31\n");
    expect(runCli(["cat", digits0, "--range", "4:", "--format", "base64"]).stdout.toString()).toBe("NA==\n");
    expect(runCli(["cat", digits0, "--range", "3:4", "--format", "jsonl"]).stdout.toString()).toBe('{"index":3,"length":1,"utf8":"3"}\n');
    const noise = fixture("zstdm5_gs4");
    const lp = runCli(["cat", noise.path(), "--format", "length-prefixed"]);
    expect(lp.status, lp.stderr).toBe(0);
    const printed = parseLengthPrefixed(new Uint8Array(lp.stdout));
    expect(printed).toHaveLength(noise.expect.num_records);
    expect(recordsSha256(printed)).toBe(noise.expect.records_sha256);
  });

  it("write stores stdin lines and length-prefixed records", () => {
    const out = path.join(dir, "lines.array_record");
    const w = runCli(["write", out, "--options", "group_size:2,snappy"], "alpha\nbeta\n\ngamma");
    expect(w.status).toBe(0);
    const reader = ArrayRecordReader.openSync(out);
    expect(reader.readAllSync().map((r) => Buffer.from(r).toString())).toEqual(["alpha", "beta", "", "gamma"]);
    expect(reader.writerOptions).toBe("group_size:2,transpose:false,pad_to_block_boundary:false,snappy,max_parallelism:1");
    reader.closeSync();
    const records = lengthPrefixed(textRecords(1, 300, 0, 400));
    const lp = path.join(dir, "lp.array_record");
    expect(runCli(["write", lp, "--input-format", "length-prefixed"], records).status).toBe(0);
    expect(ArrayRecordReader.openSync(lp).readAllSync().map((r) => Buffer.from(r).toString("hex"))).toEqual(
      parseLengthPrefixed(records).map((r) => Buffer.from(r).toString("hex")),
    );
  });

  it("verify exits 0 on clean files and 1 naming file and offset on damage", () => {
    expect(runCli(["verify", digits0, fixture("big_zstd_gs2").path()]).status).toBe(0);
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
