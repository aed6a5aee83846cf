/**
 * ArrayRecordDataSource over remote shards: GETs per phase, seen by the counting proxy. Eager open
 * reads every footer (one GET per small shard) with the GETs overlapping, sync and async; a lazy open
 * reads none, iteration reads a shard's footer when it reaches it, and the first call needing the
 * record counts reads every missing footer, again overlapping.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ArrayRecordDataSource } from "../../src/format/array-record/data-source.js";
import { encodeArrayRecord } from "../../src/format/array-record/writer.js";
import { BUCKET, directS3, putObject } from "./helpers/env.js";
import { proxyControl as proxy, type LoggedRequest } from "./helpers/proxy.js";

const client = directS3();
const SHARDS = 20;
const pattern = `s3://${BUCKET}/lazy/train.array_record-*-of-000${SHARDS}`;
const records = (s: number) => Array.from({ length: 5 + s }, (_, i) => `s${s}:${i}`);
const expected = Array.from({ length: SHARDS }, (_, s) => records(s)).flat();
const text = (r: Uint8Array) => Buffer.from(r).toString();

/** Requests the proxy saw while `action` ran. */
async function requestsDuring(action: () => Promise<unknown> | unknown): Promise<LoggedRequest[]> {
  const before = (await proxy.log()).length;
  await action();
  return (await proxy.log()).slice(before);
}
const gets = (log: LoggedRequest[]) => log.filter((r) => r.method === "GET" && r.query.indexOf("list-type") < 0);
const maxInFlight = (log: LoggedRequest[]) => Math.max(0, ...gets(log).map((r) => r.inFlight));

beforeAll(async () => {
  for (let s = 0; s < SHARDS; s++) {
    const name = `lazy/train.array_record-${String(s).padStart(5, "0")}-of-000${SHARDS}`;
    await putObject(client, name, encodeArrayRecord(records(s), "group_size:2,zstd:3"));
  }
});

describe("ArrayRecordDataSource over S3 shards", () => {
  it("eager sync open: one ranged GET per shard, overlapping (one bridge call per batch of 16)", async () => {
    let source!: ArrayRecordDataSource;
    const log = await requestsDuring(() => (source = ArrayRecordDataSource.openSync(pattern)));
    expect(gets(log)).toHaveLength(SHARDS);
    expect(gets(log).every((g) => g.range !== undefined)).toBe(true);
    expect(maxInFlight(log)).toBeGreaterThan(1);
    const reads = await requestsDuring(() => {
      expect(source.length).toBe(expected.length);
      expect(source.getManySync([0, 57, expected.length - 1]).map(text)).toEqual([expected[0], expected[57], expected.at(-1)]);
    });
    expect(gets(reads)).toHaveLength(0); // small shards: the open's tail GET holds every chunk
    source.closeSync();
  });

  it("eager async open: one ranged GET per shard, overlapping", async () => {
    let source!: ArrayRecordDataSource;
    const log = await requestsDuring(async () => (source = await ArrayRecordDataSource.open(pattern)));
    expect(gets(log)).toHaveLength(SHARDS);
    expect(maxInFlight(log)).toBeGreaterThan(1);
    expect(await source.count()).toBe(expected.length);
    await source.close();
  });

  it("lazy: no GET at open, one per shard as iteration reaches it, the rest at the first count", async () => {
    let source!: ArrayRecordDataSource;
    const open = await requestsDuring(() => (source = ArrayRecordDataSource.openSync(pattern, "", { lazy: true })));
    expect(gets(open)).toHaveLength(0); // only the LIST of the glob
    const firstShard = await requestsDuring(() => {
      const seen: string[] = [];
      for (const r of source) {
        seen.push(text(r));
        if (seen.length === records(0).length + 1) break; // into shard 1
      }
      expect(seen).toEqual(expected.slice(0, records(0).length + 1));
    });
    expect(gets(firstShard)).toHaveLength(2);
    const counting = await requestsDuring(() => expect(source.length).toBe(expected.length));
    expect(gets(counting)).toHaveLength(SHARDS - 2);
    expect(maxInFlight(counting)).toBeGreaterThan(1);
    source.closeSync();

    let lazy!: ArrayRecordDataSource;
    const asyncOpen = await requestsDuring(async () => (lazy = await ArrayRecordDataSource.open(pattern, "", { lazy: true })));
    expect(gets(asyncOpen)).toHaveLength(0);
    const first = await requestsDuring(async () => expect(text(await lazy.get(expected.length - 1))).toBe(expected.at(-1)));
    expect(gets(first)).toHaveLength(SHARDS);
    expect(maxInFlight(first)).toBeGreaterThan(1);
    const streamed: string[] = [];
    for await (const r of lazy) streamed.push(text(r));
    expect(streamed).toEqual(expected);
    await lazy.close();
  });
});
