#!/usr/bin/env node
// `npm run test:interop [-- --cases N] [--seed N] [vitest args]`: runs the oracle suite
// (vitest.interop.config.ts) and prints how many differential cases ran each way.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const args = process.argv.slice(2);
const env = { ...process.env };
const rest = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const m = /^--(cases|seed)(?:=(.*))?$/.exec(a);
  if (!m) {
    rest.push(a);
    continue;
  }
  const value = m[2] ?? args[++i];
  if (value === undefined) {
    console.error(`test:interop: --${m[1]} needs a value`);
    process.exit(2);
  }
  env[m[1] === "cases" ? "ORACLE_CASES" : "ORACLE_SEED"] = value;
}
const tallyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-interop-")), "tally.txt");
env.ORACLE_TALLY = tallyFile;
const result = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--config", "vitest.interop.config.ts", ...rest], {
  stdio: "inherit",
  env,
  timeout: 30 * 60_000,
});
const lines = fs.existsSync(tallyFile) ? fs.readFileSync(tallyFile, "utf8").trim() : "";
console.log("\n=== interop differential cases ===\n" + (lines || "(none ran)"));
fs.rmSync(path.dirname(tallyFile), { recursive: true, force: true });
if (result.error) console.error(`test:interop: ${result.error.message}`);
process.exit(result.status ?? 1);
