/**
 * Reads plain Riegeli record files (no ArrayRecord footer) from start to end: every chunk is
 * verified; records come from simple and transposed chunks; signature, metadata and padding chunks are skipped.
 */
import { ArrayRecordError } from "../errors.js";
import type { ByteSource } from "../bytes/byte-source.js";
import { ChunkType } from "./chunk-header.js";
import { readChunkAt, type Chunk } from "./chunk-reader.js";
import { openPathSource, openPathSourceSync } from "../bytes/path-openers.js";
import { runAsync, runSync } from "../bytes/io-plan.js";
import { ReadaheadSource } from "../bytes/readahead-source.js";
import { decodeSimpleChunk, recordAt, type ChunkRecords } from "./simple-chunk.js";
import { decodeTransposedChunk } from "./transposed-chunk-decoder.js";

/** Bytes fetched per I/O while walking a file. */
const READAHEAD = 1 << 20;

/** Where a chunk is and what it holds. */
export interface ChunkInfo {
  /** Chunk begin. */
  begin: number;
  /** Where the next chunk begins. */
  end: number;
  /** Chunk type byte (see `ChunkType`). */
  chunkType: number;
  /** Records in it. */
  numRecords: number;
}

/** Sequential reader of a Riegeli/records file. */
export class RiegeliReader {
  private constructor(private readonly source: ByteSource) {}

  /** Opens a file or byte source. */
  static openSync(input: string | ByteSource): RiegeliReader {
    return new RiegeliReader(new ReadaheadSource(typeof input === "string" ? openPathSourceSync(input) : input, READAHEAD));
  }

  /** Async {@link openSync}. */
  static async open(input: string | ByteSource): Promise<RiegeliReader> {
    return new RiegeliReader(new ReadaheadSource(typeof input === "string" ? await openPathSource(input) : input, READAHEAD));
  }

  /** Every chunk's position and kind, in file order (all hashes verified). */
  *chunksSync(): Generator<ChunkInfo> {
    for (let position = 0; position < this.source.size; ) {
      const chunk = this.run(() => runSync(this.source, readChunkAt(this.source.size, position)));
      yield info(chunk);
      position = chunk.end;
    }
  }

  /** Every record in order. */
  *recordsSync(): Generator<Uint8Array> {
    for (let position = 0; position < this.source.size; ) {
      const chunk = this.run(() => runSync(this.source, readChunkAt(this.source.size, position)));
      yield* this.run(() => recordsOf(chunk));
      position = chunk.end;
    }
  }

  /** Async {@link recordsSync}. */
  async *records(): AsyncGenerator<Uint8Array> {
    for (let position = 0; position < this.source.size; ) {
      const chunk = await runAsync(this.source, readChunkAt(this.source.size, position)).catch((e: unknown) => {
        throw withFile(e, this.source.name);
      });
      yield* this.run(() => recordsOf(chunk));
      position = chunk.end;
    }
  }

  /** All records in an array. */
  readAllSync(): Uint8Array[] {
    return [...this.recordsSync()];
  }

  /** Closes the file. */
  closeSync(): void {
    this.source.closeSync();
  }

  /** Async {@link closeSync}. */
  close(): Promise<void> {
    return this.source.close();
  }

  private run<T>(action: () => T): T {
    try {
      return action();
    } catch (e) {
      throw withFile(e, this.source.name);
    }
  }
}

function recordsOf(chunk: Chunk): Uint8Array[] {
  const { chunkType, numRecords, decodedDataSize } = chunk.header;
  let records: ChunkRecords;
  if (chunkType === ChunkType.SIMPLE) records = decodeSimpleChunk(chunk.data, numRecords, decodedDataSize, chunk.begin);
  else if (chunkType === ChunkType.TRANSPOSED) records = decodeTransposedChunk(chunk.data, numRecords, decodedDataSize, chunk.begin);
  else return [];
  return Array.from({ length: records.count }, (_, i) => recordAt(records, i));
}

function info(chunk: Chunk): ChunkInfo {
  return { begin: chunk.begin, end: chunk.end, chunkType: chunk.header.chunkType, numRecords: chunk.header.numRecords };
}

function withFile(e: unknown, file: string): unknown {
  return e instanceof ArrayRecordError ? e.withFile(file) : e;
}
