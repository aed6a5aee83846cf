/**
 * `npm run bench:python`: Google's array-record wheel (the C++ library, from `.venv-oracles/`,
 * built by `npm run setup:oracles`) on exactly the data and sample `npm run bench` uses, printing
 * the same JSON lines (with `"impl": "wheel"`). Takes `--only` (repeatable), `--runs`, `--ops`.
 *
 *   npm run bench:python -- --only "group_size:1,zstd:3" --runs 5
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { scriptArgs } from "./script-args.js";
import { benchData, OPTION_SETS } from "./bench-data.js";

const { values } = scriptArgs("npm run bench:python --", {
  options: {
    runs: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    records: { type: "string", default: "65536" },
    only: { type: "string", multiple: true },
    ops: { type: "string" },
  },
});

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const python = path.join(repo, ".venv-oracles", "bin", "python");
if (!fs.existsSync(python)) throw new Error(`bench:python: ${python} is missing; run npm run setup:oracles first`);

const data = benchData(Number(values.records));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-wheel-data-"));
try {
  const sizes = new Uint32Array(data.records.map((r) => r.length));
  fs.writeFileSync(path.join(dir, "records.bin"), Buffer.concat(data.records));
  fs.writeFileSync(path.join(dir, "sizes.u32"), new Uint8Array(sizes.buffer));
  fs.writeFileSync(path.join(dir, "order.u32"), new Uint8Array(new Uint32Array(data.order).buffer));
  const args = [path.join(repo, "bench", "python", "bench_wheel.py"), "--data", dir, "--runs", values.runs!, "--warmup", values.warmup!];
  for (const options of values.only ?? OPTION_SETS) args.push("--only", options);
  if (values.ops) args.push("--ops", values.ops);
  // Generous but finite: 5 option sets × 7 ops × runs on a busy 2-core machine.
  const result = spawnSync(python, args, { stdio: "inherit", timeout: 30 * 60 * 1000 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`bench_wheel.py exited with ${result.status ?? result.signal}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
