/**
 * Issue 14 item 5: the index and opening cost of a file with many chunks, and peak memory while
 * reading files sequentially. Writes (once, in a temp dir):
 * - a 1,000,000-chunk file (`--chunks`): group_size:1, uncompressed, 8-byte records (~61 MB);
 * - the bench's group_size:1 uncompressed file (65,536 records of 1.3 KB, 89 MB).
 * Each run is a fresh Node process (timeout 120 s) that opens a file once cold and 5 times warm,
 * then reads every record with `records()`. Prints one JSON line per file with medians over
 * `--runs` processes: cold open wall and CPU ms, warm open ms, index bytes per chunk, RSS before
 * opening, peak RSS after opening and after the sequential read (MB).
 *
 *   npx tsc -p tsconfig.bench.json && node .bench-build/bench/open-index.js --runs 7
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { scriptArgs } from "./script-args.js";
import { ArrayRecordReader, ArrayRecordWriter } from "../src/index.js";
import { benchData } from "./bench-data.js";
import { median } from "./stats.js";

const CHILD_TIMEOUT_MS = 120_000;
const WARM_OPENS = 5;


/**
 * This process's peak RSS in bytes: VmHWM on Linux (per address space; `maxRSS` keeps the
 * parent's peak across fork + exec there), else `maxRSS`.
 */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS * 1024;
}
const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;

/** One child's measurements of `file`. */
interface ChildResult {
  open_ms: number;
  open_cpu_ms: number;
  warm_open_ms: number;
  chunks: number;
  records: number;
  index_bytes_per_chunk: number;
  rss_before_open_mb: number;
  peak_rss_open_mb: number;
  peak_rss_sequential_mb: number;
}

function child(file: string): void {
  const rssBefore = process.memoryUsage().rss;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let reader = ArrayRecordReader.openSync(file);
  const openMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const peakOpen = peakRss();
  const { index } = reader.fileLayout;
  const warm: number[] = [];
  for (let k = 0; k < WARM_OPENS; k++) {
    reader.closeSync();
    const t = performance.now();
    reader = ArrayRecordReader.openSync(file);
    warm.push(performance.now() - t);
  }
  let n = 0;
  for (const record of reader.records()) n += record.length >= 0 ? 1 : 0;
  if (n !== reader.numRecords) throw new Error(`read ${n} of ${reader.numRecords} records`);
  reader.closeSync();
  const result: ChildResult = {
    open_ms: Math.round(openMs * 10) / 10,
    open_cpu_ms: Math.round((cpu.user + cpu.system) / 100) / 10,
    warm_open_ms: Math.round(median(warm) * 10) / 10,
    chunks: index.numChunks,
    records: index.numRecords,
    index_bytes_per_chunk: index.bytesPerChunk,
    rss_before_open_mb: mb(rssBefore),
    peak_rss_open_mb: mb(peakOpen),
    peak_rss_sequential_mb: mb(peakRss()),
  };
  console.log(JSON.stringify(result));
}

function parent(): void {
  const { values } = scriptArgs("node .bench-build/bench/open-index.js", { options: { chunks: { type: "string", default: "1000000" }, runs: { type: "string", default: "7" } } });
  const runs = Number(values.runs);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-open-"));
  try {
    const many = path.join(dir, "many-chunks.array_record");
    const writer = ArrayRecordWriter.openSync(many, "group_size:1,uncompressed", { fsync: false });
    const record = new Uint8Array(8);
    for (let i = 0; i < Number(values.chunks); i++) {
      new DataView(record.buffer).setFloat64(0, i);
      writer.writeSync(record);
    }
    writer.closeSync();
    const text = path.join(dir, "bench-gs1-uncompressed.array_record");
    const textWriter = ArrayRecordWriter.openSync(text, "group_size:1,uncompressed", { fsync: false });
    for (const r of benchData(65536).records) textWriter.writeSync(r);
    textWriter.closeSync();

    for (const [label, file] of [
      ["1M chunks of 8 bytes", many],
      ["bench group_size:1 uncompressed", text],
    ] as const) {
      const results: ChildResult[] = [];
      for (let r = 0; r < runs; r++) {
        const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", file], { encoding: "utf8", timeout: CHILD_TIMEOUT_MS });
        if (out.status !== 0) throw new Error(`child failed (${out.status ?? out.signal}): ${out.stderr}`);
        results.push(JSON.parse(out.stdout.trim().split("\n").pop()!) as ChildResult);
      }
      const pick = (k: keyof ChildResult): number => median(results.map((x) => x[k]));
      console.log(
        JSON.stringify({
          file: label,
          file_mb: mb(fs.statSync(file).size),
          chunks: results[0]!.chunks,
          runs,
          open_ms: pick("open_ms"),
          open_cpu_ms: pick("open_cpu_ms"),
          warm_open_ms: pick("warm_open_ms"),
          index_bytes_per_chunk: pick("index_bytes_per_chunk"),
          rss_before_open_mb: pick("rss_before_open_mb"),
          peak_rss_open_mb: pick("peak_rss_open_mb"),
          peak_rss_sequential_mb: pick("peak_rss_sequential_mb"),
        }),
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") child(process.argv[3]!);
else parent();
