/**
 * Arrow interop throughput: `node --import tsx bench/arrow.ts [--json] [--runs N]`.
 *
 * - records → Binary column: the makeData path used by recordsToTable, against
 *   arrow-js's builder path (makeBuilder + append), to show why makeData;
 * - Binary column → records (tableToRecords: subarray views);
 * - batch records: tableToBatchRecords / batchRecordsToTable;
 * - tf.train.Example records → table (examplesToTable) and back (tableToExamples).
 *
 * Each figure is the median of N runs (default 5) after one warm-up run.
 */
import { Binary, Table, makeBuilder, tableFromArrays } from "apache-arrow";
import {
  batchRecordsToTable,
  examplesToTable,
  recordsToTable,
  tableToBatchRecords,
  tableToExamples,
  tableToRecords,
} from "../src/format/arrow/index.js";
import { encodeExample } from "../src/format/example/index.js";
import type { ExampleInput } from "../src/format/example/index.js";
import { median } from "./stats.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const runsArg = args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 5;

interface Result {
  name: string;
  unit: string;
  median: number;
  runs: number[];
  note?: string;
}
const results: Result[] = [];

/** Runs `fn` once to warm up, then RUNS times; reports median `count / seconds`. */
function bench(name: string, unit: string, count: number, fn: () => unknown, note?: string): void {
  fn();
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(count / s);
  }
  const middle = median(rates);
  results.push({ name, unit, median: middle, runs: rates, ...(note === undefined ? {} : { note }) });
  if (!json) console.log(`${name.padEnd(48)} ${fmt(middle).padStart(10)} ${unit}${note ? `  (${note})` : ""}`);
}

function fmt(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(1);
}

function makeRecords(n: number, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Uint8Array(size);
    r[0] = i & 0xff;
    r[size - 1] = (i >> 8) & 0xff;
    out.push(r);
  }
  return out;
}

function builderTable(records: Uint8Array[]): Table {
  const b = makeBuilder({ type: new Binary(), nullValues: [] });
  for (const r of records) b.append(r);
  return new Table({ record: b.finish().toVector() });
}

// 1. records ↔ Binary column
const N = 200_000;
for (const size of [100, 1000]) {
  const records = makeRecords(N, size);
  const mb = (N * size) / 1e6;
  bench(`records→table makeData (${size} B)`, "records/s", N, () => recordsToTable(records), `${mb.toFixed(0)} MB`);
  bench(`records→table builder  (${size} B)`, "records/s", N, () => builderTable(records));
  const table = recordsToTable(records);
  bench(`table→records views    (${size} B)`, "records/s", N, () => tableToRecords(table));
}

// 2. batch records
{
  const rows = 100_000;
  const table = tableFromArrays({
    id: Int32Array.from({ length: rows }, (_, i) => i),
    score: Float64Array.from({ length: rows }, (_, i) => i / 7),
    label: Array.from({ length: rows }, (_, i) => `label-${i % 100}`),
  });
  // 100 batches of 1000 rows
  const batches = Array.from({ length: 100 }, (_, i) => table.slice(i * 1000, (i + 1) * 1000).batches[0]!);
  const t = new Table(batches);
  const records = tableToBatchRecords(t);
  const bytes = records.reduce((n, r) => n + r.length, 0);
  bench("batch records encode (1000-row batches)", "rows/s", rows, () => tableToBatchRecords(t), `${records.length} records, ${(bytes / 1e6).toFixed(1)} MB`);
  bench("batch records decode (1000-row batches)", "rows/s", rows, () => batchRecordsToTable(records));
}

// 3. Examples ↔ table
{
  const rows = 50_000;
  const enc = new TextEncoder();
  const examples: ExampleInput[] = Array.from({ length: rows }, (_, i) => ({
    id: { kind: "int64", values: [BigInt(i)] },
    score: { kind: "float", values: [i / 7] },
    name: { kind: "bytes", values: [enc.encode(`name-${i}`)] },
    tokens: { kind: "int64", values: [1n, 2n, BigInt(i % 5)].slice(0, 1 + (i % 3)) },
  }));
  const records = examples.map((e) => encodeExample(e));
  bench("examples→table (4 features)", "rows/s", rows, () => examplesToTable(records));
  const table = examplesToTable(records);
  bench("table→examples (4 features)", "rows/s", rows, () => tableToExamples(table));
}

if (json) console.log(JSON.stringify({ runs: RUNS, node: process.version, results }, null, 2));
