import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { readTFRecordsSync } from "../../src/format/tfrecord/reader.js";
import { arrayRecordFormat, tfRecordFormat } from "../../src/io/record-files.js";
import { newTempDir, shardNaming } from "../../src/io/shard-names.js";
import { finalizeShards, writeShardFile, type SinkPlan } from "../../src/io/sink-files.js";
import { tempDir } from "./beam-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function plan(dir: string, name: string, format = arrayRecordFormat()): SinkPlan {
  const naming = shardNaming(path.join(dir, name));
  return { naming, format, tempDir: newTempDir(naming) };
}

const enc = (s: string) => new TextEncoder().encode(s);

describe("sink files (no Beam)", () => {
  const dir = tempDir("sinkfiles");
  dirs.push(dir);

  it("keeps one file per shard when an attempt was duplicated, fills empty shards, removes the temp dir", () => {
    const p = plan(dir, "dup");
    const a = writeShardFile(p, 1, 3, [enc("x"), enc("y")]);
    const b = writeShardFile(p, 1, 3, [enc("x"), enc("y")]); // a retried attempt of shard 1
    expect(a.tempFile).not.toBe(b.tempFile);
    expect(a).toMatchObject({ shard: 1, numShards: 3, records: 2, bytes: 2 });
    const finals = finalizeShards(p, 3, [a, b]);
    expect(finals.map((f) => path.basename(f))).toEqual(["dup-00000-of-00003", "dup-00001-of-00003", "dup-00002-of-00003"]);
    expect(finals.map((f) => ArrayRecordReader.openSync(f).numRecords)).toEqual([0, 2, 0]);
    expect(fs.existsSync(p.tempDir)).toBe(false);
  });

  it("refuses inconsistent shard descriptions and still removes the temp dir", () => {
    const p = plan(dir, "bad");
    const a = writeShardFile(p, 0, 2, [enc("x")]);
    expect(() => finalizeShards(p, 3, [a])).toThrow(expect.objectContaining({ code: "CORRUPT" }));
    expect(fs.existsSync(p.tempDir)).toBe(false);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith("bad"))).toEqual([]);
    const q = plan(dir, "missing");
    const c = writeShardFile(q, 0, 1, [enc("x")]);
    fs.unlinkSync(c.tempFile);
    expect(() => finalizeShards(q, 1, [c])).toThrow(expect.objectContaining({ code: "IO" }));
  });

  it("a failing record leaves no partial file and no empty temp dir", () => {
    const p = plan(dir, "fail");
    const records = (function* () {
      yield enc("ok");
      throw new Error("injected");
    })();
    expect(() => writeShardFile(p, 0, 1, records)).toThrow("injected");
    expect(fs.existsSync(p.tempDir)).toBe(false);
  });

  it("writes TFRecord shards, empty ones included", () => {
    const p = plan(dir, "tf", tfRecordFormat("gzip"));
    const finals = finalizeShards(p, 2, [writeShardFile(p, 0, 2, [enc("a"), enc("b")])]);
    expect(finals.map((f) => [...readTFRecordsSync(f, { compression: "gzip" })].length)).toEqual([2, 0]);
  });
});
