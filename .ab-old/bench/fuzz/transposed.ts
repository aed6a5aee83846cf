/**
 * Mutation fuzzing of the transposed chunk decoder (on demand, not a test): damaged and random
 * chunks must decode to their declared size or fail with an ArrayRecordError. The cases run on a
 * worker thread; a watchdog fails the run when one case takes longer than the per-case limit (a
 * hang) and names its seed and index. Deterministic for a seed.
 *
 *   npm run fuzz:transposed                          # 100,000 cases
 *   npm run fuzz:transposed -- --cases 1000000 --seed 7 --case-ms 5000
 */
import { scriptArgs } from "../script-args.js";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { FuzzRandom, decodeOutcome, fuzzCorpus, mutateChunk } from "../../test/helpers/transposed-fuzz.js";

interface Settings {
  cases: number;
  seed: number;
  progress: SharedArrayBuffer;
}

if (isMainThread) {
  const { values } = scriptArgs("npm run fuzz:transposed --", {
    options: { cases: { type: "string", default: "100000" }, seed: { type: "string", default: "1" }, "case-ms": { type: "string", default: "5000" } },
  });
  const settings: Settings = { cases: Number(values.cases), seed: Number(values.seed), progress: new SharedArrayBuffer(4) };
  const caseLimit = Number(values["case-ms"]);
  const progress = new Int32Array(settings.progress);
  const started = Date.now();
  // The worker runs this same file through tsx, as the parallel reader's workers do from sources.
  const bootstrap = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: settings });
  let last = -1;
  let lastChange = Date.now();
  const watchdog = setInterval(() => {
    const done = Atomics.load(progress, 0);
    if (done !== last) {
      last = done;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > caseLimit) {
      console.error(`fuzz:transposed: case ${done} (seed ${settings.seed}) ran longer than ${caseLimit} ms: a hang`);
      void worker.terminate();
      process.exit(1);
    }
  }, 200);
  worker.on("message", (summary: { outcomes: Record<string, number>; slowestMs: number; slowestCase: number }) => {
    clearInterval(watchdog);
    const seconds = (Date.now() - started) / 1000;
    console.log(`fuzz:transposed: ${settings.cases} cases (seed ${settings.seed}) in ${seconds.toFixed(1)} s`);
    console.log(`  outcomes: ${JSON.stringify(summary.outcomes)}`);
    console.log(`  slowest case: ${summary.slowestCase} in ${summary.slowestMs.toFixed(1)} ms (limit ${caseLimit} ms)`);
  });
  worker.on("error", (e) => {
    clearInterval(watchdog);
    console.error(`fuzz:transposed: FAILED at case ${Atomics.load(progress, 0)} (seed ${settings.seed}):`, e);
    process.exit(1);
  });
  worker.on("exit", (code) => {
    clearInterval(watchdog);
    if (code !== 0) process.exit(code);
  });
} else {
  const { cases, seed, progress } = workerData as Settings;
  const counter = new Int32Array(progress);
  const corpus = fuzzCorpus();
  for (const chunk of corpus) if (decodeOutcome(chunk) !== "ok") throw new Error("an undamaged corpus chunk failed to decode");
  const rng = new FuzzRandom(seed);
  const outcomes: Record<string, number> = {};
  let slowestMs = 0;
  let slowestCase = 0;
  for (let i = 0; i < cases; i++) {
    Atomics.store(counter, 0, i);
    const chunk = mutateChunk(corpus, rng);
    const start = performance.now();
    const outcome = decodeOutcome(chunk);
    const ms = performance.now() - start;
    if (ms > slowestMs) {
      slowestMs = ms;
      slowestCase = i;
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  parentPort!.postMessage({ outcomes, slowestMs, slowestCase });
}
