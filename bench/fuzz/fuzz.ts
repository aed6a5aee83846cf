/**
 * Mutation fuzzing campaign (a long run, not a test): damages clean ArrayRecord files in random,
 * structure-aware ways (bench/fuzz/mutations.ts) and checks every outcome (bench/fuzz/check-case.ts):
 * strict reads give the original records or an ArrayRecordError, recovering reads only original
 * records, never a crash, a hang or memory beyond the bound. The cases run in a worker thread that
 * this thread watches: a case running past --case-ms is stopped and reported as a hang.
 * Deterministic: case i of seed s is the same everywhere (`--from i --cases 1` replays it).
 *
 *   npm run fuzz                                   # 60 s over ../shared/golden
 *   npm run fuzz -- --seconds 600 --seed 7
 *   npm run fuzz -- --cases 100000 --seconds 7200  # the campaign of issue 13
 *   npm run fuzz -- --corpus generated             # files our writer makes (no ../shared needed)
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { directoryCorpus, generatedCorpus, runCampaign, type CampaignFinding, type CampaignStats } from "./campaign.js";

interface Settings {
  seconds: number;
  cases: number;
  seed: number;
  from: number;
  corpus: string;
  caseMs: number;
  memoryMb: number;
}

const GOLDEN = fileURLToPath(new URL("../../../shared/golden", import.meta.url));

if (isMainThread) await main();
else work(workerData as Settings & { heartbeat: SharedArrayBuffer });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "60" },
      cases: { type: "string", default: String(Number.MAX_SAFE_INTEGER) },
      seed: { type: "string", default: "1" },
      from: { type: "string", default: "0" },
      corpus: { type: "string", default: existsSync(GOLDEN) ? GOLDEN : "generated" },
      "case-ms": { type: "string", default: "10000" },
      "memory-mb": { type: "string", default: "1536" },
    },
  });
  const settings: Settings = {
    seconds: Number(values.seconds),
    cases: Number(values.cases),
    seed: Number(values.seed),
    from: Number(values.from),
    corpus: values.corpus!,
    caseMs: Number(values["case-ms"]),
    memoryMb: Number(values["memory-mb"]),
  };
  const heartbeat = new SharedArrayBuffer(8);
  const beat = new Int32Array(heartbeat);
  beat[0] = -1;
  const started = Date.now();
  // The worker runs this file too; it needs tsx's loader registered in its own thread.
  const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: { ...settings, heartbeat },
    resourceLimits: { maxOldGenerationSizeMb: settings.memoryMb },
  });
  let lastCase = -1;
  let lastChange = Date.now();
  let peakRss = 0;
  const watchdog = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const current = Atomics.load(beat, 0);
    if (current !== lastCase) {
      lastCase = current;
      lastChange = Date.now();
    } else if (current >= 0 && Date.now() - lastChange > settings.caseMs) {
      clearInterval(watchdog);
      report(undefined, { index: current, seed: settings.seed, file: "?", kind: "bit-flips", message: `HANG: case ${current} ran over ${settings.caseMs} ms; stopped` });
      void worker.terminate().then(() => process.exit(1));
    }
  }, 200);
  const result = await new Promise<{ stats: CampaignStats; finding: CampaignFinding | undefined; corpusFiles: number } | Error>((resolve) => {
    worker.on("message", resolve);
    worker.on("error", resolve);
    worker.on("exit", (code) => resolve(new Error(`worker exited with code ${code}`)));
  });
  clearInterval(watchdog);
  if (result instanceof Error) {
    console.error(`CRASH (case ${Atomics.load(beat, 0)}, seed ${settings.seed}): ${result.stack ?? result.message}`);
    process.exit(1);
  }
  const maxRss = process.resourceUsage().maxRSS * 1024;
  report({ ...result.stats, peakRss: Math.max(result.stats.peakRss, peakRss, maxRss) }, result.finding, settings, result.corpusFiles, Date.now() - started);
  await worker.terminate();
  process.exit(result.finding === undefined ? 0 : 1);
}

function report(stats: CampaignStats | undefined, finding: CampaignFinding | undefined, settings?: Settings, files?: number, ms?: number): void {
  if (stats !== undefined) {
    console.log(
      JSON.stringify(
        { corpus: settings?.corpus, files, seed: settings?.seed, from: settings?.from, seconds: Math.round((ms ?? 0) / 1000), ...stats, peakRssMiB: Math.round(stats.peakRss / 2 ** 20), crashes: 0, hangs: 0, wrongRecords: 0 },
        null,
        1,
      ),
    );
  }
  if (finding !== undefined) {
    console.error(`FINDING case ${finding.index} (seed ${finding.seed}, file ${finding.file}, ${finding.kind}): ${finding.message}`);
    console.error(`replay: npm run fuzz -- --seed ${finding.seed} --from ${finding.index} --cases 1`);
  } else if (stats !== undefined) {
    console.log(`${stats.cases} damaged files: every strict read exact or typed, every recovery only original records; no crash, hang or memory over ${settings?.memoryMb} MiB`);
  }
}

function work(settings: Settings & { heartbeat: SharedArrayBuffer }): void {
  const beat = new Int32Array(settings.heartbeat);
  const corpus = settings.corpus === "generated" ? generatedCorpus() : directoryCorpus(settings.corpus);
  const result = runCampaign(corpus, {
    seed: settings.seed,
    from: settings.from,
    count: settings.cases,
    deadline: Date.now() + settings.seconds * 1000,
    caseMs: settings.caseMs,
    memoryBytes: settings.memoryMb * 2 ** 20,
    limits: {},
    onCase: (index) => Atomics.store(beat, 0, index),
  });
  parentPort!.postMessage({ ...result, corpusFiles: corpus.length });
}
