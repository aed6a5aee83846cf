/**
 * The sharded file sink, built from Beam primitives (the TypeScript SDK has no file sinks):
 * records → shard keys, with the records in spill files of the run's temporary directory (or, for
 * object storage, in batches of records) → group by key → one temporary file per shard and attempt
 * → finalize.
 * Finalize runs once, from an impulse, with the written shards as a side input, so it waits for
 * every shard and still runs when there are no records at all (then every shard is an empty file).
 */
import * as beam from "apache-beam";
import type { KV } from "apache-beam/values";
import { groupByKey, impulse } from "apache-beam/transforms/internal";
import { ArrayRecordError } from "../format/errors.js";
import * as path from "node:path";
import type { Window, WindowedValue } from "apache-beam/values";
import { keyedStringCoder, parDoWithCoder, shardedRecordCoder, stringCoder } from "../transforms/coders.js";
import { windowed } from "../transforms/batching.js";
import { DEFAULT_BATCH_BYTES, RecordBatchBuilder } from "../transforms/record-batches.js";
import { isObjectUrl } from "../storage/url.js";
import { readSpillFile, SpillFile } from "./spill-files.js";
import { registerDoFns } from "../transforms/serialization.js";
import { iterableSideInput, singletonSideInput } from "../transforms/side-inputs.js";
import { unpackRecords } from "../transforms/record-batches.js";
import { AssignShardBatchesDoFn, DEFAULT_SHARD_BYTES, checkNumShards, shardCount } from "../transforms/shard.js";
import { finalizeShards, writeShardFile, type SinkPlan, type WrittenShard } from "./sink-files.js";
import { newTempDir, shardNaming, DEFAULT_SHARD_NAME_TEMPLATE } from "./shard-names.js";
import type { RecordFileFormat } from "./record-files.js";

/** Options shared by the sharded sinks (`writeToArrayRecord`, `writeToTFRecord`). */
export interface ShardedWriteOptions {
  /**
   * Number of shards. Absent: computed from the total record bytes (a global sum), one shard per
   * {@link shardBytes}, at least 1.
   */
  numShards?: number;
  /** Record bytes per shard when {@link numShards} is absent. Default 256 MiB. */
  shardBytes?: number;
  /**
   * Beam-style shard name template between prefix and suffix: runs of S are the shard number,
   * runs of N the shard count. Default `-SSSSS-of-NNNNN`; `""` writes one unsharded file.
   */
  shardNameTemplate?: string;
  /** Appended to every file name. Default none. */
  fileNameSuffix?: string;
  /**
   * Directory in which the hidden per-run temporary directory is made. Default: the output
   * directory (the same file system, so publishing is an atomic rename).
   */
  tempDirectory?: string;
}

/** Context of {@link WriteShardDoFn}: the shard count and the sink's counters. */
export interface WriteShardContext {
  numShards: beam.ParDoLookupParam<number>;
  recordsWritten: beam.Counter;
  bytesWritten: beam.Counter;
}

/** Writes one shard (a grouped shard key) to a temporary file; emits its description as JSON. */
export class WriteShardDoFn implements beam.DoFn<KV<number, Iterable<Uint8Array>>, string, WriteShardContext> {
  constructor(readonly plan: SinkPlan) {}

  /** `group`: a shard number and its record batches (`record-batches.ts`). */
  *process(group: KV<number, Iterable<Uint8Array>>, context: WriteShardContext): Generator<string> {
    const written = writeShardFile(this.plan, group.key, context.numShards.lookup(), unpackAll(group.value));
    context.recordsWritten.increment(written.records);
    context.bytesWritten.increment(written.bytes);
    yield JSON.stringify(written);
  }
}

function* unpackAll(batches: Iterable<Uint8Array>): Generator<Uint8Array> {
  for (const batch of batches) yield* unpackRecords(batch);
}

/** Context of {@link SpillShardsDoFn}: the element's window, and the shard count when computed at run time. */
export interface SpillShardsContext {
  window: beam.ParDoLookupParam<Window>;
  shardCount?: beam.ParDoLookupParam<number>;
}

/**
 * Assigns records to shards round-robin from a random start per bundle (as `AssignShardDoFn`),
 * appends them in batches to one spill file per shard in `dir` (`spill-files.ts`), and at the end
 * of the bundle emits KV(shard, spill file path) for each file it wrote: record bytes never enter
 * the runner's shuffle.
 */
export class SpillShardsDoFn implements beam.DoFn<Uint8Array, KV<number, string>, SpillShardsContext> {
  private next = 0;
  private buffers = new Map<string, { window: Window; shard: number; batch: RecordBatchBuilder; file: SpillFile | undefined }>();

  /** `numShards` undefined: read the count from the context's `shardCount` side input. */
  constructor(
    readonly numShards: number | undefined,
    readonly dir: string,
    readonly batchBytes: number = DEFAULT_BATCH_BYTES,
  ) {}

  startBundle(): void {
    this.next = Math.floor(Math.random() * 0x7fffffff);
    this.buffers = new Map();
  }

  process(record: Uint8Array, context: SpillShardsContext): void {
    const numShards = this.numShards ?? context.shardCount!.lookup();
    const shard = this.next++ % numShards;
    const window = context.window.lookup();
    const w = window as unknown as { start?: unknown; end?: unknown };
    const key = w.start === undefined ? `${shard}` : `${shard}/${String(w.start)}:${String(w.end)}`;
    let buffer = this.buffers.get(key);
    if (buffer === undefined) this.buffers.set(key, (buffer = { window, shard, batch: new RecordBatchBuilder(), file: undefined }));
    buffer.batch.add(record);
    if (buffer.batch.bytes >= this.batchBytes) (buffer.file ??= SpillFile.create(this.dir, shard)).append(buffer.batch.take());
  }

  *finishBundle(): Generator<WindowedValue<KV<number, string>>> {
    for (const buffer of this.buffers.values()) {
      if (buffer.batch.length > 0) (buffer.file ??= SpillFile.create(this.dir, buffer.shard)).append(buffer.batch.take());
      if (buffer.file === undefined) continue;
      buffer.file.close();
      yield windowed({ key: buffer.shard, value: buffer.file.path }, buffer.window);
    }
    this.buffers.clear();
  }
}

/** Writes one shard from its spill files (a grouped shard key) to a temporary file; emits its description as JSON. */
export class WriteSpilledShardDoFn implements beam.DoFn<KV<number, Iterable<string>>, string, WriteShardContext> {
  constructor(readonly plan: SinkPlan) {}

  *process(group: KV<number, Iterable<string>>, context: WriteShardContext): Generator<string> {
    const written = writeShardFile(this.plan, group.key, context.numShards.lookup(), readAllSpills(this.plan, group.value));
    context.recordsWritten.increment(written.records);
    context.bytesWritten.increment(written.bytes);
    yield JSON.stringify(written);
  }
}

function* readAllSpills(plan: SinkPlan, files: Iterable<string>): Generator<Uint8Array> {
  for (const file of files) {
    if (path.dirname(file) !== plan.tempDir) throw new ArrayRecordError("CORRUPT", `spill file outside this run's temporary directory ${plan.tempDir}`, { file });
    yield* readSpillFile(file);
  }
}

/** Context of {@link FinalizeShardsDoFn}: the written shards and the shard count, as side inputs. */
export interface FinalizeContext {
  written: beam.ParDoLookupParam<Iterable<string>>;
  numShards: beam.ParDoLookupParam<number>;
  filesWritten: beam.Counter;
}

/** Publishes every shard under its final name (see `finalizeShards`); emits the final names. */
export class FinalizeShardsDoFn implements beam.DoFn<Uint8Array, string, FinalizeContext> {
  constructor(readonly plan: SinkPlan) {}

  *process(_impulse: Uint8Array, context: FinalizeContext): Generator<string> {
    const written = [...context.written.lookup()].map((json) => JSON.parse(json) as WrittenShard);
    const finals = finalizeShards(this.plan, context.numShards.lookup(), written);
    context.filesWritten.increment(finals.length);
    yield* finals;
  }
}

/**
 * `PTransform<PCollection<Uint8Array>, PCollection<string>>` writing records as sharded files of
 * `format` named `prefix + template + suffix`, atomically; outputs the final file names. Counters
 * `<counterPrefix>_records_written`, `_bytes_written` (record bytes) and `_files_written`.
 * The building block of `writeToArrayRecord` and `writeToTFRecord`.
 */
export function writeRecordFiles(prefix: string, format: RecordFileFormat, options: ShardedWriteOptions = {}, counterPrefix: string = format.kind) {
  const naming = shardNaming(prefix, options.shardNameTemplate ?? DEFAULT_SHARD_NAME_TEMPLATE, options.fileNameSuffix ?? "");
  if (options.numShards !== undefined) checkNumShards(options.numShards);
  if (naming.template === "" && options.numShards !== undefined && options.numShards !== 1) {
    throw new ArrayRecordError("INVALID_OPTIONS", `an empty shard name template names one file, but numShards is ${options.numShards}`);
  }
  return (records: beam.PCollection<Uint8Array>): beam.PCollection<string> => {
    // One temporary directory per pipeline construction, i.e. per run.
    const plan: SinkPlan = { naming, format, tempDir: newTempDir(naming, options.tempDirectory) };
    const numShards = naming.template === "" ? 1 : options.numShards;
    const count = shardCount(records, numShards, options.shardBytes ?? DEFAULT_SHARD_BYTES);
    // A known shard count goes into the DoFn itself: a side input would keep Flink from fusing
    // this step with the one producing the records (one more Fn API round trip per record).
    const context = numShards !== undefined ? { window: beam.windowParam() } : { window: beam.windowParam(), shardCount: singletonSideInput(count) };
    const writeContext = () => ({
      numShards: singletonSideInput(count),
      recordsWritten: beam.counter(`${counterPrefix}_records_written`),
      bytesWritten: beam.counter(`${counterPrefix}_bytes_written`),
    });
    let written: beam.PCollection<string>;
    if (!isObjectUrl(plan.tempDir)) {
      // Local (shared) file system: records go to spill files, only their names are shuffled.
      const spilled = parDoWithCoder(records, "assignShard", new SpillShardsDoFn(numShards, plan.tempDir), keyedStringCoder(), context);
      const grouped = spilled.apply(beam.withName("groupShards", groupByKey())) as beam.PCollection<KV<number, Iterable<string>>>;
      written = parDoWithCoder(grouped, "writeShards", new WriteSpilledShardDoFn(plan), stringCoder(), writeContext());
    } else {
      // Object storage: record batches cross the shuffle (~1 MiB per element).
      const keyed = parDoWithCoder(records, "assignShard", new AssignShardBatchesDoFn(numShards), shardedRecordCoder(), context);
      // Output coder KV(varint, iterable(bytes)): shard → record batches, derived by groupByKey from the keyed coder.
      const grouped = keyed.apply(beam.withName("groupShards", groupByKey())) as beam.PCollection<KV<number, Iterable<Uint8Array>>>;
      written = parDoWithCoder(grouped, "writeShards", new WriteShardDoFn(plan), stringCoder(), writeContext());
    }
    const trigger = records.root().apply(beam.withName("finalizeTrigger", impulse()));
    return parDoWithCoder(trigger, "finalize", new FinalizeShardsDoFn(plan), stringCoder(), {
      written: iterableSideInput(written),
      numShards: singletonSideInput(count),
      filesWritten: beam.counter(`${counterPrefix}_files_written`),
    });
  };
}

registerDoFns({ WriteShardDoFn, SpillShardsDoFn, WriteSpilledShardDoFn, FinalizeShardsDoFn });
