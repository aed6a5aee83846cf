/**
 * Loading the golden corpus in ../shared/golden (for `npm run test:corpus` only: `npm test` never
 * reads ../shared), and the record helpers both suites use: SHA-256 of records, record streams.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";

/** Directory of the shared golden files. */
export const GOLDEN_DIR = fileURLToPath(new URL("../../../shared/golden/", import.meta.url));
/** Directory of the shared interop files. */
export const INTEROP_DIR = fileURLToPath(new URL("../../../shared/interop/", import.meta.url));

/** One golden file's `.json` sidecar. */
export interface GoldenExpectation {
  file: string;
  writer_options: string;
  writer_options_string: string;
  num_records: number;
  total_record_bytes: number;
  file_size: number;
  records_sha256: string;
  generator: { kind: string; [param: string]: unknown };
  samples: Record<string, { length: number; hex: string; truncated: boolean }>;
  records_file?: string;
}

/** Golden files in ../shared/golden (golden/README.md lists 18). */
export const GOLDEN_FILE_COUNT = 18;

/** Every golden file with its expectations, sorted by name; throws unless there are all {@link GOLDEN_FILE_COUNT}. */
export function goldenFiles(): { path: string; expect: GoldenExpectation }[] {
  const files = fs
    .readdirSync(GOLDEN_DIR)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => {
      const expect = JSON.parse(fs.readFileSync(GOLDEN_DIR + name, "utf8")) as GoldenExpectation;
      return { path: GOLDEN_DIR + expect.file, expect };
    });
  if (files.length !== GOLDEN_FILE_COUNT) {
    throw new Error(`${GOLDEN_DIR} holds ${files.length} golden files, expected ${GOLDEN_FILE_COUNT}`);
  }
  return files;
}

/** SHA-256 over each record's u64 little-endian length followed by its bytes. */
export function recordsSha256(records: Iterable<Uint8Array>): string {
  const hash = createHash("sha256");
  const length = Buffer.alloc(8);
  for (const record of records) {
    length.writeBigUInt64LE(BigInt(record.length));
    hash.update(length);
    hash.update(record);
  }
  return hash.digest("hex");
}

/** Parses a `.records` stream: uint32 little-endian length + bytes per record. */
export function parseLengthPrefixed(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = view.getUint32(at, true);
    out.push(bytes.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** Deterministic shuffle (for random-order reads). */
export function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
