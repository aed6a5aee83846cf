/**
 * Walking the chunks of a possibly damaged Riegeli file from the start, without its footer: each
 * chunk that parses (every hash checked) is reported, and each stretch that does not is reported
 * as damage, after which the walk resynchronises on the next block header that verifies
 * (FORMAT.md §1: a block header every 64 KiB says where the chunk it interrupts begins and ends).
 */
import { ArrayRecordError, type ArrayRecordErrorCode } from "../errors.js";
import { BLOCK_HEADER_SIZE, BLOCK_SIZE, isValidChunkBoundary, nextBlockBoundary, readBlockHeader, remainingInBlock } from "../riegeli/blocks.js";
import { chunkEndAt, parseChunk, MAX_CHUNK_HEADER_SPAN, type Chunk } from "../riegeli/chunk-reader.js";
import { decodeChunkHeader, type ChunkHeader } from "../riegeli/chunk-header.js";
import type { IoPlan } from "../bytes/io-plan.js";

/** A stretch of the file that holds no readable chunk. */
export interface DamagedSpan {
  /** First byte of the stretch (where a chunk should have begun). */
  readonly begin: number;
  /** Where the walk picked up again (a chunk begin, or the end of the file). */
  readonly end: number;
  /** The header of the chunk at `begin` when that header verified (its data did not), else undefined. */
  readonly header: ChunkHeader | undefined;
  /** Why the chunk at `begin` could not be read. */
  readonly code: ArrayRecordErrorCode;
  /** The error's message without its location. */
  readonly reason: string;
}

/** What the walk meets, in file order. */
export type ScanItem = { readonly kind: "chunk"; readonly chunk: Chunk } | ({ readonly kind: "damage" } & DamagedSpan);

/**
 * Walks `[0, fileSize)` chunk by chunk, calling `visit` for every verified chunk and every damaged
 * stretch. Never throws for damage; only I/O errors escape. Each read is at most one chunk.
 */
export function* scanChunks(fileSize: number, visit: (item: ScanItem) => void): IoPlan<void> {
  const range = { limit: fileSize, limitIsEof: true };
  let position = 0;
  while (position < fileSize) {
    let head: Uint8Array | undefined;
    let end = -1;
    try {
      head = yield { position, length: Math.min(MAX_CHUNK_HEADER_SPAN, fileSize - position) };
      end = chunkEndAt({ bytes: head, start: position }, position, range);
      const bytes = yield { position, length: end - position };
      const chunk = parseChunk({ bytes, start: position }, position, range);
      visit({ kind: "chunk", chunk });
      position = chunk.end;
      continue;
    } catch (e) {
      if (!(e instanceof ArrayRecordError)) throw e;
      // The header verified when its end is known (decoded only now: most chunks parse).
      const header = end >= 0 && head !== undefined ? headerOf(head, position) : undefined;
      // A header that verified gives the chunk's end, unless the first block header inside the
      // chunk (when it verifies) disagrees about where the chunk began: then the header is forged.
      const trusted = header !== undefined && (yield* endConfirmed(position, end, fileSize));
      const next = trusted ? end : yield* resynchronise(position, fileSize);
      visit({ kind: "damage", begin: position, end: next, header: trusted ? header : undefined, code: e.code, reason: e.reason });
      position = next;
    }
  }
}

/** The header of the chunk at `position` from bytes already verified by {@link chunkEndAt}. */
function headerOf(head: Uint8Array, position: number): ChunkHeader {
  const cut = remainingInBlock(position);
  if (cut >= 40) return decodeChunkHeader(head.subarray(0, 40), position);
  // The header is interrupted by (or starts after) a block header: splice it out.
  const bytes = new Uint8Array(40);
  bytes.set(head.subarray(0, cut));
  bytes.set(head.subarray(cut + BLOCK_HEADER_SIZE, BLOCK_HEADER_SIZE + 40), cut);
  return decodeChunkHeader(bytes, position);
}

/** False when a verified block header inside `(begin, end)` names a different chunk begin. */
function* endConfirmed(begin: number, end: number, fileSize: number): IoPlan<boolean> {
  if (end > fileSize) return false;
  const boundary = nextBlockBoundary(begin);
  if (boundary >= end || boundary + BLOCK_HEADER_SIZE > fileSize) return true;
  const bytes = yield { position: boundary, length: BLOCK_HEADER_SIZE };
  try {
    return readBlockHeader(bytes, 0, boundary).previousChunk === boundary - begin;
  } catch {
    return true; // that block header is damaged too: it can neither confirm nor refute the chunk header
  }
}

/**
 * The first place after `position` where a chunk can be trusted to begin, found from the next
 * block header that verifies; the end of the file when none does.
 */
function* resynchronise(position: number, fileSize: number): IoPlan<number> {
  for (let boundary = nextBlockBoundary(position); boundary + BLOCK_HEADER_SIZE <= fileSize; boundary += BLOCK_SIZE) {
    const bytes = yield { position: boundary, length: BLOCK_HEADER_SIZE };
    let previousChunk: number;
    let nextChunk: number;
    try {
      ({ previousChunk, nextChunk } = readBlockHeader(bytes, 0, boundary));
    } catch {
      continue;
    }
    if (previousChunk === 0) return boundary;
    // The interrupted chunk began after the damage: the walk can start there.
    const chunkBegin = boundary - previousChunk;
    if (chunkBegin > position && isValidChunkBoundary(chunkBegin)) return chunkBegin;
    const chunkEnd = boundary + nextChunk;
    if (nextChunk > 0 && chunkEnd <= fileSize && isValidChunkBoundary(chunkEnd)) return chunkEnd;
  }
  return fileSize;
}
