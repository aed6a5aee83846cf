/**
 * Mutation fuzzing campaign (a long run, not a test): damages clean ArrayRecord files in random,
 * structure-aware ways (bench/fuzz/mutations.ts) and checks every outcome (bench/fuzz/check-case.ts):
 * strict reads give the original records or an ArrayRecordError, recovering reads only original
 * records in order, never a crash, a hang or memory beyond the bound.
 *
 * The cases run in one worker thread that loads the corpus once and runs case after case; this
 * thread watches it through a heartbeat (the index of the running case). A case running past
 * --case-ms is a hang: the worker is stopped, the case recorded, and a new worker goes on from the
 * next case; a worker that dies (a crash, or V8's heap limit of --memory-mb) is recorded the same
 * way. Findings do not stop the run (up to --max-findings); each prints its replay command.
 * Deterministic: case i of seed s is the same everywhere (`--from i --cases 1` replays it).
 * `--progress FILE` rewrites FILE with the counts every few seconds, so a run stopped from outside
 * still leaves its figures.
 *
 *   npm run fuzz                                   # 60 s over ../shared/golden
 *   npm run fuzz -- --seconds 600 --seed 7
 *   npm run fuzz -- --cases 50000 --from 0 --seconds 3600 --progress a.json   # the campaign of issue 13,
 *   npm run fuzz -- --cases 50000 --from 50000 --seconds 3600 --progress b.json # in two processes
 *   npm run fuzz -- --corpus generated             # files our writer makes (no ../shared needed)
 */
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setImmediate } from "node:timers/promises";
import { scriptArgs } from "../script-args.js";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { countCase, directoryCorpus, emptyStats, generatedCorpus, runCampaign, type CampaignFinding, type CaseResult } from "./campaign.js";

interface Settings {
  seconds: number;
  cases: number;
  seed: number;
  from: number;
  corpus: string;
  caseMs: number;
  memoryMb: number;
}

/** Messages from the worker. */
type WorkerMessage =
  | { type: "ready"; corpusFiles: number }
  | { type: "case"; result: CaseResult }
  | { type: "finding"; finding: CampaignFinding }
  | { type: "done" };

const GOLDEN = fileURLToPath(new URL("../../../shared/golden", import.meta.url));

/**
 * Cases run in batches with a turn of the event loop between them: Node frees some native memory
 * only from its event loop (N-API finalizers, e.g. of the buffers the `snappy` package returns:
 * ~210 bytes per decode), so a worker running all its cases in one synchronous call held it for
 * its whole life: the ~20 MiB per 1,000 cases the issue-13 campaign saw (bench/fuzz/memory-probe.ts
 * measures it).
 */
const BATCH = 100;

if (isMainThread) await main();
else await work(workerData as Settings & { heartbeat: SharedArrayBuffer; deadline: number });

async function main(): Promise<void> {
  const { values } = scriptArgs("npm run fuzz --", {
    options: {
      seconds: { type: "string", default: "60" },
      cases: { type: "string", default: String(Number.MAX_SAFE_INTEGER) },
      seed: { type: "string", default: "1" },
      from: { type: "string", default: "0" },
      corpus: { type: "string", default: existsSync(GOLDEN) ? GOLDEN : "generated" },
      "case-ms": { type: "string", default: "10000" },
      "memory-mb": { type: "string", default: "1536" },
      "max-findings": { type: "string", default: "20" },
      progress: { type: "string" },
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
  const maxFindings = Number(values["max-findings"]);
  const started = Date.now();
  const deadline = started + settings.seconds * 1000;
  const end = settings.from + settings.cases;
  const stats = emptyStats();
  const findings: CampaignFinding[] = [];
  let corpusFiles = 0;
  let peakRss = 0;
  let workers = 0;
  const summary = (): object => ({
    corpus: settings.corpus,
    files: corpusFiles,
    seed: settings.seed,
    from: settings.from,
    next: nextCase,
    seconds: Math.round((Date.now() - started) / 1000),
    workers,
    ...stats,
    peakRss: Math.max(stats.peakRss, peakRss, process.resourceUsage().maxRSS * 1024),
    peakRssMiB: Math.round(Math.max(stats.peakRss, peakRss, process.resourceUsage().maxRSS * 1024) / 2 ** 20),
    findings: findings.length,
    crashes: findings.filter((f) => findingKind(f) === "crash").length,
    hangs: findings.filter((f) => findingKind(f) === "hang").length,
    overMemory: findings.filter((f) => findingKind(f) === "memory").length,
    wrongRecords: findings.filter((f) => findingKind(f) === "oracle").length,
    findingList: findings,
  });
  const writeProgress = (): void => {
    if (values.progress === undefined) return;
    writeFileSync(`${values.progress}.tmp`, JSON.stringify(summary(), null, 1));
    renameSync(`${values.progress}.tmp`, values.progress);
  };
  const record = (finding: CampaignFinding): void => {
    findings.push(finding);
    console.error(`FINDING case ${finding.index} (seed ${finding.seed}, file ${finding.file}, ${finding.kind}): ${finding.message}`);
    console.error(`replay: npm run fuzz -- --seed ${finding.seed} --from ${finding.index} --cases 1${settings.corpus === "generated" ? " --corpus generated" : ""}`);
  };
  const progress = setInterval(writeProgress, 5000);
  let nextCase = settings.from;
  // One worker at a time; after a hang or a crash, a new one resumes after the case that broke.
  while (nextCase < end && Date.now() < deadline && findings.length < maxFindings) {
    workers++;
    const outcome = await runWorker(settings, nextCase, end - nextCase, deadline, {
      ready: (files) => (corpusFiles = files),
      result: (result) => {
        countCase(stats, result);
        nextCase = result.index + 1;
      },
      finding: (finding) => {
        record(finding);
        nextCase = finding.index + 1;
        return findings.length >= maxFindings;
      },
      rss: (rss) => (peakRss = Math.max(peakRss, rss)),
    });
    if (outcome.kind === "done") break;
    if (outcome.index < 0) {
      // It broke before its first case (loading the corpus): no case to blame, nothing to resume.
      console.error(`the fuzz worker failed before its first case: ${outcome.message}`);
      process.exit(2);
    }
    // The case the heartbeat names broke the worker; none before it is lost (each reported as it ended).
    record({ index: outcome.index, seed: settings.seed, file: "?", kind: "?", message: outcome.message });
    nextCase = outcome.index + 1;
  }
  clearInterval(progress);
  writeProgress();
  const { findingList, ...figures } = summary() as { findingList: unknown };
  void findingList;
  console.log(JSON.stringify(figures, null, 1));
  if (findings.length === 0) {
    console.log(`${stats.cases} damaged files: every strict read and random read exact or typed, every recovery only original records (in order when it used a footer); no crash, hang or memory over ${settings.memoryMb} MiB`);
  }
  process.exit(findings.length === 0 ? 0 : 1);
}

/** What broke: the worker died, a case ran too long, memory, or a read broke a promise (wrong records, untyped error). */
function findingKind(f: CampaignFinding): "crash" | "hang" | "memory" | "oracle" {
  if (f.message.startsWith("CRASH")) return "crash";
  if (f.message.startsWith("HANG") || f.message.startsWith("case took")) return "hang";
  if (f.message.startsWith("resident memory")) return "memory";
  return "oracle";
}

interface Listeners {
  ready: (corpusFiles: number) => void;
  result: (result: CaseResult) => void;
  /** Returns true to stop the worker (the run reached --max-findings). */
  finding: (finding: CampaignFinding) => boolean;
  rss: (rss: number) => void;
}

/** Runs cases `[from, from + count)` in a fresh worker until they end, the deadline passes, or the worker hangs or dies. */
function runWorker(
  settings: Settings,
  from: number,
  count: number,
  deadline: number,
  on: Listeners,
): Promise<{ kind: "done" } | { kind: "broken"; index: number; message: string }> {
  const heartbeat = new SharedArrayBuffer(8);
  const beat = new Int32Array(heartbeat);
  beat[0] = -1;
  // The worker runs this file too; it needs tsx's loader registered in its own thread.
  const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: { ...settings, from, cases: count, heartbeat, deadline },
    // The memory bound: V8 stops the worker when its heap passes it (seen here as a dead worker);
    // resident memory is also checked after every case.
    resourceLimits: { maxOldGenerationSizeMb: settings.memoryMb },
  });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: { kind: "done" } | { kind: "broken"; index: number; message: string }): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      void worker.terminate().then(() => resolve(value));
    };
    let lastCase = -1;
    let lastChange = Date.now();
    const watchdog = setInterval(() => {
      on.rss(process.memoryUsage.rss());
      const current = Atomics.load(beat, 0);
      if (current !== lastCase) {
        lastCase = current;
        lastChange = Date.now();
      } else if (current >= 0 && Date.now() - lastChange > settings.caseMs) {
        settle({ kind: "broken", index: current, message: `HANG: case ${current} ran over ${settings.caseMs} ms; stopped` });
      }
    }, 200);
    worker.on("message", (message: WorkerMessage) => {
      if (settled) return; // messages still queued when the worker was stopped
      if (message.type === "ready") on.ready(message.corpusFiles);
      else if (message.type === "case") on.result(message.result);
      else if (message.type === "finding") {
        // The limit holds per case: a worker finding one case after another is stopped here.
        if (on.finding(message.finding)) settle({ kind: "done" });
      }
      else settle({ kind: "done" });
    });
    const died = (why: string): void => {
      const index = Atomics.load(beat, 0);
      settle({ kind: "broken", index, message: `CRASH (case ${index}, seed ${settings.seed}): ${why}` });
    };
    worker.on("error", (e) => died(e.stack ?? e.message));
    worker.on("exit", (code) => died(`worker exited with code ${code}`));
  });
}

async function work(settings: Settings & { heartbeat: SharedArrayBuffer; deadline: number }): Promise<void> {
  const beat = new Int32Array(settings.heartbeat);
  const corpus = settings.corpus === "generated" ? generatedCorpus() : directoryCorpus(settings.corpus);
  const port = parentPort!;
  port.postMessage({ type: "ready", corpusFiles: corpus.length } satisfies WorkerMessage);
  const end = settings.from + settings.cases;
  for (let from = settings.from; from < end && Date.now() < settings.deadline; from += BATCH) {
    runCampaign(corpus, {
      seed: settings.seed,
      from,
      count: Math.min(BATCH, end - from),
      deadline: settings.deadline,
      caseMs: settings.caseMs,
      memoryBytes: settings.memoryMb * 2 ** 20,
      limits: {},
      onCase: (index) => Atomics.store(beat, 0, index),
      onOutcome: (result) => port.postMessage({ type: "case", result } satisfies WorkerMessage),
      onFinding: (finding) => port.postMessage({ type: "finding", finding } satisfies WorkerMessage),
    });
    await setImmediate();
  }
  port.postMessage({ type: "done" } satisfies WorkerMessage);
}
