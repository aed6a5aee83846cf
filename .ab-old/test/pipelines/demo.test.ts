/** The demo behind `npm start` runs end to end and its checks pass (on a smaller data set). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import "../../src/beam.js";
import { runDemo } from "../../src/pipelines/demo.js";

it("npm start's demo converts, reads back in splits, verifies and reports", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-demo-"));
  const lines: string[] = [];
  try {
    const ok = await runDemo({ dir, numExamples: 3000, inputShards: 4, outputShards: 3, log: (line) => lines.push(line) });
    expect(ok).toBe(true);
    expect(lines.join("\n")).toMatch(/3000 records, identical to the input/);
    expect(fs.readdirSync(path.join(dir, "arrayrecord")).sort()).toEqual([
      "train.array_record-00000-of-00003",
      "train.array_record-00001-of-00003",
      "train.array_record-00002-of-00003",
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
