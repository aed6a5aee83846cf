/**
 * Shard assignment: keys every record with a shard number in `[0, numShards)`, round-robin from a
 * random start per bundle (as Beam's WriteFiles does), so shards get equal record counts and
 * parallel bundles do not all start filling shard 0.
 */
import * as beam from "apache-beam";
import * as combiners from "apache-beam/transforms/combiners";
import { combinePerKey } from "apache-beam/transforms/internal";
import type { KV } from "apache-beam/values";
import { ArrayRecordError } from "../format/errors.js";
import { countCoder, createStrings, keyedCountCoder, parDoWithCoder, setCoder, shardedRecordCoder } from "./coders.js";
import { registerDoFns } from "./serialization.js";
import { singletonSideInput } from "./side-inputs.js";

/** About how many record bytes one shard gets when the shard count is derived from the data size. */
export const DEFAULT_SHARD_BYTES = 256 * 1024 * 1024;

/** Context of {@link AssignShardDoFn}: the shard count as a side input, when it is computed at run time. */
export interface AssignShardContext {
  /** Number of shards, computed from the data (absent when the DoFn has a fixed count). */
  shardCount?: beam.ParDoLookupParam<number>;
}

/** Keys each record with its shard number (fixed `numShards`, or the `shardCount` side input). */
export class AssignShardDoFn implements beam.DoFn<Uint8Array, KV<number, Uint8Array>, AssignShardContext> {
  private next = 0;

  /** `numShards` undefined: read the count from the context's `shardCount` side input. */
  constructor(readonly numShards: number | undefined) {}

  startBundle(): void {
    // Random start: bundles processed in parallel spread their first records over all shards.
    this.next = Math.floor(Math.random() * 0x7fffffff);
  }

  *process(record: Uint8Array, context: AssignShardContext): Generator<KV<number, Uint8Array>> {
    const numShards = this.numShards ?? context.shardCount!.lookup();
    yield { key: this.next++ % numShards, value: record };
  }
}

/** Keys a record with the empty string and its size, for a global sum. */
export class RecordSizeDoFn implements beam.DoFn<Uint8Array, KV<string, number>> {
  *process(record: Uint8Array): Generator<KV<string, number>> {
    yield { key: "", value: record.length };
  }
}

/** Turns a total byte count into a shard count: one shard per `shardBytes`, at least one. */
export class ShardCountDoFn implements beam.DoFn<KV<string, number>, number> {
  constructor(readonly shardBytes: number) {}

  *process(total: KV<string, number>): Generator<number> {
    yield shardCountFor(total.value, this.shardBytes);
  }
}

/** Number of shards for `totalBytes` of records: `ceil(totalBytes / shardBytes)`, at least 1. */
export function shardCountFor(totalBytes: number, shardBytes = DEFAULT_SHARD_BYTES): number {
  return Math.max(1, Math.ceil(totalBytes / shardBytes));
}

/** Checks a shard count given by a user. */
export function checkNumShards(numShards: number): number {
  if (!Number.isSafeInteger(numShards) || numShards < 1 || numShards > 0x7fffffff) {
    throw new ArrayRecordError("INVALID_OPTIONS", `numShards must be a positive integer, got ${numShards}`);
  }
  return numShards;
}

/**
 * The shard count of `records` as a one-element PCollection: `numShards` when given, else one
 * shard per `shardBytes` of record bytes (a global sum), at least 1. Never empty: an empty input
 * gives 1 (so a sink can still write one valid, empty shard).
 */
export function shardCount(records: beam.PCollection<Uint8Array>, numShards?: number, shardBytes = DEFAULT_SHARD_BYTES): beam.PCollection<number> {
  if (numShards !== undefined) {
    const fixed = createStrings(records.root(), "fixedShardCount", [String(checkNumShards(numShards))]);
    return parDoWithCoder(fixed, "parseShardCount", new ParseCountDoFn(), countCoder());
  }
  if (!(shardBytes > 0)) throw new ArrayRecordError("INVALID_OPTIONS", `shardBytes must be positive, got ${shardBytes}`);
  const sizes = parDoWithCoder(records, "recordSizes", new RecordSizeDoFn(), keyedCountCoder());
  // A zero entry makes the sum exist (and the count 1) even when there are no records.
  const zero = parDoWithCoder(
    createStrings(records.root(), "zeroSize", [""]),
    "zeroSizeKeyed",
    new ZeroSizeDoFn(),
    keyedCountCoder(),
  );
  const all = [sizes, zero] as beam.PCollection<KV<string, number>>[];
  const flat = (beam.P(all).apply(beam.withName("allSizes", beam.flatten())) as beam.PCollection<KV<string, number>>);
  const total = flat.apply(beam.withName("totalBytes", combinePerKey(combiners.sum))) as beam.PCollection<KV<string, number>>;
  // combinePerKey keeps the input coders here, but say so rather than rely on it.
  setCoder(total, keyedCountCoder());
  return parDoWithCoder(total, "shardCountFromBytes", new ShardCountDoFn(shardBytes), countCoder());
}

/** Emits a zero byte count under the empty key. */
export class ZeroSizeDoFn implements beam.DoFn<string, KV<string, number>> {
  *process(): Generator<KV<string, number>> {
    yield { key: "", value: 0 };
  }
}

/** Parses a decimal string (counts travel through `create` as strings, which it handles safely). */
export class ParseCountDoFn implements beam.DoFn<string, number> {
  *process(text: string): Generator<number> {
    yield Number(text);
  }
}

/**
 * `PTransform<PCollection<Uint8Array>, PCollection<KV<number, Uint8Array>>>`: keys every record
 * with a shard number, round-robin. `numShards` fixes the count; without it the count comes from
 * the data size (one shard per `shardBytes`, default 256 MiB), as a global sum computed first.
 * Output coder: KV(varint, bytes).
 */
export function assignShards(numShards?: number, shardBytes = DEFAULT_SHARD_BYTES) {
  return beam.withName("assignShards", (records: beam.PCollection<Uint8Array>): beam.PCollection<KV<number, Uint8Array>> => {
    if (numShards !== undefined) return parDoWithCoder(records, "assignShard", new AssignShardDoFn(checkNumShards(numShards)), shardedRecordCoder());
    const count = shardCount(records, undefined, shardBytes);
    return parDoWithCoder(records, "assignShard", new AssignShardDoFn(undefined), shardedRecordCoder(), {
      shardCount: singletonSideInput(count),
    });
  });
}

registerDoFns({ AssignShardDoFn, RecordSizeDoFn, ShardCountDoFn, ZeroSizeDoFn, ParseCountDoFn });
