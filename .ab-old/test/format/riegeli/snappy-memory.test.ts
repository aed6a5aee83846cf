/**
 * Issue 13: the fuzz campaign's resident memory grew ~20 MiB per 1,000 cases. The cause was the
 * `snappy` package's decoder: each call leaves ~210 bytes that Node frees only when its event loop
 * turns (an N-API finalizer), and the campaign read in one synchronous loop. Our decoder addon
 * fills a buffer we allocate and leaves nothing behind. Here a child process (with a timeout) reads
 * a snappy file 150 times in one synchronous loop — 90,000 stream decodes — and resident memory
 * after a full GC must stay within a bound the package's decoder breaks (~19 MiB held).
 */
import { describe, expect, it } from "vitest";
import { runTsxChild } from "../../helpers/tsx-child.js";


const CHILD = `
const { ArrayRecordReader } = await import("./src/format/array-record/reader.ts");
const { encodeArrayRecord } = await import("./src/format/array-record/writer.ts");
const { MemoryByteSource } = await import("./src/format/bytes/byte-source.ts");
const { snappyDecoder } = await import("./src/format/riegeli/codecs.ts");
const records = Array.from({ length: 300 }, (_, i) => new Uint8Array(40 + (i % 90)).map((_, j) => (i * 131 + j * 7919) % 251));
const file = encodeArrayRecord(records, "group_size:1,snappy");
const read = () => ArrayRecordReader.openSync(new MemoryByteSource(file, "f"), "", { recover: true }).readAllSync().length;
for (let i = 0; i < 10; i++) read();
const settled = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage.rss(); };
const before = settled();
let served = 0;
for (let i = 0; i < 150; i++) served += read();
console.log(JSON.stringify({ decoder: snappyDecoder, served, grewMiB: (settled() - before) / 2 ** 20 }));
`;

describe("snappy decoding in a long synchronous loop", () => {
  it("holds no memory until the event loop turns", () => {
    const run = runTsxChild({ source: CHILD }, { timeoutMs: 60_000, nodeFlags: ["--expose-gc"], env: { NODE_NO_WARNINGS: "1" } });
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { decoder: string; served: number; grewMiB: number };
    expect(result.served).toBe(150 * 300);
    expect(result.decoder).toBe("addon");
    expect(result.grewMiB, JSON.stringify(result)).toBeLessThan(8);
  }, 70_000);
});
