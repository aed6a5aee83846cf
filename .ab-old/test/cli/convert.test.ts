/**
 * The conversion commands: `import`, `export` and `cat --format example-json`.
 *
 * Spawning the CLI costs ~0.5 s per run, so each conversion is spawned once end to end, and
 * the bulk runs (the GZIP and shard-pattern variants, usage errors)
 * call the same `main()` in this process, with stderr captured.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { readArrowFile } from "../../src/format/arrow/index.js";
import { decodeExample, decodeExampleMap, exampleToJson } from "../../src/format/example/index.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { TFRecordWriter, readTFRecordsSync } from "../../src/format/tfrecord/index.js";
import { ArrayRecordWriter, encodeArrayRecord } from "../../src/format/array-record/writer.js";
import { runCli } from "../helpers/cli.js";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { fixture } from "../helpers/fixtures.js";
import { exampleRecords } from "../helpers/generators.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-convert-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const out = (name: string): string => path.join(dir, name);

/** tf.train.Examples: the golden corpus's example(seed=3, n=500) generator (plain Uint8Arrays, like a reader's records). */
const goldenExamples = exampleRecords(3, 500);

/** Runs `main(args)` in this process; returns the exit code and what it wrote on stderr. */
async function runMain(args: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation(((chunk: string | Uint8Array) => {
    stderr += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write);
  try {
    return { status: await main(args), stderr };
  } finally {
    spy.mockRestore();
  }
}

/** Records with awkward sizes: empty, one byte, binary, text, one spanning many read chunks. */
function sampleRecords(): Uint8Array[] {
  const big = new Uint8Array(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  return [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0xff, 0x00, 0x0a, 0x0d), Buffer.from("hello, tfrecord"), big];
}

function writeTFRecord(file: string, records: Uint8Array[]): void {
  const writer = new TFRecordWriter(file);
  writer.writeAll(records);
  writer.close();
}

const hex = (records: Iterable<Uint8Array>): string[] => Array.from(records, (r) => Buffer.from(r).toString("hex"));

describe("import / export TFRecord", () => {
  it("TFRecord → ArrayRecord → TFRecord keeps every record's bytes (spawned CLI)", () => {
    const records = sampleRecords();
    const input = out("plain.tfrecord");
    writeTFRecord(input, records);
    const imported = runCli(["import", "--from", "tfrecord", input, out("plain.array_record"), "--options", "group_size:2,snappy"]);
    expect(imported.status, imported.stderr).toBe(0);
    const bytes = records.reduce((n, r) => n + r.length, 0);
    expect(imported.stderr).toBe(`imported 5 records (${bytes} bytes) into ${out("plain.array_record")}\n`);
    const reader = ArrayRecordReader.openSync(out("plain.array_record"));
    expect(reader.groupSize).toBe(2);
    expect(hex(reader.readAllSync())).toEqual(hex(records));
    reader.closeSync();

    const exported = runCli(["export", out("plain.array_record"), "--to", "tfrecord", out("back.tfrecord")]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stderr).toContain(`exported 5 records (${bytes} bytes) into ${out("back.tfrecord")}`);
    expect(fs.readFileSync(out("back.tfrecord"))).toEqual(fs.readFileSync(input));
  });

  it("reads and writes GZIP TFRecord files by their .gz name", async () => {
    const records = sampleRecords();
    const input = out("zipped.tfrecord.gz");
    writeTFRecord(input, records);
    expect([...fs.readFileSync(input).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect((await runMain(["import", "--from", "tfrecord", input, out("zipped.array_record")])).status).toBe(0);
    expect((await runMain(["export", out("zipped.array_record"), "--to", "tfrecord", out("back.tfrecord.gz")])).status).toBe(0);
    expect([...fs.readFileSync(out("back.tfrecord.gz")).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(hex(readTFRecordsSync(out("back.tfrecord.gz")))).toEqual(hex(records));
  });

  it("exports the shards a pattern matches in shard order", async () => {
    const shards = [["a", "b"], [], ["c"]];
    // Written in reverse, so creation order cannot pass for shard order.
    for (let s = shards.length - 1; s >= 0; s--) {
      const writer = ArrayRecordWriter.openSync(out(`shards.array_record-0000${s}-of-00003`));
      for (const r of shards[s]!) writer.writeSync(r);
      writer.closeSync();
    }
    const r = await runMain(["export", out("shards.array_record-*"), "--to", "tfrecord", out("shards.tfrecord")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("from 3 files");
    expect(Array.from(readTFRecordsSync(out("shards.tfrecord")), (b) => Buffer.from(b).toString())).toEqual(["a", "b", "c"]);
  });

  it("a file that is not a TFRecord is a data error: one line, exit 1, no output file", async () => {
    fs.writeFileSync(out("garbage.tfrecord"), "this is not a TFRecord file at all");
    const r = await runMain(["import", "--from", "tfrecord", out("garbage.tfrecord"), out("garbage.array_record")]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^arrayrecord: (CORRUPT|TRUNCATED): .*garbage\.tfrecord/);
    expect(fs.readdirSync(dir).filter((f) => f.includes("garbage.array_record"))).toEqual([]);
  });
});

describe("import / export Arrow --as binary", () => {
  it("records ↔ one Binary column, named by --column", async () => {
    const records = sampleRecords();
    fs.writeFileSync(out("binary.array_record"), encodeArrayRecord(records));
    expect((await runMain(["export", out("binary.array_record"), "--to", "arrow", "--as", "binary", out("binary.arrow")])).status).toBe(0);
    const table = readArrowFile(out("binary.arrow"));
    expect(table.schema.fields.map(String)).toEqual(["record: Binary"]);
    expect(table.numRows).toBe(records.length);

    const named = out("named.arrow");
    expect((await runMain(["export", out("binary.array_record"), "--to", "arrow", "--as", "binary", "--column", "payload", named])).status).toBe(0);
    expect(readArrowFile(named).schema.fields.map((f) => f.name)).toEqual(["payload"]);
    const r = await runMain(["import", "--from", "arrow", named, out("named.array_record"), "--as", "binary", "--column", "payload"]);
    expect(r.status, r.stderr).toBe(0);
    expect(hex(ArrayRecordReader.openSync(out("named.array_record")).readAllSync())).toEqual(hex(records));

    const missing = await runMain(["import", "--from", "arrow", named, out("missing.array_record"), "--as", "binary"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^arrayrecord: INVALID_OPTIONS: table has no column "record".*named\.arrow/);
    expect(fs.existsSync(out("missing.array_record"))).toBe(false);
  });
});

describe("tf.Examples", () => {
  const examplesFile = out("examples.array_record");
  fs.writeFileSync(examplesFile, encodeArrayRecord(goldenExamples, "group_size:64,uncompressed"));

  it("ArrayRecord → Arrow --as examples → ArrayRecord gives the same Examples (spawned CLI)", () => {
    const arrow = out("examples.arrow");
    const exported = runCli(["export", examplesFile, "--to", "arrow", "--as", "examples", arrow]);
    expect(exported.status, exported.stderr).toBe(0);
    const table = readArrowFile(arrow);
    expect(table.numRows).toBe(500);
    expect(table.schema.fields.map(String)).toEqual(["id: Binary", "label: Int64", "scores: List<Float32>", "text: Binary", "tokens: List<Int64>"]);
    expect(Buffer.from(table.getChild("id")!.get(0) as Uint8Array).toString()).toBe("rec-000000");

    const imported = runCli(["import", "--from", "arrow", arrow, out("examples-back.array_record"), "--as", "examples"]);
    expect(imported.status, imported.stderr).toBe(0);
    const back = ArrayRecordReader.openSync(out("examples-back.array_record")).readAllSync();
    expect(back).toHaveLength(goldenExamples.length);
    back.forEach((record, i) => expect(decodeExample(record), `record ${i}`).toEqual(decodeExample(goldenExamples[i]!)));
    // The encoder follows TensorFlow's serializer, so the bytes come back identical too.
    expect(hex(back)).toEqual(hex(goldenExamples));
  });

  it("cat --format example-json prints one JSON Example per line", () => {
    const r = runCli(["cat", examplesFile, "--format", "example-json"]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.toString().trimEnd().split("\n");
    expect(lines).toHaveLength(500);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(["id", "label", "scores", "text", "tokens"]);
    expect(first.id).toEqual({ bytes: ["rec-000000"] });
    expect(first.label).toEqual({ int64: [3] });
    expect(JSON.parse(lines[125]!).id).toEqual({ bytes: ["rec-000125"] });
    expect(JSON.parse(lines[125]!).tokens).toEqual({ int64: [] });
    lines.forEach((line, i) => expect(JSON.parse(line), `line ${i}`).toEqual(JSON.parse(JSON.stringify(exampleToJson(decodeExampleMap(goldenExamples[i]!))))));
  });

  it("cat --format example-json on a record that is not an Example: CORRUPT, exit 1", () => {
    const digits = fixture("digits").path();
    const r = runCli(["cat", digits, "--format", "example-json"]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^arrayrecord: CORRUPT: record 0 is not a tf\.train\.Example/);
    expect(r.stderr).toContain(digits);
  });

  it("export --as examples of records that are not Examples fails without leaving a file", async () => {
    fs.writeFileSync(out("text.array_record"), encodeArrayRecord(["0", "1"]));
    const r = await runMain(["export", out("text.array_record"), "--to", "arrow", "--as", "examples", out("text.arrow")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^arrayrecord: CORRUPT: record 0/);
    expect(fs.readdirSync(dir).filter((f) => f.includes("text.arrow"))).toEqual([]);
  });
});

describe("usage errors", () => {
  it("exit 2 with the usage text from the spawned CLI", () => {
    const r = runCli(["import", "--from", "csv", "a", "b"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown --from "csv"');
    expect(r.stderr).toContain("Usage: arrayrecord");
  });

  const ar = fixture("digits").path();
  const stream = out("small.stream");
  fs.writeFileSync(stream, tableToIPC(tableFromArrays({ a: Int32Array.of(1, 2) }), "stream"));
  it.each([
    [["import", stream, out("u.array_record")], "--from is required"],
    [["import", "--from", "arrow", stream], "import needs IN and OUT"],
    [["import", "--from", "arrow", stream, out("u.array_record"), "extra"], "import needs IN and OUT"],
    [["import", "--from", "arrow", stream, out("u.array_record"), "--as", "rows"], 'unknown --as "rows"'],
    [["import", "--from", "tfrecord", stream, out("u.array_record"), "--as", "batches"], "--as applies only to Arrow"],
    [["import", "--from", "arrow", stream, out("u.array_record"), "--column", "x"], "--column only applies to --as binary"],
    [["import", "--from", "arrow", stream, out("u.array_record"), "--options", "group_size:0"], "--options"],
    [["import", "--from", "arrow", stream, out("u.array_record"), "--bogus"], "--bogus"],
    [["export", ar, out("u.arrow")], "--to is required"],
    [["export", ar, "--to", "parquet", out("u.arrow")], 'unknown --to "parquet"'],
    [["export", ar, "--to", "arrow"], "export needs FILE_OR_PATTERN and OUT"],
    [["export", ar, ar, "--to", "arrow", out("u.arrow")], "export needs FILE_OR_PATTERN and OUT"],
    [["export", ar, "--to", "arrow", "--as", "json", out("u.arrow")], 'unknown --as "json"'],
    [["export", ar, "--to", "tfrecord", "--as", "binary", out("u.tfrecord")], "--as applies only to Arrow"],
    [["cat", ar, "--format", "example-xml"], "example-json"],
  ])("%j", async (args, message) => {
    const r = await runMain(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("Usage: arrayrecord");
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("u.") || f.startsWith(".u."))).toEqual([]);
  });
});
