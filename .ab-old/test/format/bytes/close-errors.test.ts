/**
 * A disk that fails while a file is finished (no space left on write, an I/O error on fsync):
 * close() reports it as an error — never as success — and nothing appears under the final name.
 * node:fs is mocked so that the chosen call fails with the chosen errno.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const failure = vi.hoisted(() => ({ call: "" as string, code: "ENOSPC" }));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const errno = (call: string) => Object.assign(new Error(`${failure.code}: mocked failure, ${call}`), { code: failure.code, syscall: call });
  const wrapSync =
    <A extends unknown[], R>(name: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      if (failure.call === name) throw errno(name);
      return fn(...args);
    };
  const wrapAsync =
    (name: string, fn: (...args: never[]) => void) =>
    (...args: unknown[]): void => {
      if (failure.call === name) {
        const callback = args[args.length - 1] as (e: Error) => void;
        process.nextTick(() => callback(errno(name)));
        return;
      }
      (fn as (...a: unknown[]) => void)(...args);
    };
  const mocked = {
    ...real,
    writeSync: wrapSync("writeSync", real.writeSync),
    fsyncSync: wrapSync("fsyncSync", real.fsyncSync),
    write: wrapAsync("write", real.write as never),
    fsync: wrapAsync("fsync", real.fsync as never),
  };
  return { ...mocked, default: mocked };
});

const { ArrayRecordWriter } = await import("../../../src/format/array-record/writer.js");
const { TFRecordWriter } = await import("../../../src/format/tfrecord/writer.js");

afterEach(() => {
  failure.call = "";
});

function freshDir(): string {
  return fs.mkdtempSync(path.join(tmpdir(), "close-errors-"));
}

describe("close() on a failing disk", () => {
  for (const [call, code] of [
    ["writeSync", "ENOSPC"],
    ["fsyncSync", "EIO"],
  ] as const) {
    it(`ArrayRecordWriter.closeSync: ${call} fails with ${code} → IO error, no file`, () => {
      const dir = freshDir();
      const target = path.join(dir, "out.array_record");
      const writer = ArrayRecordWriter.openSync(target, "group_size:4,uncompressed");
      for (let i = 0; i < 100; i++) writer.writeSync(`record ${i}`);
      failure.call = call;
      failure.code = code;
      expect(() => writer.closeSync()).toThrow(expect.objectContaining({ name: "ArrayRecordError", code: "IO", message: expect.stringContaining(code) }));
      failure.call = "";
      expect(fs.readdirSync(dir)).toEqual([]); // neither the final name nor the temporary file
    });
  }

  for (const [call, code] of [
    ["write", "ENOSPC"],
    ["fsync", "EIO"],
  ] as const) {
    it(`ArrayRecordWriter.close: ${call} fails with ${code} → rejected with IO, no file`, async () => {
      const dir = freshDir();
      const target = path.join(dir, "out.array_record");
      const writer = await ArrayRecordWriter.open(target, "group_size:4,uncompressed");
      for (let i = 0; i < 100; i++) await writer.write(`record ${i}`);
      failure.call = call;
      failure.code = code;
      await expect(writer.close()).rejects.toMatchObject({ name: "ArrayRecordError", code: "IO" });
      failure.call = "";
      expect(fs.readdirSync(dir)).toEqual([]);
      // A failed writer stays failed: a second close does not pretend success.
      await expect(writer.close()).rejects.toMatchObject({ code: "CLOSED" });
    });
  }

  it("TFRecordWriter.close: fsync fails with EIO → IO error, no file", () => {
    const dir = freshDir();
    const target = path.join(dir, "out.tfrecord");
    const writer = new TFRecordWriter(target, { compression: "none", fsync: true });
    for (let i = 0; i < 100; i++) writer.write(new TextEncoder().encode(`record ${i}`));
    failure.call = "fsyncSync";
    failure.code = "EIO";
    expect(() => writer.close()).toThrow(expect.objectContaining({ name: "ArrayRecordError", code: "IO" }));
    failure.call = "";
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("a writer whose temporary file was left by a killed process removes it on open", () => {
    const dir = freshDir();
    const target = path.join(dir, "out.array_record");
    // A pid that is not running: the highest pid Linux hands out is below 2^22.
    const stale = path.join(dir, ".out.array_record.tmp-4194999-0123456789ab");
    const foreign = path.join(dir, ".other.array_record.tmp-4194999-0123456789ab");
    const live = path.join(dir, `.out.array_record.tmp-${process.pid}-0123456789ab`);
    for (const f of [stale, foreign, live]) fs.writeFileSync(f, "partial");
    const writer = ArrayRecordWriter.openSync(target);
    writer.writeSync("x");
    writer.closeSync();
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(foreign), path.basename(live), "out.array_record"].sort());
  });
});
