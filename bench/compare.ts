/**
 * `npm run bench:compare`: ours (`npm run bench`, compiled) and Google's wheel (`bench:python`) on
 * the same data in one run, option set by option set, alternating so machine load drifts over both
 * alike; prints both JSON streams to `--out` (default: none) and a table of ours / wheel ratios.
 * Needs `.venv-oracles` (npm run setup:oracles) and the compiled bench (`tsc -p tsconfig.bench.json`).
 *
 *   npm run bench:compare -- --runs 5 --out /tmp/bench.jsonl
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { scriptArgs } from "./script-args.js";
import { OPTION_SETS } from "./bench-data.js";

const { values } = scriptArgs("npm run bench:compare --", {
  options: {
    runs: { type: "string", default: "5" },
    only: { type: "string", multiple: true },
    out: { type: "string" },
  },
});

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ourBench = path.join(repo, ".bench-build", "bench", "bench.js");
const TIMEOUT_MS = 20 * 60 * 1000;

interface Row {
  options: string;
  op: string;
  records_per_s: number;
  spread: number;
  impl?: string;
}

function run(command: string, args: string[]): Row[] {
  const result = spawnSync(command, args, { cwd: repo, encoding: "utf8", timeout: TIMEOUT_MS, maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Row);
}

const rows: Row[] = [];
for (const options of values.only ?? OPTION_SETS) {
  const ours = run(process.execPath, ["--expose-gc", ourBench, "--json", "--runs", values.runs!, "--only", options]).map((r) => ({ ...r, impl: "ours" }));
  const wheel = run(process.execPath, ["--import", "tsx", path.join(repo, "bench", "python-bench.ts"), "--runs", values.runs!, "--only", options]);
  rows.push(...ours, ...wheel);
  if (values.out) fs.appendFileSync(values.out, [...ours, ...wheel].map((r) => JSON.stringify(r)).join("\n") + "\n");
  const find = (impl: string, op: string) => rows.find((r) => r.options === options && r.op === op && r.impl === impl);
  // Our op ↔ the wheel's: batch and batch2 ↔ read(indices) (ParallelReadRecordsWithIndices, which
  // runs on the wheel's global thread pool whatever max_parallelism says), parallel2 ↔ read_all()
  // with its pool. write2 (our writer encoding on 2 workers) has no wheel row: the wheel's writer
  // takes no thread pool. The *_borrowed ops (records valid only in a callback) stand beside the
  // wheel op of the same access pattern.
  const wheelOp: Record<string, string> = { batch2: "batch", sequential_borrowed: "sequential", batch_borrowed: "batch", batch2_borrowed: "batch", parallel2_borrowed: "parallel2" };
  for (const op of ["write", "write2", "sequential", "random", "batch", "batch2", "parallel2", "open", "sequential_borrowed", "batch_borrowed", "batch2_borrowed", "parallel2_borrowed", "getitems", "getitems_shards"]) {
    const a = find("ours", op);
    const b = find("wheel", wheelOp[op] ?? op);
    const k = (r: Row | undefined) => (r ? `${Math.round(r.records_per_s / 1e3)}k±${r.spread}` : "-");
    const ratio = a && b ? (a.records_per_s / b.records_per_s).toFixed(2) : "-";
    console.log(`${options.padEnd(30)}${op.padEnd(20)}ours ${k(a).padEnd(14)}wheel ${k(b).padEnd(14)}${ratio}`);
  }
}
