// Scratch profile target (not committed): CPU time per record for write, seq read, random read.
import * as fs from "node:fs";
import { ArrayRecordWriter, ArrayRecordReader } from "../src/index.js";
const records: Uint8Array[] = [];
for (let i = 0; i < 65536; i++) { const n = 1200 + (i * 7919) % 201; const r = new Uint8Array(n); for (let k = 0; k < n; k++) r[k] = 97 + ((i + k) % 26); records.push(r); }
const opts = process.env.OPTS ?? "group_size:1,uncompressed";
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
const per = (c0: number, reps: number) => ((cpu() - c0) / (reps * 65536)).toFixed(2) + "µs";
let c0 = cpu();
for (let rep = 0; rep < 3; rep++) {
  fs.rmSync("/tmp/p.ar", { force: true });
  const w = ArrayRecordWriter.openSync("/tmp/p.ar", opts);
  for (const r of records) w.writeSync(r);
  w.closeSync();
}
const write = per(c0, 3);
const rd = ArrayRecordReader.openSync("/tmp/p.ar");
let s = 0;
c0 = cpu();
for (let rep = 0; rep < 5; rep++) for (const r of rd.records()) s += r.length;
const seq = per(c0, 5);
c0 = cpu();
for (let rep = 0; rep < 3; rep++) for (let i = 0; i < 65536; i++) s += rd.readSync((i * 40503) % 65536).length;
console.log(opts, "cpu/record: write", write, "seq", seq, "rand", per(c0, 3));
