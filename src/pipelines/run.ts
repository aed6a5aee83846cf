/** Running a pipeline on a named runner and reporting what it did. */
import * as beam from "apache-beam";
import { createRunner } from "apache-beam/runners/runner";

/** Which runner executes a pipeline: `direct` (in this process, the default) or any name `createRunner` knows. */
export interface RunnerChoice {
  /** Runner name: "direct", "default", "universal", "flink", "dataflow", … Default "direct". */
  runner?: string;
  /** Further pipeline options passed to `createRunner` (e.g. `{ project, region }` for Dataflow). */
  runnerOptions?: Record<string, unknown>;
}

/** What a finished pipeline reports. */
export interface PipelineReport {
  /** Beam counters by name (records and bytes read and written, files written). */
  counters: Record<string, number>;
  /** Wall-clock seconds of the run. */
  seconds: number;
}

/** Runs `build` as a pipeline on the chosen runner and waits for it. */
export async function runPipeline(build: (root: beam.Root) => void, choice: RunnerChoice = {}): Promise<PipelineReport> {
  const runner = createRunner({ ...choice.runnerOptions, runner: choice.runner ?? "direct" });
  const started = performance.now();
  // Beam's worker logs every bundle with console.debug ("Processing … for …"): quiet unless asked.
  const debug = console.debug;
  if (!process.env["ARRAYRECORD_BEAM_DEBUG"]) console.debug = () => {};
  try {
    const result = await runner.run((root) => {
      build(root);
      return root;
    });
    await result.waitUntilFinish();
    return { counters: await result.counters(), seconds: (performance.now() - started) / 1000 };
  } finally {
    console.debug = debug;
  }
}
