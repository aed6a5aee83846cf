/**
 * reshuffleStrings carries Beam's reshuffle URN on its composite (so Flink turns it into a
 * round-robin rebalance) and still runs its parts on runners that do not know the URN.
 */
import * as beam from "apache-beam";
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import { directRunner } from "apache-beam/runners/direct_runner";
import { Runner, type PipelineResult } from "apache-beam/runners/runner";
import { describe, expect, it } from "vitest";
import { createStrings, parDoWithCoder, stringCoder } from "../../src/transforms/coders.js";
import { RESHUFFLE_URN, reshuffleStrings } from "../../src/transforms/reshuffle.js";
import { registerDoFns } from "../../src/transforms/serialization.js";

/** Looks at the pipeline proto, then runs it on the direct runner. */
class InspectingRunner extends Runner {
  pipeline: runnerApi.Pipeline | undefined;
  override async runPipeline(pipeline: runnerApi.Pipeline, options?: object): Promise<PipelineResult> {
    this.pipeline = pipeline;
    return directRunner().runPipeline(pipeline, options as never);
  }
}

/** Collects strings into a global list (the direct runner runs in this process). */
export class CollectStringsDoFn implements beam.DoFn<string, string> {
  *process(text: string): Generator<string> {
    (globalThis as { reshuffled?: string[] }).reshuffled!.push(text);
    yield text;
  }
}
registerDoFns({ CollectStringsDoFn });

describe("reshuffleStrings", () => {
  it("is a composite with Beam's reshuffle URN, string-coded on both sides, whose parts give every string once", async () => {
    const strings = Array.from({ length: 40 }, (_, i) => `file-${i}`);
    (globalThis as { reshuffled?: string[] }).reshuffled = [];
    const runner = new InspectingRunner();
    await runner.run((root) => {
      const out = createStrings(root, "names", strings).apply(reshuffleStrings("spread"));
      parDoWithCoder(out, "collect", new CollectStringsDoFn(), stringCoder());
    });
    expect([...(globalThis as { reshuffled?: string[] }).reshuffled!].sort()).toEqual([...strings].sort());
    const components = runner.pipeline!.components!;
    const reshuffles = Object.values(components.transforms).filter((t) => t.spec?.urn === RESHUFFLE_URN);
    expect(reshuffles.map((t) => t.uniqueName)).toEqual(["spread"]);
    const [reshuffle] = reshuffles;
    // A runner that knows the URN swaps the composite for its own redistribution: input and
    // output must be coded alike. One that does not runs the 3 parts.
    expect(reshuffle!.subtransforms.length).toBe(3);
    const coderOf = (pcoll: string) => components.pcollections[pcoll]!.coderId;
    expect(coderOf(Object.values(reshuffle!.outputs)[0]!)).toBe(coderOf(Object.values(reshuffle!.inputs)[0]!));
    expect(components.coders[coderOf(Object.values(reshuffle!.outputs)[0]!)]!.spec!.urn).toBe("beam:coder:string_utf8:v1");
  });
});
