/**
 * Object storage throughput on S3 (Versity Gateway on loopback, started here; `npm run
 * setup:storage` first): 65,536 records of 1.3 KB, group_size 1 and 256, zstd:3 — sequential read,
 * read(indices) of 4,096 random indices, and write — against a baseline that does the bare minimum
 * for the same bytes with the same client and the same in-memory decode/encode:
 *   read       one whole-object GET, then decode from memory
 *   indices    the same byte ranges as GETs at the same concurrency (16), then decode from memory
 *   write      encode in memory, then one multipart upload (8 MiB parts)
 * plus one GET per record in sequence (the naive random read), and the peak RSS of a process
 * that only does the sequential read. Median of --runs runs (ours and the baseline interleaved, after
 * one warm-up of each); records/s, and the client process's CPU ms (ours / baseline).
 *
 *   npm run bench:storage                     # table
 *   npm run bench:storage -- --runs 5 --json
 *   npm run bench:storage -- --options group_size:1,zstd:3   # one layout only
 */
import { spawnSync } from "node:child_process";
import { scriptArgs } from "./script-args.js";
import pLimit from "p-limit";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { ArrayRecordReader, ArrayRecordWriter, MemoryByteSource, encodeArrayRecord, type ByteSource } from "../src/index.js";
import { coalesceRanges } from "../src/storage/coalesce.js";
import { MERGE_GAP_BYTES, MERGE_MAX_BYTES, READ_CONCURRENCY } from "../src/storage/remote-source.js";
import { resetStores } from "../src/storage/stores.js";
import setupServers from "../test/storage/helpers/servers.js";
import { median } from "./stats.js";

const { values } = scriptArgs("npm run bench:storage --", {
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
    records: { type: "string", default: "65536" },
    "rss-child": { type: "string" },
    options: { type: "string", multiple: true },
  },
});
const RECORDS = Number(values.records);
const RUNS = Number(values.runs);
const BUCKET = "arrayrecord-test";

/** 1.3 KB records: text-like (compressible ~2–3× by zstd), deterministic. */
function makeRecords(): Uint8Array[] {
  const words = ["array", "record", "chunk", "footer", "riegeli", "beam", "shard", "bucket", "object", "range"];
  let x = 2463534242;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
  return Array.from({ length: RECORDS }, () => {
    let text = "";
    while (text.length < 1300) text += `${words[next() % words.length]}${next() % 1000} `;
    return new TextEncoder().encode(text.slice(0, 1300));
  });
}

/** A ByteSource over a few fetched ranges (the baseline's decode input). */
class RangesSource implements ByteSource {
  readonly name = "<ranges>";
  constructor(
    readonly size: number,
    private readonly pieces: { position: number; bytes: Uint8Array }[],
  ) {}
  readSync(position: number, length: number): Uint8Array {
    const piece = this.pieces.find((p) => position >= p.position && position + length <= p.position + p.bytes.length);
    if (piece === undefined) throw new Error(`baseline: range ${position}+${length} not fetched`);
    return piece.bytes.subarray(position - piece.position, position - piece.position + length);
  }
  async read(position: number, length: number): Promise<Uint8Array> {
    return this.readSync(position, length);
  }
  async close(): Promise<void> {}
  closeSync(): void {}
}

async function getRange(client: S3Client, key: string, range?: string): Promise<Uint8Array> {
  const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: range }));
  return out.Body!.transformToByteArray();
}

/** Wall seconds and this process's CPU seconds (user + system) of one timed section. */
interface Timing {
  wall: number;
  cpu: number;
}

/**
 * Medians of `runs` timings of `ours` and `baseline`, interleaved (ours, baseline, ours, …) after one
 * untimed warm-up of each, so both see the same JIT state, GC pressure and machine load. The CPU
 * time of this process (the client side; the server does the same work for both) is less sensitive
 * to a busy machine than wall time.
 */
async function timePair(runs: number, ours: () => Promise<unknown>, baseline: () => Promise<unknown>): Promise<[Timing, Timing]> {
  await ours();
  await baseline();
  const a: Timing[] = [];
  const b: Timing[] = [];
  for (let r = 0; r < runs; r++) {
    a.push(await timeOnce(ours));
    b.push(await timeOnce(baseline));
  }
  const medians = (xs: Timing[]): Timing => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });
  return [medians(a), medians(b)];
}

async function timeOnce(fn: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return median(times);
}

async function rssChild(url: string): Promise<void> {
  const reader = await ArrayRecordReader.open(url);
  let n = 0;
  for await (const _ of reader.recordsAsync()) n++;
  await reader.close();
  process.stdout.write(JSON.stringify({ records: n, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

async function main(): Promise<void> {
  if (values["rss-child"] !== undefined) return rssChild(values["rss-child"]);
  const stop = await setupServers();
  try {
    // Straight to the server: no counting proxy in the way.
    process.env.AWS_ENDPOINT_URL = process.env.ARRAYRECORD_TEST_S3_BACKEND;
    resetStores();
    const client = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL, forcePathStyle: true, region: "us-east-1", requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
    const records = makeRecords();
    let x = 12345;
    const indices = Array.from({ length: 4096 }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x % RECORDS));
    const rows: Record<string, unknown>[] = [];
    for (const options of values.options ?? ["group_size:1,zstd:3", "group_size:256,zstd:3"]) {
      const key = `bench/${options.replace(/[:,]/g, "_")}.array_record`;
      const url = `s3://${BUCKET}/${key}`;
      const row = (op: string, [ours, baseline]: [Timing, Timing]) =>
        rows.push({
          options,
          op,
          ours_records_per_s: Math.round(RECORDS_OF[op]! / ours.wall),
          baseline_records_per_s: Math.round(RECORDS_OF[op]! / baseline.wall),
          ratio: +(baseline.wall / ours.wall).toFixed(2),
          cpu_ms: `${Math.round(ours.cpu * 1000)} / ${Math.round(baseline.cpu * 1000)}`,
        });
      const RECORDS_OF: Record<string, number> = { write: RECORDS, read: RECORDS, "read(indices)": indices.length };

      // write
      const write = await timePair(RUNS, async () => {
        const writer = await ArrayRecordWriter.open(url, options);
        for (const r of records) await writer.write(r);
        await writer.close();
      }, async () => {
        const bytes = encodeArrayRecord(records, options);
        const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: `${key}.baseline` }));
        const parts = [];
        for (let at = 0, n = 1; at < bytes.length; at += 8 << 20, n++) {
          const body = bytes.subarray(at, Math.min(bytes.length, at + (8 << 20)));
          const out = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: `${key}.baseline`, UploadId, PartNumber: n, Body: body, ContentLength: body.length }));
          parts.push({ PartNumber: n, ETag: out.ETag });
        }
        await client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: `${key}.baseline`, UploadId, MultipartUpload: { Parts: parts } }));
      });
      row("write", write);

      // sequential read
      const read = await timePair(RUNS, async () => {
        const reader = await ArrayRecordReader.open(url);
        let n = 0;
        for await (const _ of reader.recordsAsync()) n++;
        if (n !== RECORDS) throw new Error(`read ${n} records`);
      }, async () => {
        const bytes = await getRange(client, key);
        const reader = await ArrayRecordReader.open(new MemoryByteSource(bytes));
        let n = 0;
        for await (const _ of reader.recordsAsync()) n++;
        if (n !== RECORDS) throw new Error(`read ${n} records`);
      });
      row("read", read);

      // read(indices): a fresh reader each run (its open included, as the baseline's footer GETs are)
      const probe = await ArrayRecordReader.open(url);
      const size = probe.fileSize;
      // The baseline GETs what a reader over the whole file in memory asks for: the open's ranges
      // (postscript, footer) in sequence, then the batch's merged chunk ranges concurrently.
      const whole = await getRange(client, key);
      const opening: { position: number; length: number }[] = [];
      const batch: { position: number; length: number }[] = [];
      const recorder: ByteSource = {
        name: "<recorder>",
        size,
        readSync: (p, l) => (opening.push({ position: p, length: l }), whole.subarray(p, p + l)),
        read: async (p, l) => (opening.push({ position: p, length: l }), whole.subarray(p, p + l)),
        readMany: async (ranges) => (batch.push(...ranges), ranges.map((r) => whole.subarray(r.position, r.position + r.length))),
        close: async () => {},
        closeSync: () => {},
      };
      await (await ArrayRecordReader.open(recorder)).read(indices);
      const merged = coalesceRanges(batch, MERGE_GAP_BYTES, MERGE_MAX_BYTES);
      const get = async (r: { position: number; length: number }) => ({
        position: r.position,
        bytes: await getRange(client, key, `bytes=${r.position}-${r.position + r.length - 1}`),
      });
      const batchRead = await timePair(RUNS, async () => {
        const reader = await ArrayRecordReader.open(url);
        await reader.read(indices);
      }, async () => {
        const limit = pLimit(READ_CONCURRENCY);
        const pieces = [];
        for (const r of opening) pieces.push(await get(r));
        pieces.push(...(await Promise.all(merged.map((r) => limit(() => get(r))))));
        const reader = await ArrayRecordReader.open(new RangesSource(size, pieces));
        await reader.read(indices);
      });
      row("read(indices)", batchRead);

      // naive: one GET per record, in sequence (a sample, scaled)
      const sample = options.startsWith("group_size:1,") ? indices.slice(0, 1024) : indices.slice(0, 128);
      const naive = await timeIt(1, async () => {
        const reader = await ArrayRecordReader.open(url);
        for (const i of sample) await reader.read(i);
      });
      const naivePerS = sample.length / naive;
      rows.push({ options, op: "one GET per record (sequential)", records_per_s: Math.round(naivePerS), batch_speedup: +(indices.length / batchRead[0].wall / naivePerS).toFixed(1) });

      const child = spawnSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "--rss-child", url], {
        env: process.env,
        encoding: "utf8",
        timeout: 300_000,
      });
      rows.push({ options, op: "peak RSS of a sequential-read process", ...(JSON.parse(child.stdout.trim().split("\n").pop() || "{}") as object) });
    }
    if (values.json) for (const r of rows) process.stdout.write(JSON.stringify(r) + "\n");
    else console.table(rows);
  } finally {
    await stop();
  }
}

await main();
