/**
 * Snappy files written with our own compressor (native/snappy's compressInto, used when the
 * addon is built) against Google's C++ reader: it must read every record exactly, including
 * records longer than Snappy's 64 KiB blocks and long runs, and our files must be about as small
 * as the ones C++ writes with libsnappy from the same records and options.
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArrayRecordWriter } from "../../src/index.js";
import { snappyEncoder } from "../../src/format/riegeli/codecs.js";
import { textRecords } from "../helpers/generators.js";
import { Oracle } from "./oracle.js";
import { expectSameRecords } from "./record-checks.js";
import { readRecordsFile, writeRecordsFile } from "./records-file.js";

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.start();
});
afterAll(async () => {
  await oracle?.close();
});

/** Text like the benchmark's, plus records that cross 64 KiB blocks, runs, and incompressible bytes (xorshift, seed 14). */
function records(): Uint8Array[] {
  const out = textRecords(1234, 600, 1200, 1400);
  let x = 14;
  const noise = (n: number): Uint8Array =>
    new Uint8Array(n).map(() => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    });
  out.push(new Uint8Array(200_000).fill(7), noise(150_000), new Uint8Array(Buffer.concat(out.slice(0, 120))), noise(10), new Uint8Array(0));
  out.push(new Uint8Array(Buffer.concat([noise(70_000), noise(70_000).fill(1, 30_000), new Uint8Array(Buffer.concat(out.slice(5, 60)))])));
  return out;
}

describe("our snappy compressor and the C++ reader", () => {
  it("is in use", () => {
    expect(snappyEncoder).toBe("addon");
  });

  for (const options of ["group_size:1,snappy", "group_size:256,snappy", "group_size:64,snappy,pad_to_block_boundary:true"]) {
    it(`C++ reads our ${options} file exactly; its size is within 3% of C++'s`, async () => {
      const want = records();
      const ours = oracle.tempPath("ours.array_record");
      const writer = ArrayRecordWriter.openSync(ours, options);
      for (const r of want) writer.writeSync(r);
      writer.closeSync();
      const out = oracle.tempPath("cpp-read");
      const order = want.map((_, i) => (i * 7919) % want.length);
      const read = await oracle.call("read", { path: ours, out, order });
      expect(read["num_records"]).toBe(want.length);
      for (const way of ["sequential", "indices", "datasource"]) expectSameRecords(`C++ ${way}`, readRecordsFile(`${out}.${way}`), want);

      const input = oracle.tempPath("input.records");
      writeRecordsFile(input, want);
      const theirs = oracle.tempPath("cpp.array_record");
      await oracle.call("write", { path: theirs, options, records: input });
      const [a, b] = [fs.statSync(ours).size, fs.statSync(theirs).size];
      expect(Math.abs(a / b - 1), `ours ${a} bytes, C++ ${b}`).toBeLessThan(0.03);
    });
  }
});
