import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { TFRecordWriter } from "../../src/format/tfrecord/writer.js";
import { readFromTFRecord } from "../../src/io/tfrecord-io.js";
import { writeToArrayRecord } from "../../src/io/write-array-record.js";
import { collect, collected, createRecords, hexMultiset, runDirect, tempDir } from "./beam-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** `n` records of varied lengths (some empty), deterministic. */
function makeRecords(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const r = new Uint8Array(i % 17 === 0 ? 0 : x % 300);
    for (let j = 0; j < r.length; j++) r[j] = (x >>> (j % 24)) & 0xff ^ j;
    out.push(r);
  }
  return out;
}

function writeTFRecordFile(file: string, records: Uint8Array[]): void {
  const w = new TFRecordWriter(file, { compression: "none" });
  for (const r of records) w.write(r);
  w.close();
}

describe("readFromTFRecord → writeToArrayRecord", () => {
  const dir = tempDir("convert");
  dirs.push(dir);
  const input = makeRecords(1000);
  writeTFRecordFile(path.join(dir, "in.tfrecord-00000-of-00002"), input.slice(0, 600));
  writeTFRecordFile(path.join(dir, "in.tfrecord-00001-of-00002"), input.slice(600));

  for (const numShards of [1, 3, 7]) {
    it(`converts to ${numShards} shards`, async () => {
      const prefix = path.join(dir, `out${numShards}`, "train.array_record");
      let key = "";
      await runDirect((root) => {
        const names = root
          .apply(readFromTFRecord(path.join(dir, "in.tfrecord-*")))
          .apply(writeToArrayRecord(prefix, { numShards }));
        key = collect(names);
      });
      const expected = Array.from({ length: numShards }, (_, s) => `${prefix}-${String(s).padStart(5, "0")}-of-${String(numShards).padStart(5, "0")}`);
      expect(collected<string>(key).sort()).toEqual(expected);
      expect(fs.readdirSync(path.dirname(prefix)).sort()).toEqual(expected.map((f) => path.basename(f)));
      const records: Uint8Array[] = [];
      for (const file of expected) {
        const reader = ArrayRecordReader.openSync(file);
        expect(reader.writerOptions).toContain("group_size:1");
        records.push(...reader.readAllSync());
        reader.closeSync();
      }
      expect(hexMultiset(records)).toEqual(hexMultiset(input));
    });
  }
});

describe("writeToArrayRecord", () => {
  const dir = tempDir("write");
  dirs.push(dir);
  const strings = Array.from({ length: 50 }, (_, i) => `record-${i}-${"x".repeat(i)}`);

  function readAll(files: string[]): Uint8Array[] {
    return files.flatMap((f) => {
      const r = ArrayRecordReader.openSync(f);
      const out = r.readAllSync();
      r.closeSync();
      return out;
    });
  }

  it("writes valid empty files for shards without records, and reports counters", async () => {
    const prefix = path.join(dir, "few", "data");
    let key = "";
    const result = await runDirect((root) => {
      key = collect(createRecords(root, ["a", "bb", "ccc"]).apply(writeToArrayRecord(prefix, { numShards: 7 })));
    });
    const names = collected<string>(key).sort();
    expect(names).toHaveLength(7);
    expect(names[6]).toBe(`${prefix}-00006-of-00007`);
    const counts = names.map((f) => ArrayRecordReader.openSync(f).numRecords);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(counts.filter((c) => c === 0).length).toBe(4);
    expect(hexMultiset(readAll(names))).toEqual(hexMultiset(["a", "bb", "ccc"].map((s) => new TextEncoder().encode(s))));
    const counters = await result.counters();
    expect(counters["arrayrecord_records_written"]).toBe(3);
    expect(counters["arrayrecord_bytes_written"]).toBe(6);
    expect(counters["arrayrecord_files_written"]).toBe(7);
  });

  it("writes one valid empty shard for an empty input without a shard count", async () => {
    const prefix = path.join(dir, "empty", "nothing.array_record");
    let key = "";
    await runDirect((root) => {
      key = collect(createRecords(root, []).apply(writeToArrayRecord(prefix)));
    });
    expect(collected<string>(key)).toEqual([`${prefix}-00000-of-00001`]);
    expect(ArrayRecordReader.openSync(`${prefix}-00000-of-00001`).numRecords).toBe(0);
  });

  it("derives the shard count from the total size", async () => {
    const prefix = path.join(dir, "auto", "sized");
    const total = strings.reduce((n, s) => n + s.length, 0);
    let key = "";
    await runDirect((root) => {
      key = collect(createRecords(root, strings).apply(writeToArrayRecord(prefix, { shardBytes: Math.ceil(total / 4) })));
    });
    const names = collected<string>(key).sort();
    expect(names).toEqual([0, 1, 2, 3].map((s) => `${prefix}-0000${s}-of-00004`));
    expect(readAll(names)).toHaveLength(50);
  });

  it("supports suffixes, custom templates, unsharded output and writer options", async () => {
    const base = path.join(dir, "names");
    let keys: string[] = [];
    await runDirect((root) => {
      const records = createRecords(root, strings);
      keys = [
        collect(records.apply(writeToArrayRecord(path.join(base, "a"), { numShards: 2, fileNameSuffix: ".array_record" }))),
        collect(records.apply(writeToArrayRecord(path.join(base, "b"), { numShards: 3, shardNameTemplate: "_SS_of_NNN" }))),
        collect(records.apply(writeToArrayRecord(path.join(base, "c.array_record"), { shardNameTemplate: "", writerOptions: "group_size:16,zstd:1" }))),
      ];
    });
    expect(collected<string>(keys[0]!).sort()).toEqual([path.join(base, "a-00000-of-00002.array_record"), path.join(base, "a-00001-of-00002.array_record")]);
    expect(collected<string>(keys[1]!).sort()).toEqual(["00", "01", "02"].map((s) => path.join(base, `b_${s}_of_003`)));
    expect(collected<string>(keys[2]!)).toEqual([path.join(base, "c.array_record")]);
    const single = ArrayRecordReader.openSync(path.join(base, "c.array_record"));
    expect(single.numRecords).toBe(50);
    expect(single.writerOptions).toContain("group_size:16");
    expect(fs.readdirSync(base).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("replaces earlier outputs of the same sink (any shard count) and nothing else", async () => {
    const out = path.join(dir, "rerun");
    fs.mkdirSync(out, { recursive: true });
    const prefix = path.join(out, "train.array_record");
    const keep = ["train.array_record-notes.txt", "train.array_record-00001-of-00003.bak", "other-00000-of-00002", "train.array_recordX-00000-of-00002"];
    for (const name of keep) fs.writeFileSync(path.join(out, name), "keep me");
    // An earlier run with 5 shards.
    await runDirect((root) => {
      createRecords(root, strings.slice(0, 10)).apply(writeToArrayRecord(prefix, { numShards: 5 }));
    });
    expect(fs.readdirSync(out).filter((n) => n.includes("-of-00005"))).toHaveLength(5);
    await runDirect((root) => {
      createRecords(root, strings).apply(writeToArrayRecord(prefix, { numShards: 3 }));
    });
    const names = fs.readdirSync(out).sort();
    expect(names).toEqual([...keep, ...[0, 1, 2].map((s) => `train.array_record-0000${s}-of-00003`)].sort());
    expect(readAll(names.filter((n) => n.endsWith("-of-00003")).map((n) => path.join(out, n)))).toHaveLength(50);
  });

  it("writes through a given temporary directory and leaves nothing there", async () => {
    const scratch = path.join(dir, "scratch");
    fs.mkdirSync(scratch);
    const prefix = path.join(dir, "viatemp", "t");
    await runDirect((root) => {
      createRecords(root, strings).apply(writeToArrayRecord(prefix, { numShards: 2, tempDirectory: scratch }));
    });
    expect(fs.readdirSync(scratch)).toEqual([]);
    expect(readAll([0, 1].map((s) => `${prefix}-0000${s}-of-00002`))).toHaveLength(50);
  });

  it("rejects bad options at construction with typed errors", () => {
    expect(() => writeToArrayRecord(path.join(dir, "x"), { numShards: 0 })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => writeToArrayRecord(path.join(dir, "x"), { writerOptions: "group_size:zero" })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => writeToArrayRecord(path.join(dir, "x"), { shardNameTemplate: "", numShards: 2 })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => writeToArrayRecord(dir + "/")).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });
});
