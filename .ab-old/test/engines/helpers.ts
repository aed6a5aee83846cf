/** Inputs and checks shared by the Flink tests: TFRecord inputs, record digests, Google's reader. */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { TFRecordWriter } from "../../src/format/tfrecord/index.js";
import { ArrayRecordDataSource } from "../../src/format/array-record/data-source.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The oracle virtualenv's Python (`npm run setup:oracles`); a missing one fails the test. */
export const ORACLE_PYTHON = path.join(ROOT, ".venv-oracles", "bin", "python");

/** Deterministic record `j` of file `f`: `f<f>-r<j>` padded with a byte pattern to `size` bytes. */
export function inputRecord(f: number, j: number, size: number): Uint8Array {
  const head = Buffer.from(`f${f}-r${j}|`);
  const out = Buffer.alloc(Math.max(size, head.length));
  head.copy(out);
  for (let i = head.length; i < out.length; i++) out[i] = (i * 31 + j * 7 + f) & 0xff;
  return new Uint8Array(out);
}

/** Writes `files` TFRecord files of `perFile` records of `size` bytes; returns the records written. */
export function writeTFRecordInputs(dir: string, name: string, files: number, perFile: number, size: number): Uint8Array[] {
  const all: Uint8Array[] = [];
  for (let f = 0; f < files; f++) {
    const writer = new TFRecordWriter(path.join(dir, `${name}-${f}.tfrecord`));
    for (let j = 0; j < perFile; j++) {
      const record = inputRecord(f, j, size);
      writer.write(record);
      all.push(record);
    }
    writer.close();
  }
  return all;
}

/** An order-independent digest: record count and SHA-256 over the sorted SHA-256s of the records. */
export function multisetDigest(records: Iterable<Uint8Array>): { records: number; sha256: string } {
  const hashes = [...records].map((r) => createHash("sha256").update(r).digest("hex")).sort();
  return { records: hashes.length, sha256: createHash("sha256").update(hashes.join("\n")).digest("hex") };
}

/** Every record of `files` read by our data source. */
export function readOurs(files: string[]): Uint8Array[] {
  const source = ArrayRecordDataSource.openSync(files);
  try {
    return [...source].map((r) => new Uint8Array(r));
  } finally {
    source.closeSync();
  }
}

/** The {@link multisetDigest} of `files` as Google's array-record wheel reads them. */
export function digestByGoogle(files: string[]): { records: number; sha256: string } {
  if (!fs.existsSync(ORACLE_PYTHON)) throw new Error(`${ORACLE_PYTHON} is missing: run npm run setup:oracles`);
  const script = [
    "import hashlib, json, sys",
    "from array_record.python.array_record_module import ArrayRecordReader",
    "hashes = []",
    "for f in sys.argv[1:]:",
    "    r = ArrayRecordReader(f)",
    "    n = r.num_records()",
    "    hashes += [hashlib.sha256(x).hexdigest() for x in (r.read(list(range(n))) if n else [])]",
    "    r.close()",
    "hashes.sort()",
    "print(json.dumps({'records': len(hashes), 'sha256': hashlib.sha256('\\n'.join(hashes).encode()).hexdigest()}))",
  ].join("\n");
  const result = spawnSync(ORACLE_PYTHON, ["-c", script, ...files], { encoding: "utf8", timeout: 120_000, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`array-record wheel failed: ${result.error?.message ?? result.stderr}`);
  return JSON.parse(result.stdout) as { records: number; sha256: string };
}

/** Files and folders under `dir` whose names mark them temporary (the sink's `.arrayrecord-tmp-*`). */
export function leftoverTemps(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith(".arrayrecord-tmp") || name.includes(".tmp"));
}
