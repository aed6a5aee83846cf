/**
 * The compiled package, used the way a user's program and a remote Beam worker use it: build
 * dist/ with tsconfig.build.json (into a temporary copy, not the shared dist/), install it as
 * node_modules/arrayrecord of a scratch app, run pipelines from plain Node (launch.mjs), then
 * in a second process require() the registered module names and deserialize every DoFn payload
 * (worker.cjs) — which is how DoFn classes reach workers (requireForSerialization).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./beam-helpers.js";
import { fixture } from "../helpers/fixtures.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HERE = fileURLToPath(new URL("./compiled/", import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("compiled package", () => {
  it("runs pipelines from dist and deserializes every DoFn in a fresh worker process", () => {
    const scratch = tempDir("compiled");
    dirs.push(scratch);
    const pkg = path.join(scratch, "pkg");
    const app = path.join(scratch, "app");
    const work = path.join(scratch, "work");
    fs.mkdirSync(path.join(app, "node_modules"), { recursive: true });
    fs.mkdirSync(work);
    fs.mkdirSync(pkg);
    // A type error fails the build here, as it fails `npm run build`.
    execFileSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", path.join(ROOT, "tsconfig.build.json"), "--outDir", path.join(pkg, "dist"), "--declaration", "false", "--sourceMap", "false"], { cwd: ROOT, stdio: "pipe", timeout: 120_000 });
    fs.copyFileSync(path.join(ROOT, "package.json"), path.join(pkg, "package.json"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(pkg, "node_modules"));
    fs.symlinkSync(pkg, path.join(app, "node_modules/arrayrecord"));
    fs.symlinkSync(path.join(ROOT, "node_modules/apache-beam"), path.join(app, "node_modules/apache-beam"));
    for (const f of ["launch.mjs", "worker.cjs"]) fs.copyFileSync(path.join(HERE, f), path.join(app, f));

    const launched = JSON.parse(lastLine(execFileSync(process.execPath, [path.join(app, "launch.mjs"), work], { cwd: app, encoding: "utf8", timeout: 60_000 })));
    expect(launched.shards).toEqual(["data.array_record-00000-of-00003", "data.array_record-00001-of-00003", "data.array_record-00002-of-00003"]);
    expect(launched.counts.reduce((a: number, b: number) => a + b, 0)).toBe(500);
    expect(launched.counters.arrayrecord_records_written).toBe(500);
    expect(launched.back).toEqual(["data.tfrecord"]);

    const golden = fixture("uncompressed_gs16").path();
    const worker = JSON.parse(lastLine(execFileSync(process.execPath, [path.join(app, "worker.cjs"), work, golden], { cwd: app, encoding: "utf8", timeout: 60_000 })));
    expect(worker.modules).toContain("arrayrecord/beam");
    expect(Object.values(worker.kinds)).toEqual(expect.arrayContaining(["SpillShardsDoFn", "WriteSpilledShardDoFn", "FinalizeShardsDoFn", "ReadTFRecordFileDoFn", "MatchFilesDoFn"]));
    expect(worker.records).toBe(120);

    // Without apache-beam installed, the core still imports and works; only arrayrecord/beam needs it.
    const lean = path.join(scratch, "lean");
    const leanModules = path.join(lean, "pkg", "node_modules");
    fs.mkdirSync(leanModules, { recursive: true });
    fs.mkdirSync(path.join(lean, "app", "node_modules"), { recursive: true });
    for (const entry of fs.readdirSync(path.join(ROOT, "node_modules"))) {
      if (entry !== "apache-beam" && entry !== ".bin") fs.symlinkSync(path.join(ROOT, "node_modules", entry), path.join(leanModules, entry));
    }
    fs.symlinkSync(path.join(pkg, "dist"), path.join(lean, "pkg", "dist"));
    fs.copyFileSync(path.join(ROOT, "package.json"), path.join(lean, "pkg", "package.json"));
    fs.symlinkSync(path.join(lean, "pkg"), path.join(lean, "app", "node_modules", "arrayrecord"));
    const probe = [
      'const core = await import("arrayrecord");',
      'const r = core.ArrayRecordReader.openSync(process.argv[1]);',
      "let beam = 'loaded';",
      'try { await import("arrayrecord/beam"); } catch (e) { beam = e.code + " " + String(e.message).includes("apache-beam"); }',
      "console.log(JSON.stringify({ records: r.numRecords, beam }));",
    ].join("\n");
    const lean_ = JSON.parse(lastLine(execFileSync(process.execPath, ["--preserve-symlinks", "--input-type=module", "-e", probe, golden], { cwd: path.join(lean, "app"), encoding: "utf8", timeout: 60_000 })));
    expect(lean_).toEqual({ records: 120, beam: "ERR_MODULE_NOT_FOUND true" });
  }, 180_000);
});

function lastLine(output: string): string {
  return output.trim().split("\n").at(-1)!;
}
