/**
 * The `arrayrecord-fileio` addon (`native/fileio`, an optional dependency built by node-gyp on
 * install): positional reads without `fs.readSync`'s per-call cost, and file mappings. Absent
 * (null) when it was not built (no compiler, or a platform without pread/mmap): callers then use
 * `node:fs`.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";

/** The addon's functions (see native/fileio/fileio.c). */
export interface FileIoAddon {
  /** Fills `target` from `position` of the file open as `fd`; the bytes read (fewer only at its end). Throws on a failed read. */
  preadInto(fd: number, target: Uint8Array, position: number): number;
  /**
   * A private, writable-in-memory mapping of the first `length` bytes of the file open as `fd`;
   * null when too many mappings are alive. Pages lost to a truncation read as zeros (see fileio.c).
   */
  mapFile(fd: number, length: number): ArrayBuffer | null;
  /** Whether pages of `mapping` were lost (the file was truncated under it, or it was released) and now read as zeros. */
  mappingDamaged(mapping: ArrayBuffer): boolean;
  /** Replaces `mapping` with zero pages now, letting go of the file before a GC collects it; false if it is not a live mapping. */
  releaseMapping(mapping: ArrayBuffer): boolean;
}

const require = createRequire(import.meta.url);

/** The addon, or null when it is not built or fails a read of a file of its own making. */
export const fileIoAddon: FileIoAddon | null = loadFileIoAddon();

function loadFileIoAddon(): FileIoAddon | null {
  try {
    const addon = require("arrayrecord-fileio") as FileIoAddon;
    // A check against fs on a file of the package's own, so a broken build falls back instead of misreading.
    const probe = require.resolve("arrayrecord-fileio");
    const expected = new Uint8Array(fs.readFileSync(probe));
    if (expected.length < 40) return null;
    const fd = fs.openSync(probe, "r");
    try {
      const out = new Uint8Array(expected.length - 10);
      if (addon.preadInto(fd, out, 10) !== out.length || !same(out, expected.subarray(10))) return null;
      if (addon.preadInto(fd, out, 30) !== expected.length - 30) return null;
      const mapping = addon.mapFile(fd, expected.length);
      if (mapping === null || !same(new Uint8Array(mapping), expected) || addon.mappingDamaged(mapping)) return null;
    } finally {
      fs.closeSync(fd);
    }
    return addon;
  } catch {
    return null;
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
