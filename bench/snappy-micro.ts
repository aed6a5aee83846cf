// Scratch (not committed).
import { compressSync } from "snappy";
import { snappyDecompress } from "../src/format/snappy-decode.js";
const n = 1300, i0 = 5;
const r = new Uint8Array(n); for (let k = 0; k < n; k++) r[k] = 97 + ((i0 + k) % 26);
const c = new Uint8Array(compressSync(Buffer.from(r)));
console.log("compressed", c.length);
let t0 = process.hrtime.bigint();
for (let i = 0; i < 100000; i++) snappyDecompress(c, n, 0);
console.log("js", (Number(process.hrtime.bigint() - t0) / 100000 / 1000).toFixed(2), "µs");
const text = new TextEncoder().encode("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ".repeat(13).slice(0, 1300));
const c2 = new Uint8Array(compressSync(Buffer.from(text)));
t0 = process.hrtime.bigint();
for (let i = 0; i < 100000; i++) snappyDecompress(c2, text.length, 0);
console.log("js text", c2.length, (Number(process.hrtime.bigint() - t0) / 100000 / 1000).toFixed(2), "µs");
