/**
 * Snappy decode of the bench's 1.3 KB text records, one call per record as a group_size:1 chunk
 * decodes: our addon's `decodeInto` against the `snappy` package's `uncompressSync`, on the same
 * streams (compressed by the package, i.e. libsnappy's bytes). Each figure is the median of --runs
 * passes over --records records; ns per record includes the N-API call.
 *
 *   node --import tsx bench/snappy-decode.ts            # table
 *   node --import tsx bench/snappy-decode.ts --json     # one JSON object per decoder
 *   node --import tsx bench/snappy-decode.ts --addon /path/to/other/build/native/snappy   # A/B a build
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { compressSync, uncompressSync } from "snappy";
import { benchData } from "./bench-data.js";
import { scriptArgs } from "./script-args.js";
import { median } from "./stats.js";

const { values } = scriptArgs("npm run bench:snappy --", {
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string", default: "9" },
    records: { type: "string", default: "8192" },
    addon: { type: "string", default: "arrayrecord-snappy" },
  },
});
const require = createRequire(import.meta.url);
const addonPath = values.addon.includes("/") ? path.resolve(values.addon) : values.addon;
const addon = require(addonPath) as { decodeInto(src: Uint8Array, dst: Uint8Array): number };

const records = benchData(Number(values.records)).records;
const streams = records.map((r) => new Uint8Array(compressSync(Buffer.from(r))));
const outputs = records.map((r) => new Uint8Array(r.length));
const bytes = records.reduce((sum, r) => sum + r.length, 0);

/** Median ns per record of `decode` over all streams; every output is checked once. */
function measure(decode: (i: number) => void): number {
  const perRecord: number[] = [];
  for (let run = 0; run <= Number(values.runs); run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < streams.length; i++) decode(i);
    if (run > 0) perRecord.push(Number(process.hrtime.bigint() - t0) / streams.length); // run 0 warms up
  }
  outputs.forEach((out, i) => {
    if (Buffer.compare(out, records[i]!) !== 0) throw new Error(`record ${i} decoded wrong`);
  });
  return median(perRecord);
}

const rows = [
  ["addon decodeInto", measure((i) => void addon.decodeInto(streams[i]!, outputs[i]!))],
  ["snappy uncompressSync", measure((i) => outputs[i]!.set(uncompressSync(Buffer.from(streams[i]!.buffer), { asBuffer: true }) as Buffer))],
] as const;
for (const [decoder, ns] of rows) {
  const mbPerS = bytes / streams.length / ns * 1e3;
  if (values.json) console.log(JSON.stringify({ decoder, ns_per_record: Math.round(ns), records_per_s: Math.round(1e9 / ns), mb_per_s: Math.round(mbPerS) }));
  else console.log(`${decoder.padEnd(24)} ${ns.toFixed(0).padStart(6)} ns/record  ${Math.round(1e9 / ns).toLocaleString("en-US").padStart(10)} records/s  ${mbPerS.toFixed(0).padStart(5)} MB/s`);
}
