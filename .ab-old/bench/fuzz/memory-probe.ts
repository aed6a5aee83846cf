/**
 * Memory probe for the fuzz campaign (issue 13): runs fuzz cases in this thread, with no worker
 * and no watchdog, and after every `--every` cases collects garbage twice and prints resident
 * memory beside V8's own counts, so growth outside the JS heap (native addons, WebAssembly,
 * malloc) shows up as rss rising while heapUsed and external stay flat.
 *
 *   node --expose-gc --import tsx bench/fuzz/memory-probe.ts --from 133116 --cases 3000
 *   ... --kind forge-chunk-header       # only cases of one mutation kind (others are skipped, not run)
 *   ... --file text_gs7_brotli          # only cases on files whose name contains this
 *   ... --step strict                   # run one read of the oracle: strict | verify | recover | all
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { setImmediate } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { scriptArgs } from "../script-args.js";
import v8 from "node:v8";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { verifyArrayRecordSync } from "../../src/format/array-record/verify.js";
import { MemoryByteSource } from "../../src/format/bytes/byte-source.js";
import { caseInput, directoryCorpus } from "./campaign.js";
import { checkCase } from "./check-case.js";

const { values } = scriptArgs("node --expose-gc --import tsx bench/fuzz/memory-probe.ts", {
  options: {
    seed: { type: "string", default: "1" },
    from: { type: "string", default: "0" },
    cases: { type: "string", default: "3000" },
    every: { type: "string", default: "500" },
    kind: { type: "string" },
    file: { type: "string" },
    step: { type: "string", default: "all" },
    /** Return to the event loop after every this many cases (0: never, as the campaign worker did). */
    yield: { type: "string", default: "0" },
    corpus: { type: "string", default: fileURLToPath(new URL("../../../shared/golden", import.meta.url)) },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

/** Resident anonymous memory from /proc (Linux), in MiB; NaN elsewhere. */
function anonMiB(): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return m === null ? NaN : Math.round(Number(m[1]) / 1024);
  } catch {
    return NaN;
  }
}

/** Resident MiB of the brk heap (glibc's main arena) and of other anonymous mappings, from /proc/self/smaps (Linux). */
function mappings(): { brk: number; otherAnon: number } {
  try {
    let brk = 0;
    let otherAnon = 0;
    let current = "";
    for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head !== null) current = head[1]!;
      else if (line.startsWith("Rss:")) {
        const kb = Number(/(\d+)/.exec(line)![1]);
        if (current === "[heap]") brk += kb;
        else if (current === "") otherAnon += kb;
      }
    }
    return { brk: Math.round(brk / 1024), otherAnon: Math.round(otherAnon / 1024) };
  } catch {
    return { brk: NaN, otherAnon: NaN };
  }
}

/**
 * glibc's malloc counts, from an addon exposing mallinfo2() and malloc_trim(0) named by
 * PROBE_MALLINFO (not part of the project: a few lines of C built by hand for this measurement).
 */
const mallinfo = process.env.PROBE_MALLINFO
  ? (createRequire(import.meta.url)(process.env.PROBE_MALLINFO) as { info(): Record<string, number>; trim(): number })
  : undefined;

function mallocCounts(): object {
  if (mallinfo === undefined) return {};
  const before = mallinfo.info();
  const mib = (n: number): number => Math.round(n / 2 ** 20);
  mallinfo.trim();
  return { mallocInUse: mib(before.uordblks!), mallocFree: mib(before.fordblks!), mallocMmapped: mib(before.hblkhd!), rssAfterTrim: mib(process.memoryUsage.rss()) };
}

function sample(label: string): void {
  gc!();
  gc!();
  const m = process.memoryUsage();
  const mib = (n: number): number => Math.round(n / 2 ** 20);
  console.log(
    JSON.stringify({ at: label, rss: mib(m.rss), anon: anonMiB(), heapUsed: mib(m.heapUsed), heapTotal: mib(m.heapTotal), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers), malloced: mib(v8.getHeapStatistics().malloced_memory), ...mappings(), ...mallocCounts() }),
  );
}

const corpus = directoryCorpus(values.corpus);
const seed = Number(values.seed);
const from = Number(values.from);
const end = from + Number(values.cases);
const every = Number(values.every);
const yieldEvery = Number(values.yield);
const run = (bytes: Uint8Array, records: readonly Uint8Array[]): void => {
  const source = (): MemoryByteSource => new MemoryByteSource(bytes, "fuzz");
  const quiet = (f: () => void): void => {
    try {
      f();
    } catch {
      // typed or not: the campaign checks that; this only measures memory
    }
  };
  if (values.step === "all") quiet(() => void checkCase(records, bytes, {}));
  else if (values.step === "strict") quiet(() => void ArrayRecordReader.openSync(source()).readAllSync());
  else if (values.step === "verify") quiet(() => void verifyArrayRecordSync(source()));
  else if (values.step === "recover") quiet(() => void ArrayRecordReader.openSync(source(), "", { recover: true }).readAllSync());
  else throw new Error(`unknown --step ${values.step}`);
};

sample("start");
let ran = 0;
const cpu0 = process.cpuUsage();
for (let index = from; index < end; index++) {
  const { file, kind, bytes } = caseInput(corpus, seed, index);
  if (values.kind !== undefined && kind !== values.kind) continue;
  if (values.file !== undefined && !file.name.includes(values.file)) continue;
  run(bytes, file.records);
  if (yieldEvery > 0 && (ran + 1) % yieldEvery === 0) await setImmediate();
  if (++ran % every === 0) sample(`${ran} cases (index ${index})`);
}
sample(`end: ${ran} cases`);
const cpu = process.cpuUsage(cpu0);
console.log(`cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
