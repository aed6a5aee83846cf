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
import { chunkEndAt, parseChunk, type Chunk, type ChunkLimit, type FileWindow } from "../riegeli/chunk-reader.js";
import { recordAt, type ChunkRecords } from "../riegeli/simple-chunk.js";
import { cursor, readVarint } from "../varint.js";
import { ChunkIndex } from "./chunk-index.js";
import { scanChunks } from "./chunk-scan.js";
import { dataChunkEntry, decodeParsedDataChunk, openLayout, type FileLayout } from "./file-layout.js";
import { BLOCK_HEADER_SIZE, BLOCK_SIZE, readBlockHeader } from "../riegeli/blocks.js";
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
  /**
   * Sum of the known {@link DamagedRegion.lostRecords}: exact with method `footer`; with `scan`,
   * what the headers of damaged chunks declare (a damaged index chunk may be among them).
   */
  readonly lostRecords: number;
  /**
   * True when the loss cannot be fully counted: some region lost an unknown number of records, or
   * no footer was usable (then nothing says how many records the file held).
   */
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
  /**
   * How a local file is read (ignored for other paths and for byte sources given directly):
   * - default: positional reads, except that small synchronous reads (a random record's chunk, up
   *   to 16 KiB) copy from a read-only mapping of the file, which saves a system call each;
   *   records are always the caller's own bytes;
   * - `true`: the whole file is mapped and records of uncompressed chunks are views of the mapping
   *   (zero-copy; opt-in because records already returned turn to zeros if another process
   *   truncates the file: see `MappedByteSource`);
   * - `false`: positional reads only, nothing mapped.
   * Without the `arrayrecord-fileio` addon, every mode reads with `fs.readSync`.
   */
  mmap?: boolean;
}

/** A layout built by recovery: only the chunks that verified, and the report. */
export interface RecoveredLayout extends FileLayout {
  /** What was recovered and lost. */
  readonly recovery: RecoveryReport;
}

/** End of the signature chunk that begins every file. */
const SIGNATURE_END = 64;

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

/** `layout` with `limits` when any is set: limits that set nothing are none (and leave the native decode paths open). */
function withLimits<T extends FileLayout>(layout: T, limits: DecodeLimits | undefined): T {
  return limits?.maxChunkBytes === undefined && limits?.maxRecordBytes === undefined ? layout : { ...layout, limits };
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
    // Without a footer nothing says how many records the file held (its end may be missing too).
    let unknownLoss = method === "scan";
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

/**
 * Decodes every chunk the footer lists; those that fail, and those whose position the file does
 * not confirm, become damaged regions.
 *
 * What this can promise. A Riegeli chunk carries no record of where it belongs: an intact chunk
 * copied onto the offset the footer gives another chunk verifies every hash and may even declare the
 * same record count and decoded size. So a chunk is accepted only when its position is confirmed by
 * the file's own structure — the chain of verified chunk ends: it begins where the chunk before it
 * ends (per that chunk's verified header, even when its data is damaged, and through verified
 * padding), or where a verified block header consistent with the footer says a chunk begins or ends,
 * and it ends (through verified padding) exactly where the footer puts the next chunk or the
 * footer. Records returned are therefore byte-identical to what the file's original chunks held, in
 * order, unless the damage itself rebuilt a structurally valid stretch: a chunk copied exactly over
 * one of the same length, record count and decoded size, right after an intact chunk (or a block
 * moved onto a block position whose header reads the same). No reader can tell that from the
 * original file — a strict read, Google's included, returns it too.
 */
function* recoverWithFooter(layout: FileLayout, losses: Losses, footerProblem: string | undefined): IoPlan<RecoveredLayout> {
  const { index } = layout;
  // Where each data chunk ends, or an error; decoded once here.
  const outcomes: (number | ArrayRecordError)[] = [];
  // Whether the chunk's own verified header (its data may be damaged), followed by verified padding,
  // ends exactly where the footer puts the next chunk: the next chunk's position is then confirmed.
  const endsAtNext: boolean[] = [];
  for (let c = 0; c < index.numChunks; c++) {
    const start = index.offsets[c]!;
    const limit = index.offsets[c + 1]!;
    const bytes = yield { position: start, length: limit - start };
    const window = { bytes, start };
    const range = { limit, limitIsEof: false };
    let parsedEnd: number | undefined;
    try {
      const chunk = parseChunk(window, start, range);
      parsedEnd = chunk.end;
      decodeParsedDataChunk(chunk, dataChunkEntry(layout, c));
      outcomes.push(chunk.end);
    } catch (e) {
      if (!(e instanceof ArrayRecordError) || e.code === "IO") throw e;
      outcomes.push(e);
    }
    endsAtNext.push(chunksReach(window, start, range, parsedEnd));
  }
  const { foreign, anchors } = yield* blockHeaderEvidence(layout, outcomes);
  // The chain starts at the end of the signature chunk, which the format fixes at 64.
  let reached = index.numChunks === 0 || (yield* paddingReaches(SIGNATURE_END, index.offsets[0]!));
  const survivors: FooterEntry[] = [];
  for (let c = 0; c < index.numChunks; c++) {
    const start = index.offsets[c]!;
    const block = Math.floor(start / BLOCK_SIZE);
    const anchored = reached || anchors.has(start);
    reached = anchored && endsAtNext[c]!;
    let problem = outcomes[c]!;
    if (!(problem instanceof ArrayRecordError) && foreign.has(block)) {
      problem = new ArrayRecordError("CORRUPT", `the block header at ${block * BLOCK_SIZE} contradicts the footer's chunk layout: the block was moved or overwritten`);
    } else if (!(problem instanceof ArrayRecordError) && !endsAtNext[c]) {
      problem = new ArrayRecordError("CORRUPT", `the chunk ends at ${problem}, not where the footer puts the next chunk (${index.offsets[c + 1]}): it is not the chunk the footer lists here`);
    } else if (!(problem instanceof ArrayRecordError) && !anchored) {
      problem = new ArrayRecordError(
        "CORRUPT",
        "the chunk verifies but its position is unconfirmed (the chunk before it is damaged and no block header names its start): it may have been copied here from elsewhere",
      );
    }
    if (problem instanceof ArrayRecordError) {
      const records = { start: index.recordStart(c), end: index.recordStart(c + 1) };
      losses.add({ begin: start, end: index.offsets[c + 1]!, records, lostRecords: records.end - records.start, code: problem.code, reason: problem.reason });
    } else {
      survivors.push({ chunkOffset: start, numRecords: index.recordsIn(c), decodedDataSize: index.decodedSizes[c]! });
    }
  }
  return survivorLayout(layout.fileSize, layout.meta.writerOptions, survivors, layout.footerOffset, losses.report("footer", sum(survivors), footerProblem));
}

/**
 * True when the chunk at `begin` has a verified header (its data need not verify) and it, then
 * verified chunks without records (padding), end exactly at `range.limit`. `window` holds the file
 * up to the limit; `parsedEnd` is the chunk's end when it was already parsed.
 */
function chunksReach(window: FileWindow, begin: number, range: ChunkLimit, parsedEnd: number | undefined): boolean {
  let position: number;
  try {
    position = parsedEnd ?? chunkEndAt(window, begin, range);
  } catch {
    return false;
  }
  return paddingIn(window, position, range);
}

/** True when verified chunks without records fill `[position, range.limit)` of `window` exactly. */
function paddingIn(window: FileWindow, position: number, range: ChunkLimit): boolean {
  try {
    while (position < range.limit) {
      const chunk = parseChunk(window, position, range);
      if (chunk.header.numRecords !== 0) return false;
      position = chunk.end;
    }
  } catch {
    return false;
  }
  return position === range.limit;
}

/** {@link paddingIn} for `[begin, end)`, read from the file. */
function* paddingReaches(begin: number, end: number): IoPlan<boolean> {
  if (begin === end) return true;
  if (end < begin) return false;
  const bytes = yield { position: begin, length: end - begin };
  return paddingIn({ bytes, start: begin }, begin, { limit: end, limitIsEof: false });
}

/**
 * What the verified block headers say about the chunk layout the footer implies. `foreign`: blocks
 * whose header disagrees — a chunk carries no record of its own position, so a block moved or
 * copied within the file holds chunks that verify and may even match a footer entry; its block
 * header, which names the chunk it interrupts (where it begins and ends), betrays it. `anchors`:
 * footer chunk offsets that an agreeing block header names as a chunk's begin or end, which confirm
 * that a chunk begins there. A block header that does not verify can neither confirm nor refute.
 */
function* blockHeaderEvidence(layout: FileLayout, outcomes: (number | ArrayRecordError)[]): IoPlan<{ foreign: Set<number>; anchors: Set<number> }> {
  const { index } = layout;
  const foreign = new Set<number>();
  const anchors = new Set<number>();
  let c = 0;
  for (let boundary = 0; boundary < layout.footerOffset; boundary += BLOCK_SIZE) {
    while (c + 1 < index.numChunks && index.offsets[c + 1]! <= boundary) c++;
    const begin = index.offsets[c]!;
    // Before the first data chunk only boundary 0 is known: the signature chunk [0, 64).
    if (begin > boundary && boundary !== 0) continue;
    const bytes = yield { position: boundary, length: BLOCK_HEADER_SIZE };
    let named: { begin: number; end: number };
    try {
      const header = readBlockHeader(bytes, 0, boundary);
      named = { begin: boundary - header.previousChunk, end: boundary + header.nextChunk };
    } catch {
      continue;
    }
    const next = c + 1 < index.numChunks ? index.offsets[c + 1]! : layout.footerOffset;
    const outcome = outcomes[c];
    let consistent: boolean;
    if (begin > boundary) consistent = named.begin === 0 && named.end === SIGNATURE_END;
    else if (typeof outcome === "number") {
      // Chunk c covers the boundary, or the padding chunk that begins where chunk c ends.
      consistent = boundary < outcome ? named.begin === begin && named.end === outcome : named.begin === outcome && named.end <= next;
    } else {
      // Chunk c is damaged (its end unknown): the boundary lies in it or in padding up to the next chunk.
      consistent = begin <= named.begin && named.end <= next && (named.begin === begin || named.end === next);
    }
    if (!consistent) foreign.add(boundary / BLOCK_SIZE);
    else {
      if (named.begin === begin) anchors.add(begin);
      if (named.end === next) anchors.add(next);
    }
  }
  return { foreign, anchors };
}

/** What the walk learned of a chunk that holds records. */
interface RecordsChunk {
  entry: FooterEntry;
  /** Where the chunk ends. */
  end: number;
  /** Its records parse as a footer (metadata, then one entry per chunk). */
  footer: { meta: FooterMetadata; entries: FooterEntry[] } | undefined;
  /** Its records are shaped like a footer (even an inconsistent one) or are all postscripts: never data. */
  indexLike: boolean;
}

/**
 * Finds the data chunks by walking the file; uses a footer met on the way when it is consistent.
 * Without one, the walk keeps the chain of verified chunk ends (resynchronising on block headers),
 * so every record served is an original's bytes, but in the order the chunks now lie: block headers
 * hold only relative distances, so a block swapped or moved within the file cannot be told apart.
 */
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
    if (found.slice(0, f).every((c) => c.indexLike || listed.has(c.entry.chunkOffset))) {
      const layout = withLimits<FileLayout>({ meta: footer.meta, index, footerOffset, fileSize }, limits);
      return yield* recoverWithFooter(layout, new Losses(file, options), footerProblem);
    }
  }
  // No usable footer: data chunks are the chunks of records that are neither footer nor postscript.
  const losses = new Losses(file, options);
  const survivors: FooterEntry[] = [];
  let numbered = 0;
  let numberingKnown = true;
  let d = 0;
  // The footer and postscript follow every data chunk: a damaged chunk after the last data chunk
  // found may be either of them, so what it lost is unknown even when its header survived.
  let lastData = -1;
  found.forEach((c, k) => {
    if (!c.indexLike) lastData = k;
  });
  const flushDamage = (upTo: number): void => {
    for (; d < damage.length && damage[d]!.after <= upTo; d++) {
      const { begin, end, code, reason } = damage[d]!;
      const lostRecords = damage[d]!.after > lastData ? undefined : damage[d]!.lostRecords;
      const records = numberingKnown && lostRecords !== undefined ? { start: numbered, end: numbered + lostRecords } : undefined;
      if (lostRecords === undefined) numberingKnown = false;
      else numbered += lostRecords;
      losses.add({ begin, end, records, lostRecords, code, reason });
    }
  };
  found.forEach((chunk, k) => {
    flushDamage(k);
    if (chunk.indexLike) return;
    survivors.push(chunk.entry);
    numbered += chunk.entry.numRecords;
  });
  flushDamage(found.length);
  const dataEnd = lastData < 0 ? 0 : found[lastData]!.end;
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
    // Most chunks are data: a cheap look at record 0's fields rules out a footer or postscript
    // without the decoders' thrown errors (which dominated the cost of scanning a large file).
    const first = recordAt(records, 0);
    const footer = hasField(first, 1, 2) ? asFooter(records, chunk.begin) : undefined;
    const indexLike = footer !== undefined || (hasField(first, 1, 2) && footerShaped(records, chunk.begin)) || (hasField(first, 2, 0) && isPostscript(records, chunk.begin));
    return { entry, end: chunk.end, footer, indexLike };
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

/**
 * True when the records have a footer's shape though not a usable footer's content (a damaged
 * footer whose hashes still verify): record 0 a message whose field 1 holds varint fields 1, 2
 * and 3 (version, num_chunks, num_records), every other record an entry with a chunk_offset.
 */
function footerShaped(records: ChunkRecords, at: number): boolean {
  try {
    const c = cursor(recordAt(records, 0));
    if (readVarint(c) !== 0x0a) return false;
    const length = readVarint(c);
    if (c.offset + length !== c.end) return false;
    const seen = new Set<number>();
    while (c.offset < c.end) {
      const tag = readVarint(c);
      if ((tag & 7) === 0) {
        readVarint(c);
        seen.add(tag >>> 3);
      } else if ((tag & 7) === 2) {
        const skip = readVarint(c); // read before adding: `c.offset += readVarint(c)` would add to the old offset
        c.offset += skip;
      } else return false;
    }
    if (c.offset !== c.end || !seen.has(1) || !seen.has(2) || !seen.has(3)) return false;
    for (let i = 1; i < records.count; i++) decodeFooterEntry(recordAt(records, i), i - 1, at);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `message` parses as protobuf fields (varint, fixed, or length-delimited) and has field
 * `number` with `wireType`: what the footer metadata (field 1, length-delimited) and the postscript
 * (field 2, varint magic) must have. Never throws.
 */
function hasField(message: Uint8Array, number: number, wireType: number): boolean {
  const at = { offset: 0 };
  let found = false;
  while (at.offset < message.length) {
    const tag = probeVarint(message, at);
    if (tag < 0) return false;
    const wire = tag % 8;
    if (Math.floor(tag / 8) === number && wire === wireType) found = true;
    if (wire === 0) {
      if (probeVarint(message, at) < 0) return false;
    } else if (wire === 2) {
      const length = probeVarint(message, at);
      if (length < 0 || length > message.length - at.offset) return false;
      at.offset += length;
    } else if (wire === 1 || wire === 5) at.offset += wire === 1 ? 8 : 4;
    else return false;
  }
  return found && at.offset === message.length;
}

/** The varint at `at.offset` (advanced past it), or -1 when malformed or cut off. */
function probeVarint(bytes: Uint8Array, at: { offset: number }): number {
  let value = 0;
  for (let shift = 1, i = 0; i < 10; i++, shift *= 128) {
    if (at.offset >= bytes.length) return -1;
    const byte = bytes[at.offset++]!;
    value += (byte & 0x7f) * shift;
    if (byte < 0x80) return value;
  }
  return -1;
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
