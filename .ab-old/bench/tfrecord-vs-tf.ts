/**
 * GZIP TFRecord read speed against TensorFlow, in one run (issue 9, item 5):
 *
 *   npm run bench:tfrecord-vs-tf        (needs .venv-oracles: npm run setup:oracles)
 *
 * Writes 38,462 records of 1.3 KB (~51 MB framed, partly compressible) as one GZIP TFRecord file,
 * then reports the best of 5 interleaved rounds of: our sync reader (readTFRecordsSync), our async reader
 * (readTFRecords, which the CLI uses), the sync reader with fflate instead of the native inflate
 * thread (ARRAYRECORD_SYNC_INFLATE=fflate) and TensorFlow's `TFRecordDataset(..., "GZIP").batch(1024)`
 * in the oracle process (timed there; imports and a warm-up run excluded).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TFRecordWriter, readTFRecords, readTFRecordsSync } from "../src/index.js";
import { Oracle } from "../test/interop/oracle.js";

const RECORDS = 38_462;
const RECORD_BYTES = 1300;
const RUNS = 5;

function makeRecords(count: number): Uint8Array[] {
  // Pseudo-random bytes (xorshift) every 4th byte, so inflate and CRCs see realistic data.
  let x = 0x2545f491;
  return Array.from({ length: count }, () => {
    const r = new Uint8Array(RECORD_BYTES);
    for (let i = 0; i < r.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      r[i] = i % 4 === 0 ? x & 0xff : 32 + (i % 64);
    }
    return r;
  });
}

/** Seconds one run of `run` takes. */
async function best(run: () => unknown): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1e3;
}

const dir = mkdtempSync(join(tmpdir(), "tfrecord-vs-tf-"));
const oracle = await Oracle.start();
try {
  const path = join(dir, "bench.tfrecord.gz");
  const pool = makeRecords(1024);
  const writer = new TFRecordWriter(path, { compression: "gzip" });
  for (let i = 0; i < RECORDS; i++) writer.write(pool[i % pool.length]!);
  writer.close();
  const raw = RECORDS * (RECORD_BYTES + 16);
  console.log(`file: ${RECORDS} records, ${(raw / 1e6).toFixed(1)} MB framed, ${(statSync(path).size / 1e6).toFixed(1)} MB GZIP`);

  const count = (n: number) => {
    if (n !== RECORDS) throw new Error(`read ${n} records, expected ${RECORDS}`);
  };
  const readSync = () => {
    let n = 0;
    for (const _ of readTFRecordsSync(path)) n++;
    count(n);
  };
  const readAsync = async () => {
    let n = 0;
    for await (const _ of readTFRecords(path)) n++;
    count(n);
  };
  const readTF = async () => {
    const tf = (await oracle.call("tf_time_read", { path, compression: "gzip", runs: 1 }, 600_000)) as { seconds: number[]; num_records: number };
    count(tf.num_records);
    return tf.seconds[0]!;
  };
  // Rounds interleave the three readers, so a change in machine load hits them alike; best of RUNS.
  await readSync();
  await readAsync();
  await readTF();
  const readSyncFflate = () => {
    process.env["ARRAYRECORD_SYNC_INFLATE"] = "fflate";
    try {
      readSync();
    } finally {
      delete process.env["ARRAYRECORD_SYNC_INFLATE"];
    }
  };
  let fflate = Infinity;
  let sync = Infinity;
  let async = Infinity;
  let tfBest = Infinity;
  for (let round = 0; round < RUNS; round++) {
    tfBest = Math.min(tfBest, await readTF());
    async = Math.min(async, await best(readAsync));
    sync = Math.min(sync, await best(readSync));
    fflate = Math.min(fflate, await best(readSyncFflate));
  }
  const row = (name: string, s: number) => console.log(`${name.padEnd(52)} ${s.toFixed(3)} s  ${(raw / 1e6 / s).toFixed(0).padStart(5)} MB/s  ${(s / tfBest).toFixed(2)}× TF`);
  row("TensorFlow TFRecordDataset(GZIP).batch(1024)", tfBest);
  row("ours, async readTFRecords (CLI import)", async);
  row("ours, sync readTFRecordsSync (Beam DoFns)", sync);
  row("ours, sync with ARRAYRECORD_SYNC_INFLATE=fflate", fflate);
} finally {
  await oracle.close();
  rmSync(dir, { recursive: true, force: true });
}
