/**
 * CPU time (and minor page faults) of one bench op, for comparing two builds on a loaded machine (wall time there says
 * little; user + system CPU of this thread's process does). Same data and ops as bench.ts.
 *
 *   npx tsc -p tsconfig.bench.json
 *   node .bench-build/bench/cpu.js "group_size:1,snappy" write 5      # CPU ms per rep, then the median
 *   node --cpu-prof .bench-build/bench/cpu.js "group_size:1,snappy" write 5
 *
 * Ops: write (no fsync), sequential (`records()`), random (`readSync(i)` over the bench sample),
 * batch (one `readSync(sample)`), sequential_borrowed (`forEachSync`), batch_borrowed (one `forEachAtSync(sample, …)`). Each rep of a read op opens a fresh reader. One untimed warm-up.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArrayRecordReader, ArrayRecordWriter } from "../src/index.js";
import { benchData } from "./bench-data.js";
import { median } from "./stats.js";

const [options = "group_size:1,snappy", op = "write", repsArg = "5"] = process.argv.slice(2);
const reps = Number(repsArg);
const data = benchData(65536);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-cpu-"));
const file = path.join(dir, "bench.array_record");

function write(): void {
  fs.rmSync(file, { force: true });
  const writer = ArrayRecordWriter.openSync(file, options, { fsync: false });
  for (const record of data.records) writer.writeSync(record);
  writer.closeSync();
}

let sink = 0;
function run(): void {
  if (op === "write") return write();
  const reader = ArrayRecordReader.openSync(file);
  if (op === "sequential") for (const record of reader.records()) sink += record.length;
  else if (op === "random") for (const i of data.sampleFor(options)) sink += reader.readSync(i).length;
  else if (op === "batch") for (const record of reader.readSync(data.sampleFor(options))) sink += record.length;
  else if (op === "sequential_borrowed") reader.forEachSync((record) => (sink += record.length));
  else if (op === "batch_borrowed") reader.forEachAtSync(data.sampleFor(options), (record) => (sink += record.length));
  else throw new Error(`unknown op ${op}`);
  reader.closeSync();
}

if (op !== "write") write();
run();
const cpu: number[] = [];
const wall: number[] = [];
const faults: number[] = [];
for (let r = 0; r < reps; r++) {
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  run();
  wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  faults.push(process.resourceUsage().minorPageFault - f0);
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({ options, op, cpu_ms: cpu.map(Math.round), cpu_median_ms: Math.round(median(cpu)), wall_median_ms: Math.round(median(wall)), minor_faults_median: median(faults), sink: sink > 0 || op === "write" }),
);
