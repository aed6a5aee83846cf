/**
 * A reshuffle of strings (split descriptions, file names) that keeps an explicit coder at every
 * step. Beam's own `reshuffle()` emits through the general object coder, which is fine for strings
 * but not for bytes, and leaves our pipelines with PCollections whose coding we do not control.
 * Redistributing the splits is what lets a runner read them in parallel (and rebalance).
 *
 * The composite carries Beam's standard reshuffle URN (`beam:transform:reshuffle:v1`), as Java's
 * `Reshuffle` does. A runner that knows it replaces the whole composite by its own redistribution:
 * Beam's Flink runner makes it a primitive and runs `DataSet.rebalance()`, round-robin, so 16 input
 * files go 8:8 to 2 subtasks (random keys hashed onto subtasks split them binomially, e.g. 11:5).
 * Runners that do not know it (the direct runner) run the parts: random keys → group → drop keys.
 */
import * as beam from "apache-beam";
import { groupByKey } from "apache-beam/transforms/internal";
import type { Pipeline } from "apache-beam/internal/pipeline";
import type { PTransform as PTransformProto } from "apache-beam/proto/beam_runner_api";
import type { KV } from "apache-beam/values";
import { keyedStringCoder, parDoWithCoder, stringCoder } from "./coders.js";
import { registerDoFns } from "./serialization.js";

/** Keys each string with a random 31-bit integer. */
export class RandomKeyDoFn implements beam.DoFn<string, KV<number, string>> {
  *process(text: string): Generator<KV<number, string>> {
    yield { key: Math.floor(Math.random() * 0x7fffffff), value: text };
  }
}

/** Drops the keys of grouped strings. */
export class DropKeysDoFn implements beam.DoFn<KV<number, Iterable<string>>, string> {
  *process(group: KV<number, Iterable<string>>): Generator<string> {
    yield* group.value;
  }
}

/** Beam's standard URN of the Reshuffle composite (StandardPTransforms.Composites.RESHUFFLE). */
export const RESHUFFLE_URN = "beam:transform:reshuffle:v1";

/** `PTransform<PCollection<string>, PCollection<string>>`: the same strings, redistributed. */
export function reshuffleStrings(name = "reshuffle") {
  return beam.withName(name, (input: beam.PCollection<string>, _pipeline: Pipeline, transformProto: PTransformProto): beam.PCollection<string> => {
    transformProto.spec = { urn: RESHUFFLE_URN, payload: new Uint8Array(0) };
    const keyed = parDoWithCoder(input, "randomKey", new RandomKeyDoFn(), keyedStringCoder());
    const grouped = keyed.apply(beam.withName("group", groupByKey())) as beam.PCollection<KV<number, Iterable<string>>>;
    return parDoWithCoder(grouped, "dropKeys", new DropKeysDoFn(), stringCoder());
  });
}

registerDoFns({ RandomKeyDoFn, DropKeysDoFn });
