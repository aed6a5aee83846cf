/**
 * Live progress of a pipeline running in this process (the direct runner): a pass-through step
 * counts records and bytes into a tracker the caller installs. On a remote runner the workers have
 * no tracker and the step only passes records on; the counters in the result are the totals.
 */
import * as beam from "apache-beam";
import { parDoWithCoder, recordCoder } from "../transforms/coders.js";
import { registerDoFns } from "../transforms/serialization.js";

const TRACKER = Symbol.for("arrayrecord.pipeline.progress");

/** Records and bytes seen so far by the progress step. */
export interface Progress {
  records: number;
  bytes: number;
}

type TrackerHost = { [TRACKER]?: Progress };

/** Installs a fresh tracker for pipelines run in this process and returns it. */
export function startProgress(): Progress {
  const progress = { records: 0, bytes: 0 };
  (globalThis as TrackerHost)[TRACKER] = progress;
  return progress;
}

/** Removes the tracker. */
export function stopProgress(): void {
  delete (globalThis as TrackerHost)[TRACKER];
}

/** Passes records on, counting them into the installed tracker (if any). */
export class CountProgressDoFn implements beam.DoFn<Uint8Array, Uint8Array> {
  *process(record: Uint8Array): Generator<Uint8Array> {
    const progress = (globalThis as TrackerHost)[TRACKER];
    if (progress !== undefined) {
      progress.records++;
      progress.bytes += record.length;
    }
    yield record;
  }
}

/** The progress step: records pass through unchanged (bytes-coded). */
export function countProgress(records: beam.PCollection<Uint8Array>): beam.PCollection<Uint8Array> {
  return parDoWithCoder(records, "countProgress", new CountProgressDoFn(), recordCoder());
}

registerDoFns({ CountProgressDoFn });
