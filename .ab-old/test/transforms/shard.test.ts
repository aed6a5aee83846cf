import * as beam from "apache-beam";
import type { KV } from "apache-beam/values";
import { describe, expect, it } from "vitest";
import { assignShards, shardCountFor } from "../../src/transforms/shard.js";
import { collect, collected, createRecords, runDirect } from "../io/beam-helpers.js";

describe("assignShards", () => {
  it("spreads records round-robin over a fixed number of shards", async () => {
    let key = "";
    await runDirect((root) => {
      key = collect(createRecords(root, Array.from({ length: 100 }, (_, i) => `r${i}`)).apply(beam.withName("shard", assignShards(7))));
    });
    const keyed = collected<KV<number, Uint8Array>>(key);
    expect(keyed).toHaveLength(100);
    const perShard = new Array(7).fill(0);
    for (const { key: shard } of keyed) perShard[shard]++;
    expect(Math.max(...perShard) - Math.min(...perShard)).toBeLessThanOrEqual(1);
  });

  it("derives the count from the data size", async () => {
    let key = "";
    await runDirect((root) => {
      key = collect(createRecords(root, Array.from({ length: 40 }, () => "0123456789")).apply(beam.withName("shard", assignShards(undefined, 100))));
    });
    const shards = new Set(collected<KV<number, Uint8Array>>(key).map((kv) => kv.key));
    expect([...shards].sort()).toEqual([0, 1, 2, 3]);
  });

  it("computes shard counts: ceil(bytes / shard bytes), at least one", () => {
    expect(shardCountFor(0)).toBe(1);
    expect(shardCountFor(1)).toBe(1);
    expect(shardCountFor(256 * 2 ** 20)).toBe(1);
    expect(shardCountFor(256 * 2 ** 20 + 1)).toBe(2);
    expect(shardCountFor(10 * 2 ** 40)).toBe(40 * 1024);
  });
});
