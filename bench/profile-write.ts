// Scratch profile target (not committed).
import * as fs from "node:fs";
import { ArrayRecordWriter } from "../src/index.js";
const records: Uint8Array[] = [];
for (let i = 0; i < 65536; i++) { const n = 1200 + (i * 7919) % 201; const r = new Uint8Array(n); for (let k = 0; k < n; k++) r[k] = 97 + ((i + k) % 26); records.push(r); }
const opts = process.env.OPTS ?? "group_size:1,uncompressed";
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
const c0 = cpu();
for (let rep = 0; rep < 10; rep++) {
  fs.rmSync("/tmp/pw.ar", { force: true });
  const w = ArrayRecordWriter.openSync("/tmp/pw.ar", opts);
  for (const r of records) w.writeSync(r);
  w.closeSync();
}
console.log(opts, "write cpu/record", ((cpu() - c0) / (10 * 65536)).toFixed(2) + "µs");
