/**
 * An order-independent digest of a record multiset: the count and the sum, modulo 2^32, of each
 * record's CRC32C (with its length folded in). Equal multisets give equal digests whatever the
 * order or the split. The Beam step reports it through counters, so it works on any runner; Beam
 * 2.49's counters are int32 and wrap, which sums modulo 2^32 survive.
 */
import * as beam from "apache-beam";
import { crc32c } from "@node-rs/crc32";
import { registerDoFns } from "../transforms/serialization.js";

/** Count and checksum sum (modulo 2^32) of a multiset of records. */
export interface RecordDigest {
  records: number;
  checksumSum: number;
}

const TWO_32 = 2 ** 32;

/** `value` modulo 2^32, in [0, 2^32). */
function mod32(value: number): number {
  return ((value % TWO_32) + TWO_32) % TWO_32;
}

/** The checksum one record contributes: CRC32C of its bytes, seeded with its length. */
export function recordChecksum(record: Uint8Array): number {
  return crc32c(Buffer.from(record.buffer, record.byteOffset, record.length), record.length >>> 0);
}

/** The digest of records computed in this process. */
export function digestOf(records: Iterable<Uint8Array>): RecordDigest {
  const digest = { records: 0, checksumSum: 0 };
  for (const record of records) {
    digest.records++;
    digest.checksumSum = mod32(digest.checksumSum + recordChecksum(record));
  }
  return digest;
}

/** Counter names of {@link DigestDoFn}, prefixed by its label. */
export function digestCounterNames(label: string): { records: string; checksumSum: string } {
  return { records: `${label}_digest_records`, checksumSum: `${label}_digest_checksum_sum` };
}

/** Adds each record to the digest counters named by its label; emits nothing. */
export class DigestDoFn implements beam.DoFn<Uint8Array, never, { records: beam.Counter; checksumSum: beam.Counter }> {
  process(record: Uint8Array, context: { records: beam.Counter; checksumSum: beam.Counter }): void {
    context.records.increment(1);
    // Signed 32-bit, as the counter encodes it: wrapping sums stay exact modulo 2^32.
    context.checksumSum.increment(recordChecksum(record) | 0);
  }
}

/** Digests `records` into counters; read them from the result with {@link digestFromCounters}. */
export function digestRecords(records: beam.PCollection<Uint8Array>, label: string): void {
  const names = digestCounterNames(label);
  records.apply(beam.withName(`digest(${label})`, beam.parDo(new DigestDoFn(), { records: beam.counter(names.records), checksumSum: beam.counter(names.checksumSum) })));
}

/** The digest a finished pipeline's counters hold for `label`. */
export function digestFromCounters(counters: Record<string, number>, label: string): RecordDigest {
  const names = digestCounterNames(label);
  return { records: mod32(counters[names.records] ?? 0), checksumSum: mod32(counters[names.checksumSum] ?? 0) };
}

registerDoFns({ DigestDoFn });
