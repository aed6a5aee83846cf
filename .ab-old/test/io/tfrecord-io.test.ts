import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readTFRecordsSync } from "../../src/format/tfrecord/reader.js";
import { readFromTFRecord, writeToTFRecord } from "../../src/io/tfrecord-io.js";
import { collect, collected, createRecords, hexMultiset, runDirect, tempDir } from "./beam-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("writeToTFRecord / readFromTFRecord", () => {
  const dir = tempDir("tfrecord");
  dirs.push(dir);
  const strings = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? `hex:${Buffer.from([i, 0, 255, i]).toString("hex")}` : `tf-${i}`));
  const expected = hexMultiset(strings.map((s) => (s.startsWith("hex:") ? new Uint8Array(Buffer.from(s.slice(4), "hex")) : new TextEncoder().encode(s))));

  for (const compression of ["none", "gzip"] as const) {
    it(`writes sharded ${compression} TFRecord files atomically and reads them back`, async () => {
      const prefix = path.join(dir, compression, "data");
      const suffix = compression === "gzip" ? ".tfrecord.gz" : ".tfrecord";
      let names = "";
      const result = await runDirect((root) => {
        names = collect(createRecords(root, strings).apply(writeToTFRecord(prefix, { numShards: 4, compression, fileNameSuffix: suffix })));
      });
      const files = collected<string>(names).sort();
      expect(files).toEqual([0, 1, 2, 3].map((s) => `${prefix}-0000${s}-of-00004${suffix}`));
      expect(fs.readdirSync(path.dirname(prefix)).sort()).toEqual(files.map((f) => path.basename(f)));
      if (compression === "gzip") expect([...fs.readFileSync(files[0]!).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
      expect(hexMultiset(files.flatMap((f) => [...readTFRecordsSync(f, { compression })]))).toEqual(expected);
      expect((await result.counters())["tfrecord_records_written"]).toBe(120);

      let read = "";
      const back = await runDirect((root) => {
        read = collect(root.apply(readFromTFRecord(`${prefix}-*`, { compression })));
      });
      expect(hexMultiset(collected<Uint8Array>(read))).toEqual(expected);
      expect((await back.counters())["tfrecord_records_read"]).toBe(120);
    });
  }

  it("reads a list of paths, and fails with CORRUPT on a damaged file", async () => {
    const prefix = path.join(dir, "list", "x");
    await runDirect((root) => {
      createRecords(root, strings).apply(writeToTFRecord(prefix, { numShards: 2 }));
    });
    let key = "";
    await runDirect((root) => {
      key = collect(root.apply(readFromTFRecord([`${prefix}-00000-of-00002`, `${prefix}-00001-of-00002`])));
    });
    expect(hexMultiset(collected<Uint8Array>(key))).toEqual(expected);
    const damaged = path.join(dir, "list", "damaged.tfrecord");
    const bytes = fs.readFileSync(`${prefix}-00000-of-00002`);
    bytes[20] = bytes[20]! ^ 0xff;
    fs.writeFileSync(damaged, bytes);
    await expect(
      runDirect((root) => {
        root.apply(readFromTFRecord(damaged));
      }),
    ).rejects.toMatchObject({ name: "ArrayRecordError", code: "CORRUPT" });
  });
});
