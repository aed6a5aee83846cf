/**
 * The opt-in mapped reader (`open.mmap`): the same records as positional reads for every fixture
 * and access path, hashes still verified (damage is CORRUPT / TRUNCATED, never wrong records),
 * records valid after close, and writes to a record never reach the file.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { ArrayRecordDataSource } from "../../../src/format/array-record/data-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { MappedByteSource, mappingAvailable } from "../../../src/format/bytes/mapped-source.js";
import { FileByteSource } from "../../../src/format/bytes/file-source.js";
import { recordsSha256 } from "../../helpers/golden.js";
import { conformanceFixtures } from "../../helpers/fixtures.js";
import { textRecords } from "../../helpers/generators.js";
import { runTsxChild } from "../../helpers/tsx-child.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-mmap-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

const OPTIONS = ["group_size:1,uncompressed", "group_size:1,snappy", "group_size:7,zstd:1", "group_size:64,uncompressed", "group_size:64,transpose"];

describe("mapped reader (open.mmap)", () => {
  it("maps here, and the reader's source is a MappedByteSource", () => {
    expect(mappingAvailable()).toBe(true);
    const file = write("kind.array_record", encodeArrayRecord(textRecords(1, 10, 5, 50), "group_size:2"));
    const reader = ArrayRecordReader.openSync(file, "", { mmap: true });
    expect((reader as unknown as { source: unknown }).source).toBeInstanceOf(MappedByteSource);
    reader.closeSync();
    const plain = ArrayRecordReader.openSync(file);
    expect((plain as unknown as { source: unknown }).source).toBeInstanceOf(FileByteSource);
    plain.closeSync();
  });

  it("reads every conformance fixture exactly: sequential, all, parallel", async () => {
    const fixtures = conformanceFixtures();
    expect(fixtures).toHaveLength(25);
    for (const f of fixtures) {
      const reader = ArrayRecordReader.openSync(f.path(), "", { mmap: true });
      expect(recordsSha256([...reader.records()]), f.name).toBe(f.expect.records_sha256);
      expect(recordsSha256(reader.readAllSync()), f.name).toBe(f.expect.records_sha256);
      expect(recordsSha256(await reader.readAllParallel(2)), f.name).toBe(f.expect.records_sha256);
      reader.closeSync();
    }
  });

  it("random, batch, range and async reads give the records written, for chunks split by block headers too", async () => {
    // Records up to 3,000 bytes in 64-record chunks: most chunks cross a 64 KiB block boundary.
    const records = textRecords(21, 900, 0, 3000);
    for (const options of OPTIONS) {
      const file = write("access.array_record", encodeArrayRecord(records, options));
      const reader = await ArrayRecordReader.open(file, "", { mmap: true });
      const order = Array.from({ length: records.length }, (_, i) => (i * 397) % records.length);
      for (const i of order.slice(0, 200)) expect(reader.readSync(i), `${options} ${i}`).toEqual(records[i]);
      expect(recordsSha256(reader.readSync(order)), options).toBe(recordsSha256(order.map((i) => records[i]!)));
      expect(recordsSha256(await reader.read(order)), options).toBe(recordsSha256(order.map((i) => records[i]!)));
      expect(recordsSha256(await reader.readParallel(order, 2)), options).toBe(recordsSha256(order.map((i) => records[i]!)));
      const parallel = await reader.readAllParallel(2);
      expect(recordsSha256(parallel), options).toBe(recordsSha256(records));
      expect(recordsSha256(await reader.readRangeParallel(101, 802, 2)), options).toBe(recordsSha256(records.slice(101, 802)));
      if (options.endsWith("uncompressed")) {
        // Zero-copy from the workers too: all but the records a block header cuts are views of the mapping.
        const views = parallel.filter((record) => record.buffer.byteLength === reader.fileSize).length;
        expect(views, options).toBeGreaterThan(records.length * 0.9);
        expect(views, options).toBeLessThan(records.length);
      }
      expect(recordsSha256(reader.readRangeSync(13, 777)), options).toBe(recordsSha256(records.slice(13, 777)));
      expect(await reader.read(5), options).toEqual(records[5]);
      await reader.close();
    }
  });

  it("workers never serve another file's mapping when a descriptor number is reused", async () => {
    for (let round = 0; round < 4; round++) {
      const records = textRecords(100 + round, 400, 10, 200 + 300 * round);
      const file = write(`reuse-${round}.array_record`, encodeArrayRecord(records, "group_size:3,uncompressed"));
      const reader = await ArrayRecordReader.open(file, "", { mmap: true });
      expect(recordsSha256(await reader.readAllParallel(2)), `round ${round}`).toBe(recordsSha256(records));
      await reader.close();
      fs.rmSync(file);
    }
  });

  it("a data source with mmap maps its local shards: exact records, views of each shard's mapping", () => {
    const shards = [0, 1, 2].map((k) => textRecords(40 + k, 120, 10, 300));
    const paths = shards.map((records, k) => write(`ds.array_record-0000${k}-of-00003`, encodeArrayRecord(records, "group_size:1,uncompressed")));
    const all = shards.flat();
    const source = ArrayRecordDataSource.openSync(paths, "", { mmap: true, maxOpenFiles: 2 });
    const order = Array.from({ length: all.length }, (_, i) => (i * 149) % all.length);
    const got = source.getManySync(order);
    expect(recordsSha256(got)).toBe(recordsSha256(order.map((i) => all[i]!)));
    const sizes = new Set(paths.map((p) => fs.statSync(p).size));
    expect(got.every((record) => sizes.has(record.buffer.byteLength))).toBe(true);
    source.closeSync();
  });

  it("idle decode workers let go of their mappings (a deleted file's space is freed)", async () => {
    const records = textRecords(55, 2000, 100, 1000);
    const file = write("released.array_record", encodeArrayRecord(records, "group_size:4,uncompressed"));
    const mappingsOf = () => fs.readFileSync("/proc/self/maps", "utf8").split("\n").filter((line) => line.endsWith(file)).length;
    const reader = await ArrayRecordReader.open(file, "", { mmap: true });
    expect(recordsSha256(await reader.readAllParallel(2))).toBe(recordsSha256(records));
    const during = mappingsOf();
    expect(during).toBeGreaterThanOrEqual(2); // this thread's and at least one worker's
    await reader.close();
    await new Promise((r) => setTimeout(r, 1000));
    // The workers' mappings are gone; this thread's stays while its ArrayBuffer awaits a GC.
    expect(mappingsOf()).toBeLessThanOrEqual(1);
  });

  it("records stay valid after close; writing into one changes neither the file nor a later read", () => {
    const records = textRecords(3, 50, 10, 100);
    const bytes = encodeArrayRecord(records, "group_size:1,uncompressed");
    const file = write("private.array_record", bytes);
    const reader = ArrayRecordReader.openSync(file, "", { mmap: true });
    const all = reader.readAllSync();
    reader.closeSync();
    expect(() => reader.readSync(0)).toThrow(expect.objectContaining({ code: "CLOSED" }));
    expect(recordsSha256(all)).toBe(recordsSha256(records));
    // Zero-copy: the record is a view of the whole file's mapping.
    expect(all[3]!.buffer.byteLength).toBe(bytes.length);
    all[3]!.fill(0x21);
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(bytes);
    const again = ArrayRecordReader.openSync(file, "", { mmap: true });
    expect(again.readSync(3)).toEqual(records[3]);
    again.closeSync();
  });

  it("damage is CORRUPT or TRUNCATED with the file named, never other records (hashes verified)", async () => {
    const records = textRecords(8, 300, 100, 400);
    const good = encodeArrayRecord(records, "group_size:1,uncompressed");
    const expected = recordsSha256(records);
    let failures = 0;
    for (let at = 100; at < good.length; at += 997) {
      const damaged = good.slice();
      damaged[at]! ^= 0x10;
      const file = write("damaged.array_record", damaged);
      let outcome: string;
      try {
        const reader = ArrayRecordReader.openSync(file, "", { mmap: true });
        try {
          outcome = recordsSha256([...reader.records()]);
          await reader.readAllParallel(2);
        } finally {
          reader.closeSync();
        }
      } catch (e) {
        expect(e, `flip at ${at}`).toMatchObject({ file });
        outcome = (e as { code: string }).code;
      }
      expect([expected, "CORRUPT", "TRUNCATED"], `flip at ${at}`).toContain(outcome);
      if (outcome !== expected) failures++;
    }
    expect(failures).toBeGreaterThan(0);
    // A file cut short before it is opened: an error at open, not a fault.
    const cut = write("cut.array_record", good.subarray(0, good.length - 50));
    expect(() => ArrayRecordReader.openSync(cut, "", { mmap: true })).toThrow(expect.objectContaining({ code: expect.stringMatching(/CORRUPT|TRUNCATED/) }));
  });

  it("a file truncated while mapped gives typed errors, not SIGBUS (child process)", () => {
    const records = textRecords(77, 3000, 1000, 1400);
    const file = write("truncated.array_record", encodeArrayRecord(records, "group_size:1,uncompressed"));
    // The child maps the file, reads the first record, truncates the file to a tenth (another
    // process would do the same to the mapping), then reads on: every later read must be the
    // record or a typed error, and the process must live to print its summary.
    const script = `
      import * as fs from "node:fs";
      import { ArrayRecordReader } from "./src/format/array-record/reader.ts";
      const file = ${JSON.stringify(file)};
      const reader = ArrayRecordReader.openSync(file, "", { mmap: true });
      const first = reader.readSync(0).length;
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 10));
      const codes = {};
      for (const i of [2900, 2500, 1500, 10, 2950]) {
        try { reader.readSync(i); codes[i] = "ok"; } catch (e) { codes[i] = e.code ?? String(e); }
      }
      let parallel;
      try { await reader.readAllParallel(2); parallel = "ok"; } catch (e) { parallel = e.code ?? String(e); }
      console.log(JSON.stringify({ first, codes, parallel }));`;
    const child = runTsxChild({ source: script }, { timeoutMs: 60_000 });
    expect(child.error, "the child must exit by itself within 60 s").toBeUndefined();
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { first: number; codes: Record<string, string>; parallel: string };
    expect(out.first).toBe(records[0]!.length);
    // Records in the lost nine tenths: CORRUPT (the zeros fail their hash) or IO (the source knows it lost pages).
    for (const i of ["2900", "2500", "1500", "2950"]) expect(["CORRUPT", "IO"], `record ${i}`).toContain(out.codes[i]);
    expect(["ok", "CORRUPT", "IO"]).toContain(out.codes["10"]);
    expect(["CORRUPT", "IO", "TRUNCATED"]).toContain(out.parallel);
  });

  it("an empty file and a missing file are typed errors", () => {
    const empty = write("empty.array_record", new Uint8Array(0));
    expect(() => ArrayRecordReader.openSync(empty, "", { mmap: true })).toThrow(expect.objectContaining({ code: "CORRUPT" }));
    expect(() => ArrayRecordReader.openSync(path.join(dir, "missing"), "", { mmap: true })).toThrow(expect.objectContaining({ code: "IO" }));
  });
});
