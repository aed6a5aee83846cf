/**
 * Visits with borrowed records (`forEachSync`, `forEachAtSync`, `forEachParallel`) give exactly the
 * records the owned reads give, reuse their memory from chunk to chunk and from span to span, and
 * fail as the owned reads do.
 */
import fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { SlotPool } from "../../../src/format/array-record/shared-slots.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { recordsSha256 } from "../../helpers/golden.js";
import { conformanceFixtures } from "../../helpers/fixtures.js";
import { randomRecords, textRecords } from "../../helpers/generators.js";

const SEED = 2026;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-borrowed-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Copies of the records a visit gives, by the index it names; throws on an index given twice. */
function collect(): { visit: (record: Uint8Array, index: number) => void; got: Map<number, Uint8Array>; order: number[] } {
  const got = new Map<number, Uint8Array>();
  const order: number[] = [];
  return {
    got,
    order,
    visit: (record, index) => {
      if (got.has(index)) throw new Error(`index ${index} visited twice`);
      got.set(index, record.slice());
      order.push(index);
    },
  };
}

function inOrder(got: Map<number, Uint8Array>, from: number, to: number): Uint8Array[] {
  expect([...got.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: to - from }, (_, k) => from + k));
  return Array.from({ length: to - from }, (_, k) => got.get(from + k)!);
}

function writeFile(name: string, records: Uint8Array[], options: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeArrayRecord(records, options));
  return file;
}

describe("forEachSync / forEachParallel", () => {
  it("visit every record of each conformance fixture in order (transposed included)", async () => {
    const fixtures = conformanceFixtures();
    expect(fixtures).toHaveLength(25);
    for (const f of fixtures) {
      const reader = await ArrayRecordReader.open(f.path(), "readahead_buffer_size:64k");
      const sync = collect();
      reader.forEachSync(sync.visit);
      expect(recordsSha256(inOrder(sync.got, 0, reader.numRecords)), f.name).toBe(f.expect.records_sha256);
      const parallel = collect();
      await reader.forEachParallel(parallel.visit, 0, reader.numRecords, 2);
      expect(recordsSha256(inOrder(parallel.got, 0, reader.numRecords)), f.name).toBe(f.expect.records_sha256);
      expect(parallel.order, f.name).toEqual(sync.order); // file order
      await reader.close();
    }
  });

  it("visit exactly the records of any range, from files and memory, with any worker count (property, fixed seed)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom("uncompressed", "zstd:1", "snappy", "brotli:1", "transpose:true"),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        async (count, groupSize, codec, a, b, workers, fromFile) => {
          const records = textRecords(count + groupSize, count, 0, 3000);
          const bytes = encodeArrayRecord(records, `group_size:${groupSize},${codec}`);
          const input = fromFile ? writeFile("range.array_record", records, `group_size:${groupSize},${codec}`) : new MemoryByteSource(bytes);
          const reader = await ArrayRecordReader.open(input, "readahead_buffer_size:16k");
          const [start, end] = [a % (count + 1), b % (count + 1)].sort((x, y) => x - y) as [number, number];
          const sync = collect();
          reader.forEachSync(sync.visit, start, end);
          expect(recordsSha256(inOrder(sync.got, start, end))).toBe(recordsSha256(records.slice(start, end)));
          const parallel = collect();
          await reader.forEachParallel(parallel.visit, start, end, workers);
          expect(recordsSha256(inOrder(parallel.got, start, end))).toBe(recordsSha256(records.slice(start, end)));
          await reader.close();
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("reuse one buffer for the records of successive compressed chunks, and shared memory across spans", async () => {
    const records = textRecords(3, 2000, 500, 900);
    const file = writeFile("reuse.array_record", records, "group_size:16,zstd:1");
    const reader = await ArrayRecordReader.open(file, "readahead_buffer_size:16k");
    const buffers = new Set<ArrayBufferLike>();
    reader.forEachSync((record) => buffers.add(record.buffer));
    expect(buffers.size).toBeLessThanOrEqual(4); // 125 chunks decoded into two buffers at most (spans natively, chunks the addon leaves one by one), each grown once at most
    reader.forEachSync((record) => buffers.add(record.buffer));
    expect(buffers.size).toBeLessThanOrEqual(4); // and the same ones again on the next visit
    // Owned reads: records in memory of their own (slabs or a buffer per span), none reused by a visit or by the next owned read.
    const owned = new Set(reader.readAllSync().map((r) => r.buffer));
    expect([...owned].some((b) => buffers.has(b))).toBe(false);
    const again = reader.readAllSync();
    expect(again.some((r) => owned.has(r.buffer))).toBe(false);
    expect(recordsSha256(again)).toBe(recordsSha256(records));
    await reader.close();
    // 14 spans of 1 MiB (incompressible records), 2 workers with 4 in flight each: 9 slots at most, reused.
    const big = await ArrayRecordReader.open(writeFile("spans.array_record", randomRecords(5, 14_000, 900, 1100), "group_size:16,zstd:1"));
    const shared = new Set<ArrayBufferLike>();
    await big.forEachParallel((record) => shared.add(record.buffer), 0, big.numRecords, 2);
    expect(shared.size).toBeLessThanOrEqual(9);
    expect([...shared].every((b) => b instanceof SharedArrayBuffer)).toBe(true);
    await big.close();
  });

  it("visit a span too large for the shared slots (an 18 MB chunk) from memory of its own", async () => {
    const records = randomRecords(11, 3, 6 << 20, 6 << 20);
    const reader = await ArrayRecordReader.open(writeFile("huge.array_record", records, "group_size:3,zstd:1"));
    const got = collect();
    const buffers = new Set<ArrayBufferLike>();
    await reader.forEachParallel((record, i) => {
      buffers.add(record.buffer);
      got.visit(record, i);
    }, 0, 3, 2);
    expect(recordsSha256(inOrder(got.got, 0, 3))).toBe(recordsSha256(records));
    expect([...buffers].some((b) => b instanceof SharedArrayBuffer)).toBe(false);
    await reader.close();
  });

  it("fail as the owned reads do: bad ranges OUT_OF_RANGE, a closed reader CLOSED, damage CORRUPT with file and offset", async () => {
    const records = textRecords(4, 400, 100, 300);
    const bytes = encodeArrayRecord(records, "group_size:4,snappy");
    const reader = await ArrayRecordReader.open(new MemoryByteSource(bytes, "ok.array_record"));
    expect(() => reader.forEachSync(() => {}, 0, 401)).toThrow(expect.objectContaining({ code: "OUT_OF_RANGE" }));
    expect(() => reader.forEachSync(() => {}, 5, 4)).toThrow(expect.objectContaining({ code: "OUT_OF_RANGE" }));
    await expect(reader.forEachParallel(() => {}, -1, 4)).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    await expect(reader.forEachParallel(() => {}, 0, 4, 0)).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    reader.closeSync();
    expect(() => reader.forEachSync(() => {})).toThrow(expect.objectContaining({ code: "CLOSED" }));

    const damaged = bytes.slice();
    damaged[20_000]! ^= 0x40;
    const bad = await ArrayRecordReader.open(new MemoryByteSource(damaged, "damaged.array_record"));
    const syncError = (() => {
      try {
        bad.forEachSync(() => {});
      } catch (e) {
        return e;
      }
    })();
    expect(syncError).toMatchObject({ code: "CORRUPT", file: "damaged.array_record" });
    const parallelError = await bad.forEachParallel(() => {}, 0, bad.numRecords, 2).catch((e: unknown) => e);
    expect(parallelError).toMatchObject({ code: "CORRUPT", file: "damaged.array_record" });
    expect(typeof (parallelError as { offset?: number }).offset).toBe("number");
    await bad.close();
  });

  it("stop at a visitor's error, and a reader closed by its visitor stops at the next span; later visits still give every record", async () => {
    const records = randomRecords(8, 5000, 200, 800); // 2.5 MB of incompressible records: 3 spans
    const file = writeFile("stop.array_record", records, "group_size:8,zstd:1");
    const reader = await ArrayRecordReader.open(file, "readahead_buffer_size:16k");
    const stop = new Error("enough");
    let seen = 0;
    expect(() => reader.forEachSync(() => {
      if (++seen === 100) throw stop;
    })).toThrow(stop);
    expect(seen).toBe(100);
    seen = 0;
    await expect(reader.forEachParallel(() => {
      if (++seen === 700) throw stop;
    }, 0, reader.numRecords, 2)).rejects.toBe(stop);
    expect(seen).toBe(700);
    // Slots of spans still in flight when the visit stopped are not handed out again too early.
    for (let pass = 0; pass < 3; pass++) {
      const again = collect();
      await reader.forEachParallel(again.visit, 0, reader.numRecords, 2);
      expect(recordsSha256(inOrder(again.got, 0, records.length))).toBe(recordsSha256(records));
    }
    let visited = 0;
    await expect(reader.forEachParallel(() => {
      if (++visited === 10) reader.closeSync();
    }, 0, reader.numRecords, 2)).rejects.toMatchObject({ code: "CLOSED" });
    expect(visited).toBeLessThan(records.length);
    const other = await ArrayRecordReader.open(file);
    visited = 0;
    expect(() => other.forEachSync(() => {
      if (++visited === 10) other.closeSync();
    })).toThrow(expect.objectContaining({ code: "CLOSED" }));
    expect(visited).toBeLessThan(records.length);
  });
});

describe("forEachAtSync / forEachAtParallel", () => {
  it("visit exactly the records at any indices, repeats and any order included, in file order (property, fixed seed)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom("uncompressed", "zstd:1", "snappy", "transpose:true,zstd:1"),
        fc.array(fc.nat(), { maxLength: 400 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        async (count, groupSize, codec, picks, fromFile, workers) => {
          const records = textRecords(count * 3 + groupSize, count, 0, 3000);
          const options = `group_size:${groupSize},${codec}`;
          const input = fromFile ? writeFile("batch.array_record", records, options) : new MemoryByteSource(encodeArrayRecord(records, options));
          const reader = ArrayRecordReader.openSync(input, "readahead_buffer_size:16k");
          const indices = picks.map((p) => p % count);
          const check = (got: (Uint8Array | undefined)[], visitedIndices: number[]) => {
            expect(got.every((r, k) => r !== undefined && Buffer.from(r).equals(Buffer.from(records[indices[k]!]!)))).toBe(true);
            // File order: the indices visited never go back past a chunk already left.
            const chunkOf = (i: number) => Math.floor(i / groupSize);
            expect(visitedIndices.every((i, k) => k === 0 || chunkOf(i) >= chunkOf(visitedIndices[k - 1]!))).toBe(true);
          };
          for (const parallel of [false, true]) {
            const got = new Array<Uint8Array | undefined>(indices.length);
            const visitedIndices: number[] = [];
            const visit = (record: Uint8Array, k: number) => {
              expect(got[k]).toBeUndefined();
              got[k] = record.slice();
              visitedIndices.push(indices[k]!);
            };
            if (parallel) await reader.forEachAtParallel(indices, visit, workers);
            else reader.forEachAtSync(indices, visit);
            check(got, visitedIndices);
          }
          reader.closeSync();
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("reject an index out of range before visiting anything", async () => {
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(encodeArrayRecord(textRecords(1, 50, 1, 9), "group_size:5")));
    let visited = 0;
    expect(() => reader.forEachAtSync([0, 3, 50], () => visited++)).toThrow(expect.objectContaining({ code: "OUT_OF_RANGE" }));
    expect(() => reader.forEachAtSync([1.5], () => visited++)).toThrow(expect.objectContaining({ code: "OUT_OF_RANGE" }));
    await expect(reader.forEachAtParallel([0, -1], () => visited++, 2)).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    expect(visited).toBe(0);
  });
});

describe("SlotPool", () => {
  it("hands out slots no one else holds, reuses returned ones that fit, and keeps at most 64 MiB", () => {
    const pool = new SlotPool();
    const a = pool.take(10);
    const b = pool.take((2 << 20) + 1);
    expect(a.byteLength).toBe(1 << 20);
    expect(b.byteLength).toBe(3 << 20);
    expect(a).not.toBe(b);
    pool.give(a);
    pool.give(b);
    expect(pool.freeBytes).toBe(4 << 20);
    expect(pool.take(2 << 20)).toBe(b); // the smallest that fits
    expect(pool.take(100)).toBe(a);
    expect(pool.take(100)).not.toBe(a); // handed out once only
    for (let k = 0; k < 20; k++) pool.give(new SharedArrayBuffer(8 << 20));
    expect(pool.freeBytes).toBe(64 << 20);
  });

  it("lets its free slots go after 1 s without a return, and a return restarts the wait", () => {
    vi.useFakeTimers();
    try {
      const pool = new SlotPool();
      pool.give(pool.take(10));
      vi.advanceTimersByTime(900);
      pool.give(pool.take(10)); // taken and returned again: the second's wait starts now
      vi.advanceTimersByTime(900);
      expect(pool.freeBytes).toBe(1 << 20);
      vi.advanceTimersByTime(101);
      expect(pool.freeBytes).toBe(0);
      expect(pool.take(10).byteLength).toBe(1 << 20); // a new one
    } finally {
      vi.useRealTimers();
    }
  });
});
