/** The records every kill-test writer run writes: deterministic, varied lengths, 2.5 MB in all. */
import { seededBytes } from "../helpers/generators.js";

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

/** Records of the object-store kill runs: 15 incompressible 1 MiB records among 199 small ones, ~15 MiB (3 upload parts of 5 MiB and a last one). */
export function storeKillRecords(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 214; i++) out.push(i % 15 === 0 ? seededBytes(1 << 20, 1000 + i) : new TextEncoder().encode(`small record ${i}`));
  return out;
}
