/**
 * The file-read addon (native/fileio, built by node-gyp on install) must be built here and used by
 * FileByteSource, and its positional reads must give exactly what the portable `fs.readSync` path
 * gives (that path stays for builds without the addon), at every position including the end.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { CACHED_READ_MAX, FileByteSource, MAPPED_READ_MAX } from "../../../src/format/bytes/file-source.js";
import { fileIoAddon } from "../../../src/format/bytes/native-file-io.js";
import { seededBytes } from "../../helpers/generators.js";

const SEED = 1514;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-file-io-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("file-read addon", () => {
  it("is built and passes its load check", () => {
    expect(fileIoAddon).not.toBeNull();
  });

  it("native and portable reads agree on every range, past the end included (property, fixed seed)", () => {
    const bytes = seededBytes(200_000, 7);
    const file = path.join(dir, "agree.bin");
    fs.writeFileSync(file, bytes);
    const native = FileByteSource.openSync(file);
    const pread = FileByteSource.openSync(file, { mappedSmallReads: false });
    const portable = FileByteSource.openSync(file, { nativeReads: false });
    try {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 210_000 }), fc.oneof(fc.integer({ min: 0, max: MAPPED_READ_MAX }), fc.integer({ min: 0, max: 70_000 })), (position, length) => {
          const expected = bytes.subarray(Math.min(position, bytes.length), Math.min(bytes.length, position + length));
          // Buffer.compare: toEqual's element-wise walk of 70 KB arrays took a minute over the runs.
          const same = (got: Uint8Array) => got.length === expected.length && Buffer.compare(got, expected) === 0;
          expect(same(native.readSync(position, length))).toBe(true);
          expect(same(pread.readSync(position, length))).toBe(true);
          expect(same(portable.readSync(position, length))).toBe(true);
          const into = new Uint8Array(length);
          expect(native.readIntoSync(position, into)).toBe(expected.length);
          expect(same(into.subarray(0, expected.length))).toBe(true);
        }),
        // Half the lengths are small enough (<= MAPPED_READ_MAX) to be copied from the mapping.
        { seed: SEED, numRuns: 300, examples: [[0, MAPPED_READ_MAX], [199_990, 100], [5, MAPPED_READ_MAX + 1]] },
      );
    } finally {
      native.closeSync();
      pread.closeSync();
      portable.closeSync();
    }
  });

  it("async reads agree with the portable path on every range: cached ones without the thread pool (fixed seed)", async () => {
    const bytes = seededBytes(200_000, 8);
    const file = path.join(dir, "agree-async.bin");
    fs.writeFileSync(file, bytes);
    const native = await FileByteSource.open(file);
    const portable = await FileByteSource.open(file, { nativeReads: false });
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 210_000 }), fc.oneof(fc.integer({ min: 0, max: CACHED_READ_MAX + 10 }), fc.integer({ min: 0, max: 300_000 })), async (position, length) => {
          const expected = bytes.subarray(Math.min(position, bytes.length), Math.min(bytes.length, position + length));
          const same = (got: Uint8Array) => got.length === expected.length && Buffer.compare(got, expected) === 0;
          expect(same(await native.read(position, length))).toBe(true);
          expect(same(await portable.read(position, length))).toBe(true);
          const into = new Uint8Array(length);
          expect(await native.readInto(position, into)).toBe(expected.length);
          expect(same(into.subarray(0, expected.length))).toBe(true);
        }),
        { seed: SEED, numRuns: 200, examples: [[199_990, 100], [0, CACHED_READ_MAX], [3, CACHED_READ_MAX + 1]] },
      );
    } finally {
      await native.close();
      await portable.close();
    }
  });

  it("preadCached reads only what the page cache holds: nothing of a dropped file, whose async reads still come whole", async () => {
    const bytes = seededBytes(4_000_000, 9);
    const file = path.join(dir, "cold.bin");
    const out = fs.openSync(file, "w");
    fs.writeSync(out, bytes);
    fs.fsyncSync(out); // dirty pages cannot be dropped
    fs.closeSync(out);
    const addon = fileIoAddon!;
    const fd = fs.openSync(file, "r");
    try {
      const target = new Uint8Array(4000);
      // Drop the file's pages from the page cache (GNU dd: nocache with count=0 covers the whole
      // file). Dropping is advisory: a page still in another CPU's LRU batch survives one fadvise
      // (seen once in ~20 CI runs, and more often on a loaded machine), so up to 8 tries, each
      // after 50 ms, until the descriptor reads nothing without waiting at 150 KB and the source
      // reads nothing at one of eleven positions 250 KB apart, far from it (a refused read may
      // start the kernel's readahead around itself, so each try drops the file again first).
      const positions = Array.from({ length: 11 }, (_, k) => 3_500_000 - k * 250_000);
      const source = await FileByteSource.open(file);
      let cached = -1;
      let far: number | undefined;
      for (let attempt = 0; attempt < 8 && far === undefined; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        const dd = spawnSync("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"], { timeout: 10_000 });
        expect(dd.status, String(dd.stderr)).toBe(0);
        cached = addon.preadCached(fd, target, 150_000);
        if (cached !== 0) continue;
        await new Promise((resolve) => setTimeout(resolve, 100)); // any readahead that refusal started lands
        far = positions.find((p) => source.readCachedSync(p, 4000) === undefined);
      }
      expect(cached).toBe(0);
      expect(far).toBeDefined();
      expect(await source.read(far!, 4000)).toEqual(bytes.subarray(far!, far! + 4000));
      expect(source.readCachedSync(far!, 4000)).toEqual(bytes.subarray(far!, far! + 4000));
      expect(source.readCachedSync(0, CACHED_READ_MAX + 1)).toBeUndefined(); // large reads are left to the thread pool
      await source.close();
      expect(() => source.readCachedSync(0, 10)).toThrow(expect.objectContaining({ code: "CLOSED" }));
      // A blocking read brings pages in: then they come without waiting, to the end of the file.
      fs.readFileSync(file);
      expect(addon.preadCached(fd, target, 150_000)).toBe(4000);
      expect(target).toEqual(bytes.subarray(150_000, 154_000));
      expect(addon.preadCached(fd, target, 3_998_000)).toBe(2000);
      expect(addon.preadCached(fd, target, 4_100_000)).toBe(0);
    } finally {
      fs.closeSync(fd);
    }
  });

  it("small reads copy from a mapping made on the first one, which close unmaps; large ones and mappedSmallReads: false never map", () => {
    const file = path.join(dir, "mapped-small.bin");
    const bytes = seededBytes(100_000, 3);
    fs.writeFileSync(file, bytes);
    const mappings = () => fs.readFileSync("/proc/self/maps", "utf8").split("\n").filter((line) => line.endsWith(file)).length;
    const source = FileByteSource.openSync(file);
    expect(source.readSync(50_000, MAPPED_READ_MAX + 1)).toEqual(bytes.subarray(50_000, 50_001 + MAPPED_READ_MAX));
    expect(mappings()).toBe(0);
    expect(source.readSync(99_990, 100)).toEqual(bytes.subarray(99_990));
    expect(mappings()).toBe(1);
    source.closeSync();
    expect(mappings()).toBe(0);
    expect(() => source.readSync(0, 10)).toThrow(expect.objectContaining({ code: "CLOSED" }));
    const unmapped = FileByteSource.openSync(file, { mappedSmallReads: false });
    expect(unmapped.readSync(10, 100)).toEqual(bytes.subarray(10, 110));
    expect(mappings()).toBe(0);
    unmapped.closeSync();
  });

  it("a mapping id is dead after unmapForReads, and stays dead when its slot is taken again", () => {
    const file = path.join(dir, "ids.bin");
    fs.writeFileSync(file, seededBytes(5000, 4));
    const addon = fileIoAddon!;
    const fd = fs.openSync(file, "r");
    try {
      const id = addon.mapForReads(fd, 5000)!;
      expect(id).not.toBeNull();
      const out = new Uint8Array(10);
      expect(addon.readMapped(id, out, 4995)).toBe(5);
      expect(addon.readMapped(id, out, 9000)).toBe(0);
      expect(addon.unmapForReads(id)).toBe(true);
      expect(addon.unmapForReads(id)).toBe(false);
      expect(() => addon.readMapped(id, out, 0)).toThrow(TypeError);
      const next = addon.mapForReads(fd, 5000)!;
      expect(next).not.toBe(id);
      expect(() => addon.readMapped(id, out, 0)).toThrow(TypeError);
      expect(addon.readMapped(next, out, 0)).toBe(10);
      expect(addon.unmapForReads(next)).toBe(true);
      expect(addon.mapForReads(1_000_000, 10)).toBeNull();
      expect(() => addon.readMapped(-1, out, 0)).toThrow(TypeError);
    } finally {
      fs.closeSync(fd);
    }
  });

  it("a closed source fails with CLOSED; a bad descriptor or argument throws, never crashes", () => {
    const file = path.join(dir, "closed.bin");
    fs.writeFileSync(file, seededBytes(100, 1));
    const source = FileByteSource.openSync(file);
    source.closeSync();
    expect(() => source.readSync(0, 10)).toThrow(expect.objectContaining({ code: "CLOSED" }));
    const addon = fileIoAddon!;
    // A descriptor no file is open on: EBADF as an Error.
    expect(() => addon.preadInto(1_000_000, new Uint8Array(4), 0)).toThrow(/pread/);
    expect(() => addon.preadInto(0, new Uint8Array(4), -1)).toThrow(TypeError);
    expect(() => addon.preadInto(0, new Uint16Array(4) as unknown as Uint8Array, 0)).toThrow(TypeError);
    expect(addon.preadCached(1_000_000, new Uint8Array(4), 0)).toBe(0); // EBADF: left to the blocking read to report
    expect(() => addon.preadCached(0, new Uint8Array(4), -1)).toThrow(TypeError);
    expect(() => addon.mapFile(1_000_000, 10)).toThrow(/mmap/);
  });
});
