import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { usageOf } from "../../bench/script-args.js";

/** A tiny script that parses its arguments with scriptArgs and prints them (no bench work behind it). */
const script = path.join(mkdtempSync(path.join(tmpdir(), "script-args-")), "demo.ts");
writeFileSync(
  script,
  `import { scriptArgs } from ${JSON.stringify(new URL("../../bench/script-args.ts", import.meta.url).href)};
const { values } = scriptArgs("demo --", { options: { runs: { type: "string", default: "5" }, json: { type: "boolean" } } });
console.log(JSON.stringify(values));`,
);

function runScript(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8", timeout: 60_000 });
}

describe("scriptArgs", () => {
  it("names every option, its value and default in the usage", () => {
    expect(usageOf("npm run x --", { runs: { type: "string", default: "5" }, only: { type: "string", multiple: true }, json: { type: "boolean" } })).toBe(
      'usage: npm run x -- [options]\n  --runs <value> (default "5")\n  --only <value> (repeatable)\n  --json',
    );
  });

  it("parses good arguments", () => {
    const run = runScript(["--runs", "7", "--json"]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ runs: "7", json: true });
  });

  it("exits 2 with the error and the usage on an unknown option or a missing value", () => {
    for (const args of [["--bogus"], ["--runs"]]) {
      const run = runScript(args);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/usage: demo -- \[options\]\n {2}--runs <value> \(default "5"\)/);
      expect(run.stderr).not.toMatch(/ at /); // no stack trace
    }
  });

  it("prints the usage and exits 0 on --help", () => {
    const run = runScript(["--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: demo -- \[options\]/);
  });
});
