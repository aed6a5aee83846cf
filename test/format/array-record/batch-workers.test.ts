/**
 * Batch reads (`read(indices)`, `readSync(indices)`) of local files decode large spans on the
 * decode workers (a sync batch of uncompressed spans on this thread and one worker) and everything
 * else on the calling thread (batch-workers.ts); either way the records are exactly the ones asked
 * for. The sync ones block on the workers' answers
 * (parallel-decode.ts waitSync): a damaged chunk, a worker that dies and one that never answers
 * each end in a typed error, and the next batch reads again.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { batchWorkerCount, syncBatchPlan, SYNC_WORKER_BATCH_MIN_RATIO, WORKER_BATCH_MIN_SPAN_BYTES } from "../../../src/format/array-record/batch-workers.js";
import { DecodePool, sharedDecodePool } from "../../../src/format/array-record/parallel-decode.js";
import { spanChunks, type SpanChunks } from "../../../src/format/array-record/file-layout.js";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { ArrayRecordDataSource } from "../../../src/format/array-record/data-source.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { textRecords } from "../../helpers/generators.js";
import { runTsxChild } from "../../helpers/tsx-child.js";

/** The path of `records` written with `options` under `dir` (written on first use). */
function fileOf(dir: string, records: Uint8Array[]): (options: string) => string {
  return (options) => {
    const name = path.join(dir, `${options.replace(/[^a-z0-9]+/gi, "_")}.array_record`);
    if (!fs.existsSync(name)) fs.writeFileSync(name, encodeArrayRecord(records, options));
    return name;
  };
}

describe("batchWorkerCount", () => {
  it("picks the workers only for spans that decode to enough each, with 2 or more of them", () => {
    const big = 4 * WORKER_BATCH_MIN_SPAN_BYTES;
    expect(batchWorkerCount(2, 4, big)).toBe(2);
    expect(batchWorkerCount(3, 4, big)).toBe(3);
    expect(batchWorkerCount(2, 4, big - 1)).toBe(0); // just under the average
    expect(batchWorkerCount(1, 4, big)).toBe(0);
    expect(batchWorkerCount(2, 0, 0)).toBe(0);
  });

  it("plans a sync batch: compressed spans on the workers alone, others on this thread and one worker fewer", () => {
    const big = 4 * WORKER_BATCH_MIN_SPAN_BYTES;
    expect(syncBatchPlan(2, 4, big, big / SYNC_WORKER_BATCH_MIN_RATIO)).toEqual({ workers: 2, here: false });
    expect(syncBatchPlan(3, 4, big, big / 4)).toEqual({ workers: 3, here: false });
    expect(syncBatchPlan(2, 4, big, big / SYNC_WORKER_BATCH_MIN_RATIO + 1)).toEqual({ workers: 1, here: true }); // just under the ratio
    expect(syncBatchPlan(3, 4, big, big)).toEqual({ workers: 2, here: true });
    expect(syncBatchPlan(2, 4, big - 1, big / 4)).toEqual({ workers: 0, here: true }); // compressed, but small spans
    expect(syncBatchPlan(1, 4, big, big / 4)).toEqual({ workers: 0, here: true });
  });
});

describe("async batch reads of local files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-batch-workers-"));
  const records = textRecords(31, 1500, 1200, 1400);
  const file = fileOf(dir, records);
  const indices = Array.from({ length: 40 }, (_, k) => (k * 613 + 7) % records.length).concat([5, 5, 1499]);
  const same = (got: Uint8Array[]): boolean => got.length === indices.length && got.every((r, k) => Buffer.from(r).equals(Buffer.from(records[indices[k]!]!)));

  let decodeFile: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    decodeFile = vi.spyOn(sharedDecodePool(), "decodeFile");
  });
  afterAll(() => {
    decodeFile.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, string, boolean][] = [
    ["group_size:256,zstd:3", "max_parallelism:2", true], // ~330 KB chunks: on the workers
    ["group_size:256,zstd:3", "max_parallelism:1", false],
    ["group_size:256,uncompressed", "max_parallelism:2", true],
    ["group_size:1,zstd:3", "max_parallelism:2", false], // 1.3 KB spans: this thread
  ];
  for (const [options, readerOptions, onWorkers] of cases) {
    it(`${options} with ${readerOptions}: exact records, ${onWorkers ? "decoded on the workers" : "decoded on this thread"}`, async () => {
      decodeFile.mockClear();
      const reader = await ArrayRecordReader.open(file(options), readerOptions);
      try {
        expect(same(await reader.read(indices))).toBe(true);
        expect(decodeFile.mock.calls.length > 0).toBe(onWorkers);
      } finally {
        await reader.close();
      }
    });
  }

  it("a data source's getMany takes the same path", async () => {
    decodeFile.mockClear();
    const source = await ArrayRecordDataSource.open([file("group_size:256,zstd:3")], "max_parallelism:2");
    try {
      expect(same(await source.getMany(indices))).toBe(true);
      expect(decodeFile).toHaveBeenCalled();
    } finally {
      await source.close();
    }
  });
});

describe("sync batch reads of local files", () => {
  const SEED = 20261203;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-batch-workers-sync-"));
  // ~5 KB records: 64-record chunks decode to ~320 KB, enough for the workers (WORKER_BATCH_MIN_SPAN_BYTES).
  const records = textRecords(37, 700, 4500, 5500);
  const file = fileOf(dir, records);
  const expectExact = (got: Uint8Array[], indices: readonly number[], what: string): void => {
    expect(got.length, what).toBe(indices.length);
    const wrong = got.findIndex((r, k) => !Buffer.from(r).equals(Buffer.from(records[indices[k]!]!)));
    expect(wrong, `${what}: first wrong record`).toBe(-1);
  };
  const indices = Array.from({ length: 60 }, (_, k) => (k * 613 + 7) % records.length).concat([5, 5, 699]);

  let decodeFileSync: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    decodeFileSync = vi.spyOn(sharedDecodePool(), "decodeFileSync");
  });
  afterAll(() => {
    decodeFileSync.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, string, boolean, boolean][] = [
    ["group_size:64,zstd:3", "max_parallelism:2", false, true],
    ["group_size:64,zstd:3", "max_parallelism:2", true, true], // a mapped reader: its workers map the file too
    ["group_size:64,zstd:3", "max_parallelism:1", false, false], // one thread asked for: this one
    ["group_size:64,uncompressed", "max_parallelism:2", false, true], // this thread and one worker
    ["group_size:64,uncompressed", "max_parallelism:2", true, false], // mapped: this thread alone (it reads no spans into buffers)
    ["group_size:48,snappy", "max_parallelism:2", true, true],
    ["group_size:1,zstd:3", "max_parallelism:2", false, false], // 5 KB spans: this thread
  ];
  for (const [options, readerOptions, mmap, onWorkers] of cases) {
    it(`${options} with ${readerOptions}${mmap ? ", mapped" : ""}: exact records, ${onWorkers ? "decoded on the workers" : "decoded on this thread"}`, () => {
      decodeFileSync.mockClear();
      const reader = ArrayRecordReader.openSync(file(options), readerOptions, { mmap });
      try {
        expectExact(reader.readSync(indices), indices, options);
        expect(decodeFileSync.mock.calls.length > 0).toBe(onWorkers);
      } finally {
        reader.closeSync();
      }
    });
  }

  it("return exactly the records at any indices, sparse spans (picked) and dense ones, read and mapped (property, fixed seed)", () => {
    const readers = ["group_size:64,zstd:3", "group_size:64,uncompressed", "group_size:48,snappy"].flatMap((options) =>
      [false, true].map((mmap) => ({ what: `${options}${mmap ? " mapped" : ""}`, reader: ArrayRecordReader.openSync(file(options), "max_parallelism:2", { mmap }) })),
    );
    decodeFileSync.mockClear();
    try {
      fc.assert(
        fc.property(fc.array(fc.nat(records.length - 1), { minLength: 1, maxLength: 400 }), fc.nat(readers.length - 1), (picked, r) => {
          const { what, reader } = readers[r]!;
          expectExact(reader.readSync(picked), picked, `${what}, ${picked.length} indices, seed ${SEED}`);
        }),
        { seed: SEED, numRuns: 60 },
      );
      expect(decodeFileSync).toHaveBeenCalled();
    } finally {
      for (const { reader } of readers) reader.closeSync();
    }
  });

  it("a sync batch while async batches of the same reader are on the same workers: every record exact", async () => {
    const reader = ArrayRecordReader.openSync(file("group_size:64,zstd:3"), "max_parallelism:2");
    try {
      const reversed = [...indices].reverse();
      const pending = [reader.read(indices), reader.readParallel(reversed, 2)];
      expectExact(reader.readSync(indices), indices, "sync, async in flight");
      const [first, second] = await Promise.all(pending);
      expectExact(first!, indices, "async read");
      expectExact(second!, reversed, "readParallel");
    } finally {
      reader.closeSync();
    }
  });

  it("a data source's getManySync over two shards takes the same path (the compressed shard's batch on the workers)", () => {
    decodeFileSync.mockClear();
    const shards = [file("group_size:64,zstd:3"), file("group_size:64,uncompressed")];
    const source = ArrayRecordDataSource.openSync(shards, "max_parallelism:2");
    try {
      const global = indices.map((i, k) => (k % 2 === 0 ? i : records.length + i));
      const got = source.getManySync(global);
      expectExact(got, indices, "two shards");
      expect(decodeFileSync).toHaveBeenCalled();
    } finally {
      source.closeSync();
    }
  });

  it("an uncompressed batch is split: the workers take spans from the front, this thread the rest", () => {
    decodeFileSync.mockClear();
    const reader = ArrayRecordReader.openSync(file("group_size:64,uncompressed"), "max_parallelism:2");
    try {
      const all = Array.from({ length: records.length }, (_, i) => (i * 263) % records.length);
      expectExact(reader.readSync(all), all, "all records");
      const { offsets } = reader.fileLayout.index;
      const calls = decodeFileSync.mock.calls as unknown[][];
      const sent = calls.map((call) => ({ position: call[1] as number, length: call[2] as number }));
      const stored = offsets[offsets.length - 1]! - offsets[0]!;
      const sentBytes = sent.reduce((sum, { length }) => sum + length, 0);
      expect(sent.length, "spans sent to the worker").toBeGreaterThan(0);
      expect(sent.every(({ position }) => position < offsets[0]! + stored / 2 + 1), "the worker's spans are the first ones").toBe(true);
      expect(sentBytes, `bytes sent to the worker of ${stored}`).toBeLessThan(stored);
      expect(calls.every((call) => call[4] === 1), "one worker").toBe(true);
    } finally {
      reader.closeSync();
    }
  });

  // Chunk 3 of 11 is in the workers' first spans; chunk 9 in the spans this thread takes in an uncompressed batch.
  for (const [options, chunk] of [["group_size:64,zstd:3", 3], ["group_size:64,uncompressed", 3], ["group_size:64,uncompressed", 9]] as const) {
    it(`${options}: a damaged chunk ${chunk} fails the batch with CORRUPT naming the file and an offset in it; batches without it read on`, () => {
      const bytes = encodeArrayRecord(records, options);
      const reader0 = ArrayRecordReader.openSync(file(options));
      const { offsets } = reader0.fileLayout.index;
      reader0.closeSync();
      const damagedAt = Math.floor((offsets[chunk]! + offsets[chunk + 1]!) / 2);
      bytes[damagedAt]! ^= 0x20;
      const damaged = path.join(dir, `damaged-${chunk}-${options.replace(/[^a-z0-9]+/gi, "_")}.array_record`);
      fs.writeFileSync(damaged, bytes);
      const reader = ArrayRecordReader.openSync(damaged, "max_parallelism:2");
      try {
        const all = Array.from({ length: records.length }, (_, i) => records.length - 1 - i);
        const error = (() => {
          try {
            reader.readSync(all);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(error).toMatchObject({ code: "CORRUPT", file: damaged });
        const offset = (error as { offset?: number }).offset!;
        expect(offset >= offsets[chunk]! && offset < offsets[chunk + 1]!, `offset ${offset} in chunk ${chunk} [${offsets[chunk]}, ${offsets[chunk + 1]})`).toBe(true);
        const others = all.filter((i) => i < 64 * chunk || i >= 64 * (chunk + 1));
        expectExact(reader.readSync(others), others, "after the failure");
      } finally {
        reader.closeSync();
      }
    });
  }

  describe("a data source's getManySync over several local shards", () => {
    const shardFiles = (options: string): string[] =>
      [0, 1, 2].map((k) => {
        const name = path.join(dir, `shard-${k}-${options.replace(/[^a-z0-9]+/gi, "_")}.array_record`);
        if (!fs.existsSync(name)) fs.copyFileSync(file(options), name);
        return name;
      });
    // Records of all three shards, interleaved, some twice.
    const global = indices.flatMap((i, k) => [i, records.length + ((i + 100 * k) % records.length), 2 * records.length + ((i * 7) % records.length)]);
    const expected = global.map((g) => g % records.length);

    it("sends the spans of every shard to the workers as one stream: exact records", () => {
      const waitSync = vi.spyOn(sharedDecodePool(), "waitSync");
      decodeFileSync.mockClear();
      const source = ArrayRecordDataSource.openSync(shardFiles("group_size:64,zstd:3"), "max_parallelism:2");
      try {
        expectExact(source.getManySync(global), expected, "three shards");
        const firstWait = Math.min(...waitSync.mock.invocationCallOrder);
        const sent = decodeFileSync.mock.calls as unknown[][];
        const sentBeforeFirstWait = sent.filter((_, k) => decodeFileSync.mock.invocationCallOrder[k]! < firstWait).map((call) => call[0] as number);
        expect(new Set(sentBeforeFirstWait).size, `descriptors of the spans sent before the first wait: ${sentBeforeFirstWait.join(",")}`).toBeGreaterThanOrEqual(2);
      } finally {
        source.closeSync();
        waitSync.mockRestore();
      }
    });

    it("with maxOpenFiles below the shards touched, reads them a window at a time: exact records", () => {
      const source = ArrayRecordDataSource.openSync(shardFiles("group_size:64,zstd:3"), "max_parallelism:2", { maxOpenFiles: 2 });
      try {
        expectExact(source.getManySync(global), expected, "three shards, two open at once");
      } finally {
        source.closeSync();
      }
    });

    for (const options of ["group_size:64,zstd:3", "group_size:64,uncompressed"]) {
      it(`${options}: a damaged chunk in the second shard fails with CORRUPT naming that shard; the others read on`, () => {
        const files = shardFiles(options);
        const damaged = path.join(dir, `damaged-shard-${options.replace(/[^a-z0-9]+/gi, "_")}.array_record`);
        const bytes = fs.readFileSync(files[1]!);
        const reader0 = ArrayRecordReader.openSync(files[1]!);
        const { offsets } = reader0.fileLayout.index;
        reader0.closeSync();
        bytes[Math.floor((offsets[5]! + offsets[6]!) / 2)]! ^= 0x20; // chunk 5: records 320..383
        fs.writeFileSync(damaged, bytes);
        const source = ArrayRecordDataSource.openSync([files[0]!, damaged, files[2]!], "max_parallelism:2");
        try {
          expect(() => source.getManySync(global)).toThrow(expect.objectContaining({ code: "CORRUPT", file: damaged }));
          const others = global.filter((g) => g < records.length || g >= 2 * records.length);
          expectExact(source.getManySync(others), others.map((g) => g % records.length), "the other shards after the failure");
        } finally {
          source.closeSync();
        }
      });
    }
  });

  /** Chunk `c` of the uncompressed fixture as a span to send a pool, its file open as `fd` while `fn` runs. */
  async function withSpan(c: number, fn: (span: { fd: number; position: number; length: number; chunks: SpanChunks }) => unknown): Promise<void> {
    const reader = ArrayRecordReader.openSync(file("group_size:64,uncompressed"));
    const fd = fs.openSync(file("group_size:64,uncompressed"), "r");
    try {
      const { offsets } = reader.fileLayout.index;
      await fn({ fd, position: offsets[c]!, length: offsets[c + 1]! - offsets[c]!, chunks: spanChunks(reader.fileLayout, c, c) });
    } finally {
      reader.closeSync();
      fs.closeSync(fd);
    }
  }

  it("a worker that dies fails the wait with IO at once, and the next request starts another", () =>
    withSpan(0, ({ fd, position, length, chunks }) => {
      const pool = new DecodePool();
      const first = pool.decodeFileSync(fd, position, length, chunks, 1);
      // Queued behind `first` on the still-starting worker: a null request throws outside its
      // handler's try (answer(null).id), an uncaught error that ends the worker.
      (pool as unknown as { workers: { syncPort: { postMessage(message: unknown): void } }[] }).workers[0]!.syncPort.postMessage(null);
      const second = pool.decodeFileSync(fd, position, length, chunks, 1);
      expect(pool.waitSync(first, "f").bounds.length).toBe(2 * 64);
      const started = performance.now();
      expect(() => pool.waitSync(second, "f")).toThrow(expect.objectContaining({ code: "IO", reason: "decode worker exited before answering", file: "f" }));
      expect(performance.now() - started).toBeLessThan(2_000);
      const third = pool.decodeFileSync(fd, position, length, chunks, 1);
      expect(pool.waitSync(third, "f").bounds.length).toBe(2 * 64);
    }));

  it("sends a sync span to the worker with the fewest spans still to decode: answers waiting to be taken do not count", () =>
    withSpan(0, async ({ fd, position, length, chunks }) => {
      const pool = new DecodePool();
      await Promise.all([pool.decodeFile(fd, position, length, chunks, 2, "f"), pool.decodeFile(fd, position, length, chunks, 2, "f")]); // both workers started
      const internals = pool as unknown as { workers: { syncPending: Set<number> }[]; syncOwners: Map<number, unknown>; drainSync(): void };
      const span = (): number => pool.decodeFileSync(fd, position, length, chunks, 2);
      const first = span();
      const second = span();
      expect(internals.syncOwners.get(first)).toBe(internals.workers[0]);
      expect(internals.syncOwners.get(second)).toBe(internals.workers[1]);
      expect(pool.waitSync(second, "f").bounds.length).toBe(2 * 64);
      // The first answer in, not taken (as a batch takes answers in span order).
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (const until = performance.now() + 10_000; internals.workers[0]!.syncPending.has(first) && performance.now() < until; ) {
        internals.drainSync();
        Atomics.wait(pause, 0, 0, 5);
      }
      const third = span();
      expect(internals.syncOwners.get(third), "worker 0 has nothing left to decode").toBe(internals.workers[0]);
      expect(pool.waitSync(first, "f").bounds.length).toBe(2 * 64);
      expect(pool.waitSync(third, "f").bounds.length).toBe(2 * 64);
    }));

  it("a worker that never answers is given up after the pool's timeout with IO, and the next request starts another", () =>
    withSpan(1, async ({ fd, position, length, chunks }) => {
      const pool = new DecodePool(400);
      const span = (): number => pool.decodeFileSync(fd, position, length, chunks, 1);
      // Each worker is started by an async request (no timeout: a loaded machine may take longer than 0.4 s to start one).
      const started = async (): Promise<void> => void expect((await pool.decodeFile(fd, position, length, chunks, 1, "f")).bounds.length).toBe(2 * 64);
      await started();
      expect(pool.waitSync(span(), "f").bounds.length).toBe(2 * 64);
      // Terminated behind the pool's back (no exit hook runs, and no event turns while this thread waits).
      void (pool as unknown as { workers: { worker: { terminate(): Promise<number> } }[] }).workers[0]!.worker.terminate();
      const from = performance.now();
      expect(() => pool.waitSync(span(), "f")).toThrow(expect.objectContaining({ code: "IO", reason: "decode worker gave no answer in 0.4 s" }));
      expect(performance.now() - from).toBeGreaterThanOrEqual(390);
      await started(); // a new worker
      expect(pool.waitSync(span(), "f").bounds.length).toBe(2 * 64);
    }));

  it("a process that read a batch on the workers and never closed its reader exits by itself", () => {
    const script = `import { ArrayRecordReader } from "./src/format/array-record/reader.ts";
      const r = ArrayRecordReader.openSync(${JSON.stringify(file("group_size:64,zstd:3"))}, "max_parallelism:2");
      console.log(r.readSync(Array.from({ length: 700 }, (_, i) => 699 - i)).length);`;
    const child = runTsxChild({ source: script }, { timeoutMs: 60_000 });
    expect(child.error, "the child must exit by itself within 60 s").toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout.trim()).toBe("700");
  });
});
