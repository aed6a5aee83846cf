/** `convert`, `head` and `count`: the CLI commands that run Beam pipelines, as a user runs them. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { TFRecordWriter } from "../../src/format/tfrecord/index.js";
import { ArrayRecordDataSource } from "../../src/format/array-record/data-source.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-beam-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("Beam CLI commands", () => {
  it("convert reshards TFRecord files; head and count read the result", () => {
    for (let f = 0; f < 2; f++) {
      const writer = new TFRecordWriter(path.join(dir, `in-${f}.tfrecord`));
      for (let i = 0; i < 150; i++) writer.write(new TextEncoder().encode(`${f}:${i}`));
      writer.close();
    }
    const out = path.join(dir, "out", "train.array_record");
    const r = runCli(["convert", "--from", "tfrecord", "--input", path.join(dir, "in-*.tfrecord"), "--output", out, "--num-shards", "3", "--options", "group_size:4,snappy"]);
    expect(r.stderr).toMatch(/converted 300 records .* into 3 files/);
    expect(r.status).toBe(0);
    const files = r.stdout.toString().trim().split("\n");
    expect(files.map((f) => path.basename(f))).toEqual(["train.array_record-00000-of-00003", "train.array_record-00001-of-00003", "train.array_record-00002-of-00003"]);
    const source = ArrayRecordDataSource.openSync(files);
    expect(source.length).toBe(300);
    source.closeSync();

    const count = runCli(["count", `${out}-*`]);
    expect(count.status).toBe(0);
    expect(count.stdout.toString()).toBe("300\n");
    const head = runCli(["head", `${out}-*`, "-n", "4", "--format", "jsonl"]);
    expect(head.status).toBe(0);
    expect(head.stdout.toString().trim().split("\n")).toHaveLength(4);
  });

  it("bad convert arguments are usage errors", () => {
    for (const args of [
      ["convert", "--from", "csv", "--input", "x", "--output", "y"],
      ["convert", "--from", "tfrecord", "--input", "x"],
      ["convert", "--from", "tfrecord", "--input", "x", "--output", "y", "--num-shards", "0"],
      ["convert", "--from", "tfrecord", "--input", "x", "--output", "y", "--num-shards", "2", "--match-shards"],
      ["convert", "--from", "tfrecord", "--input", "x", "--output", "y", "--as", "examples"],
      ["convert", "--from", "tfrecord", "--input", "x", "--output", "y", "--options", "zstd,snappy"],
      ["head"],
      ["count", "a", "b"],
    ]) {
      const r = runCli(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("Usage: arrayrecord");
    }
  });
});
