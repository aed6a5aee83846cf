/** Runs every program in examples/ so they never rot. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const EXPECTED_OUTPUT: Record<string, RegExp> = {
  "write-then-read.ts": /1000 records, written with: group_size:1,.*zstd:3[\s\S]*record number 999[\s\S]*iterated 1000 records/,
  "random-access.ts": /record 4242: example 4242[\s\S]*batch: example 9999, example 0, example 17, example 16, example 5000[\s\S]*at end: undefined/,
  "beam-pipeline.ts": /shards: train\.array_record-00000-of-00004 train\.array_record-00001-of-00004 train\.array_record-00002-of-00004 train\.array_record-00003-of-00004\s+records read by the source: 1000\s+records in the data source: 1000/,
  "borrowed-visits.ts": /label counts: 500 500 500 500 500 500 500 500 500 500\s+batch: \{"id":4999,"label":9\} \| \{"id":3,"label":3\} \| \{"id":2500,"label":0\}\s+bytes visited on workers: 103890/,
  "data-source.ts": /1000 records in 4 files[\s\S]*record 260: shard 1 item 10[\s\S]*batch: shard 3 item 249 \| shard 0 item 0 \| shard 2 item 0 \| shard 1 item 1/,
};

describe("examples", () => {
  const files = fs.readdirSync(ROOT + "examples").filter((f) => f.endsWith(".ts"));

  it("every example has an expected output here", () => {
    expect(files.filter((f) => !(f in EXPECTED_OUTPUT))).toEqual([]);
  });

  it.each(files)("%s runs and prints what it should", (file) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", `examples/${file}`], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.error, "the example must finish within 60 s").toBeUndefined();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(EXPECTED_OUTPUT[file]!);
  });
});
