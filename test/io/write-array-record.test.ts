import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../src/format/reader.js";
import { TFRecordWriter } from "../../src/format/tfrecord-writer.js";
import { readFromTFRecord } from "../../src/io/tfrecord-io.js";
import { writeToArrayRecord } from "../../src/io/write-array-record.js";
import { collect, collected, hexMultiset, runDirect, tempDir } from "./beam-helpers.js";

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
