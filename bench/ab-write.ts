/**
 * The write counterpart of bench/ab.ts (read ops): two builds of the library compared in one process, for a loaded
 * machine. Each rep writes the 65,536 bench records (no fsync) with the old build and the new one,
 * alternating which goes first, and records the CPU time of each (all threads: encode workers
 * count) and its wall time (which says little when other processes share the cores, and is what
 * a writer with `max_parallelism` gains).
 *
 *   git archive OLD_COMMIT | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   (cd /tmp/old && npx tsc -p tsconfig.bench.json --outDir /tmp/old-build)
 *   npx tsc -p tsconfig.bench.json
 *   node .bench-build/bench/ab-write.js /tmp/old-build .bench-build "group_size:1,snappy" 8
 *
 * Prints one JSON line: medians and minima of CPU ms and wall ms per rep for both builds, and in
 * how many reps the new build took less CPU. Both builds load the same native addons (node_modules
 * of this clone).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type * as Library from "../src/index.js";
import { benchData } from "./bench-data.js";
import { median } from "./stats.js";

type Lib = typeof Library;

const [oldDir, newDir, options = "group_size:1,snappy", repsArg = "15"] = process.argv.slice(2);
if (oldDir === undefined || newDir === undefined) throw new Error("usage: ab-write.js OLD_BUILD_DIR NEW_BUILD_DIR [OPTIONS] [REPS]");
const reps = Number(repsArg);
const load = async (dir: string): Promise<Lib> => (await import(pathToFileURL(path.resolve(dir, "src/index.js")).href)) as Lib;
const builds: Record<"old" | "new", Lib> = { old: await load(oldDir), new: await load(newDir) };
const data = benchData(65536);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-ab-"));
const file = path.join(dir, "bench.array_record");

/** Writes the file anew (the last one removed first, outside the timed part). */
function write(lib: Lib): void {
  const writer = lib.ArrayRecordWriter.openSync(file, options, { fsync: false });
  for (const record of data.records) writer.writeSync(record);
  writer.closeSync();
}

try {
  for (let k = 0; k < 2; k++) {
    for (const lib of [builds.old, builds.new]) {
      fs.rmSync(file, { force: true });
      write(lib); // warm-up
    }
  }
  const cpu: Record<"old" | "new", number[]> = { old: [], new: [] };
  const wall: Record<"old" | "new", number[]> = { old: [], new: [] };
  for (let k = 0; k < reps; k++) {
    for (const name of k % 2 === 0 ? (["new", "old"] as const) : (["old", "new"] as const)) {
      fs.rmSync(file, { force: true });
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      write(builds[name]);
      wall[name].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[name].push((c.user + c.system) / 1000);
    }
  }
  const tenth = (xs: number[]): number => Math.round(median(xs) * 10) / 10;
  const min = (xs: number[]): number => Math.round(Math.min(...xs) * 10) / 10;
  console.log(
    JSON.stringify({
      options,
      op: "write",
      reps,
      old_cpu_ms_median: tenth(cpu.old),
      new_cpu_ms_median: tenth(cpu.new),
      old_cpu_ms_min: min(cpu.old),
      new_cpu_ms_min: min(cpu.new),
      old_wall_ms_median: tenth(wall.old),
      new_wall_ms_median: tenth(wall.new),
      new_faster_in: cpu.new.filter((x, i) => x < cpu.old[i]!).length,
    }),
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
