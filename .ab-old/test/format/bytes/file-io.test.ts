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
import { FileByteSource } from "../../../src/format/bytes/file-source.js";
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
    const portable = FileByteSource.openSync(file, { nativeReads: false });
    try {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 210_000 }), fc.integer({ min: 0, max: 70_000 }), (position, length) => {
          const expected = bytes.subarray(Math.min(position, bytes.length), Math.min(bytes.length, position + length));
          // Buffer.compare: toEqual's element-wise walk of 70 KB arrays took a minute over the runs.
          const same = (got: Uint8Array) => got.length === expected.length && Buffer.compare(got, expected) === 0;
          expect(same(native.readSync(position, length))).toBe(true);
          expect(same(portable.readSync(position, length))).toBe(true);
          const into = new Uint8Array(length);
          expect(native.readIntoSync(position, into)).toBe(expected.length);
          expect(same(into.subarray(0, expected.length))).toBe(true);
        }),
        { seed: SEED, numRuns: 300 },
      );
    } finally {
      native.closeSync();
      portable.closeSync();
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
    expect(() => addon.mapFile(1_000_000, 10)).toThrow(/mmap/);
  });
});
