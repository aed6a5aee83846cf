/**
 * `npm run bench:engines` (not in CI): TFRecord → ArrayRecord (zstd:3, 4 shards) on the direct
 * runner, on Flink with LOOPBACK, and on Flink with the external worker pool at 1 and 2 processes.
 * Runs compiled (the script compiles to .bench-build first), so pool workers start as plain JS.
 *
 * Job start-up is measured apart: each configuration first runs the tiny input once to warm up
 * (class loading, JIT; discarded), then converts the tiny input (`--small` records) and the full
 * one; start-up ≈ the tiny run's time, steady state = (full − tiny records) / (full − tiny
 * seconds), "n/a" when the full run was not slower (noise larger than the work: use more records).
 * CPU seconds of the full run are reported per process group (this process, the pool's worker
 * processes, the job server JVM), and the CPU per record beyond a job's fixed cost (full − tiny
 * run, all processes): less noisy than wall time on a shared machine. One Flink job
 * server serves every run (its own start is reported once). `--json FILE` writes every figure.
 *
 *   npm run bench:engines                                  # 1,000,000 records of 1 KB
 *   npm run bench:engines -- --records 100000 --only pool1,pool2 --json out.json
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { scriptArgs } from "./script-args.js";
import "../src/beam.js";
import { convertTFRecordToArrayRecord } from "../src/pipelines/tfrecord-to-arrayrecord.js";
import type { RunnerChoice } from "../src/pipelines/run.js";
import { sharedFlinkJobServer, stopSharedFlinkJobServer } from "../src/runners/flink-job-server.js";
import { TFRecordWriter } from "../src/format/tfrecord/index.js";

const { values } = scriptArgs("npm run bench:engines --", {
  options: {
    records: { type: "string", default: "1000000" },
    small: { type: "string", default: "4000" },
    size: { type: "string", default: "1024" },
    files: { type: "string", default: "16" },
    shards: { type: "string", default: "4" },
    options: { type: "string", default: "group_size:64,zstd:3" },
    parallelism: { type: "string", default: "2" },
    only: { type: "string" },
    json: { type: "string" },
  },
});
const records = Number(values.records);
const small = Number(values.small);
const size = Number(values.size);
const files = Number(values.files);
const shards = Number(values.shards);
const parallelism = Number(values.parallelism);

const CONFIGS: Record<string, RunnerChoice> = {
  direct: { runner: "direct" },
  loopback: { runner: "flink", parallelism },
  pool1: { runner: "flink", parallelism, workerProcesses: 1 },
  pool2: { runner: "flink", parallelism, workerProcesses: 2 },
};
const chosen = values.only ? values.only.split(",") : Object.keys(CONFIGS);
for (const name of chosen) if (CONFIGS[name] === undefined) throw new Error(`unknown config ${name}; use ${Object.keys(CONFIGS).join(", ")}`);

/** The package root: the first folder up from this script with a package.json (source or .bench-build). */
function packageRoot(): string {
  let d = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(d, "package.json"))) d = path.dirname(d);
  return d;
}
// Compiled into .bench-build, the library would look for the jars there.
process.env["ARRAYRECORD_FLINK_LIB"] ??= path.join(packageRoot(), "engines", "flink", "lib");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-bench-engines-"));

/** `n` records of `size` bytes (a varying pattern, so zstd has work to do) in `files` TFRecord files named `name-*`. */
function writeInput(name: string, n: number): string {
  const per = Math.ceil(n / files);
  let written = 0;
  for (let f = 0; f < files && written < n; f++) {
    const writer = new TFRecordWriter(path.join(dir, `${name}-${f}.tfrecord`));
    for (let j = 0; j < per && written < n; j++, written++) {
      const record = Buffer.alloc(size);
      record.write(`record ${written} `);
      for (let i = 16; i + 4 <= size; i += 8) record.writeUInt32LE((written * 2654435761 + i * 40503) >>> 0, i);
      writer.write(record);
    }
    writer.close();
  }
  return path.join(dir, `${name}-*.tfrecord`);
}

/** CPU seconds (user + system) of process `pid` from /proc, its waited-for children included when `children`. */
function procCpu(pid: number | "self", children = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    // Fields after the name start at state (3rd field): utime is the 14th field, cutime the 16th.
    const [utime, stime, cutime, cstime] = [fields[11]!, fields[12]!, fields[13]!, fields[14]!];
    return ((children ? cutime + cstime : utime + stime) as number) / 100;
  } catch {
    return NaN;
  }
}

interface CpuSample {
  self: number;
  workers: number;
  jvm: number;
}

let jvmPid = -1;
function cpuNow(): CpuSample {
  return { self: procCpu("self"), workers: procCpu("self", true), jvm: jvmPid > 0 ? procCpu(jvmPid) : 0 };
}

async function convert(input: string, name: string, choice: RunnerChoice, expected: number): Promise<{ seconds: number; workerPids: number[] }> {
  const result = await convertTFRecordToArrayRecord({ input, output: path.join(dir, `${name}.array_record`), numShards: shards, writerOptions: values.options, ...choice });
  const written = result.counters["arrayrecord_records_written"];
  if (written === undefined || written % 2 ** 32 !== expected % 2 ** 32) throw new Error(`${name}: ${written} records written, expected ${expected}`);
  for (const file of result.files) fs.rmSync(file);
  return { seconds: result.seconds, workerPids: result.workers?.workerPids ?? [process.pid] };
}

const report: Record<string, unknown> = {
  records,
  small,
  recordBytes: size,
  inputFiles: files,
  shards,
  writerOptions: values.options,
  parallelism,
  node: process.version,
  cpus: os.cpus().length,
  loadAverageAtStart: os.loadavg(),
  started: new Date().toISOString(),
};
const results: Record<string, unknown>[] = [];
report["configs"] = results;

try {
  console.log(`input: ${records} records of ${size} B in ${files} TFRecord files → ${shards} shards (${values.options}); tiny run ${small} records; Flink parallelism ${parallelism}; load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const tiny = writeInput("small", small);
  const full = writeInput("full", records);
  if (chosen.some((c) => c !== "direct")) {
    const t = performance.now();
    const server = await sharedFlinkJobServer();
    jvmPid = server.pid;
    report["jobServerStartSeconds"] = (performance.now() - t) / 1000;
    console.log(`Flink job server start: ${((performance.now() - t) / 1000).toFixed(1)} s (pid ${server.pid})`);
  }
  // CPU s of the full run by process group; "tiny" = all CPU s of the tiny run (≈ a job's fixed cost); µs/rec = CPU per extra record.
  console.log("config    start-up s  full run s  steady records/s   CPU s: bench  workers  JVM    tiny  µs/rec   load");
  for (const name of chosen) {
    const choice = CONFIGS[name]!;
    await convert(tiny, `${name}-warmup`, choice, small);
    const c0 = cpuNow();
    const startup = (await convert(tiny, `${name}-small`, choice, small)).seconds;
    const before = cpuNow();
    const run = await convert(full, `${name}-full`, choice, records);
    const after = cpuNow();
    const total = run.seconds;
    const steady = total > startup ? Math.round((records - small) / (total - startup)) : undefined;
    const cpu = { bench: after.self - before.self, workers: after.workers - before.workers, jvm: after.jvm - before.jvm };
    const cpuSmall = { bench: before.self - c0.self, workers: before.workers - c0.workers, jvm: before.jvm - c0.jvm };
    // CPU per record beyond a job's fixed cost: (full run − tiny run) / (records − tiny records), all processes.
    const sum = (c: typeof cpu) => c.bench + c.workers + c.jvm;
    const cpuMicrosPerRecord = ((sum(cpu) - sum(cpuSmall)) / (records - small)) * 1e6;
    const load = os.loadavg()[0]!;
    results.push({ name, startupSeconds: startup, fullSeconds: total, steadyRecordsPerSecond: steady ?? null, fullRecordsPerSecond: records / total, cpuSeconds: cpu, cpuSecondsTinyRun: cpuSmall, cpuMicrosPerRecord, workerPids: run.workerPids, loadAverage1m: load });
    console.log(
      `${name.padEnd(9)} ${startup.toFixed(1).padStart(10)}  ${total.toFixed(1).padStart(10)}  ${(steady?.toString() ?? "n/a").padStart(16)}   ${cpu.bench.toFixed(1).padStart(10)} ${cpu.workers.toFixed(1).padStart(8)} ${cpu.jvm.toFixed(1).padStart(5)} ${sum(cpuSmall).toFixed(1).padStart(7)} ${cpuMicrosPerRecord.toFixed(1).padStart(7)}  ${load.toFixed(1).padStart(5)}`,
    );
  }
  const rate = (name: string) => (results.find((r) => r["name"] === name)?.["steadyRecordsPerSecond"] as number | null | undefined) ?? undefined;
  const ratio = (a: string, b: string) => (rate(a) !== undefined && rate(b) !== undefined ? rate(a)! / rate(b)! : undefined);
  const targets = { pool2OverPool1: ratio("pool2", "pool1") ?? null, pool2OverDirect: ratio("pool2", "direct") ?? null };
  report["steadyStateRatios"] = targets;
  report["loadAverageAtEnd"] = os.loadavg();
  if (targets.pool2OverPool1 !== null) console.log(`steady state: pool2 / pool1 = ${targets.pool2OverPool1.toFixed(2)} (target ≥ 1.3)`);
  if (targets.pool2OverDirect !== null) console.log(`steady state: pool2 / direct = ${targets.pool2OverDirect.toFixed(2)} (target > 1)`);
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(report, null, 2) + "\n");
} finally {
  await stopSharedFlinkJobServer();
  fs.rmSync(dir, { recursive: true, force: true });
}
