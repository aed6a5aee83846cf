/**
 * Pre-encoded chunks: a full group of records compressed into a finished Riegeli chunk (40-byte
 * header with both hashes, then data) away from the file it will go into, e.g. in a parallel stage
 * of a Beam job, and later placed by an `ArrayRecordEncoder` (`addEncodedChunk`).
 *
 * Why this works: a chunk header (sizes, record count, data hash, header hash) does not depend on
 * where the chunk lands; only the 64 KiB block headers spliced into it, any padding, and the footer
 * entry do, and the encoder computes those when it places the chunk. ArrayRecord readers find a
 * record's chunk as `index / group_size`, so a pre-encoded chunk must hold exactly `group_size`
 * records; the encoder only lets the last (partial) group of a file be encoded by itself.
 */
import { ArrayRecordError } from "../errors.js";
import { CHUNK_HEADER_SIZE, ChunkType, decodeChunkHeader, encodeChunkHeader } from "../riegeli/chunk-header.js";
import { compressionByte, StreamCompressor } from "../riegeli/codecs.js";
import { SimpleChunkBuilder } from "../riegeli/simple-chunk.js";
import { TransposedChunkBuilder } from "../riegeli/transposed-chunk-encoder.js";
import { parseWriterOptions, type WriterOptions } from "./options.js";

/** A finished chunk (header + data) of one group of records, not yet placed in a file. */
export class EncodedChunk {
  private constructor(
    /** The chunk's bytes: its 40-byte header, then its data. */
    readonly bytes: Uint8Array,
    /** Chunk type byte (simple or transposed). */
    readonly chunkType: number,
    /** Records in the chunk. */
    readonly numRecords: number,
    /** Sum of the records' lengths. */
    readonly decodedDataSize: number,
  ) {}

  /** The 40-byte header. */
  get header(): Uint8Array {
    return this.bytes.subarray(0, CHUNK_HEADER_SIZE);
  }

  /** The chunk data after the header. */
  get data(): Uint8Array {
    return this.bytes.subarray(CHUNK_HEADER_SIZE);
  }

  /** Wraps chunk bytes made by {@link GroupChunkEncoder} (fields given, not re-read). */
  static of(bytes: Uint8Array, chunkType: number, numRecords: number, decodedDataSize: number): EncodedChunk {
    return new EncodedChunk(bytes, chunkType, numRecords, decodedDataSize);
  }

  /**
   * Reads the chunk starting at `bytes[at]` (e.g. one of several back to back): verifies its header
   * hash and that its data fits. The data hash is not checked here (the placing encoder copies the
   * data as is; every reader of the file checks it). `offset` locates errors. Returns the chunk (a
   * view of `bytes`) and where the next one begins.
   */
  static parse(bytes: Uint8Array, at = 0, offset = at): { chunk: EncodedChunk; next: number } {
    if (bytes.length - at < CHUNK_HEADER_SIZE) throw new ArrayRecordError("TRUNCATED", "truncated pre-encoded chunk header", { offset });
    const header = decodeChunkHeader(bytes.subarray(at, at + CHUNK_HEADER_SIZE), offset);
    if (header.dataSize > bytes.length - at - CHUNK_HEADER_SIZE) {
      throw new ArrayRecordError("TRUNCATED", `pre-encoded chunk data of ${header.dataSize} bytes runs past the end`, { offset });
    }
    const next = at + CHUNK_HEADER_SIZE + header.dataSize;
    return { chunk: new EncodedChunk(bytes.subarray(at, next), header.chunkType, header.numRecords, header.decodedDataSize), next };
  }
}

/**
 * Encodes groups of records into {@link EncodedChunk}s exactly as an `ArrayRecordEncoder` with the
 * same options would (same chunk type, compression and window), on the calling thread.
 */
export class GroupChunkEncoder {
  /** Records per chunk of these options. */
  readonly groupSize: number;
  private readonly builder: SimpleChunkBuilder | TransposedChunkBuilder;
  private readonly compressor: StreamCompressor;
  private readonly chunkType: number;

  /** `options`: the writer options of the file the chunks go into (string or parsed). */
  constructor(options: string | WriterOptions) {
    const parsed = typeof options === "string" ? parseWriterOptions(options) : options;
    this.groupSize = parsed.groupSize;
    this.builder = parsed.transpose ? new TransposedChunkBuilder(parsed.transposeBucketSize) : new SimpleChunkBuilder();
    this.chunkType = parsed.transpose ? ChunkType.TRANSPOSED : ChunkType.SIMPLE;
    this.compressor = new StreamCompressor(parsed.compression, parsed.windowLog);
  }

  /** One chunk of `records` (any count ≥ 1; a file takes exactly `groupSize` but for its last chunk). */
  encode(records: readonly Uint8Array[]): EncodedChunk {
    if (records.length === 0) throw new ArrayRecordError("INVALID_OPTIONS", "a chunk needs at least one record");
    for (const record of records) this.builder.add(record);
    const numRecords = this.builder.count;
    const decodedDataSize = this.builder.decodedDataSize;
    const data = this.builder.finish(this.compressor);
    const bytes = new Uint8Array(CHUNK_HEADER_SIZE + data.length);
    bytes.set(data, CHUNK_HEADER_SIZE);
    encodeChunkHeader(bytes, 0, { chunkType: this.chunkType, dataSize: data.length, numRecords, decodedDataSize }, data);
    return EncodedChunk.of(bytes, this.chunkType, numRecords, decodedDataSize);
  }
}

/**
 * Checks that `chunk` can go into a file written with `options`: `group_size` records, the chunk
 * type of the options (transposed or simple) and their compression. INVALID_OPTIONS otherwise.
 */
export function checkEncodedChunk(chunk: EncodedChunk, options: WriterOptions): void {
  if (chunk.numRecords !== options.groupSize) {
    throw new ArrayRecordError("INVALID_OPTIONS", `a pre-encoded chunk holds ${chunk.numRecords} records, but every chunk but the last must hold group_size = ${options.groupSize}`);
  }
  const chunkType = options.transpose ? ChunkType.TRANSPOSED : ChunkType.SIMPLE;
  if (chunk.chunkType !== chunkType) {
    throw new ArrayRecordError("INVALID_OPTIONS", `a pre-encoded chunk of type 0x${chunk.chunkType.toString(16)} in a file of type-0x${chunkType.toString(16)} chunks`);
  }
  const data = chunk.data;
  if (data.length < 1 || data[0] !== compressionByte(options.compression)) {
    throw new ArrayRecordError("INVALID_OPTIONS", `a pre-encoded chunk's compression does not match the writer's (${options.compression.type})`);
  }
}
