/**
 * Child of file-size-limit.test.ts, run under `ulimit -f` (RLIMIT_FSIZE): the kernel refuses any
 * write past the limit with EFBIG (Node ignores SIGXFSZ), a real write failure, not a mock. Each
 * case writes into a fresh directory; prints one JSON line: per case, the error code and message of
 * the first call that failed (or null) and the directory's entries afterwards.
 *
 *   node --import tsx file-size-limit.child.ts DIR LIMIT_BYTES
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ArrayRecordReader, ArrayRecordWriter, TFRecordWriter } from "../../../src/index.js";

const [dir, limitArg] = process.argv.slice(2);
const limit = Number(limitArg);

/** `count` records of 1,000 bytes, record i filled with i. */
function records(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new Uint8Array(1000).fill(i & 0xff));
}

/** `count` records of 1,000 pseudo-random bytes (xorshift32, seed 1). */
function noise(count: number): Uint8Array[] {
  let x = 1;
  return Array.from({ length: count }, () =>
    new Uint8Array(1000).map(() => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    }),
  );
}

interface Outcome {
  /** The first write or close that failed. */
  error: { code: unknown; message: string } | null;
  /** After a failure: the code of a second close() (a failed writer must not then report success). */
  closeAgain?: unknown;
  entries: string[];
  readBack?: number;
}

/** The calls a case makes: writes, then close; sync writers wrapped in promises. */
interface Writing {
  write(record: Uint8Array): unknown;
  close(): unknown;
}

async function attempt(name: string, open: (target: string) => Promise<Writing> | Writing, input: Uint8Array[]): Promise<Outcome> {
  const caseDir = path.join(dir!, name);
  fs.mkdirSync(caseDir);
  const target = path.join(caseDir, "out");
  const writer = await open(target);
  const outcome: Outcome = { error: null, entries: [] };
  try {
    for (const record of input) await writer.write(record);
    await writer.close();
  } catch (e) {
    outcome.error = { code: (e as { code?: unknown }).code, message: (e as Error).message };
    try {
      await writer.close();
      outcome.closeAgain = "succeeded";
    } catch (again) {
      outcome.closeAgain = (again as { code?: unknown }).code;
    }
  }
  outcome.entries = fs.readdirSync(caseDir).sort();
  if (outcome.error === null) outcome.readBack = countRecords(target, input);
  return outcome;
}

/** How many records read back exactly as written, or -1 if the count differs. */
function countRecords(target: string, want: Uint8Array[]): number {
  const reader = ArrayRecordReader.openSync(target);
  const got = reader.readAllSync();
  reader.closeSync();
  if (got.length !== want.length) return -1;
  return got.filter((r, i) => Buffer.compare(r, want[i]!) === 0).length;
}

const fits = Math.floor(limit / 2 / 1000); // records that fit with room for headers and the footer
const exceeds = Math.ceil((limit * 4) / 1000);
const syncArrayRecord = (options: string) => (t: string): Writing => {
  const w = ArrayRecordWriter.openSync(t, options);
  return { write: (r) => w.writeSync(r), close: () => w.closeSync() };
};

const outcomes: Record<string, Outcome> = {
  arrayRecordSyncFits: await attempt("ar-sync-fits", syncArrayRecord("group_size:16,uncompressed"), records(fits)),
  arrayRecordSync: await attempt("ar-sync", syncArrayRecord("group_size:16,uncompressed"), records(exceeds)),
  arrayRecordAsync: await attempt("ar-async", (t) => ArrayRecordWriter.open(t, "group_size:16,uncompressed"), records(exceeds)),
  // Incompressible records: zstd must not shrink the file below the limit.
  arrayRecordParallel: await attempt("ar-parallel", (t) => ArrayRecordWriter.open(t, "group_size:16,zstd:1,max_parallelism:2"), noise(exceeds)),
  tfrecordSync: await attempt("tfrecord-sync", (t) => new TFRecordWriter(t, { compression: "none", fsync: true }), records(exceeds)),
};
console.log(JSON.stringify(outcomes));
