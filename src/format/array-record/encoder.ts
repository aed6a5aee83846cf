/**
 * The ArrayRecord file layout as a pure byte producer (FORMAT.md §6.1): signature, data chunks of
 * `group_size` records, optional padding, footer, postscript. Output accumulates in memory until
 * the owner drains it to a file (sync or async), so the same encoder serves both writer APIs.
 */
import { StreamCompressor } from "../riegeli/codecs.js";
import { ChunkType } from "../riegeli/chunk-header.js";
import { paddingChunkTo, writeChunk, type ChunkContent } from "../riegeli/chunk-writer.js";
import { OutputBuffer } from "../bytes/output-buffer.js";
import { encodeFooterEntry, encodeFooterMetadata, encodePostscript, type FooterEntry } from "./footer.js";
import { SimpleChunkBuilder, groupDecodedSize, groupRecords } from "../riegeli/simple-chunk.js";
import { ArrayRecordError } from "../errors.js";
import { CHUNK_HEADER_SIZE } from "../riegeli/chunk-header.js";
import { encodeWorkerCount, sharedEncodePool, type EncodePool } from "./parallel-encode.js";
import { TransposedChunkBuilder } from "../riegeli/transposed-chunk-encoder.js";
import { writerOptionsToString, type WriterOptions } from "./options.js";
import { checkEncodedChunk, type EncodedChunk } from "./encoded-chunks.js";
import { DeferredChunkHashes } from "../riegeli/chunk-hashes.js";
import {
  encodeGroupsNatively,
  layOutChunksNatively,
  mostChunkBytes,
  mostLaidOutBytes,
  nativeChunkLayout,
  nativeCodecFor,
  type ChunkOutput,
  type NativeCodec,
} from "../riegeli/native-chunk-encoder.js";

/** The ArrayRecord footer format version. */
const FORMAT_VERSION = 1;
/** The postscript repeats its record this many times, as C++ does. */
const POSTSCRIPT_COPIES = 3;

/** Jobs in flight per encode worker before the writer waits for the oldest. */
const IN_FLIGHT_PER_WORKER = 4;
/** Small groups go to a worker together until they hold this many bytes (one message each costs µs). */
const JOB_BYTES = 256 * 1024;
/** …or this many groups. */
const JOB_GROUPS = 256;

/** How the encoder may encode its chunks (tests turn the native encoder off to compare the two). */
export interface EncoderChoices {
  /** Encode simple chunks with the native encoder where it applies (default true). */
  native?: boolean;
}

/** Groups handed to an encode worker as one job, not yet placed in the file. */
interface PendingJob {
  id: number;
  /** The job's groups (the flat triples of `RecordGroups`), one chunk each. */
  groups: number[];
}

/**
 * Encodes records into ArrayRecord file bytes, chunk by chunk. With `max_parallelism` ≥ 2 (and no
 * transpose) simple chunks are compressed on worker threads and placed in file order, giving the
 * same bytes as encoding them here. Otherwise, where the native encoder applies (simple
 * uncompressed, zstd or Snappy chunks, no padding to block boundaries), full groups are collected
 * and encoded and laid out in batches by one native call each, again with the same bytes.
 */
export class ArrayRecordEncoder {
  /** File position of the next chunk. */
  private position = 0;
  private readonly builder: SimpleChunkBuilder | TransposedChunkBuilder;
  private readonly compressor: StreamCompressor;
  private readonly entries: FooterEntry[] = [];
  private readonly output = new OutputBuffer();
  /** Chunks in {@link output} whose hashes are written in one native call when it is drained. */
  private readonly deferredHashes = DeferredChunkHashes.create();
  private recordCount = 0;
  /** The canonical options string stored in the footer. */
  readonly optionsString: string;
  /** Encode workers this encoder may use (0: encode on this thread). */
  private readonly workers: number;
  private readonly pool: EncodePool | undefined;
  private readonly inFlight: PendingJob[] = [];
  /** Group buffers the workers gave back, for the next groups. */
  private readonly spare: { sizes: Uint8Array; values: Uint8Array }[] = [];
  /** The native encoder's codec when closed groups are batched for it; else undefined. */
  private readonly nativeCodec: NativeCodec | undefined;
  /** Chunk begins the native encoder reports, reused. */
  private nativeBegins = new Float64Array(0);
  /** Label for errors from workers. */
  file = "";

  constructor(
    private readonly options: WriterOptions,
    choices: EncoderChoices = {},
  ) {
    // With transpose every data chunk is a transposed chunk, as C++ writes them.
    this.builder = options.transpose ? new TransposedChunkBuilder(options.transposeBucketSize) : new SimpleChunkBuilder();
    this.compressor = new StreamCompressor(options.compression, options.windowLog);
    // C++ stores the effective parallelism, 1 without a pool. With workers the footer still says 1,
    // so the bytes do not depend on how many threads encoded them.
    this.optionsString = writerOptionsToString(options, 1);
    this.workers = options.transpose ? 0 : encodeWorkerCount(options.maxParallelism, options.compression);
    this.pool = this.workers > 0 ? sharedEncodePool() : undefined;
    const nativeApplies = choices.native !== false && this.workers === 0 && !options.transpose && !options.padToBlockBoundary;
    this.nativeCodec = nativeApplies ? nativeCodecFor(options.compression, options.windowLog) : undefined;
    this.emit({ chunkType: ChunkType.SIGNATURE, data: new Uint8Array(0), numRecords: 0, decodedDataSize: 0 });
  }

  /** Records added so far. */
  get numRecords(): number {
    return this.recordCount;
  }

  /** Bytes produced and not yet taken by {@link drain}. */
  get pendingBytes(): number {
    return this.output.length;
  }

  /** Adds one record; emits a chunk when a group is full. */
  add(record: Uint8Array): void {
    this.builder.add(record);
    this.recordCount++;
    if (this.builder.count >= this.options.groupSize) this.flushChunk();
  }

  /**
   * Places a chunk encoded elsewhere (`encoded-chunks.ts`) for these options: it must hold exactly
   * `group_size` records (INVALID_OPTIONS otherwise). It goes into the file now, before the records
   * of a group still being collected (and, with encode workers, before full groups still being
   * compressed), so every chunk but the last stays a full group.
   */
  addEncodedChunk(chunk: EncodedChunk): void {
    checkEncodedChunk(chunk, this.options);
    this.encodeClosedNatively();
    this.place(chunk.chunkType, chunk.header, chunk.data, chunk.numRecords, chunk.decodedDataSize);
    this.recordCount += chunk.numRecords;
  }

  /** Places a chunk whose header is already made, with its footer entry and any padding after it. */
  private place(chunkType: number, header: Uint8Array, data: Uint8Array, numRecords: number, decodedDataSize: number): void {
    const chunkOffset = this.emit({ chunkType, data, header, numRecords, decodedDataSize });
    this.entries.push({ chunkOffset, decodedDataSize, numRecords });
    if (this.options.padToBlockBoundary) this.padToBoundary();
  }

  /** Emits the last partial chunk, the footer and the postscript. No records may follow. */
  finish(): void {
    if (this.builder.count > 0) this.flushChunk();
    this.encodeClosed();
    while (this.inFlight.length > 0) this.placeOldest();
    const footerOffset = this.position;
    const footer = new SimpleChunkBuilder();
    footer.add(
      encodeFooterMetadata({
        version: FORMAT_VERSION,
        numChunks: this.entries.length,
        numRecords: this.recordCount,
        writerOptions: this.optionsString,
      }),
    );
    for (const entry of this.entries) footer.add(encodeFooterEntry(entry));
    this.emitBuilt(footer, this.compressor);
    this.padToBoundary();
    const postscript = new SimpleChunkBuilder();
    const record = encodePostscript(footerOffset);
    for (let i = 0; i < POSTSCRIPT_COPIES; i++) postscript.add(record);
    this.emitBuilt(postscript, new StreamCompressor({ type: "uncompressed" }, undefined));
    this.padToBoundary();
  }

  /**
   * Takes the bytes produced since the last call. With `reuse` the view is only valid until the
   * next record is added (for a synchronous consumer that writes it at once).
   */
  drain(reuse: boolean): Uint8Array {
    const start = this.position - this.output.length;
    const bytes = this.output.take(reuse);
    this.deferredHashes?.seal(bytes, start);
    return bytes;
  }

  /** Drops the chunks still in flight (the file is being abandoned). */
  abandon(): void {
    this.pool?.abandon(this.inFlight.splice(0).map((c) => c.id));
  }

  private flushChunk(): void {
    if (this.nativeCodec !== undefined || this.pool !== undefined) {
      // Batched: full groups are closed and encoded together, natively or on a worker.
      const builder = this.builder as SimpleChunkBuilder;
      builder.endGroup();
      if (builder.heldBytes >= JOB_BYTES || builder.closedGroups >= JOB_GROUPS) this.encodeClosed();
      return;
    }
    const numRecords = this.builder.count;
    const decodedDataSize = this.builder.decodedDataSize;
    const chunkType = this.builder instanceof TransposedChunkBuilder ? ChunkType.TRANSPOSED : ChunkType.SIMPLE;
    const chunkOffset = this.emitBuilt(this.builder, this.compressor, chunkType);
    this.entries.push({ chunkOffset, decodedDataSize, numRecords });
    if (this.options.padToBlockBoundary) this.padToBoundary();
  }

  /** Hands the closed groups, if any, to a worker or to the native encoder. */
  private encodeClosed(): void {
    if (!(this.builder instanceof SimpleChunkBuilder) || this.builder.closedGroups === 0) return;
    if (this.pool !== undefined) this.submit();
    else this.encodeClosedNatively();
  }

  /** Encodes the closed groups natively into the output, with their footer entries. */
  private encodeClosedNatively(): void {
    const codec = this.nativeCodec;
    if (codec === undefined) return;
    const builder = this.builder as SimpleChunkBuilder;
    const count = builder.closedGroups;
    if (count === 0) return;
    const batch = builder.closedGroupsView();
    const groups = Float64Array.from(batch.groups);
    this.placeNatively(
      count,
      (from) => mostChunkBytes(groups, from, count),
      (from, target, begins) => encodeGroupsNatively(codec, batch, groups, from, count, target, begins),
      (g, chunkOffset) => this.addEntry(chunkOffset, groups, g),
    );
    builder.dropClosedGroups();
  }

  /**
   * Places `count` chunks natively, in as many calls as it takes: `write(from, target, begins)`
   * writes chunks from `from` on into `target` while they surely fit (at least one in the
   * `room(from)` bytes reserved for the rest) and returns how many it wrote, with their begins
   * and the last one's end in `begins`; `entry(g, begin)` records chunk g's footer entry.
   */
  private placeNatively(
    count: number,
    room: (from: number) => number,
    write: (from: number, target: ChunkOutput, begins: Float64Array) => number,
    entry: (g: number, begin: number) => void,
  ): void {
    if (this.nativeBegins.length < count + 1) this.nativeBegins = new Float64Array(count + 1);
    const begins = this.nativeBegins;
    for (let from = 0; from < count; ) {
      const reserved = room(from);
      const { bytes, at } = this.output.reserve(reserved);
      const done = write(from, { out: bytes, outAt: at, position: this.position }, begins);
      const end = begins[done]!;
      this.output.unreserve(reserved - (end - this.position));
      if (done === 0) throw new RangeError(`native chunk encoder placed nothing in ${reserved} bytes`);
      for (let k = 0; k < done; k++) entry(from + k, begins[k]!);
      this.position = end;
      from += done;
    }
  }

  /** Hands the closed groups to a worker; waits for the oldest job when too many are in flight. */
  private submit(): void {
    const batch = (this.builder as SimpleChunkBuilder).detach(this.spare.pop());
    const id = this.pool!.submit(batch, this.options.compression, this.options.windowLog, this.workers);
    this.inFlight.push({ id, groups: batch.groups });
    if (this.inFlight.length >= IN_FLIGHT_PER_WORKER * this.workers) this.placeOldest();
  }

  /** Waits for the oldest job in flight and places its chunks. */
  private placeOldest(): void {
    const pending = this.inFlight.shift()!;
    const reply = this.pool!.wait(pending.id, this.file);
    this.spare.push({ sizes: reply.sizes, values: reply.values });
    if ("error" in reply) throw new ArrayRecordError("IO", reply.error, { file: this.file });
    const { chunks, lengths } = reply;
    const { groups } = pending;
    if (nativeChunkLayout && !this.options.padToBlockBoundary) {
      this.layOutNatively(chunks, lengths, groups);
      return;
    }
    let at = 0;
    for (let g = 0; g < lengths.length; g++) {
      const chunk = chunks.subarray(at, at + lengths[g]!);
      at += lengths[g]!;
      this.place(ChunkType.SIMPLE, chunk.subarray(0, CHUNK_HEADER_SIZE), chunk.subarray(CHUNK_HEADER_SIZE), groupRecords(groups, g), groupDecodedSize(groups, g));
    }
  }

  /** Lays a worker's chunks of `groups` out natively into the output, with their footer entries. */
  private layOutNatively(chunks: Uint8Array, lengths: number[], groups: number[]): void {
    const count = lengths.length;
    const starts = new Float64Array(count + 1);
    let records = 0;
    for (let k = 0; k < count; k++) {
      starts[k + 1] = starts[k]! + lengths[k]!;
      records += groupRecords(groups, k);
    }
    this.placeNatively(
      count,
      (from) => mostLaidOutBytes(chunks.length - starts[from]!, count - from, records),
      (from, target, begins) => layOutChunksNatively(chunks.subarray(starts[from]!), count - from, target, begins),
      (g, chunkOffset) => this.addEntry(chunkOffset, groups, g),
    );
  }

  /** The footer entry of the chunk at `chunkOffset` holding group `g` of `groups`. */
  private addEntry(chunkOffset: number, groups: ArrayLike<number>, g: number): void {
    this.entries.push({ chunkOffset, decodedDataSize: groupDecodedSize(groups, g), numRecords: groupRecords(groups, g) });
  }

  /** Emits the builder's records as a chunk of `chunkType`; returns the chunk's begin. */
  private emitBuilt(builder: SimpleChunkBuilder | TransposedChunkBuilder, compressor: StreamCompressor, chunkType: number = ChunkType.SIMPLE): number {
    const numRecords = builder.count;
    const decodedDataSize = builder.decodedDataSize;
    return this.emit({ chunkType, data: builder.finish(compressor), numRecords, decodedDataSize });
  }

  private padToBoundary(): void {
    const padding = paddingChunkTo(this.position);
    if (padding !== undefined) this.emit(padding);
  }

  private emit(content: ChunkContent): number {
    const begin = this.position;
    this.position = writeChunk(this.output, begin, content, this.deferredHashes);
    return begin;
  }
}
