/**
 * TFRecord → ArrayRecord conversion throughput: through a Beam pipeline on the direct runner
 * (readFromTFRecord → writeToArrayRecord) versus the same conversion with the format core alone
 * (readTFRecordsSync → one ArrayRecordWriter per shard, round-robin). Same input file, shard count
 * and writer options; median of `--runs` runs each; records/s and MB/s of record bytes.
 *
 *   node --import tsx bench/beam-convert.ts                 # table
 *   node --import tsx bench/beam-convert.ts --json          # JSON
 *   node --import tsx bench/beam-convert.ts --records 20000 --size 4096 --shards 8 --options group_size:1,uncompressed
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { scriptArgs } from "./script-args.js";
import * as beam from "apache-beam";
import { directRunner } from "apache-beam/runners/direct_runner";
import { ArrayRecordReader, ArrayRecordWriter } from "../src/index.js";
import { readTFRecordsSync, TFRecordWriter } from "../src/format/tfrecord/index.js";
import { readFromTFRecord, writeToArrayRecord } from "../src/beam.js";

const { values } = scriptArgs("npm run bench:beam --", {
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
    records: { type: "string", default: "100000" },
    size: { type: "string", default: "1024" },
    shards: { type: "string", default: "4" },
    options: { type: "string", default: "group_size:1" },
  },
});
const runs = Number(values.runs);
const n = Number(values.records);
const size = Number(values.size);
const numShards = Number(values.shards);
const writerOptions = values.options!;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-beam-bench-"));
const input = path.join(dir, "input.tfrecord");

/** Records of `size` ± 25% bytes, half text-like (compressible), half random; deterministic. */
function makeInput(): number {
  const writer = new TFRecordWriter(input, { compression: "none" });
  let x = 0x9e3779b9;
  let bytes = 0;
  const words = Buffer.from("the quick brown fox jumps over the lazy dog and records flow through shards ");
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const length = Math.round(size * (0.75 + (x % 1000) / 2000));
    const record = new Uint8Array(length);
    for (let j = 0; j < length; j++) {
      if (j < length / 2) record[j] = words[(j + i) % words.length]!;
      else {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        record[j] = x >>> 24;
      }
    }
    writer.write(record);
    bytes += length;
  }
  writer.close();
  return bytes;
}

/** Converts with the format core only. */
function convertCore(out: string): void {
  const writers = Array.from({ length: numShards }, (_, s) =>
    ArrayRecordWriter.openSync(`${out}-${String(s).padStart(5, "0")}-of-${String(numShards).padStart(5, "0")}`, writerOptions),
  );
  let i = 0;
  for (const record of readTFRecordsSync(input)) writers[i++ % numShards]!.writeSync(record);
  for (const w of writers) w.closeSync();
}

/** Converts through the Beam pipeline. */
async function convertBeam(out: string): Promise<void> {
  const result = await directRunner().run((root: beam.Root) => {
    root.apply(readFromTFRecord(input)).apply(writeToArrayRecord(out, { numShards, writerOptions }));
  });
  await result.waitUntilFinish();
}

function countRecords(prefix: string): number {
  const d = path.dirname(prefix);
  return fs
    .readdirSync(d)
    .filter((f) => f.startsWith(path.basename(prefix) + "-"))
    .reduce((sum, f) => sum + ArrayRecordReader.openSync(path.join(d, f)).numRecords, 0);
}

async function median(label: string, convert: (out: string) => void | Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const out = path.join(dir, `${label}-${r}`, "data.array_record");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const t0 = process.hrtime.bigint();
    await convert(out);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (countRecords(out) !== n) throw new Error(`${label}: wrong record count`);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

// The direct runner logs a line per bundle (console.debug); keep the output a table.
const debug = console.debug;
const quiet = (fn: () => Promise<number>) => async () => {
  console.debug = () => {};
  try {
    return await fn();
  } finally {
    console.debug = debug;
  }
};

try {
  const bytes = makeInput();
  const core = await median("core", convertCore);
  const piped = await quiet(() => median("beam", convertBeam))();
  const rows = [
    { path: "format core (no Beam)", seconds: core },
    { path: "Beam direct runner", seconds: piped },
  ].map((r) => ({ ...r, recordsPerSecond: n / r.seconds, megabytesPerSecond: bytes / 1e6 / r.seconds }));
  const setup = { records: n, recordBytes: bytes, shards: numShards, writerOptions, runs, node: process.version };
  if (values.json) {
    console.log(JSON.stringify({ setup, results: rows }, null, 2));
  } else {
    console.log(`TFRecord → ArrayRecord, ${n} records, ${(bytes / 1e6).toFixed(1)} MB, ${numShards} shards, "${writerOptions}", median of ${runs}`);
    console.log("| path | seconds | records/s | MB/s |");
    console.log("|---|---:|---:|---:|");
    for (const r of rows) {
      console.log(`| ${r.path} | ${r.seconds.toFixed(2)} | ${Math.round(r.recordsPerSecond).toLocaleString("en-US")} | ${r.megabytesPerSecond.toFixed(1)} |`);
    }
    console.log(`Beam / core time: ${(piped / core).toFixed(2)}x`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
