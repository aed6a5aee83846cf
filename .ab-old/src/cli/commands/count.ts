/** `arrayrecord count PATTERN [--runner NAME] [--parallelism N] [--worker-processes N]`: counts records by reading them all through the Beam source. */
import { parseArgs } from "node:util";
import { ArrayRecordError } from "../../format/errors.js";
import { loadPipelines } from "../beam.js";
import { RUNNER_OPTIONS, runnerArguments } from "../runner-arguments.js";
import { UsageError } from "../usage.js";

/** Reads every record of the matching files in parallel splits and prints how many there are. */
export async function count(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: RUNNER_OPTIONS, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError("count needs exactly one PATTERN (quote globs)");
  const runner = runnerArguments(values);
  const pipelines = await loadPipelines();
  const { readFromArrayRecord } = await import("../../io/read-array-record.js");
  const report = await pipelines.runPipeline((root) => {
    root.apply(readFromArrayRecord(positionals[0]!));
  }, runner);
  const records = report.counters["arrayrecord_records_read"];
  if (records === undefined) throw new ArrayRecordError("IO", "the runner reported no record counter");
  process.stdout.write(`${records}\n`);
  return 0;
}
