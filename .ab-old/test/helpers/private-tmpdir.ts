/**
 * Vitest global setup shared by every suite: the run gets a private temporary directory (TMPDIR,
 * which `os.tmpdir()` and every spawned child honour), removed when the run ends. Tests then never
 * leave their scratch files in the machine's /tmp, whether or not each test cleans up after itself.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Creates the run's directory, points TMPDIR at it and returns the teardown that removes it. */
export default function setup(): () => void {
  const previous = process.env["TMPDIR"];
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "arrayrecord-test-run-"));
  process.env["TMPDIR"] = dir;
  return () => {
    if (previous === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
