/**
 * The in-memory index of an ArrayRecord file, built from its footer: where each data chunk is and
 * which records it holds, in typed arrays (16 bytes per chunk).
 */
import { ArrayRecordError } from "../errors.js";
import type { FooterEntry, FooterMetadata } from "./footer.js";

/** Maps record indices to data chunks. */
export class ChunkIndex {
  /** `numChunks + 1` chunk begins; the last is the footer's offset (the end of the data chunks). */
  readonly offsets: Float64Array;
  /** `numChunks + 1` cumulative record counts: chunk c holds records `[firstRecord[c], firstRecord[c+1])`. */
  readonly firstRecord: Float64Array;
  /** Decoded sizes per chunk, as the footer states them. */
  readonly decodedSizes: Float64Array;
  /** Records per chunk when every chunk but the last holds exactly this many (as C++ writes); else 0. */
  readonly groupSize: number;

  constructor(meta: FooterMetadata, entries: FooterEntry[], footerOffset: number, fileOffset: number) {
    const n = entries.length;
    this.offsets = new Float64Array(n + 1);
    this.firstRecord = new Float64Array(n + 1);
    this.decodedSizes = new Float64Array(n);
    let previousEnd = 0;
    let total = 0;
    for (let c = 0; c < n; c++) {
      const { chunkOffset, numRecords, decodedDataSize } = entries[c]!;
      if (chunkOffset < previousEnd || chunkOffset >= footerOffset) {
        throw new ArrayRecordError("CORRUPT", `footer entry ${c}: chunk offset ${chunkOffset} out of order or past the footer`, { offset: fileOffset });
      }
      if (numRecords === 0) {
        throw new ArrayRecordError("CORRUPT", `footer entry ${c}: chunk with no records`, { offset: fileOffset });
      }
      this.offsets[c] = chunkOffset;
      this.firstRecord[c] = total;
      this.decodedSizes[c] = decodedDataSize;
      previousEnd = chunkOffset + 1;
      total += numRecords;
    }
    this.offsets[n] = footerOffset;
    this.firstRecord[n] = total;
    if (total !== meta.numRecords) {
      throw new ArrayRecordError("CORRUPT", `footer entries hold ${total} records, footer metadata says ${meta.numRecords}`, { offset: fileOffset });
    }
    this.groupSize = n > 0 && isUniform(entries) ? entries[0]!.numRecords : 0;
  }

  /** Number of data chunks. */
  get numChunks(): number {
    return this.offsets.length - 1;
  }

  /** Number of records. */
  get numRecords(): number {
    return this.firstRecord[this.numChunks]!;
  }

  /** Records in chunk `c`. */
  recordsIn(c: number): number {
    return this.firstRecord[c + 1]! - this.firstRecord[c]!;
  }

  /** The chunk holding record `i` (which must be in range). */
  chunkOf(i: number): number {
    if (this.groupSize > 0) return Math.floor(i / this.groupSize);
    let lo = 0;
    let hi = this.numChunks - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.firstRecord[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function isUniform(entries: FooterEntry[]): boolean {
  const group = entries[0]!.numRecords;
  for (let c = 1; c < entries.length; c++) {
    const n = entries[c]!.numRecords;
    if (n > group || (n !== group && c !== entries.length - 1)) return false;
  }
  return true;
}
