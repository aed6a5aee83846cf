/**
 * A fuzzing campaign over a corpus of clean files: case `i` of a run seeded `seed` picks a file and
 * a mutation from {@link caseSeed}, so any case can be replayed alone. Used by `npm run fuzz` (in a
 * watched worker thread) and by the seeded cases of `npm test` (in process).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { encodeArrayRecord } from "../../src/format/array-record/writer.js";
import { MemoryByteSource } from "../../src/format/bytes/byte-source.js";
import type { DecodeLimits } from "../../src/format/array-record/decode-limits.js";
import { randomRecords, textRecords } from "../../test/helpers/generators.js";
import { checkCase, Finding, type CaseOutcome } from "./check-case.js";
import { caseSeed, mapFile, mutate, Rng, type FileMap, type MutationKind } from "./mutations.js";

/** A clean file, where its parts are, and its records. */
export interface CorpusFile {
  readonly name: string;
  readonly map: FileMap;
  readonly records: readonly Uint8Array[];
}

function corpusFile(name: string, file: Uint8Array): CorpusFile {
  // A plain copy: on a Buffer, slice() is a view, and the mutators' copies must be copies.
  const bytes = new Uint8Array(file);
  const records = ArrayRecordReader.openSync(new MemoryByteSource(bytes, name))
    .readAllSync()
    .map((r) => new Uint8Array(r));
  return { name, map: mapFile(bytes), records };
}

/** Every `*.array_record` file of a directory (e.g. ../shared/golden). */
export function directoryCorpus(dir: string): CorpusFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".array_record"))
    .sort()
    .map((name) => corpusFile(name, readFileSync(path.join(dir, name))));
}

/** Small files written by our writer with varied options: the self-contained corpus of `npm test`. */
export function generatedCorpus(): CorpusFile[] {
  const specs: [string, Uint8Array[], string][] = [
    ["text_gs1_uncompressed", textRecords(1, 60, 0, 600), "group_size:1,uncompressed"],
    ["text_gs7_zstd", textRecords(2, 120, 0, 3000), "group_size:7,zstd:1"],
    ["rand_gs4_snappy_pad", randomRecords(3, 12, 0, 70_000), "group_size:4,snappy,pad_to_block_boundary:true"],
    ["text_gs100_brotli", textRecords(4, 100, 0, 500), "group_size:100,brotli:1"],
    ["text_gs8_transpose", textRecords(5, 40, 0, 300), "group_size:8,transpose:true,zstd:1"],
    ["rand_gs3_uncompressed_multiblock", randomRecords(6, 30, 1000, 9000), "group_size:3,uncompressed"],
    // One record per chunk: the native decoding of random reads' chunks (chunkDecoder) and of spans.
    ["text_gs1_zstd", textRecords(7, 80, 0, 2000), "group_size:1,zstd:3"],
    ["text_gs1_snappy", textRecords(8, 80, 0, 2000), "group_size:1,snappy"],
    // Chunks of ~38 KB of zstd data, the second crossing a block header: gathered and decoded natively (group_size:256's case).
    ["text_gs100_zstd_multiblock", textRecords(9, 300, 500, 2500), "group_size:100,zstd:3"],
    // Uncompressed chunks of ~90 KB, the first crossing a block header: the visit's spans go to the addon (stored).
    ["text_gs60_uncompressed_multiblock", textRecords(10, 180, 1000, 2000), "group_size:60,uncompressed"],
    ["empty", [], ""],
  ];
  return specs.map(([name, records, options]) => corpusFile(name, encodeArrayRecord(records, options)));
}

/** Counts of outcomes, overall and per mutation kind. */
export interface CampaignStats {
  cases: number;
  byFile: Record<string, number>;
  byKind: Partial<Record<MutationKind, number>>;
  strict: Record<string, number>;
  verify: Record<string, number>;
  recover: Record<string, number>;
  /** Slowest case, in milliseconds. */
  slowestMs: number;
  /** Largest resident set size seen after a case, in bytes. */
  peakRss: number;
}

/** Settings of a run. */
export interface CampaignSettings {
  seed: number;
  /** First case index. */
  from: number;
  /** Stop after this many cases, or at `deadline` (ms since the epoch), whichever is first. */
  count: number;
  deadline: number;
  /** A case taking longer is a hang. */
  caseMs: number;
  /** Resident memory above this after a case is a finding. */
  memoryBytes: number;
  /** Limits the reads run under. */
  limits: DecodeLimits;
  /** Told the index of each case before it runs (the watchdog's heartbeat). */
  onCase?: (index: number) => void;
  /** Told each clean case's result as it ends. */
  onOutcome?: (result: CaseResult) => void;
  /** When given, a finding is reported here and the run goes on; without it the run stops at the first. */
  onFinding?: (finding: CampaignFinding) => void;
}

/** One case that passed every check. */
export interface CaseResult {
  index: number;
  file: string;
  kind: MutationKind;
  outcome: CaseOutcome;
  /** Time the case took, in milliseconds. */
  ms: number;
  /** Resident set size after the case, in bytes. */
  rss: number;
}

/** Adds one clean case to the counts. */
export function countCase(stats: CampaignStats, result: CaseResult): void {
  stats.cases++;
  stats.byKind[result.kind] = (stats.byKind[result.kind] ?? 0) + 1;
  bump(stats.byFile, result.file);
  bump(stats.strict, result.outcome.strict);
  bump(stats.verify, result.outcome.verify);
  bump(stats.recover, result.outcome.recover);
  stats.slowestMs = Math.max(stats.slowestMs, Math.round(result.ms));
  stats.peakRss = Math.max(stats.peakRss, result.rss);
}

/** Counts with nothing counted yet. */
export function emptyStats(): CampaignStats {
  return { cases: 0, byFile: {}, byKind: {}, strict: {}, verify: {}, recover: {}, slowestMs: 0, peakRss: 0 };
}

/** A failed case: what broke, and how to replay it. */
export interface CampaignFinding {
  index: number;
  seed: number;
  /** The file and damage, or "?" when the case broke its worker (replay it to learn them). */
  file: string;
  kind: MutationKind | "?";
  message: string;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Files above this size are picked a tenth as often: one of their cases costs as much as tens of the others. */
const LARGE_FILE = 1 << 20;

function pickWeighted(rng: Rng, corpus: readonly CorpusFile[]): CorpusFile {
  const weight = (f: CorpusFile): number => (f.map.bytes.length > LARGE_FILE ? 1 : 10);
  let r = rng.int(corpus.reduce((total, f) => total + weight(f), 0));
  for (const f of corpus) {
    r -= weight(f);
    if (r < 0) return f;
  }
  return corpus[corpus.length - 1]!;
}

/** The file and damage of case `index`. */
export function caseInput(corpus: readonly CorpusFile[], seed: number, index: number): { file: CorpusFile; kind: MutationKind; bytes: Uint8Array } {
  const rng = new Rng(caseSeed(seed, index));
  const file = pickWeighted(rng, corpus);
  return { file, ...mutate(rng, file.map) };
}

/**
 * Resident memory once garbage is collected, when the process runs with --expose-gc (`npm run
 * fuzz` does): a heap allowed to grow to the bound is collected lazily (tens of thousands of cases
 * brought a campaign worker to 1.4 GiB resident while the live heap stayed near 40 MiB), and memory
 * the reader still holds after a full collection is what the bound is about.
 */
function residentAfterGc(rss: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return rss;
  gc();
  return process.memoryUsage.rss();
}

/** Runs cases until the count or the deadline; returns the stats and the first finding, if any. */
export function runCampaign(corpus: readonly CorpusFile[], settings: CampaignSettings): { stats: CampaignStats; finding: CampaignFinding | undefined } {
  const stats = emptyStats();
  let first: CampaignFinding | undefined;
  for (let index = settings.from; index < settings.from + settings.count && Date.now() < settings.deadline; index++) {
    settings.onCase?.(index);
    const { file, kind, bytes } = caseInput(corpus, settings.seed, index);
    const started = performance.now();
    let message: string | undefined;
    let outcome: CaseOutcome | undefined;
    try {
      if (file.map.bytes instanceof Buffer || bytes.buffer === file.map.bytes.buffer) throw new Error("a mutation shares the clean file's memory");
      outcome = checkCase(file.records, bytes, settings.limits);
    } catch (e) {
      message = e instanceof Finding ? e.message : `harness error: ${(e as Error)?.stack ?? String(e)}`;
    }
    const ms = performance.now() - started;
    let rss = process.memoryUsage.rss();
    if (message === undefined && ms > settings.caseMs) message = `case took ${Math.round(ms)} ms (limit ${settings.caseMs})`;
    if (rss > settings.memoryBytes) rss = residentAfterGc(rss);
    if (message === undefined && rss > settings.memoryBytes) message = `resident memory ${rss} bytes above the bound ${settings.memoryBytes}`;
    if (message !== undefined) {
      const finding = { index, seed: settings.seed, file: file.name, kind, message };
      if (settings.onFinding === undefined) return { stats, finding };
      first ??= finding;
      settings.onFinding(finding);
      continue;
    }
    const result: CaseResult = { index, file: file.name, kind, outcome: outcome!, ms, rss };
    countCase(stats, result);
    settings.onOutcome?.(result);
  }
  return { stats, finding: first };
}
