/**
 * The in-memory index of an ArrayRecord file, built from its footer: where each data chunk is and
 * which records it holds, in typed arrays. For the uniform groups C++ writes (every chunk but the
 * last holds `group_size` records) that is 12 bytes per chunk: a float64 offset and a uint32
 * decoded size (float64 only if a chunk decodes to 4 GiB or more); record starts are computed.
 * Other files also keep a float64 record start per chunk (20 bytes per chunk).
 */
import { ArrayRecordError } from "../errors.js";
import type { FooterColumns, FooterEntry, FooterMetadata } from "./footer.js";

/** Maps record indices to data chunks. */
export class ChunkIndex {
  /** `numChunks + 1` chunk begins; the last is the footer's offset (the end of the data chunks). */
  readonly offsets: Float64Array;
  /** Decoded sizes per chunk, as the footer states them. */
  readonly decodedSizes: Uint32Array | Float64Array;
  /** Records per chunk when every chunk but the last holds exactly this many (as C++ writes); else 0. */
  readonly groupSize: number;
  /** Number of records. */
  readonly numRecords: number;
  /** `numChunks + 1` cumulative record counts, kept only when groups are not uniform. */
  private readonly starts: Float64Array | undefined;

  constructor(meta: FooterMetadata, entries: FooterEntry[] | FooterColumns, footerOffset: number, fileOffset: number) {
    const columns = Array.isArray(entries) ? toColumns(entries) : entries;
    const { chunkOffsets, numRecords, decodedSizes } = columns;
    const n = numRecords.length;
    this.offsets = chunkOffsets.length === n + 1 ? chunkOffsets : new Float64Array(n + 1);
    let previousEnd = 0;
    let total = 0;
    let largest = 0;
    let uniform = true;
    const group = n > 0 ? numRecords[0]! : 0;
    for (let c = 0; c < n; c++) {
      const chunkOffset = chunkOffsets[c]!;
      const count = numRecords[c]!;
      if (chunkOffset < previousEnd || chunkOffset >= footerOffset) {
        throw new ArrayRecordError("CORRUPT", `footer entry ${c}: chunk offset ${chunkOffset} out of order or past the footer`, { offset: fileOffset });
      }
      if (count === 0) {
        throw new ArrayRecordError("CORRUPT", `footer entry ${c}: chunk with no records`, { offset: fileOffset });
      }
      if (count !== group && (count > group || c !== n - 1)) uniform = false;
      if (decodedSizes[c]! > largest) largest = decodedSizes[c]!;
      this.offsets[c] = chunkOffset;
      previousEnd = chunkOffset + 1;
      total += count;
    }
    this.offsets[n] = footerOffset;
    if (total !== meta.numRecords) {
      throw new ArrayRecordError("CORRUPT", `footer entries hold ${total} records, footer metadata says ${meta.numRecords}`, { offset: fileOffset });
    }
    this.numRecords = total;
    this.groupSize = n > 0 && uniform ? group : 0;
    this.decodedSizes = largest < 2 ** 32 ? (decodedSizes instanceof Uint32Array ? decodedSizes : Uint32Array.from(decodedSizes)) : decodedSizes;
    if (this.groupSize === 0 && n > 0) {
      const starts = new Float64Array(n + 1);
      for (let c = 0; c < n; c++) starts[c + 1] = starts[c]! + numRecords[c]!;
      this.starts = starts;
    }
  }

  /** Number of data chunks. */
  get numChunks(): number {
    return this.offsets.length - 1;
  }

  /** Index of the first record of chunk `c` (0 ≤ c ≤ numChunks; c = numChunks gives numRecords). */
  recordStart(c: number): number {
    return this.starts === undefined ? Math.min(c * this.groupSize, this.numRecords) : this.starts[c]!;
  }

  /** Records in chunk `c`. */
  recordsIn(c: number): number {
    return this.recordStart(c + 1) - this.recordStart(c);
  }

  /** All `numChunks + 1` record starts as a new array (for planning, not for hot paths). */
  recordStarts(): Float64Array {
    const out = new Float64Array(this.numChunks + 1);
    for (let c = 0; c <= this.numChunks; c++) out[c] = this.recordStart(c);
    return out;
  }

  /** Bytes the index holds per chunk (12 for uniform groups and sizes under 4 GiB). */
  get bytesPerChunk(): number {
    return 8 + this.decodedSizes.BYTES_PER_ELEMENT + (this.starts === undefined ? 0 : 8);
  }

  /** The chunk holding record `i` (which must be in range). */
  chunkOf(i: number): number {
    if (this.groupSize > 0) return Math.floor(i / this.groupSize);
    const starts = this.starts!;
    let lo = 0;
    let hi = this.numChunks - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function toColumns(entries: FooterEntry[]): FooterColumns {
  const n = entries.length;
  const columns = { chunkOffsets: new Float64Array(n + 1), numRecords: new Float64Array(n), decodedSizes: new Float64Array(n) };
  entries.forEach((e, c) => {
    columns.chunkOffsets[c] = e.chunkOffset;
    columns.numRecords[c] = e.numRecords;
    columns.decodedSizes[c] = e.decodedDataSize;
  });
  return columns;
}
