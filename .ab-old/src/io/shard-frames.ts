/**
 * Shard frames: how a sink's records travel from the stage that reads them (parallel, one unit per
 * bundle) to the stage that writes a shard (one unit per shard). A frame is a kind byte's worth of
 * meaning plus a payload:
 * - {@link FRAME_RECORDS}: a record batch (`transforms/record-batches.ts`), records to be encoded
 *   by the shard's writer;
 * - {@link FRAME_CHUNKS}: finished ArrayRecord chunks back to back (`format/array-record/
 *   encoded-chunks.ts`), each a full group, compressed and hashed already: the writer only places
 *   them (block headers, footer entry), so the CPU-heavy encoding runs in the parallel stage.
 *
 * Why: a runner runs the write stage with one unit per shard, and Flink hashes the few shard keys
 * unevenly over its subtasks (4 keys → 3:1 on 2); encoding in the read stage spreads the work over
 * every bundle. Only full groups are pre-encoded (a reader finds a record's chunk as index /
 * group_size); each bundle's leftover (< group_size) records of a shard go as records, and the
 * writer gathers them into full groups and one last partial one.
 */
import { ArrayRecordError } from "../format/errors.js";
import { EncodedChunk, GroupChunkEncoder } from "../format/array-record/encoded-chunks.js";
import { RecordBatchBuilder, unpackRecords } from "../transforms/record-batches.js";

/** Frame kind: a record batch. */
export const FRAME_RECORDS = 0;
/** Frame kind: pre-encoded ArrayRecord chunks, back to back. */
export const FRAME_CHUNKS = 1;

/**
 * Record bytes of unfinished groups a bundle holds at most, over all its shards (bounds memory for
 * huge groups or many shards): past it, the shard whose record crossed it stops pre-encoding.
 */
export const MAX_PENDING_GROUP_BYTES = 64 << 20;

/** Record bytes of unfinished groups held by the frame builders of one bundle, and their limit. */
export interface PendingBudget {
  bytes: number;
  readonly limit: number;
}

/** A fresh budget of `limit` bytes (one per bundle, shared by its shards' builders). */
export function pendingBudget(limit = MAX_PENDING_GROUP_BYTES): PendingBudget {
  return { bytes: 0, limit };
}

/** Receives a finished frame: its kind and its payload as pieces to be written back to back. */
export type FrameSink = (kind: number, pieces: Uint8Array[], bytes: number) => void;

/** What a shard's writer receives: a record, or a pre-encoded chunk of `group_size` records. */
export type ShardItem = Uint8Array | EncodedChunk;

/**
 * One bundle's records of one shard (and window), turned into frames of about `frameBytes`: with
 * an `encoder`, every full group becomes a pre-encoded chunk (in {@link FRAME_CHUNKS} frames);
 * records of a group not full at {@link finish} go in {@link FRAME_RECORDS} frames, and so do all
 * of this shard's records once the unfinished groups of the bundle (`budget`, shared by its
 * shards) pass their limit. Without an encoder every record goes in record frames.
 */
export class ShardFrameBuilder {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private chunks: Uint8Array[] = [];
  private chunkBytes = 0;
  private readonly batch = new RecordBatchBuilder();
  private encoding: boolean;

  constructor(
    private readonly encoder: GroupChunkEncoder | undefined,
    private readonly frameBytes: number,
    private readonly emit: FrameSink,
    private readonly budget: PendingBudget = pendingBudget(),
  ) {
    this.encoding = encoder !== undefined;
  }

  /** Adds one record (anything but a Uint8Array is INVALID_OPTIONS). */
  add(record: Uint8Array): void {
    if (!this.encoding) return this.addRecord(record);
    if (!(record instanceof Uint8Array)) throw new ArrayRecordError("INVALID_OPTIONS", `a record must be a Uint8Array, got ${typeof record}`);
    this.pending.push(record);
    this.pendingBytes += record.length;
    this.budget.bytes += record.length;
    if (this.pending.length >= this.encoder!.groupSize) {
      const chunk = this.encoder!.encode(this.pending);
      this.budget.bytes -= this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      this.chunks.push(chunk.bytes);
      this.chunkBytes += chunk.bytes.length;
      if (this.chunkBytes >= this.frameBytes) this.flushChunks();
    } else if (this.budget.bytes > this.budget.limit) {
      // Unfinished groups would hold too much memory: let the shard's writer encode this one's.
      this.encoding = false;
      this.flushPending();
    }
  }

  /** Emits everything still held: chunks first, then the leftover records. */
  finish(): void {
    this.flushChunks();
    this.flushPending();
    if (this.batch.length > 0) this.emitBatch();
  }

  private addRecord(record: Uint8Array): void {
    this.batch.add(record);
    if (this.batch.bytes >= this.frameBytes) this.emitBatch();
  }

  private flushPending(): void {
    const pending = this.pending;
    this.budget.bytes -= this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    for (const record of pending) this.addRecord(record);
  }

  private flushChunks(): void {
    if (this.chunks.length === 0) return;
    const chunks = this.chunks;
    const bytes = this.chunkBytes;
    this.chunks = [];
    this.chunkBytes = 0;
    this.emit(FRAME_CHUNKS, chunks, bytes);
  }

  private emitBatch(): void {
    const batch = this.batch.take();
    this.emit(FRAME_RECORDS, [batch], batch.length);
  }
}

/** The items of one frame's payload, in order. `offset` (of the payload) and `file` locate errors. */
export function* frameItems(kind: number, payload: Uint8Array, file?: string, offset = 0): Generator<ShardItem> {
  if (kind === FRAME_RECORDS) {
    yield* unpackRecords(payload);
    return;
  }
  if (kind !== FRAME_CHUNKS) throw new ArrayRecordError("CORRUPT", `unknown shard frame kind ${kind}`, { file, offset });
  let at = 0;
  while (at < payload.length) {
    let parsed;
    try {
      parsed = EncodedChunk.parse(payload, at, offset + at);
    } catch (e) {
      throw e instanceof ArrayRecordError && file !== undefined ? e.withFile(file) : e;
    }
    yield parsed.chunk;
    at = parsed.next;
  }
}

/** One frame as a single element (kind byte, then payload), for frames that cross a runner's shuffle. */
export function packFrame(kind: number, pieces: Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(1 + bytes);
  out[0] = kind;
  let at = 1;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** The items of a frame made by {@link packFrame}; an empty element is CORRUPT. */
export function unpackFrame(frame: Uint8Array): Generator<ShardItem> {
  if (frame.length === 0) throw new ArrayRecordError("CORRUPT", "empty shard frame");
  return frameItems(frame[0]!, frame.subarray(1), undefined, 1);
}
