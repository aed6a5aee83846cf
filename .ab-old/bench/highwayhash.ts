/**
 * HighwayHash-64 throughput: `riegeliHashMatches` (the reader's hot path) on inputs of 16, 32, 1300
 * and 65536 bytes, plus a "record" row (a 32-byte chunk header and 1300 bytes of chunk data, as the
 * reader hashes per record), for the engine the library picks (WebAssembly SIMD where available)
 * and for the portable TypeScript engine (the library loaded with WebAssembly hidden).
 * Each figure is the median of --runs timed batches of about --ms milliseconds.
 *
 *   node --import tsx bench/highwayhash.ts            # table
 *   node --import tsx bench/highwayhash.ts --json     # JSON
 *   node --import tsx bench/highwayhash.ts --runs 7 --ms 200 --engines default
 */
import { scriptArgs } from "./script-args.js";
import { median } from "./stats.js";

const { values } = scriptArgs("npm run bench:hash --", {
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string", default: "5" },
    ms: { type: "string", default: "100" },
    engines: { type: "string", default: "default,portable" },
  },
});
const runs = Number(values.runs);
const batchMs = Number(values.ms);

type HashModule = typeof import("../src/format/riegeli/highwayhash.js");

async function loadDefault(): Promise<HashModule> {
  return import("../src/format/riegeli/highwayhash.js");
}

/** A second copy of the module (distinct URL), evaluated while `WebAssembly` is hidden. */
async function loadPortable(): Promise<HashModule> {
  const g = globalThis as { WebAssembly?: unknown };
  const saved = g.WebAssembly;
  delete g.WebAssembly;
  try {
    return (await import("../src/format/riegeli/highwayhash.js?portable" as string)) as HashModule;
  } finally {
    g.WebAssembly = saved;
  }
}

interface Case {
  name: string;
  /** Bytes hashed per call of `run`. */
  bytes: number;
  /** Hashes per call of `run`. */
  hashes: number;
  run: (m: HashModule) => boolean;
}

function input(n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i * 31 + (i >> 8) + 7) & 0xff;
  return d;
}

function sizeCase(n: number): Case {
  const data = input(n);
  const stored = new Uint8Array(8);
  return { name: String(n), bytes: n, hashes: 1, run: (m) => m.riegeliHashMatches(data, stored, 0) };
}

function recordCase(): Case {
  const header = input(40);
  const data = input(1300);
  return {
    name: "record (32+1300)",
    bytes: 1332,
    hashes: 2,
    run: (m) => {
      const headerOk = m.riegeliHashMatches(header.subarray(8, 40), header, 0);
      const dataOk = m.riegeliHashMatches(data, header, 16);
      return headerOk && dataOk;
    },
  };
}

const cases: Case[] = [sizeCase(16), sizeCase(32), sizeCase(1300), sizeCase(65536), recordCase()];

interface Result {
  engine: string;
  input: string;
  bytes: number;
  mbPerS: number;
  nsPerCall: number;
  callsPerS: number;
}

function measure(m: HashModule, c: Case): { mbPerS: number; nsPerCall: number } {
  // Calibrate the batch size to about batchMs, warming up the JIT on the way.
  let iters = 16;
  let sink = 0;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) if (c.run(m)) sink++;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= batchMs / 4) {
      iters = Math.max(1, Math.round((iters * batchMs) / ms));
      break;
    }
    iters *= 4;
  }
  const perCall: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) if (c.run(m)) sink++;
    perCall.push(Number(process.hrtime.bigint() - t0) / iters);
  }
  if (sink === -1) console.log(sink); // keep the results alive
  const ns = median(perCall);
  return { mbPerS: (c.bytes / ns) * 1e3, nsPerCall: ns };
}

const results: Result[] = [];
for (const engine of values.engines.split(",")) {
  const m = engine === "portable" ? await loadPortable() : await loadDefault();
  for (const c of cases) {
    const { mbPerS, nsPerCall } = measure(m, c);
    results.push({ engine, input: c.name, bytes: c.bytes, mbPerS, nsPerCall, callsPerS: 1e9 / nsPerCall });
  }
}

if (values.json) {
  console.log(JSON.stringify({ node: process.version, runs, batchMs, results }, null, 2));
} else {
  console.log(`HighwayHash-64 via riegeliHashMatches, node ${process.version}, median of ${runs} x ~${batchMs} ms`);
  console.log(`${"engine".padEnd(10)}${"input bytes".padEnd(18)}${"MB/s".padStart(9)}${"ns/call".padStart(11)}${"calls/s".padStart(13)}`);
  for (const r of results) {
    console.log(
      `${r.engine.padEnd(10)}${r.input.padEnd(18)}${r.mbPerS.toFixed(0).padStart(9)}${r.nsPerCall.toFixed(1).padStart(11)}` +
        `${Math.round(r.callsPerS).toLocaleString("en-US").padStart(13)}`,
    );
  }
}
