/** The records every kill-test writer run writes: deterministic, varied lengths, 2.5 MB in all. */

/** Number of records per run. */
export const KILL_RECORDS = 5000;

/** Record i as text. */
export function killRecordStrings(): string[] {
  return Array.from({ length: KILL_RECORDS }, (_, i) => `record ${i} ` + "abcdefghij".repeat(i % 97));
}

/** The records as bytes. */
export function killRecords(): Uint8Array[] {
  const utf8 = new TextEncoder();
  return killRecordStrings().map((s) => utf8.encode(s));
}
