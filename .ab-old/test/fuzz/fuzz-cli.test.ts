/**
 * `npm run fuzz` as a user runs it (a child process with a timeout): --max-findings stops the run
 * at the limit even when one worker finds case after case (it was only checked between workers).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "fuzz-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run fuzz", () => {
  it("stops at --max-findings within one worker", () => {
    const progress = path.join(dir, "p.json");
    // A memory bound far below any Node process's resident size makes every case a finding.
    const run = spawnSync(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "bench/fuzz/fuzz.ts", "--corpus", "generated", "--memory-mb", "48", "--max-findings", "3", "--cases", "40", "--seconds", "50", "--progress", progress],
      { cwd: ROOT, timeout: 60_000, killSignal: "SIGKILL", encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1" } },
    );
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(1);
    const summary = JSON.parse(readFileSync(progress, "utf8")) as { findings: number; overMemory: number; workers: number; next: number };
    expect(summary.findings).toBe(3);
    expect(summary.overMemory).toBe(3);
    expect(summary.workers).toBe(1);
    expect(summary.next).toBe(3);
    expect(run.stderr.match(/^FINDING /gm)?.length).toBe(3);
  }, 70_000);
});
