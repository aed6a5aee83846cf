/**
 * Writers on a file system that refuses writes for real: a child process under `ulimit -f`
 * (RLIMIT_FSIZE) gets EFBIG from the kernel once a file passes the limit, the closest to a full
 * disk the sandbox allows without mounting a small file system. Every writer must surface the
 * failure as an IO error (from a write or from close), leave nothing under the final name and no
 * temporary file, and a later close() must throw CLOSED rather than report success. close-errors.test.ts covers ENOSPC and EIO at close by mocking node:fs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runTsxChild } from "../../helpers/tsx-child.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-size-limit-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The limit in bytes; `ulimit -f` counts 1,024-byte blocks. */
const LIMIT = 256 * 1024;

describe("writers under a file size limit (real EFBIG, child process)", () => {
  it("a file under the limit is written whole; past it every writer fails with IO and leaves nothing", () => {
    const child = fileURLToPath(new URL("./file-size-limit.child.ts", import.meta.url));
    const r = runTsxChild({ file: child, args: [dir, String(LIMIT)] }, { timeoutMs: 120_000, ulimit: `-f ${LIMIT / 1024}` });
    expect(r.error, "the child must finish within 120 s").toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const outcomes = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, { error: { code: string; message: string } | null; closeAgain?: string; entries: string[]; readBack?: number }>;
    // The control case: the limit is what the test thinks it is, and the writer works under it.
    expect(outcomes["arrayRecordSyncFits"]).toEqual({ error: null, entries: ["out"], readBack: LIMIT / 2 / 1000 | 0 });
    const failing = ["arrayRecordSync", "arrayRecordAsync", "arrayRecordParallel", "tfrecordSync"];
    expect(Object.keys(outcomes).sort()).toEqual(["arrayRecordSyncFits", ...failing].sort());
    for (const name of failing) {
      const outcome = outcomes[name]!;
      expect(outcome.error, name).toMatchObject({ code: "IO", message: expect.stringContaining("EFBIG") });
      expect(outcome.entries, `${name}: nothing under the final name, no temporary left`).toEqual([]);
      expect(outcome.closeAgain, `${name}: close() after the failure must not report success`).toBe("CLOSED");
    }
  });
});
