// Scratch profile target (not committed).
import { ArrayRecordWriter, ArrayRecordReader } from "../src/index.js";
const records: Uint8Array[] = [];
for (let i = 0; i < 65536; i++) { const n = 1200 + (i * 7919) % 201; const r = new Uint8Array(n); for (let k = 0; k < n; k++) r[k] = 97 + ((i + k) % 26); records.push(r); }
const opts = process.env.OPTS ?? "group_size:1,uncompressed";
const w = ArrayRecordWriter.openSync("/tmp/p.ar", opts);
for (const r of records) w.writeSync(r);
w.closeSync();
const rd = ArrayRecordReader.openSync("/tmp/p.ar");
let s = 0;
const t0 = performance.now();
if (process.env.MODE !== "rand") for (let rep = 0; rep < 5; rep++) for (const r of rd.records()) s += r.length;
const t1 = performance.now();
if (process.env.MODE !== "seq") for (let rep = 0; rep < 3; rep++) for (let i = 0; i < 65536; i++) s += rd.readSync((i * 40503) % 65536).length;
const t2 = performance.now();
console.log("seq", Math.round(5 * 65536 / (t1 - t0)) + "k/s", "rand", Math.round(3 * 65536 / (t2 - t1)) + "k/s");
