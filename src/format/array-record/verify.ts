/**
 * Full verification of an ArrayRecord file: walks every chunk from the signature to the end,
 * checks every hash (padding included), decodes every data chunk, and checks the footer's entries
 * against the chunk headers.
 */
import { ArrayRecordError } from "../errors.js";
import type { ByteSource } from "../bytes/byte-source.js";
import { dataChunkEntry, openLayout } from "./file-layout.js";
import { decodeParsedReusing } from "./borrowed-chunks.js";
import { BLOCK_SIZE } from "../riegeli/blocks.js";
import { ChunkType } from "../riegeli/chunk-header.js";
import { readChunkAt } from "../riegeli/chunk-reader.js";
import { runAsync, runSync, type IoPlan } from "../bytes/io-plan.js";
import { ReadaheadSource } from "../bytes/readahead-source.js";

/** What {@link verifyArrayRecordSync} checked. */
export interface VerifyReport {
  /** Chunks of every kind walked. */
  chunks: number;
  /** Data chunks (listed in the footer). */
  dataChunks: number;
  /** Records decoded. */
  records: number;
}

function* verifyPlan(fileSize: number): IoPlan<VerifyReport> {
  const layout = yield* openLayout(fileSize);
  const { index } = layout;
  let chunks = 0;
  let dataChunks = 0;
  let records = 0;
  const landmarks = new Set([layout.footerOffset, fileSize - BLOCK_SIZE]);
  const reused = { decoded: undefined as Uint8Array | undefined };
  for (let position = 0; position < fileSize; ) {
    const chunk = yield* readChunkAt(fileSize, position);
    landmarks.delete(position);
    chunks++;
    const type = chunk.header.chunkType;
    if (type === ChunkType.SIMPLE || type === ChunkType.TRANSPOSED) {
      if (position < layout.footerOffset) {
        if (dataChunks >= index.numChunks || index.offsets[dataChunks] !== position) {
          throw new ArrayRecordError("CORRUPT", "data chunk not listed in the footer", { offset: position });
        }
        // The chunk is already read and its hashes checked: decode it as the footer describes it
        // (compressed records into one buffer reused by every chunk: they are only counted).
        records += decodeParsedReusing(chunk, dataChunkEntry(layout, dataChunks), reused).count;
        dataChunks++;
      }
    }
    position = chunk.end;
  }
  if (landmarks.size > 0) {
    throw new ArrayRecordError("CORRUPT", `no chunk begins at ${[...landmarks].join(" and ")}, where the footer or postscript should be`);
  }
  if (dataChunks !== index.numChunks) {
    throw new ArrayRecordError("CORRUPT", `footer lists ${index.numChunks} chunks, the file holds ${dataChunks}`, { offset: layout.footerOffset });
  }
  return { chunks, dataChunks, records };
}

/** Verifies the whole file; throws the first problem as an {@link ArrayRecordError}. */
export function verifyArrayRecordSync(source: ByteSource): VerifyReport {
  return runSync(new ReadaheadSource(source, 1 << 20), verifyPlan(source.size));
}

/** Async {@link verifyArrayRecordSync}. */
export function verifyArrayRecord(source: ByteSource): Promise<VerifyReport> {
  return runAsync(new ReadaheadSource(source, 1 << 20), verifyPlan(source.size));
}
