/**
 * Kill tests (`npm run test:kill [-- --points N --seed S --targets a,b]`): for each writer — the
 * ArrayRecord writer, the TFRecord writer, the Beam sink on the direct runner (here), the
 * ArrayRecord writer to S3 and GCS (kill-store.ts, servers started on loopback by this harness),
 * and the Beam sink on Flink with an external worker pool (kill-flink.ts: a worker process killed
 * inside a bundle) — SIGKILL it at N random moments (without --points, a CI subset: see CI_POINTS).
 * Local writers: the time of one full run is measured first and kill moments are drawn from 0 to
 * 1.2 times it, so some land in close/finalize and some after. After every kill: under each final
 * name there is nothing or a complete, correct file; everything else is a recognisable temporary
 * file of that writer. Finally one more complete run must leave only the final files: the
 * temporaries of killed runs are cleaned by the next run. Exit 1 on the first violation, naming
 * target, point and seed. Every child has a timeout; no request leaves loopback. */
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scriptArgs } from "../../bench/script-args.js";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { readTFRecordsSync } from "../../src/format/tfrecord/reader.js";
import { killRecords } from "./kill-records.js";
import { runKillableChild } from "./killable-child.js";
import type { KillContext } from "./kill-flink.js";

const { values } = scriptArgs("npm run test:kill --", {
  options: {
    points: { type: "string" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    targets: { type: "string", default: "arrayrecord,tfrecord,beam,s3,gcs,flink" },
  },
});
/** Kill points per target without --points: what CI runs within its 3-minute budget (a Flink point is one job and its restart). */
const CI_POINTS: Record<string, number> = { arrayrecord: 6, tfrecord: 6, beam: 4, s3: 4, gcs: 4, flink: 2 };
/** Kill points of `target`. */
const pointsOf = (target: string): number => (values.points === undefined ? (CI_POINTS[target] ?? 20) : Number(values.points));
const SEED = Number(values.seed);
const TARGETS = values.targets!.split(",");
const CHILD = fileURLToPath(new URL("./kill-child.ts", import.meta.url));

let state = SEED >>> 0 || 1;
/** Uniform in [0, 1) (xorshift32; deterministic for --seed). */
function random(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 0x100000000;
}

const expected = killRecords().map((r) => Buffer.from(r).toString("latin1"));
const expectedSet = new Set(expected);

class Violation extends Error {}

/** Runs the child; kills it `killAfterMs` after it says "ready" (never, when undefined). Resolves to ms from ready to exit, and whether it finished. */
function runChild(target: string, out: string, killAfterMs: number | undefined) {
  return runKillableChild(CHILD, [target, out], killAfterMs, (m) => new Violation(m));
}

/** Records of a final file, or a violation when it is not complete and correct. */
function readFinal(target: string, file: string): string[] {
  try {
    const records =
      target === "tfrecord"
        ? [...readTFRecordsSync(file, { compression: "gzip" })]
        : ArrayRecordReader.openSync(file).readAllSync();
    return records.map((r) => Buffer.from(r).toString("latin1"));
  } catch (e) {
    throw new Violation(`${target}: ${file} exists under its final name but does not read: ${(e as Error).message}`);
  }
}

interface Layout {
  /** Directory the writer writes in. */
  dir: string;
  /** What to pass the child. */
  out: string;
  /** Final names of a complete run. */
  finals: string[];
  /** True for the names of this writer's temporary files or directories. */
  isTemporary: (name: string) => boolean;
}

function layoutFor(target: string, root: string): Layout {
  const dir = path.join(root, target);
  fs.mkdirSync(dir, { recursive: true });
  if (target === "beam") {
    const out = path.join(dir, "train.array_record");
    return {
      dir,
      out,
      finals: [0, 1, 2].map((s) => `train.array_record-${String(s).padStart(5, "0")}-of-00003`),
      isTemporary: (name) => name.startsWith(".arrayrecord-tmp-"),
    };
  }
  const base = target === "tfrecord" ? "out.tfrecord.gz" : "out.array_record";
  const temp = new RegExp(`^\\.${base.replace(/\./g, "\\.")}\\.tmp-\\d+-[0-9a-f]{12}$`);
  return { dir, out: path.join(dir, base), finals: [base], isTemporary: (name) => temp.test(name) };
}

/** Checks the directory after a kill; returns what was found. */
function check(target: string, layout: Layout): { finals: number; temporaries: number } {
  let finals = 0;
  let temporaries = 0;
  const seen: string[] = [];
  for (const name of fs.readdirSync(layout.dir)) {
    if (layout.isTemporary(name)) {
      temporaries++;
      continue;
    }
    if (!layout.finals.includes(name)) throw new Violation(`${target}: unexpected file ${name} (neither a final name nor a recognisable temporary)`);
    finals++;
    const records = readFinal(target, path.join(layout.dir, name));
    if (layout.finals.length === 1) {
      if (records.length !== expected.length || records.some((r, i) => r !== expected[i])) {
        throw new Violation(`${target}: ${name} holds ${records.length} records, not the ${expected.length} written`);
      }
    } else {
      for (const r of records) if (!expectedSet.has(r)) throw new Violation(`${target}: ${name} holds a record that was never written`);
      seen.push(...records);
    }
  }
  if (layout.finals.length > 1) {
    if (new Set(seen).size !== seen.length) throw new Violation(`${target}: a record appears twice across shards`);
    if (finals === layout.finals.length && seen.length !== expected.length) {
      throw new Violation(`${target}: all ${finals} shards exist but hold ${seen.length} of ${expected.length} records`);
    }
  }
  return { finals, temporaries };
}

/** Kill points run this many at a time, each lane in its own directory (a run is mostly waiting). */
const LANES = 3;

/** Runs the kill points of one target; returns its summary line. */
async function killTarget(target: string, root: string): Promise<string> {
  const POINTS = pointsOf(target);
  const context: KillContext = { points: POINTS, random, root: path.join(root, target), violation: (m) => new Violation(m), log: (line) => console.log(line) };
  if (target === "flink") return (await import("./kill-flink.js")).killFlink(context);
  if (target === "s3" || target === "gcs") return (await import("./kill-store.js")).killStore(target, context);
  const lanes = Array.from({ length: LANES }, (_, lane) => layoutFor(target, path.join(root, `lane${lane}`)));
  const full = await runChild(target, lanes[0]!.out, undefined);
  if (!full.finished) throw new Violation(`${target}: the calibration run did not finish`);
  check(target, lanes[0]!);
  const outcomes = { nothing: 0, complete: 0, killedBeforeDone: 0, leftTemporaries: 0 };
  // Drawn up front so a seed names the same kill moments whatever the lanes' timing.
  const plan = Array.from({ length: POINTS }, (_, point) => ({ point, fresh: random() < 0.5, killAfter: random() * 1.2 * full.ms }));
  await Promise.all(
    lanes.map(async (layout, lane) => {
      for (const { point, fresh, killAfter } of plan.filter((p) => p.point % LANES === lane)) {
        // From an empty directory half of the time, else from the previous point's leftovers.
        if (fresh) for (const name of fs.readdirSync(layout.dir)) fs.rmSync(path.join(layout.dir, name), { recursive: true, force: true });
        const run = await runChild(target, layout.out, killAfter);
        if (!run.finished) outcomes.killedBeforeDone++;
        let found;
        try {
          found = check(target, layout);
        } catch (e) {
          if (e instanceof Violation) e.message += ` (point ${point}, killed ${Math.round(killAfter)} ms after ready)`;
          throw e;
        }
        if (found.finals === 0) outcomes.nothing++;
        else outcomes.complete++;
        if (found.temporaries > 0) outcomes.leftTemporaries++;
      }
      // The next complete run cleans what killed runs left.
      const next = await runChild(target, layout.out, undefined);
      if (!next.finished) throw new Violation(`${target}: the cleaning run did not finish`);
      const after = fs.readdirSync(layout.dir).sort();
      if (JSON.stringify(after) !== JSON.stringify([...layout.finals].sort())) {
        throw new Violation(`${target}: after a complete run the directory holds ${JSON.stringify(after)}, not just the final files`);
      }
      check(target, layout);
    }),
  );
  const plural = target === "beam" ? "s" : "";
  return (
    `${target}: ${POINTS} kills (full run ${Math.round(full.ms)} ms; ${outcomes.killedBeforeDone} before "done"): ` +
    `${outcomes.nothing} left nothing under the final name${plural}, ${outcomes.complete} complete correct file${plural}; ` +
    `${outcomes.leftTemporaries} left recognisable temporaries, all removed by the next run`
  );
}

async function main(): Promise<void> {
  // The cloud SDKs must never look for credentials or metadata servers off this machine.
  process.env["AWS_EC2_METADATA_DISABLED"] = "true";
  process.env["METADATA_SERVER_DETECTION"] = "none";
  const root = fs.mkdtempSync(path.join(tmpdir(), "arrayrecord-kill-"));
  const points = TARGETS.map((t) => `${t} ${pointsOf(t)}`).join(", ");
  const replay = `npm run test:kill -- ${values.points === undefined ? "" : `--points ${values.points} `}--seed ${SEED} --targets ${TARGETS.join(",")}`;
  console.log(`kill tests: points ${points}; seed ${SEED} (replay: ${replay})`);
  const started = performance.now();
  try {
    for (const target of TARGETS) console.log(await killTarget(target, root));
    console.log(`kill tests passed in ${Math.round((performance.now() - started) / 1000)} s`);
  } catch (e) {
    if (!(e instanceof Violation)) throw e;
    console.error(`KILL TEST FAILED (seed ${SEED}): ${e.message}`);
    process.exitCode = 1;
  } finally {
    await (await import("./kill-store.js")).stopStoreServers();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
