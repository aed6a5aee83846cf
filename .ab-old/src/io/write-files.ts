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
import { windowKey, windowed } from "../transforms/batching.js";
import { DEFAULT_BATCH_BYTES } from "../transforms/record-batches.js";
import { GroupChunkEncoder } from "../format/array-record/encoded-chunks.js";
import { packFrame, pendingBudget, ShardFrameBuilder, unpackFrame, type ShardItem } from "./shard-frames.js";
import { isObjectUrl } from "../storage/url.js";
import { readSpillFile, SpillFile } from "./spill-files.js";
import { registerDoFns } from "../transforms/serialization.js";
import { iterableSideInput, singletonSideInput } from "../transforms/side-inputs.js";
import { DEFAULT_SHARD_BYTES, checkNumShards, shardCount } from "../transforms/shard.js";
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

  /** `group`: a shard number and its frames (`shard-frames.ts`, made by {@link AssignShardFramesDoFn}). */
  *process(group: KV<number, Iterable<Uint8Array>>, context: WriteShardContext): Generator<string> {
    const written = writeShardFile(this.plan, group.key, context.numShards.lookup(), unpackAll(group.value));
    context.recordsWritten.increment(written.records);
    context.bytesWritten.increment(written.bytes);
    yield JSON.stringify(written);
  }
}

function* unpackAll(frames: Iterable<Uint8Array>): Generator<ShardItem> {
  for (const frame of frames) yield* unpackFrame(frame);
}

/** Context of the shard-assigning DoFns: the element's window, and the shard count when computed at run time. */
export interface SpillShardsContext {
  window: beam.ParDoLookupParam<Window>;
  shardCount?: beam.ParDoLookupParam<number>;
}

/**
 * Assigns records to shards round-robin from a random start per bundle (as `AssignShardDoFn`) and
 * turns each shard's records into frames (`shard-frames.ts`): with ArrayRecord writer options,
 * full groups become pre-encoded chunks here, in the parallel stage. Subclasses say where frames go.
 */
abstract class ShardFramesDoFn<Out, State = undefined> {
  private next = 0;
  private buffers = new Map<string, ShardBuffer<State>>();
  private encoder: GroupChunkEncoder | undefined;
  private budget = pendingBudget();

  /**
   * `numShards` undefined: read the count from the context's `shardCount` side input.
   * `writerOptions`: pre-encode full groups of an ArrayRecord file with these options.
   */
  constructor(
    readonly numShards: number | undefined,
    readonly batchBytes: number,
    readonly writerOptions: string | undefined,
  ) {}

  startBundle(): void {
    this.next = Math.floor(Math.random() * 0x7fffffff);
    this.buffers = new Map();
    this.budget = pendingBudget();
    if (this.writerOptions !== undefined) this.encoder ??= new GroupChunkEncoder(this.writerOptions);
  }

  process(record: Uint8Array, context: SpillShardsContext): void {
    const numShards = this.numShards ?? context.shardCount!.lookup();
    const shard = this.next++ % numShards;
    const window = context.window.lookup();
    const key = `${shard}/${windowKey(window)}`;
    let buffer = this.buffers.get(key);
    if (buffer === undefined) {
      const entry = { window, shard, state: undefined } as ShardBuffer<State>; // frames set next: its callback needs entry
      entry.frames = new ShardFrameBuilder(this.encoder, this.batchBytes, (kind, pieces, bytes) => this.frame(entry, kind, pieces, bytes), this.budget);
      this.buffers.set(key, (buffer = entry));
    }
    buffer.frames.add(record);
  }

  *finishBundle(): Generator<WindowedValue<Out>> {
    const buffers = [...this.buffers.values()];
    this.buffers.clear();
    for (const buffer of buffers) buffer.frames.finish();
    yield* this.finished(buffers);
  }

  /** Takes one finished frame of `buffer`'s shard and window. */
  protected abstract frame(buffer: ShardBuffer<State>, kind: number, pieces: Uint8Array[], bytes: number): void;
  /** The bundle's outputs, once every frame of `buffers` was taken. */
  protected abstract finished(buffers: ShardBuffer<State>[]): Generator<WindowedValue<Out>>;
}

/** One shard's records of a bundle in one window, on their way into frames; `state` is the subclass's. */
interface ShardBuffer<State> {
  window: Window;
  shard: number;
  frames: ShardFrameBuilder;
  state: State | undefined;
}

/**
 * Shard frames (see {@link ShardFramesDoFn}) go to one spill file per shard (and window) in `dir`
 * (`spill-files.ts`); at the end of the bundle emits KV(shard, spill file path) for each file it
 * wrote: record bytes never enter the runner's shuffle.
 */
export class SpillShardsDoFn extends ShardFramesDoFn<KV<number, string>, SpillFile> implements beam.DoFn<Uint8Array, KV<number, string>, SpillShardsContext> {
  constructor(numShards: number | undefined, readonly dir: string, batchBytes: number = DEFAULT_BATCH_BYTES, writerOptions?: string) {
    super(numShards, batchBytes, writerOptions);
  }

  protected frame(buffer: ShardBuffer<SpillFile>, kind: number, pieces: Uint8Array[], bytes: number): void {
    buffer.state ??= SpillFile.create(this.dir, buffer.shard);
    buffer.state.appendFrame(kind, pieces, bytes);
  }

  protected *finished(buffers: ShardBuffer<SpillFile>[]): Generator<WindowedValue<KV<number, string>>> {
    for (const { state: file, shard, window } of buffers) {
      if (file === undefined) continue;
      file.close();
      yield windowed({ key: shard, value: file.path }, window);
    }
  }
}

/**
 * Shard frames (see {@link ShardFramesDoFn}) as elements KV(shard, frame) (`packFrame`) of about
 * `batchBytes`, for outputs without a shared file system (object stores): they cross the shuffle.
 */
export class AssignShardFramesDoFn extends ShardFramesDoFn<KV<number, Uint8Array>> implements beam.DoFn<Uint8Array, KV<number, Uint8Array>, SpillShardsContext> {
  /** Frames completed by the record being processed (they are in its window). */
  private ready: KV<number, Uint8Array>[] = [];
  /** Frames completed at the end of the bundle, with their windows. */
  private out: WindowedValue<KV<number, Uint8Array>>[] = [];
  private finishing = false;

  constructor(numShards: number | undefined, batchBytes: number = DEFAULT_BATCH_BYTES, writerOptions?: string) {
    super(numShards, batchBytes, writerOptions);
  }

  override startBundle(): void {
    super.startBundle();
    this.ready = [];
    this.out = [];
    this.finishing = false;
  }

  // Full frames leave as soon as they are made: a bundle's frames are never all held in memory.
  override *process(record: Uint8Array, context: SpillShardsContext): Generator<KV<number, Uint8Array>> {
    super.process(record, context);
    if (this.ready.length === 0) return;
    const ready = this.ready;
    this.ready = [];
    yield* ready;
  }

  override *finishBundle(): Generator<WindowedValue<KV<number, Uint8Array>>> {
    this.finishing = true;
    yield* super.finishBundle();
  }

  protected frame({ shard, window }: ShardBuffer<undefined>, kind: number, pieces: Uint8Array[], bytes: number): void {
    const kv = { key: shard, value: packFrame(kind, pieces, bytes) };
    if (this.finishing) this.out.push(windowed(kv, window));
    else this.ready.push(kv);
  }

  protected *finished(): Generator<WindowedValue<KV<number, Uint8Array>>> {
    const out = this.out;
    this.out = [];
    yield* out;
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

function* readAllSpills(plan: SinkPlan, files: Iterable<string>): Generator<ShardItem> {
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
    // ArrayRecord: full groups are encoded into chunks in this (parallel) stage; the per-shard
    // write stage only places them (shard-frames.ts).
    const preEncode = format.kind === "arrayrecord" ? format.writerOptions : undefined;
    let written: beam.PCollection<string>;
    if (!isObjectUrl(plan.tempDir)) {
      // Local (shared) file system: records go to spill files, only their names are shuffled.
      const spilled = parDoWithCoder(records, "assignShard", new SpillShardsDoFn(numShards, plan.tempDir, DEFAULT_BATCH_BYTES, preEncode), keyedStringCoder(), context);
      const grouped = spilled.apply(beam.withName("groupShards", groupByKey())) as beam.PCollection<KV<number, Iterable<string>>>;
      written = parDoWithCoder(grouped, "writeShards", new WriteSpilledShardDoFn(plan), stringCoder(), writeContext());
    } else {
      // Object storage: frames cross the shuffle (~1 MiB per element).
      const keyed = parDoWithCoder(records, "assignShard", new AssignShardFramesDoFn(numShards, DEFAULT_BATCH_BYTES, preEncode), shardedRecordCoder(), context);
      // Output coder KV(varint, iterable(bytes)): shard → frames, derived by groupByKey from the keyed coder.
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

registerDoFns({ WriteShardDoFn, SpillShardsDoFn, AssignShardFramesDoFn, WriteSpilledShardDoFn, FinalizeShardsDoFn });
