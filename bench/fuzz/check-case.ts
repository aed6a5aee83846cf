/**
 * The fuzzing oracle for one damaged file: a strict read returns exactly the original records or
 * an ArrayRecordError; a full verify passes or fails typed; a recovering read returns only records
 * byte-identical to originals — in order when it used a footer (a footerless scan reads moved
 * chunks where they lie; the outcome counts when it did) — and with a footer its report counts every record it does not return;
 * without one it must say that its count is incomplete.
 */
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { verifyArrayRecordSync } from "../../src/format/array-record/verify.js";
import { MemoryByteSource } from "../../src/format/bytes/byte-source.js";
import { isArrayRecordError } from "../../src/format/errors.js";
import type { DecodeLimits } from "../../src/format/array-record/decode-limits.js";

/** A broken promise of the reader: the run stops and names the case. */
export class Finding extends Error {
  override readonly name = "Finding";
}

/** How one case ended (no {@link Finding}). */
export interface CaseOutcome {
  /** `ok` (all records exact) or the error code. */
  strict: string;
  /** `ok` or the error code of a full verify. */
  verify: string;
  /**
   * `footer:` or `scan:` (how recovery found the chunks), then `all` (every record), `partial` or
   * `none`, then `:reordered` when a scan returned originals out of order; or the error code when
   * even recovery could not open.
   */
  recover: string;
}

const memberSets = new WeakMap<readonly Uint8Array[], Set<string>>();

/** The records as a set of keys, made once per original. */
function memberSet(original: readonly Uint8Array[]): Set<string> {
  let set = memberSets.get(original);
  if (set === undefined) memberSets.set(original, (set = new Set(original.map(key))));
  return set;
}

function key(record: Uint8Array): string {
  return Buffer.from(record.buffer, record.byteOffset, record.length).toString("latin1");
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** Index of the first record of `got` that is not the next original in order (greedy subsequence match), or -1. */
function firstOutOfOrder(got: readonly Uint8Array[], original: readonly Uint8Array[]): number {
  let j = 0;
  for (let i = 0; i < got.length; i++) {
    while (j < original.length && !sameBytes(got[i]!, original[j]!)) j++;
    if (j === original.length) return i;
    j++;
  }
  return -1;
}

function typed(what: string, action: () => void): string {
  try {
    action();
    return "ok";
  } catch (e) {
    if (e instanceof Finding) throw e;
    if (!isArrayRecordError(e)) throw new Finding(`${what}: not an ArrayRecordError: ${(e as Error)?.stack ?? String(e)}`);
    return e.code;
  }
}

/** Records read one by one per damaged file (from the first): enough to cross several chunks of every corpus file. */
const RANDOM_READS = 64;

/** Checks one damaged file against the records of the file it was made from. */
export function checkCase(original: readonly Uint8Array[], damaged: Uint8Array, limits: DecodeLimits): CaseOutcome {
  const strict = typed("strict read", () => {
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(damaged, "fuzz"), "", { limits });
    const got = reader.readAllSync();
    if (got.length !== original.length) throw new Finding(`strict read returned ${got.length} records, the original has ${original.length}`);
    const wrong = got.findIndex((r, i) => !sameBytes(r, original[i]!));
    if (wrong >= 0) throw new Finding(`strict read returned a wrong record ${wrong}`);
  });
  // Each chunk read alone (random reads: one-record chunks take the native decoder's own call)
  // gives the original record or a typed error, whatever the strict read found.
  typed("random reads", () => {
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(damaged, "fuzz"), "", { limits });
    for (let i = 0; i < Math.min(reader.numRecords, RANDOM_READS); i++) {
      typed("random read", () => {
        if (!sameBytes(reader.readSync(i), original[i]!)) throw new Finding(`random read ${i} returned a wrong record`);
      });
    }
  });
  // The borrowed visit decodes into reused memory (the addon takes uncompressed chunks crossing
  // block headers there, not in the strict read): the original records, in order, up to a typed error.
  let visited = 0;
  const visit = typed("visit", () => {
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(damaged, "fuzz"), "", { limits });
    reader.forEachSync((record, i) => {
      if (i !== visited || i >= original.length || !sameBytes(record, original[i]!)) throw new Finding(`visit gave a wrong record ${i}`);
      visited++;
    });
  });
  if ((visit === "ok") !== (strict === "ok")) throw new Finding(`the visit ended ${visit} after ${visited} records, the strict read ${strict}`);
  const verify = typed("verify", () => void verifyArrayRecordSync(new MemoryByteSource(damaged, "fuzz")));
  let recover = "none";
  let reordered = false;
  const opened = typed("recovering read", () => {
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(damaged, "fuzz"), "", { recover: true, limits });
    const got = reader.readAllSync();
    const report = reader.recovery!;
    const outOfOrder = firstOutOfOrder(got, original);
    if (report.method === "footer") {
      // Every record returned is an original, in order.
      if (outOfOrder >= 0) throw new Finding(`recovering read returned record ${outOfOrder}, which is not an original in order`);
    } else if (outOfOrder >= 0) {
      // Without a footer nothing records where a chunk belongs: a chunk copied to where a verified
      // chunk ends is read where it now lies. Every record must still be an original; the outcome
      // says the order was not kept.
      const members = memberSet(original);
      const stranger = got.findIndex((r) => !members.has(key(r)));
      if (stranger >= 0) throw new Finding(`recovering read (scan) returned record ${stranger}, which is not an original`);
      reordered = true;
    }
    if (report.recoveredRecords !== got.length) throw new Finding(`recovery report says ${report.recoveredRecords} records, the reader served ${got.length}`);
    // With a footer, the loss is counted from it exactly; a scan can only count what damaged
    // chunk headers declare (which may be index chunks), and says so with unknownLoss.
    if (report.method === "scan" && !report.unknownLoss) throw new Finding("a scan recovery claims a complete count");
    if (report.method === "footer" && got.length + report.lostRecords > original.length) {
      throw new Finding(`recovery reports ${report.lostRecords} lost beside ${got.length} recovered, the original has ${original.length}`);
    }
    if (!report.unknownLoss && got.length + report.lostRecords !== original.length) {
      throw new Finding(`recovery accounts for ${got.length} + ${report.lostRecords} records of ${original.length}, with no region of unknown size`);
    }
    // (Recovery may return fewer records than an exact strict read: it also checks every block
    // header against the footer's layout, and reports what it leaves out.)
    recover = `${report.method}:${got.length === original.length ? "all" : got.length === 0 ? "none" : "partial"}${reordered ? ":reordered" : ""}`;
  });
  return { strict, verify, recover: opened === "ok" ? recover : opened };
}
