/**
 * Record-range splits of ArrayRecord files, balanced by bytes. A file's footer gives the byte
 * extent and record count of every chunk; a record is charged an equal share of its chunk's bytes,
 * and a split closes once it reaches the desired bytes or records. Splits cover `[0, numRecords)`
 * exactly once, in order, without gaps or overlap — whatever the sizes asked for. No Beam here.
 */
import { openLayout } from "../format/array-record/file-layout.js";
import { ArrayRecordError } from "../format/errors.js";
import { openPathSourceSync } from "../format/bytes/path-openers.js";
import { runSync } from "../format/bytes/io-plan.js";

/** Default bytes per split: large enough that opening a file (reading its footer) is amortized. */
export const DEFAULT_SPLIT_BYTES = 64 * 1024 * 1024;

/** A range of records `[start, end)` of one file: the unit of parallel reading. */
export interface RecordRange {
  /** Path of the file. */
  file: string;
  /** First record. */
  start: number;
  /** One past the last record. */
  end: number;
}

/** How large splits should be; a split closes when it reaches either limit. */
export interface SplitSizeOptions {
  /** Target encoded bytes per split (chunk bytes, compressed). Default 64 MiB. */
  desiredSplitBytes?: number;
  /** Most records per split. Default unlimited. */
  desiredSplitRecords?: number;
}

/** Chunk layout of a file: `numChunks + 1` chunk begins (the last is the end of the data) and cumulative record counts. */
export interface ChunkExtents {
  /** Byte offset where each chunk begins, then the end of the last chunk. */
  readonly offsets: ArrayLike<number>;
  /** Index of each chunk's first record, then the record count. */
  readonly firstRecord: ArrayLike<number>;
}

/** Splits `[0, numRecords)` of a file with chunk layout `chunks` into ranges `[start, end)`. */
export function planSplits(chunks: ChunkExtents, options: SplitSizeOptions = {}): [number, number][] {
  const desiredBytes = checkPositive(options.desiredSplitBytes ?? DEFAULT_SPLIT_BYTES, "desiredSplitBytes");
  const desiredRecords = checkPositive(options.desiredSplitRecords ?? Number.POSITIVE_INFINITY, "desiredSplitRecords");
  const splits: [number, number][] = [];
  const numChunks = chunks.offsets.length - 1;
  let start = 0;
  let records = 0;
  let bytes = 0;
  for (let c = 0; c < numChunks; c++) {
    const first = chunks.firstRecord[c]!;
    const n = chunks.firstRecord[c + 1]! - first;
    const perRecord = (chunks.offsets[c + 1]! - chunks.offsets[c]!) / n;
    let taken = 0;
    while (taken < n) {
      // As many records of this chunk as fit under both limits, at least one.
      const byRecords = desiredRecords - records;
      const byBytes = perRecord > 0 ? Math.ceil((desiredBytes - bytes) / perRecord) : Number.POSITIVE_INFINITY;
      const take = Math.max(1, Math.min(n - taken, byRecords, byBytes));
      taken += take;
      records += take;
      bytes += take * perRecord;
      if (records >= desiredRecords || bytes >= desiredBytes) {
        const end = first + taken;
        splits.push([start, end]);
        start = end;
        records = 0;
        bytes = 0;
      }
    }
  }
  const total = numChunks >= 0 ? chunks.firstRecord[numChunks]! : 0;
  if (start < total) splits.push([start, total]);
  return splits;
}

/** Reads the footer of `file` and splits its records (none for an empty file). */
export function splitFile(file: string, options: SplitSizeOptions = {}): RecordRange[] {
  const source = openPathSourceSync(file);
  try {
    const layout = runSync(source, openLayout(source.size));
    return planSplits({ offsets: layout.index.offsets, firstRecord: layout.index.recordStarts() }, options).map(([start, end]) => ({ file, start, end }));
  } catch (e) {
    throw e instanceof ArrayRecordError ? e.withFile(file) : e;
  } finally {
    source.closeSync();
  }
}

function checkPositive(value: number, name: string): number {
  if (!(value >= 1) || (Number.isFinite(value) && !Number.isSafeInteger(value))) {
    throw new ArrayRecordError("INVALID_OPTIONS", `${name} must be a positive integer, got ${value}`);
  }
  return value;
}
