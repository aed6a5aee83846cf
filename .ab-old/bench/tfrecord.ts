/**
 * TFRecord and tf.train.Example throughput.
 *
 *   node --import tsx bench/tfrecord.ts [--json]
 *
 * Writes a 64 MB TFRecord file of 1.3 KB records (and a 16 MB GZIP one) to a temporary
 * directory, then reports the median of 5 runs of: sync and async streaming reads (fresh read
 * buffers, the default, and `reuseBuffer`), in-memory decode of the whole file (file read not
 * timed), the writer, and Example decoding (hand-written vs generated protobuf-es) of the golden
 * Example records.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeExample } from "../src/format/example/index.js";
import { decodeExampleGenerated } from "../src/format/example/generated.js";
import { TFRecordWriter, decodeTFRecords, readTFRecords, readTFRecordsSync } from "../src/format/tfrecord/index.js";
import { median } from "./stats.js";

const RUNS = 5;
const RECORD_BYTES = 1300;
const FILE_BYTES = 64e6;
const json = process.argv.includes("--json");

interface Row {
  name: string;
  mbPerSecond: number | null;
  recordsPerSecond: number;
}

/** Median seconds of `RUNS` runs of `run` (after one warm-up run). */
async function time(run: () => unknown): Promise<number> {
  await run();
  const seconds: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    seconds.push((performance.now() - start) / 1e3);
  }
  return median(seconds);
}

function makeRecords(count: number): Uint8Array[] {
  // Pseudo-random bytes (xorshift), so compression and CRCs see realistic data.
  let x = 0x2545f491;
  return Array.from({ length: count }, () => {
    const r = new Uint8Array(RECORD_BYTES);
    for (let i = 0; i < r.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      r[i] = i % 4 === 0 ? x & 0xff : 32 + (i % 64); // partly compressible
    }
    return r;
  });
}

const dir = mkdtempSync(join(tmpdir(), "tfrecord-bench-"));
const rows: Row[] = [];
try {
  const count = Math.ceil(FILE_BYTES / (RECORD_BYTES + 16));
  const pool = makeRecords(1024);
  const path = join(dir, "bench.tfrecord");
  const framedBytes = count * (RECORD_BYTES + 16);
  const add = (name: string, seconds: number, records: number, bytes: number | null): void => {
    rows.push({ name, mbPerSecond: bytes === null ? null : bytes / 1e6 / seconds, recordsPerSecond: records / seconds });
  };

  add(
    "write (uncompressed)",
    await time(() => {
      const w = new TFRecordWriter(path);
      for (let i = 0; i < count; i++) w.write(pool[i % pool.length]!);
      w.close();
    }),
    count,
    framedBytes,
  );

  const readSync = (reuseBuffer: boolean) => () => {
    let n = 0;
    for (const r of readTFRecordsSync(path, { reuseBuffer })) n += r.length;
    return n;
  };
  const readAsync = (reuseBuffer: boolean) => async () => {
    let n = 0;
    for await (const r of readTFRecords(path, { reuseBuffer })) n += r.length;
    return n;
  };
  add("read sync streaming", await time(readSync(false)), count, framedBytes);
  add("read sync streaming, reuseBuffer", await time(readSync(true)), count, framedBytes);
  add("read async streaming", await time(readAsync(false)), count, framedBytes);
  add("read async streaming, reuseBuffer", await time(readAsync(true)), count, framedBytes);
  const whole = new Uint8Array(readFileSync(path));
  add("decodeTFRecords (in memory)", await time(() => decodeTFRecords(whole)), count, framedBytes);

  const gzCount = count >> 2;
  const gzPath = join(dir, "bench.tfrecord.gz");
  add(
    "write GZIP (level 6)",
    await time(() => {
      const w = new TFRecordWriter(gzPath);
      for (let i = 0; i < gzCount; i++) w.write(pool[i % pool.length]!);
      w.close();
    }),
    gzCount,
    gzCount * (RECORD_BYTES + 16),
  );
  add(
    "read GZIP sync streaming",
    await time(() => {
      let n = 0;
      for (const r of readTFRecordsSync(gzPath)) n += r.length;
      return n;
    }),
    gzCount,
    gzCount * (RECORD_BYTES + 16),
  );

  // tf.train.Example decoding, on the golden records (5 features, ~160 bytes each).
  // npm scripts run from the repository root, with ../shared beside it.
  const golden = readFileSync("../shared/golden/example_gs64_transpose.records");
  const examples: Uint8Array[] = [];
  for (let pos = 0; pos < golden.length; ) {
    const length = golden.readUInt32LE(pos);
    examples.push(new Uint8Array(golden.buffer, golden.byteOffset + pos + 4, length));
    pos += 4 + length;
  }
  const exampleBytes = examples.reduce((s, e) => s + e.length, 0);
  const ROUNDS = 100;
  add(
    "Example decode, hand-written (decodeExample)",
    await time(() => {
      for (let i = 0; i < ROUNDS; i++) for (const e of examples) decodeExample(e);
    }),
    ROUNDS * examples.length,
    ROUNDS * exampleBytes,
  );
  add(
    "Example decode, generated protobuf-es",
    await time(() => {
      for (let i = 0; i < ROUNDS; i++) for (const e of examples) decodeExampleGenerated(e);
    }),
    ROUNDS * examples.length,
    ROUNDS * exampleBytes,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (json) {
  console.log(JSON.stringify({ runs: RUNS, recordBytes: RECORD_BYTES, fileBytes: FILE_BYTES, node: process.version, results: rows }, null, 2));
} else {
  console.log(`TFRecord benchmark: ${RECORD_BYTES}-byte records, ${FILE_BYTES / 1e6} MB file, median of ${RUNS} runs, Node ${process.version}`);
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`${"".padEnd(width)}  ${"MB/s".padStart(8)}  ${"records/s".padStart(12)}`);
  for (const r of rows) {
    const mb = r.mbPerSecond === null ? "" : r.mbPerSecond.toFixed(0);
    console.log(`${r.name.padEnd(width)}  ${mb.padStart(8)}  ${Math.round(r.recordsPerSecond).toLocaleString("en-US").padStart(12)}`);
  }
}
