/** `convert`, `head` and `count`: the CLI commands that run Beam pipelines, as a user runs them. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { TFRecordWriter } from "../../src/format/tfrecord/index.js";
import { ArrayRecordDataSource } from "../../src/format/array-record/data-source.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";

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
    // Every input record once, and each shard written with the --options given.
    const source = ArrayRecordDataSource.openSync(files);
    expect(source.length).toBe(300);
    const text = (r: Uint8Array) => Buffer.from(r).toString();
    const expected = [0, 1].flatMap((f) => Array.from({ length: 150 }, (_, i) => `${f}:${i}`));
    expect([...source].map(text).sort()).toEqual(expected.sort());
    source.closeSync();
    const shards = files.map((f) => ArrayRecordReader.openSync(f));
    for (const shard of shards) {
      expect(shard.writerOptions).toBe("group_size:4,transpose:false,pad_to_block_boundary:false,snappy,max_parallelism:1");
      expect(shard.numChunks).toBe(Math.ceil(shard.numRecords / 4));
    }
    const firstFour = shards[0]!.readRangeSync(0, 4).map(text);
    shards.forEach((shard) => shard.closeSync());

    const count = runCli(["count", `${out}-*`]);
    expect(count.status).toBe(0);
    expect(count.stdout.toString()).toBe("300\n");
    const head = runCli(["head", `${out}-*`, "-n", "4", "--format", "jsonl"]);
    expect(head.status).toBe(0);
    // The first four records of shard 0, numbered from 0.
    const lines = head.stdout.toString().trim().split("\n").map((l) => JSON.parse(l) as { index: number; utf8: string });
    expect(lines.map((l) => [l.index, l.utf8])).toEqual(firstFour.map((r, i) => [i, r]));
    const text3 = runCli(["head", `${out}-*`, "-n", "3"]);
    expect(text3.stdout.toString()).toBe(firstFour.slice(0, 3).map((r) => `${r}\n`).join(""));
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
