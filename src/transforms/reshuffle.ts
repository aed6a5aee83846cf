/**
 * A reshuffle of strings (split descriptions, file names) that keeps an explicit coder at every
 * step. Beam's own `reshuffle()` emits through the general object coder, which is fine for strings
 * but not for bytes, and leaves our pipelines with PCollections whose coding we do not control.
 * Redistributing the splits is what lets a runner read them in parallel (and rebalance).
 */
import * as beam from "apache-beam";
import { groupByKey } from "apache-beam/transforms/internal";
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

/** `PTransform<PCollection<string>, PCollection<string>>`: the same strings, redistributed. */
export function reshuffleStrings(name = "reshuffle") {
  return beam.withName(name, (input: beam.PCollection<string>): beam.PCollection<string> => {
    const keyed = parDoWithCoder(input, "randomKey", new RandomKeyDoFn(), keyedStringCoder());
    const grouped = keyed.apply(beam.withName("group", groupByKey())) as beam.PCollection<KV<number, Iterable<string>>>;
    return parDoWithCoder(grouped, "dropKeys", new DropKeysDoFn(), stringCoder());
  });
}

registerDoFns({ RandomKeyDoFn, DropKeysDoFn });
