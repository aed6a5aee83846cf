/**
 * Run settings of the interop suite: case counts and seeds (fixed unless overridden, always printed
 * on failure), and the per-way case tally that scripts/test-interop.mjs prints at the end.
 */
import * as fs from "node:fs";

/** Differential cases per property (`npm run test:interop -- --cases N` or ORACLE_CASES); default 200. */
export function interopCases(fallback = 200): number {
  const text = process.env["ORACLE_CASES"];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`ORACLE_CASES must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

/** The fast-check seed (`--seed N` or ORACLE_SEED); default a fixed value so CI runs repeat. */
export function interopSeed(fallback: number): number {
  const text = process.env["ORACLE_SEED"];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`ORACLE_SEED must be an integer, got ${JSON.stringify(text)}`);
  return n;
}

/** Adds `count` cases run under `label` to the tally file (ORACLE_TALLY), and prints the line. */
export function tally(label: string, count: number, outcome: string): void {
  const line = `interop: ${label}: ${count} cases, ${outcome}`;
  console.log(line);
  const file = process.env["ORACLE_TALLY"];
  if (file) fs.appendFileSync(file, line + "\n");
}
