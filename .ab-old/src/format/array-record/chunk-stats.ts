/**
 * Sizes and types of an ArrayRecord file's data chunks, read from their (hash-checked) headers
 * only: what `arrayrecord info` reports as `data_bytes` and `chunk_types`.
 */
import { addWithOverhead } from "../riegeli/blocks.js";
import { ChunkType } from "../riegeli/chunk-header.js";
import { MAX_CHUNK_HEADER_SPAN, chunkEndAt } from "../riegeli/chunk-reader.js";
import type { IoPlan } from "../bytes/io-plan.js";
import { ArrayRecordError } from "../errors.js";
import type { FileLayout } from "./file-layout.js";

/** Offset of the chunk type byte in a chunk header. */
const CHUNK_TYPE_AT = 24;

/** What the data chunks of a file hold. */
export interface DataChunkStats {
  /** Bytes of all data chunks, from each chunk's begin to its end (headers included, padding chunks not). */
  dataBytes: number;
  /** Number of data chunks of each type. */
  chunkTypes: { simple: number; transposed: number };
}

/** Reads every data chunk header of the file `layout` describes. */
export function* dataChunkStats(layout: FileLayout): IoPlan<DataChunkStats> {
  const { offsets, numChunks } = layout.index;
  const stats: DataChunkStats = { dataBytes: 0, chunkTypes: { simple: 0, transposed: 0 } };
  for (let c = 0; c < numChunks; c++) {
    const begin = offsets[c]!;
    const limit = offsets[c + 1]!;
    const head = yield { position: begin, length: Math.min(MAX_CHUNK_HEADER_SPAN, limit - begin) };
    const end = chunkEndAt({ bytes: head, start: begin }, begin, { limit, limitIsEof: false });
    // The header was verified by chunkEndAt; find its type byte past any block header inside.
    const type = head[addWithOverhead(begin, CHUNK_TYPE_AT + 1) - 1 - begin]!;
    if (type === ChunkType.SIMPLE) stats.chunkTypes.simple++;
    else if (type === ChunkType.TRANSPOSED) stats.chunkTypes.transposed++;
    else throw new ArrayRecordError("CORRUPT", `footer points at a chunk of type 0x${type.toString(16)}, not records`, { offset: begin });
    stats.dataBytes += end - begin;
  }
  return stats;
}
