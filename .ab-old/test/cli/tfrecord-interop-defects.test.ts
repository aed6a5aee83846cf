/**
 * The CLI defects of issue 9 (item 5): TFRecord compression told from the content with an explicit
 * `--compression` that wins on import, export and convert; `-0.0` printed as `-0.0` by
 * `cat --format example-json`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deflateSync, gzipSync, inflateSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { ArrayRecordReader, ArrayRecordWriter, encodeExample, encodeTFRecords, exampleToJson, decodeExample, stringifyExampleJson } from "../../src/index.js";
import { runCli } from "../helpers/cli.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-cli-defects-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);
const records = Array.from({ length: 50 }, (_, i) => new TextEncoder().encode(`record ${i} `.repeat(i % 9)));
const texts = (rs: Uint8Array[]) => rs.map((r) => Buffer.from(r).toString());

function readArrayRecord(p: string): string[] {
  const reader = ArrayRecordReader.openSync(p);
  const out = texts(reader.readAllSync());
  reader.closeSync();
  return out;
}

describe("import: TFRecord compression from the content, --compression wins", () => {
  for (const [name, bytes] of [
    ["zlib.tfrecord", deflateSync(encodeTFRecords(records))],
    ["gzip-without-suffix.tfrecord", gzipSync(encodeTFRecords(records))],
    ["plain-named.gz", encodeTFRecords(records)],
  ] as const) {
    it(`reads ${name}`, () => {
      fs.writeFileSync(file(name), bytes);
      const out = file(`${name}.array_record`);
      const cli = runCli(["import", "--from", "tfrecord", file(name), out]);
      expect(cli.stderr).toContain("imported 50 records");
      expect(cli.status).toBe(0);
      expect(readArrayRecord(out)).toEqual(texts(records));
    });
  }

  it("--compression none on a GZIP file fails with CORRUPT and writes nothing; --compression zlib on plain fails", () => {
    fs.writeFileSync(file("forced.tfrecord"), gzipSync(encodeTFRecords(records)));
    const cli = runCli(["import", "--from", "tfrecord", "--compression", "none", file("forced.tfrecord"), file("forced.array_record")]);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/CORRUPT|checksum/);
    expect(fs.existsSync(file("forced.array_record"))).toBe(false);
    fs.writeFileSync(file("plain.tfrecord"), encodeTFRecords(records));
    expect(runCli(["import", "--from", "tfrecord", "--compression", "zlib", file("plain.tfrecord"), file("forced2.array_record")]).status).toBe(1);
  });

  it("a file that is no TFRecord in any compression says what was tried", () => {
    fs.writeFileSync(file("garbage.tfrecord"), Buffer.from("definitely not a tfrecord file"));
    const cli = runCli(["import", "--from", "tfrecord", file("garbage.tfrecord"), file("garbage.array_record")]);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/tried plain .*GZIP.*ZLIB/);
  });

  it("rejects a bad --compression value and --compression for Arrow", () => {
    expect(runCli(["import", "--from", "tfrecord", "--compression", "lz4", file("plain.tfrecord"), file("x.array_record")]).status).toBe(2);
    expect(runCli(["import", "--from", "arrow", "--compression", "gzip", file("plain.tfrecord"), file("x.array_record")]).status).toBe(2);
  });
});

describe("export and convert take --compression", () => {
  it("export --compression zlib writes a ZLIB stream whatever the name", () => {
    const input = file("export.array_record");
    const writer = ArrayRecordWriter.openSync(input, "group_size:4");
    for (const r of records) writer.writeSync(r);
    writer.closeSync();
    const out = file("export-out.tfrecord");
    const cli = runCli(["export", input, "--to", "tfrecord", "--compression", "zlib", out]);
    expect(cli.status, cli.stderr).toBe(0);
    expect(Buffer.compare(inflateSync(fs.readFileSync(out)), encodeTFRecords(records))).toBe(0);
    const plain = file("export-plain.tfrecord.gz");
    expect(runCli(["export", input, "--to", "tfrecord", "--compression", "none", plain]).status).toBe(0);
    expect(Buffer.compare(fs.readFileSync(plain), encodeTFRecords(records))).toBe(0);
  });

  it("convert reads a ZLIB file by content, and --compression none makes it fail", () => {
    fs.writeFileSync(file("conv-in.tfrecord"), deflateSync(encodeTFRecords(records)));
    const ok = runCli(["convert", "--from", "tfrecord", "--input", file("conv-in.tfrecord"), "--output", file("conv/out"), "--num-shards", "1"]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(readArrayRecord(ok.stdout.toString().trim())).toEqual(texts(records));
    const forced = runCli(["convert", "--from", "tfrecord", "--compression", "none", "--input", file("conv-in.tfrecord"), "--output", file("conv2/out"), "--num-shards", "1"]);
    expect(forced.status).not.toBe(0);
  }, 240_000);
});

describe("cat --format example-json keeps the sign of -0.0", () => {
  it("prints -0.0, which JSON.parse reads as negative zero", () => {
    const input = file("neg-zero.array_record");
    const writer = ArrayRecordWriter.openSync(input, "");
    writer.writeSync(encodeExample({ f: { kind: "float", values: [-0, 0, 1.5, -2.5e-40] }, g: { kind: "int64", values: [-1n] } }));
    writer.closeSync();
    const cli = runCli(["cat", input, "--format", "example-json"]);
    expect(cli.status, cli.stderr).toBe(0);
    const line = cli.stdout.toString();
    expect(line).toBe('{"f":{"float":[-0.0,0,1.5,-2.5e-40]},"g":{"int64":[-1]}}\n');
    const parsed = JSON.parse(line) as { f: { float: number[] } };
    expect(Object.is(parsed.f.float[0], -0)).toBe(true);
    expect(Object.is(parsed.f.float[1], 0)).toBe(true);
  });

  it("stringifyExampleJson equals JSON.stringify except for negative zero", () => {
    const example = decodeExample(encodeExample({ "a\"b": { kind: "bytes", values: ["x\n", "é"] }, n: { kind: "none" }, f: { kind: "float", values: [NaN, -Infinity, -0] } }));
    const json = exampleToJson(example);
    expect(stringifyExampleJson(json)).toBe(JSON.stringify(json).replace("[\"NaN\",\"-Infinity\",0]", "[\"NaN\",\"-Infinity\",-0.0]"));
  });
});
