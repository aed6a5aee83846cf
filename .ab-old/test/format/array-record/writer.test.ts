/** The writer never leaves a final-named partial file: abort, errors, replacement, a killed process. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ArrayRecordWriter } from "../../../src/format/array-record/writer.js";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";

let dir = "";
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-writer-")));

describe("ArrayRecordWriter atomicity", () => {
  it("nothing appears under the final name before close; abort removes the temporary file", async () => {
    fresh();
    const target = path.join(dir, "out.array_record");
    const writer = await ArrayRecordWriter.open(target, "group_size:2");
    for (let i = 0; i < 5000; i++) await writer.write(`record ${i}`.repeat(50));
    const names = fs.readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\.out\.array_record\.tmp-/);
    writer.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
    await expect(writer.write("late")).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("a failing write aborts the file and the writer refuses further use", () => {
    fresh();
    const target = path.join(dir, "out.array_record");
    const writer = ArrayRecordWriter.openSync(target);
    writer.writeSync("fine");
    expect(() => writer.writeSync(42 as unknown as string)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS", file: target }));
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(() => writer.writeSync("more")).toThrow(expect.objectContaining({ code: "CLOSED" }));
    expect(() => writer.closeSync()).toThrow(expect.objectContaining({ code: "CLOSED" }));
  });

  it("replacing a file keeps the old one intact until the new one is complete", () => {
    fresh();
    const target = path.join(dir, "data.array_record");
    const first = ArrayRecordWriter.openSync(target);
    first.writeSync("old");
    first.closeSync();
    const second = ArrayRecordWriter.openSync(target);
    second.writeSync("new");
    expect(ArrayRecordReader.openSync(target).readAllSync().map((r) => Buffer.from(r).toString())).toEqual(["old"]);
    second.closeSync();
    expect(ArrayRecordReader.openSync(target).readAllSync().map((r) => Buffer.from(r).toString())).toEqual(["new"]);
    expect(fs.readdirSync(dir)).toEqual(["data.array_record"]);
  });

  it("fsync:false (scratch output) writes the same bytes, still renamed into place only on close", async () => {
    fresh();
    const durable = path.join(dir, "durable.array_record");
    const scratch = path.join(dir, "scratch.array_record");
    const scratchAsync = path.join(dir, "scratch-async.array_record");
    const a = ArrayRecordWriter.openSync(durable, "group_size:3");
    const b = ArrayRecordWriter.openSync(scratch, "group_size:3", { fsync: false });
    const c = await ArrayRecordWriter.open(scratchAsync, "group_size:3", { fsync: false });
    for (let i = 0; i < 100; i++) {
      a.writeSync(`r${i}`);
      b.writeSync(`r${i}`);
      await c.write(`r${i}`);
    }
    expect(fs.readdirSync(dir).filter((n) => !n.startsWith("."))).toEqual([]);
    a.closeSync();
    b.closeSync();
    await c.close();
    expect(fs.readdirSync(dir).sort()).toEqual(["durable.array_record", "scratch-async.array_record", "scratch.array_record"]);
    expect(fs.readFileSync(scratch).equals(fs.readFileSync(durable))).toBe(true);
    expect(fs.readFileSync(scratchAsync).equals(fs.readFileSync(durable))).toBe(true);
  });

  it("refuses bad options with INVALID_OPTIONS and leaves nothing behind", () => {
    fresh();
    expect(() => ArrayRecordWriter.openSync(path.join(dir, "t.array_record"), "group_size:0")).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("a process killed mid-write leaves no file under the final name", async () => {
    fresh();
    const target = path.join(dir, "killed.array_record");
    const script = `
      import { ArrayRecordWriter } from ${JSON.stringify(new URL("../../../src/format/array-record/writer.ts", import.meta.url).href)};
      const w = ArrayRecordWriter.openSync(${JSON.stringify(target)}, "group_size:1,uncompressed");
      process.stdout.write("started\\n");
      for (let i = 0; ; i++) w.writeSync("x".repeat(1000));
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const names = fs.readdirSync(dir);
    expect(names).not.toContain("killed.array_record");
    expect(names.every((n) => n.startsWith(".killed.array_record.tmp-"))).toBe(true);
  });
});
