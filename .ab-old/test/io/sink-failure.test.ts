import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { shardNaming, tempDirPrefix } from "../../src/io/shard-names.js";
import { writeToArrayRecord } from "../../src/io/write-array-record.js";
import { createRecords, hexMultiset, runDirect, tempDir } from "./beam-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("sink failure and re-run", () => {
  const dir = tempDir("failure");
  dirs.push(dir);
  const out = path.join(dir, "out");
  const prefix = path.join(out, "data.array_record");
  const strings = Array.from({ length: 200 }, (_, i) => `r${i}`);

  it("a write that throws mid-shard publishes nothing; a re-run writes everything once and cleans temp files", async () => {
    // Earlier complete output (2 shards) that a failed run must leave untouched.
    await runDirect((root) => {
      createRecords(root, ["old-1", "old-2"]).apply(writeToArrayRecord(prefix, { numShards: 2 }));
    });
    const before = fs.readdirSync(out).sort();
    expect(before).toEqual(["data.array_record-00000-of-00002", "data.array_record-00001-of-00002"]);

    // A leftover of a crashed run of the same sink, and one of another sink (kept).
    const naming = shardNaming(prefix);
    const stale = path.join(out, `${tempDirPrefix(naming)}00000000-dead-beef-0000-000000000000`);
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, "shard-0-of-3-x"), "partial");
    const otherSink = path.join(out, `${tempDirPrefix(shardNaming(path.join(out, "other")))}1234`);
    fs.mkdirSync(otherSink);

    // The poison element is not a record: the sink throws on it while batching records for the
    // shuffle, after earlier records were batched (a write failing in the middle of a shard file:
    // sink-files.test.ts).
    await expect(
      runDirect((root) => {
        createRecords(root, [...strings.slice(0, 100), "POISON", ...strings.slice(100)]).apply(writeToArrayRecord(prefix, { numShards: 3 }));
      }),
    ).rejects.toThrow(/record must be a Uint8Array/);

    // No final name changed: still exactly the earlier output, readable.
    const visible = fs.readdirSync(out).filter((n) => !n.startsWith("."));
    expect(visible.sort()).toEqual(before);
    expect(ArrayRecordReader.openSync(path.join(out, before[0]!)).numRecords + ArrayRecordReader.openSync(path.join(out, before[1]!)).numRecords).toBe(2);
    // Whatever the failed run wrote lives only in hidden temporary directories.
    for (const name of fs.readdirSync(out).filter((n) => n.startsWith("."))) {
      expect(name.startsWith(".arrayrecord-tmp-")).toBe(true);
      // The failed shard's partial file was removed; only completed shards' files may remain.
      if (name === path.basename(stale) || name === path.basename(otherSink)) continue;
      const inside = fs.readdirSync(path.join(out, name));
      expect(inside.filter((n) => n.startsWith("."))).toEqual([]);
      for (const f of inside.filter((n) => n.startsWith("shard-"))) ArrayRecordReader.openSync(path.join(out, name, f)).closeSync();
    }

    // Re-run: complete and correct, stale temp dirs of this sink gone, the other sink's kept.
    await runDirect((root) => {
      createRecords(root, strings).apply(writeToArrayRecord(prefix, { numShards: 3 }));
    });
    const after = fs.readdirSync(out).sort();
    expect(after).toEqual([path.basename(otherSink), ...[0, 1, 2].map((s) => `data.array_record-0000${s}-of-00003`)].sort());
    const records = [0, 1, 2].flatMap((s) => ArrayRecordReader.openSync(`${prefix}-0000${s}-of-00003`).readAllSync());
    expect(hexMultiset(records)).toEqual(hexMultiset(strings.map((s) => new TextEncoder().encode(s))));
  });

  it("a second identical run gives the same output (idempotent)", async () => {
    const p2 = path.join(dir, "idem", "x");
    for (let run = 0; run < 2; run++) {
      await runDirect((root) => {
        createRecords(root, strings).apply(writeToArrayRecord(p2, { numShards: 4 }));
      });
      const names = fs.readdirSync(path.dirname(p2)).sort();
      expect(names).toEqual([0, 1, 2, 3].map((s) => `x-0000${s}-of-00004`));
      const records = names.flatMap((n) => ArrayRecordReader.openSync(path.join(path.dirname(p2), n)).readAllSync());
      expect(records).toHaveLength(200);
    }
  });
});
