/** ArrayRecordDataSource over many shards: lazy, bounded open files, footers read once. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ArrayRecordDataSource } from "../../../src/format/array-record/data-source.js";
import type { ShardOpener } from "../../../src/format/array-record/shard-handles.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import type { ByteSource } from "../../../src/format/bytes/byte-source.js";
import { FileByteSource } from "../../../src/format/bytes/file-source.js";
import { shuffled } from "../../helpers/golden.js";
import { runTsxChild } from "../../helpers/tsx-child.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-data-source-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const text = (r: Uint8Array) => Buffer.from(r).toString();

/** 12 shards of 3..14 records ("s<shard>:<i>"), 2 records per chunk. */
const SHARDS = Array.from({ length: 12 }, (_, s) => Array.from({ length: 3 + s }, (_, i) => `s${s}:${i}`));
const paths = SHARDS.map((records, s) => {
  const p = path.join(dir, `small.array_record-${String(s).padStart(5, "0")}-of-00012`);
  fs.writeFileSync(p, encodeArrayRecord(records, "group_size:2,snappy"));
  return p;
});
const expected = SHARDS.flat();

/** Opens local files, counting how many are open at once and how often a postscript (footer) is read. */
function countingOpener() {
  const stats = { open: 0, maxOpen: 0, opens: 0, postscriptReads: 0 };
  const wrap = (source: ByteSource): ByteSource => {
    stats.open++;
    stats.opens++;
    stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    const tail = source.size - 65536;
    let closed = false;
    const closing = () => {
      if (!closed) stats.open--;
      closed = true;
    };
    return {
      name: source.name,
      size: source.size,
      readSync: (position, length) => {
        if (position === tail) stats.postscriptReads++;
        return source.readSync(position, length);
      },
      read: (position, length) => {
        if (position === tail) stats.postscriptReads++;
        return source.read(position, length);
      },
      closeSync: () => (closing(), source.closeSync()),
      close: () => (closing(), source.close()),
    };
  };
  const opener: ShardOpener = {
    openSync: (name) => wrap(FileByteSource.openSync(name)),
    open: async (name) => wrap(await FileByteSource.open(name)),
  };
  return { stats, opener };
}

describe("ArrayRecordDataSource over many shards", () => {
  it("sync: at most maxOpenFiles files open, every footer read once, records exact", () => {
    const { stats, opener } = countingOpener();
    const source = ArrayRecordDataSource.openSync(paths, "", { maxOpenFiles: 3, opener });
    expect(source.length).toBe(expected.length);
    expect(stats.postscriptReads).toBe(12);
    const order = shuffled(expected.length, 3);
    expect(source.getManySync(order).map(text)).toEqual(order.map((i) => expected[i]));
    for (const i of order) expect(text(source.getSync(i))).toBe(expected[i]);
    expect([...source].map(text)).toEqual(expected);
    expect(stats.maxOpen).toBe(3);
    expect(source.openFiles).toBe(3);
    expect(stats.opens).toBeGreaterThan(12); // shards were closed and reopened...
    expect(stats.postscriptReads).toBe(12); // ...without reading their footers again
    source.closeSync();
    expect(stats.open).toBe(0);
    expect(() => source.getSync(0)).toThrow(expect.objectContaining({ code: "CLOSED" }));
  });

  it("async: concurrent reads over more shards than maxOpenFiles stay within it", async () => {
    const { stats, opener } = countingOpener();
    const source = await ArrayRecordDataSource.open(paths, "", { maxOpenFiles: 4, opener });
    expect(stats.postscriptReads).toBe(12);
    expect(stats.maxOpen).toBeLessThanOrEqual(4);
    const order = shuffled(expected.length, 5);
    expect((await source.getMany(order)).map(text)).toEqual(order.map((i) => expected[i]));
    expect((await Promise.all(order.map((i) => source.get(i)))).map(text)).toEqual(order.map((i) => expected[i]));
    const streamed: string[] = [];
    for await (const r of source) streamed.push(text(r));
    expect(streamed).toEqual(expected);
    expect(stats.maxOpen).toBe(4);
    expect(stats.postscriptReads).toBe(12);
    await source.close();
    expect(stats.open).toBe(0);
    await expect(source.get(0)).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("a damaged shard fails the open with its name, and leaves no file open", async () => {
    const bad = path.join(dir, "bad.array_record");
    fs.writeFileSync(bad, new Uint8Array(70_000));
    for (const maxOpenFiles of [1, 64]) {
      const { stats, opener } = countingOpener();
      expect(() => ArrayRecordDataSource.openSync([...paths, bad], "", { maxOpenFiles, opener })).toThrow(expect.objectContaining({ code: "CORRUPT", file: bad }));
      expect(stats.open).toBe(0);
      await expect(ArrayRecordDataSource.open([bad, ...paths], "", { maxOpenFiles, opener })).rejects.toMatchObject({ code: "CORRUPT", file: bad });
      expect(stats.open).toBe(0);
    }
    expect(() => ArrayRecordDataSource.openSync(paths, "", { maxOpenFiles: 0 })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });

  it("3,000 shards under ulimit -n 256, sync and async (child process)", () => {
    const work = fs.mkdtempSync(path.join(dir, "many-"));
    const child = fileURLToPath(new URL("./many-shards.child.ts", import.meta.url));
    const r = runTsxChild({ file: child, args: [work, "3000"] }, { timeoutMs: 240_000, nodeFlags: ["--expose-gc"], ulimit: "-n 256" });
    expect(r.error, "the child must finish within 240 s").toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, number | boolean>;
    console.log(`3,000 shards: ${result.heapBytesPerShard} bytes of memory per shard`);
    expect(result).toMatchObject({
      shards: 3000,
      length: 16_500,
      syncGetMany: true,
      syncGet: true,
      syncIterate: true,
      asyncLength: 16_500,
      asyncGetMany: true,
      asyncGet: true,
      asyncIterate: true,
    });
    for (const key of ["syncOpenAfterOpen", "syncOpenAfterReads", "asyncOpenAfterOpen", "asyncOpenAfterReads"]) expect(result[key], key).toBe(32);
    // Footer indexes stay small: a few KB per shard of a few chunks, not a file's worth of buffers.
    expect(result.heapBytesPerShard).toBeLessThan(4096);
  }, 300_000);

  it("lazy: open reads no footer; iteration reads each as reached; counts read every missing one", async () => {
    const { stats, opener } = countingOpener();
    const source = ArrayRecordDataSource.openSync(paths, "", { maxOpenFiles: 3, opener, lazy: true });
    expect(stats.postscriptReads).toBe(0);
    const it = source[Symbol.iterator]();
    expect(text(it.next().value as Uint8Array)).toBe("s0:0");
    expect(stats.postscriptReads).toBe(1);
    it.return?.();
    expect(source.length).toBe(expected.length);
    expect(stats.postscriptReads).toBe(12);
    expect(source.getManySync([0, expected.length - 1]).map(text)).toEqual([expected[0], expected.at(-1)]);
    expect([...source].map(text)).toEqual(expected);
    expect(stats.postscriptReads).toBe(12);
    source.closeSync();

    const { stats: asyncStats, opener: asyncOpener } = countingOpener();
    const lazy = await ArrayRecordDataSource.open(paths, "", { maxOpenFiles: 4, opener: asyncOpener, lazy: true });
    expect(asyncStats.postscriptReads).toBe(0);
    expect(text(await lazy.get(expected.length - 1))).toBe(expected.at(-1));
    expect(asyncStats.postscriptReads).toBe(12);
    expect(await lazy.count()).toBe(expected.length);
    expect(asyncStats.maxOpen).toBeLessThanOrEqual(4);
    await lazy.close();
    expect(asyncStats.open).toBe(0);
  });

  it("lazy: a damaged shard fails the first call needing counts, with its name, not the open", async () => {
    const bad = path.join(dir, "bad-lazy.array_record");
    fs.writeFileSync(bad, new Uint8Array(70_000));
    const source = ArrayRecordDataSource.openSync([...paths, bad], "", { lazy: true });
    expect(() => source.length).toThrow(expect.objectContaining({ code: "CORRUPT", file: bad }));
    source.closeSync();
    const asyncSource = await ArrayRecordDataSource.open([bad, ...paths], "", { lazy: true });
    await expect(asyncSource.get(0)).rejects.toMatchObject({ code: "CORRUPT", file: bad });
    await asyncSource.close();
  });

  it("sync footer reads go through openManySync in batches of 16 when the opener has it", () => {
    const { stats, opener } = countingOpener();
    const batches: number[] = [];
    const many = [...paths, ...paths, ...paths]; // 36 shards
    const batching: ShardOpener = {
      ...opener,
      openManySync: (names) => (batches.push(names.length), names.map((n) => opener.openSync(n))),
    };
    const source = ArrayRecordDataSource.openSync(many, "", { maxOpenFiles: 20, opener: batching });
    expect(batches).toEqual([16, 16, 4]);
    expect(stats.postscriptReads).toBe(36);
    expect(stats.maxOpen).toBeLessThanOrEqual(20);
    source.closeSync();
    batches.length = 0;
    const small = ArrayRecordDataSource.openSync(paths, "", { maxOpenFiles: 5, opener: batching });
    expect(batches).toEqual([5, 5, 2]); // a batch never opens more than maxOpenFiles files
    expect(stats.maxOpen).toBeLessThanOrEqual(20);
    small.closeSync();
    expect(stats.open).toBe(0);
  });
});
