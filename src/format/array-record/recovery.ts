/**
 * Opening a damaged ArrayRecord file in recovery mode (only when the caller asks: strict reading
 * stays the default). Every data chunk is read and decoded once at open; chunks that fail are
 * reported and left out, so the reader serves exactly the records of the chunks that verified,
 * renumbered without gaps. When the postscript or footer cannot be read, the data chunks are
 * found by walking the file from its start ({@link scanChunks}).
 */
import { ArrayRecordError, type ArrayRecordErrorCode } from "../errors.js";
import type { ByteSource } from "../bytes/byte-source.js";
import { runAsync, runSync, type IoPlan } from "../bytes/io-plan.js";
import { ReadaheadSource } from "../bytes/readahead-source.js";
import { ChunkType } from "../riegeli/chunk-header.js";
import type { Chunk } from "../riegeli/chunk-reader.js";
import { recordAt, type ChunkRecords } from "../riegeli/simple-chunk.js";
import { ChunkIndex } from "./chunk-index.js";
import { scanChunks } from "./chunk-scan.js";
import { decodeDataChunk, decodeParsedDataChunk, openLayout, type FileLayout } from "./file-layout.js";
import { validateLimits, type DecodeLimits } from "./decode-limits.js";
import { decodeFooterEntry, decodeFooterMetadata, decodePostscript, type FooterEntry, type FooterMetadata } from "./footer.js";

/** One stretch of a file whose records could not be recovered. */
export interface DamagedRegion {
  /** The file (its name or path). */
  readonly file: string;
  /** Byte range `[begin, end)` skipped. */
  readonly begin: number;
  readonly end: number;
  /**
   * Indices `[start, end)` of the lost records in the file's original numbering, when known (the
   * footer was readable, or every earlier loss had a known size); else undefined.
   */
  readonly records: { readonly start: number; readonly end: number } | undefined;
  /** Number of records lost here: known when the chunk's header or footer entry survived, else undefined. */
  readonly lostRecords: number | undefined;
  /** Why: the error code and message of the failed read. */
  readonly code: ArrayRecordErrorCode;
  readonly reason: string;
}

/** What recovery found in one file. */
export interface RecoveryReport {
  /** The file (its name or path). */
  readonly file: string;
  /** `footer`: the footer was readable and listed the data chunks; `scan`: chunks were found by walking the file. */
  readonly method: "footer" | "scan";
  /** Records the reader serves. */
  readonly recoveredRecords: number;
  /** Sum of the known {@link DamagedRegion.lostRecords}. */
  readonly lostRecords: number;
  /** True when some region lost an unknown number of records. */
  readonly unknownLoss: boolean;
  /** Why the footer was not used (method `scan`). */
  readonly footerProblem: string | undefined;
  /** Every stretch skipped, in file order. */
  readonly regions: readonly DamagedRegion[];
}

/** Recovery settings. */
export interface RecoveryOptions {
  /** Called for each damaged region as it is found. */
  onDamage?: (region: DamagedRegion) => void;
}

/** Extra ways of opening a file (beyond the C++ options string). */
export interface OpenOptions {
  /** Skip damaged chunks instead of failing (`true`, or settings); default strict. */
  recover?: boolean | RecoveryOptions;
  /** Largest chunk and record to decode, checked before allocating; default none. */
  limits?: DecodeLimits;
}

/** A layout built by recovery: only the chunks that verified, and the report. */
export interface RecoveredLayout extends FileLayout {
  /** What was recovered and lost. */
  readonly recovery: RecoveryReport;
}

/** Bytes fetched per I/O while recovery walks a file chunk by chunk. */
const RECOVERY_READAHEAD = 1 << 20;

/** The layout to read `source` with: the strict one, or a recovered one when `open.recover` asks. */
export function openLayoutSync(source: ByteSource, open: OpenOptions = {}): FileLayout {
  validateLimits(open.limits);
  if (!open.recover) return withLimits(runSync(source, openLayout(source.size)), open.limits);
  return runSync(new ReadaheadSource(source, RECOVERY_READAHEAD), recoverLayout(source.size, source.name, settings(open), open.limits));
}

/** Async {@link openLayoutSync}. */
export async function openLayoutAsync(source: ByteSource, open: OpenOptions = {}): Promise<FileLayout> {
  validateLimits(open.limits);
  if (!open.recover) return withLimits(await runAsync(source, openLayout(source.size)), open.limits);
  return runAsync(new ReadaheadSource(source, RECOVERY_READAHEAD), recoverLayout(source.size, source.name, settings(open), open.limits));
}

function withLimits<T extends FileLayout>(layout: T, limits: DecodeLimits | undefined): T {
  return limits === undefined ? layout : { ...layout, limits };
}

/** The recovery report of a layout, if it was opened in recovery mode. */
export function recoveryOf(layout: FileLayout): RecoveryReport | undefined {
  return (layout as Partial<RecoveredLayout>).recovery;
}

function settings(open: OpenOptions): RecoveryOptions {
  return typeof open.recover === "object" ? open.recover : {};
}

/** Collects regions and tells the caller about each as it is found. */
class Losses {
  readonly regions: DamagedRegion[] = [];
  constructor(
    readonly file: string,
    private readonly options: RecoveryOptions,
  ) {}

  add(region: Omit<DamagedRegion, "file">): void {
    const full = { file: this.file, ...region };
    this.regions.push(full);
    this.options.onDamage?.(full);
  }

  report(method: RecoveryReport["method"], recoveredRecords: number, footerProblem: string | undefined): RecoveryReport {
    let lostRecords = 0;
    let unknownLoss = false;
    for (const r of this.regions) {
      if (r.lostRecords === undefined) unknownLoss = true;
      else lostRecords += r.lostRecords;
    }
    return { file: this.file, method, recoveredRecords, lostRecords, unknownLoss, footerProblem, regions: this.regions };
  }
}

/** Opens with the footer when it reads, else by walking the file; every data chunk is decoded once. */
export function* recoverLayout(fileSize: number, file: string, options: RecoveryOptions, limits?: DecodeLimits): IoPlan<RecoveredLayout> {
  let layout: FileLayout;
  try {
    layout = yield* openLayout(fileSize);
  } catch (e) {
    if (!(e instanceof ArrayRecordError)) throw e;
    return withLimits(yield* recoverByScanning(fileSize, file, options, e.message, limits), limits);
  }
  return withLimits(yield* recoverWithFooter(withLimits(layout, limits), new Losses(file, options), undefined), limits);
}

/** Decodes every chunk the footer lists; those that fail become damaged regions. */
function* recoverWithFooter(layout: FileLayout, losses: Losses, footerProblem: string | undefined): IoPlan<RecoveredLayout> {
  const { index } = layout;
  const survivors: FooterEntry[] = [];
  for (let c = 0; c < index.numChunks; c++) {
    const start = index.offsets[c]!;
    const end = index.offsets[c + 1]!;
    try {
      const bytes = yield { position: start, length: end - start };
      decodeDataChunk(layout, { bytes, start }, c);
      survivors.push({ chunkOffset: start, numRecords: index.recordsIn(c), decodedDataSize: index.decodedSizes[c]! });
    } catch (e) {
      if (!(e instanceof ArrayRecordError) || e.code === "IO") throw e;
      const records = { start: index.recordStart(c), end: index.recordStart(c + 1) };
      losses.add({ begin: start, end, records, lostRecords: records.end - records.start, code: e.code, reason: e.reason });
    }
  }
  return survivorLayout(layout.fileSize, layout.meta.writerOptions, survivors, layout.footerOffset, losses.report("footer", sum(survivors), footerProblem));
}

/** What the walk learned of a chunk that holds records. */
interface RecordsChunk {
  entry: FooterEntry;
  /** Where the chunk ends. */
  end: number;
  /** Its records parse as a footer (metadata, then one entry per chunk). */
  footer: { meta: FooterMetadata; entries: FooterEntry[] } | undefined;
  /** Its records are all postscripts. */
  postscript: boolean;
}

/** Finds the data chunks by walking the file; uses a footer met on the way when it is consistent. */
function* recoverByScanning(fileSize: number, file: string, options: RecoveryOptions, footerProblem: string, limits: DecodeLimits | undefined): IoPlan<RecoveredLayout> {
  const found: RecordsChunk[] = [];
  const damage: { begin: number; end: number; lostRecords: number | undefined; code: ArrayRecordErrorCode; reason: string; after: number }[] = [];
  yield* scanChunks(fileSize, (item) => {
    if (item.kind === "damage") {
      const lostRecords = item.header === undefined ? undefined : item.header.numRecords;
      damage.push({ begin: item.begin, end: item.end, lostRecords, code: item.code, reason: item.reason, after: found.length });
      return;
    }
    const described = describe(item.chunk, limits);
    if (described instanceof ArrayRecordError) {
      damage.push({ begin: item.chunk.begin, end: item.chunk.end, lostRecords: item.chunk.header.numRecords, code: described.code, reason: described.reason, after: found.length });
    } else if (described !== undefined) {
      found.push(described);
    }
  });
  // A footer met on the way that lists chunks consistent with what the walk found: read by it.
  for (let f = found.length - 1; f >= 0; f--) {
    const footer = found[f]!.footer;
    if (footer === undefined) continue;
    const footerOffset = found[f]!.entry.chunkOffset;
    let index: ChunkIndex;
    try {
      index = new ChunkIndex(footer.meta, footer.entries, footerOffset, footerOffset);
    } catch {
      continue;
    }
    const listed = new Set(footer.entries.map((e) => e.chunkOffset));
    if (found.slice(0, f).every((c) => c.postscript || listed.has(c.entry.chunkOffset))) {
      const layout: FileLayout = { meta: footer.meta, index, footerOffset, fileSize, limits };
      return yield* recoverWithFooter(layout, new Losses(file, options), footerProblem);
    }
  }
  // No usable footer: data chunks are the chunks of records that are neither footer nor postscript.
  const losses = new Losses(file, options);
  const survivors: FooterEntry[] = [];
  let numbered = 0;
  let numberingKnown = true;
  let d = 0;
  const flushDamage = (upTo: number): void => {
    for (; d < damage.length && damage[d]!.after <= upTo; d++) {
      const { begin, end, lostRecords, code, reason } = damage[d]!;
      const records = numberingKnown && lostRecords !== undefined ? { start: numbered, end: numbered + lostRecords } : undefined;
      if (lostRecords === undefined) numberingKnown = false;
      else numbered += lostRecords;
      losses.add({ begin, end, records, lostRecords, code, reason });
    }
  };
  found.forEach((chunk, k) => {
    flushDamage(k);
    if (chunk.footer !== undefined || chunk.postscript) return;
    survivors.push(chunk.entry);
    numbered += chunk.entry.numRecords;
  });
  flushDamage(found.length);
  const lastData = found.filter((c) => c.footer === undefined && !c.postscript).pop();
  const dataEnd = lastData === undefined ? 0 : lastData.end;
  const report = losses.report("scan", sum(survivors), footerProblem);
  return survivorLayout(fileSize, "", survivors, dataEnd, report);
}

/** Classifies a verified chunk: records (data, footer or postscript), nothing, or the error decoding it. */
function describe(chunk: Chunk, limits: DecodeLimits | undefined): RecordsChunk | ArrayRecordError | undefined {
  const { chunkType, numRecords, decodedDataSize } = chunk.header;
  if ((chunkType !== ChunkType.SIMPLE && chunkType !== ChunkType.TRANSPOSED) || numRecords === 0) return undefined;
  const entry = { chunkOffset: chunk.begin, numRecords, decodedDataSize };
  try {
    const records = decodeParsedDataChunk(chunk, { begin: chunk.begin, limit: chunk.end, numRecords, decodedDataSize, limits });
    return { entry, end: chunk.end, footer: asFooter(records, chunk.begin), postscript: isPostscript(records, chunk.begin) };
  } catch (e) {
    if (e instanceof ArrayRecordError) return e;
    throw e;
  }
}

/** The footer these records form, if they form one. */
function asFooter(records: ChunkRecords, at: number): RecordsChunk["footer"] {
  try {
    const meta = decodeFooterMetadata(recordAt(records, 0), at);
    if (records.count !== meta.numChunks + 1) return undefined;
    const entries: FooterEntry[] = [];
    for (let c = 0; c < meta.numChunks; c++) entries.push(decodeFooterEntry(recordAt(records, c + 1), c, at));
    return { meta, entries };
  } catch {
    return undefined;
  }
}

/** True when every record is a postscript (with the magic). */
function isPostscript(records: ChunkRecords, at: number): boolean {
  try {
    for (let i = 0; i < records.count; i++) decodePostscript(recordAt(records, i), at);
    return true;
  } catch {
    return false;
  }
}

function sum(entries: FooterEntry[]): number {
  return entries.reduce((total, e) => total + e.numRecords, 0);
}

function survivorLayout(fileSize: number, writerOptions: string, survivors: FooterEntry[], dataEnd: number, recovery: RecoveryReport): RecoveredLayout {
  const meta: FooterMetadata = { version: 1, numChunks: survivors.length, numRecords: sum(survivors), writerOptions };
  const entries = survivors.map(({ chunkOffset, numRecords, decodedDataSize }) => ({ chunkOffset, numRecords, decodedDataSize }));
  return { meta, index: new ChunkIndex(meta, entries, dataEnd, dataEnd), footerOffset: dataEnd, fileSize, recovery };
}
