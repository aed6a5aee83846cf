/**
 * Records files: how records travel between the tests and the Python oracle (test/interop/oracle.py)
 * without base64 in JSON — each record as a little-endian u64 length followed by its bytes.
 */
import * as fs from "node:fs";

/** Writes `records` to `path` as a records file. */
export function writeRecordsFile(path: string, records: readonly Uint8Array[]): void {
  const total = records.reduce((sum, r) => sum + 8 + r.length, 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const r of records) {
    out.writeBigUInt64LE(BigInt(r.length), at);
    at += 8;
    out.set(r, at);
    at += r.length;
  }
  fs.writeFileSync(path, out);
}

/** The records of the records file `path`. */
export function readRecordsFile(path: string): Uint8Array[] {
  const data = fs.readFileSync(path);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 8 > data.length) throw new Error(`records file ${path}: truncated length at offset ${at}`);
    const n = Number(data.readBigUInt64LE(at));
    at += 8;
    if (at + n > data.length) throw new Error(`records file ${path}: record of ${n} bytes truncated at offset ${at}`);
    out.push(new Uint8Array(data.buffer, data.byteOffset + at, n));
    at += n;
  }
  return out;
}
