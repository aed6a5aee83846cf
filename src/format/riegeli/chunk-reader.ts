/**
 * Reads one chunk out of file bytes: splices out the block headers, verifies every hash and the
 * block headers' chunk distances, and checks that the chunk lies inside its allowed range
 * (FORMAT.md §1, §2, §7 step 6).
 */
import { ArrayRecordError } from "../errors.js";
import { BLOCK_HEADER_SIZE, BLOCK_SIZE, USABLE_BLOCK_SIZE, blockOffset, chunkEnd, isValidChunkBoundary, readBlockHeader, remainingInBlock } from "./blocks.js";
import { CHUNK_HEADER_SIZE, ChunkType, dataHashMatches, decodeChunkHeader, decodeVerifiedChunkHeaderAt, type ChunkHeader } from "./chunk-header.js";
import type { IoPlan } from "../bytes/io-plan.js";
import { allocBytes } from "../bytes/slab.js";
import { viewOf } from "../bytes/views.js";

/** One verified chunk. */
export interface Chunk {
  /** File position where the chunk begins (a block boundary when it starts on one). */
  readonly begin: number;
  /** File position where the next chunk begins. */
  readonly end: number;
  /** Its decoded header. */
  readonly header: ChunkHeader;
  /** Its data with block headers removed (a view of the input when no boundary falls inside). */
  readonly data: Uint8Array;
}

/** Bytes of a file from position `start` on: the window a chunk is parsed from. */
export interface FileWindow {
  /** The bytes. */
  readonly bytes: Uint8Array;
  /** File position of `bytes[0]`. */
  readonly start: number;
  /**
   * True when `bytes` belong to this one decode (a fresh read, not a caller's or a cache's
   * memory): a chunk split by block headers is then reassembled by moving its pieces over the
   * (verified) block headers instead of into a new copy. Each chunk of such a window may be
   * parsed once only.
   */
  readonly inPlace?: boolean;
  /**
   * File positions of chunks whose header and data hashes were verified in these bytes (by
   * `withVerifiedChunks`, chunk-hashes.ts): the parser skips those two hashes for them.
   */
  readonly verified?: { has(begin: number): boolean };
}

/** Where a chunk must end: at or before `limit`, which is the end of the file when `limitIsEof`. */
export interface ChunkLimit {
  /** The chunk, including its computed end, must lie before this position. */
  readonly limit: number;
  /** True when `limit` is the end of the file (overruns are TRUNCATED rather than CORRUPT). */
  readonly limitIsEof: boolean;
}

/** Most bytes a chunk header can span: 40 bytes with one block header inside. */
export const MAX_CHUNK_HEADER_SPAN = CHUNK_HEADER_SIZE + BLOCK_HEADER_SIZE;

/**
 * Reads and verifies the header of the chunk at `begin` and returns where the chunk ends.
 * `window` must hold the file from `begin` for at least {@link MAX_CHUNK_HEADER_SPAN} bytes (or to
 * the end of the range). Used to learn how many bytes to fetch before {@link parseChunk}.
 */
export function chunkEndAt(window: FileWindow, begin: number, range: ChunkLimit): number {
  checkBegin(begin);
  const reader = new BlockSplicer(window, begin, range);
  const header = decodeChunkHeader(reader.take(CHUNK_HEADER_SIZE), begin);
  return reader.endFor(header);
}

/**
 * Parses and verifies the chunk at file position `begin`. `window` must hold the file from `begin`
 * to the chunk's end (learned with {@link chunkEndAt}, or the whole range up to `range.limit`).
 */
export function parseChunk(window: FileWindow, begin: number, range: ChunkLimit): Chunk {
  checkBegin(begin);
  const inBlock = parseChunkWithinBlock(window, begin, range);
  if (inBlock !== undefined) return inBlock;
  const reader = new BlockSplicer(window, begin, range);
  const headerBytes = reader.take(CHUNK_HEADER_SIZE);
  const header = decodeChunkHeader(headerBytes, begin);
  const end = reader.endFor(header);
  const data = reader.take(header.dataSize);
  if (!dataHashMatches(headerBytes, data)) {
    throw new ArrayRecordError("CORRUPT", "chunk data hash mismatch", { offset: begin });
  }
  reader.verifyBlockHeadersUpTo(end);
  checkChunkType(header, begin);
  return { begin, end, header, data };
}

/** Reads the chunk at `position` of a file of `fileSize` bytes: its header first to learn its end, then the whole chunk. */
export function* readChunkAt(fileSize: number, position: number): IoPlan<Chunk> {
  const range = { limit: fileSize, limitIsEof: true };
  const head = yield { position, length: Math.min(MAX_CHUNK_HEADER_SPAN, fileSize - position) };
  const end = chunkEndAt({ bytes: head, start: position }, position, range);
  const bytes = yield { position, length: end - position };
  return parseChunk({ bytes, start: position }, position, range);
}

/**
 * The fast path of {@link parseChunk} for a chunk with no block boundary inside (most small
 * chunks): header and data are plain views. Undefined when a boundary falls inside.
 */
function parseChunkWithinBlock(window: FileWindow, begin: number, range: ChunkLimit): Chunk | undefined {
  // No header fits before the boundary (none at all at the boundary itself: a block header is there).
  const room = remainingInBlock(begin);
  if (room < CHUNK_HEADER_SIZE) return undefined;
  const blockEnd = begin + room;
  const at = begin - window.start;
  const { bytes } = window;
  if (at + CHUNK_HEADER_SIZE > bytes.length) return undefined;
  // A verified chunk's header is read in place; others need a view of it for the hashes.
  const verified = window.verified?.has(begin) === true;
  const headerBytes = verified ? undefined : bytes.subarray(at, at + CHUNK_HEADER_SIZE);
  const header = headerBytes === undefined ? decodeVerifiedChunkHeaderAt(bytes, at, begin) : decodeChunkHeader(headerBytes, begin);
  const available = range.limit - begin;
  if (header.dataSize > available || header.numRecords > available) return undefined;
  const end = chunkEnd(begin, CHUNK_HEADER_SIZE + header.dataSize, header.numRecords);
  // The chunk may end exactly on the boundary: that block header belongs to the next chunk.
  if (end > blockEnd || end > range.limit || at + (end - begin) > bytes.length) return undefined;
  const data = viewOf(bytes, at + CHUNK_HEADER_SIZE, at + CHUNK_HEADER_SIZE + header.dataSize);
  if (headerBytes !== undefined && !dataHashMatches(headerBytes, data)) {
    throw new ArrayRecordError("CORRUPT", "chunk data hash mismatch", { offset: begin });
  }
  checkChunkType(header, begin);
  return { begin, end, header, data };
}

/**
 * The header of the chunk at `bytes[at]` (file position `begin`) whose hashes were verified there
 * with header and data inside one block, when it is a simple chunk that {@link parseChunk} would
 * take as it is: it begins at a chunk boundary and ends inside its block and by `limit`.
 * Undefined otherwise (the caller then parses it in full). Its data is `bytes[at + 40, at + 40 +
 * dataSize)`.
 */
export function simpleChunkAsIs(bytes: Uint8Array, at: number, begin: number, limit: number): ChunkHeader | undefined {
  // As parseChunk takes it: a chunk boundary, with its header before the block's end.
  const room = remainingInBlock(begin);
  if (room < CHUNK_HEADER_SIZE || room >= USABLE_BLOCK_SIZE) return undefined;
  const header = decodeVerifiedChunkHeaderAt(bytes, at, begin);
  const end = chunkEnd(begin, CHUNK_HEADER_SIZE + header.dataSize, header.numRecords);
  return header.chunkType === ChunkType.SIMPLE && end <= begin + room && end <= limit ? header : undefined;
}

function checkBegin(begin: number): void {
  if (!isValidChunkBoundary(begin)) {
    throw new ArrayRecordError("CORRUPT", "chunk begins inside a block header", { offset: begin });
  }
}

function checkChunkType(header: ChunkHeader, begin: number): void {
  const { chunkType, numRecords, dataSize, decodedDataSize } = header;
  if (begin === 0 && chunkType !== ChunkType.SIGNATURE) {
    throw new ArrayRecordError("CORRUPT", "file does not begin with a Riegeli signature chunk", { offset: 0 });
  }
  switch (chunkType) {
    case ChunkType.SIGNATURE:
    case ChunkType.PADDING:
      if (numRecords !== 0 || decodedDataSize !== 0 || (chunkType === ChunkType.SIGNATURE && dataSize !== 0)) {
        throw new ArrayRecordError("CORRUPT", `${chunkType === ChunkType.SIGNATURE ? "signature" : "padding"} chunk with non-zero sizes`, { offset: begin });
      }
      return;
    case ChunkType.METADATA:
      if (numRecords !== 0) throw new ArrayRecordError("CORRUPT", "file metadata chunk with records", { offset: begin });
      return;
    case ChunkType.SIMPLE:
    case ChunkType.TRANSPOSED:
      return;
    default:
      if (numRecords !== 0) {
        throw new ArrayRecordError("CORRUPT", `unknown chunk type 0x${chunkType.toString(16)} with records`, { offset: begin });
      }
  }
}

/** Walks a chunk's bytes in file order, removing and verifying the block headers it passes. */
class BlockSplicer {
  /** Next physical file position to read. */
  private position: number;
  /** Boundaries passed whose next_chunk still needs the chunk's end. */
  private readonly pending: { boundary: number; nextChunk: number }[] = [];
  private end = -1;

  constructor(
    private readonly window: FileWindow,
    private readonly begin: number,
    private readonly range: ChunkLimit,
  ) {
    this.position = begin;
  }

  /** Computes the chunk's end from its header and checks it against the range and passed headers. */
  endFor(header: ChunkHeader): number {
    const { begin, range } = this;
    const available = range.limit - begin;
    if (header.dataSize > available || header.numRecords > available) {
      this.overrun(`chunk claims ${header.dataSize} data bytes and ${header.numRecords} records, beyond its range`);
    }
    const end = chunkEnd(begin, CHUNK_HEADER_SIZE + header.dataSize, header.numRecords);
    if (end > range.limit) this.overrun("incomplete chunk: it ends past its range");
    this.end = end;
    for (const { boundary, nextChunk } of this.pending) this.checkNext(boundary, nextChunk);
    this.pending.length = 0;
    return end;
  }

  /**
   * Takes the next `n` chunk bytes: a view when no block header falls inside; else a copy, or in
   * an `inPlace` window a view after moving the later pieces left over the block headers.
   */
  take(n: number): Uint8Array {
    const { bytes, start } = this.window;
    // Zero bytes may end exactly on a boundary whose block header belongs to the next chunk.
    if (n === 0) return bytes.subarray(0, 0);
    this.skipBlockHeaderAt(this.position);
    const at = this.position - start;
    const untilBoundary = remainingInBlock(this.position); // past any block header here: never 0
    if (n <= untilBoundary) {
      this.need(at + n);
      this.position += n;
      return bytes.subarray(at, at + n);
    }
    const inPlace = this.window.inPlace === true;
    // Not zeroed first: every byte is written below before the view is returned (or the walk throws).
    const out = inPlace ? bytes : allocBytes(n);
    const base = inPlace ? at : 0;
    let filled = 0;
    while (filled < n) {
      this.skipBlockHeaderAt(this.position);
      const from = this.position - start;
      const count = Math.min(n - filled, remainingInBlock(this.position));
      this.need(from + count);
      // In place, the destination never lies right of the source (block headers only get skipped).
      if (!inPlace) out.set(bytes.subarray(from, from + count), filled);
      else if (from !== base + filled) bytes.copyWithin(base + filled, from, from + count);
      filled += count;
      this.position += count;
    }
    return inPlace ? bytes.subarray(base, base + n) : out;
  }

  /** Verifies the block headers in the chunk's padding, between the data and `end`. */
  verifyBlockHeadersUpTo(end: number): void {
    let boundary = Math.ceil(this.position / BLOCK_SIZE) * BLOCK_SIZE;
    for (; boundary < end; boundary += BLOCK_SIZE) this.readBlockHeaderAt(boundary);
  }

  private skipBlockHeaderAt(position: number): void {
    if (blockOffset(position) !== 0) return;
    this.readBlockHeaderAt(position);
    this.position = position + BLOCK_HEADER_SIZE;
  }

  private readBlockHeaderAt(boundary: number): void {
    const at = boundary - this.window.start;
    this.need(at + BLOCK_HEADER_SIZE);
    const { previousChunk, nextChunk } = readBlockHeader(this.window.bytes, at, boundary);
    if (previousChunk !== boundary - this.begin) {
      throw new ArrayRecordError("CORRUPT", `block header previous_chunk ${previousChunk} does not match the chunk at ${this.begin}`, { offset: boundary });
    }
    if (this.end < 0) this.pending.push({ boundary, nextChunk });
    else this.checkNext(boundary, nextChunk);
  }

  private checkNext(boundary: number, nextChunk: number): void {
    if (nextChunk !== this.end - boundary) {
      throw new ArrayRecordError("CORRUPT", `block header next_chunk ${nextChunk} does not match the chunk end ${this.end}`, { offset: boundary });
    }
  }

  /** Ensures the window holds bytes up to index `upTo`. */
  private need(upTo: number): void {
    if (upTo > this.window.bytes.length) {
      this.overrun("incomplete chunk: the bytes end before it does");
    }
  }

  private overrun(message: string): never {
    const code = this.range.limitIsEof ? "TRUNCATED" : "CORRUPT";
    throw new ArrayRecordError(code, message, { offset: this.begin });
  }
}
