/**
 * Coders: the direct runner never encodes elements between transforms, so these tests prove from
 * the pipeline proto (what a real runner reads) that every PCollection our transforms make has an
 * explicit coder, that every one carrying bytes uses Beam's bytes coder, and that bytes survive an
 * encode/decode through those very coders.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Reader, Writer } from "protobufjs";
import * as beam from "apache-beam";
import { Context, type Coder } from "apache-beam/coders/coders";
import { PipelineContext } from "apache-beam/internal/pipeline";
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import { directRunner } from "apache-beam/runners/direct_runner";
import { Runner, type PipelineResult } from "apache-beam/runners/runner";
import { afterAll, describe, expect, it } from "vitest";
import { TFRecordWriter } from "../../src/format/tfrecord/writer.js";
import { readAllFromArrayRecord, readFromArrayRecord } from "../../src/io/read-array-record.js";
import { readFromTFRecord, writeToTFRecord } from "../../src/io/tfrecord-io.js";
import { writeToArrayRecord } from "../../src/io/write-array-record.js";
import { fixture } from "../helpers/fixtures.js";
import { fromArrowBatches, toArrowBatches } from "../../src/transforms/arrow-batches.js";
import {
  countCoder,
  createStrings,
  keyedCountCoder,
  keyedStringCoder,
  recordCoder,
  recordWithMetadataCoder,
  shardGroupCoder,
  shardedRecordCoder,
  stringCoder,
} from "../../src/transforms/coders.js";
import { arrowBatchesToExamples, examplesToArrowBatches } from "../../src/transforms/examples.js";
import { assignShards } from "../../src/transforms/shard.js";
import { tempDir } from "./beam-helpers.js";

const BYTES = "beam:coder:bytes:v1";
const GENERAL = ["beam:coder:genericobjectjs:v1", "beam:coder:bsonjs:v1"];

/** Looks at the pipeline proto, then runs it on the direct runner. */
class InspectingRunner extends Runner {
  pipeline: runnerApi.Pipeline | undefined;
  override async runPipeline(pipeline: runnerApi.Pipeline, options?: object): Promise<PipelineResult> {
    this.pipeline = pipeline;
    return directRunner().runPipeline(pipeline, options as never);
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function coderUrns(components: runnerApi.Components, coderId: string): string[] {
  const coder = components.coders[coderId]!;
  return [coder.spec!.urn, ...coder.componentCoderIds.flatMap((id) => coderUrns(components, id))];
}

function roundTrip<T>(coder: Coder<T>, value: T): T {
  const writer = new Writer();
  coder.encode(value, writer as never, Context.needsDelimiters);
  return coder.decode(new Reader(writer.finish()) as never, Context.needsDelimiters);
}

/** Binary data that breaks non-binary coders: every byte value, invalid UTF-8, a NUL. */
const nasty = [new Uint8Array(0), Uint8Array.from({ length: 256 }, (_, i) => i), new Uint8Array([0xff, 0xfe, 0x00, 0xc3]), new Uint8Array(70_000).fill(7)];

describe("coders", () => {
  it("every PCollection our transforms make is explicitly coded; byte PCollections use the bytes coder", async () => {
    const dir = tempDir("coders");
    dirs.push(dir);
    const tf = new TFRecordWriter(path.join(dir, "in.tfrecord"));
    for (const r of nasty) tf.write(r);
    tf.close();
    const runner = new InspectingRunner();
    const run = runner.run((root) => {
      const records = root.apply(readFromTFRecord(path.join(dir, "in.tfrecord")));
      records.apply(writeToArrayRecord(path.join(dir, "auto")));
      records.apply(writeToArrayRecord(path.join(dir, "fixed"), { numShards: 2 }));
      records.apply(writeToTFRecord(path.join(dir, "tf"), { numShards: 2, compression: "gzip" }));
      records.apply(beam.withName("shards", assignShards(3)));
      records.apply(toArrowBatches(2)).apply(fromArrowBatches());
      records.apply(examplesToArrowBatches(2)).apply(arrowBatchesToExamples());
      root.apply(readFromArrayRecord(fixture("default").path()));
      createStrings(root, "metaPatterns", [fixture("default").path()]).apply(readAllFromArrayRecord({ withMetadata: true }));
    });
    // The Example steps fail at run time on these non-Example records (the proto is what is
    // tested here); it must be that failure, not some other one.
    await expect(run).rejects.toMatchObject({ code: "CORRUPT", message: expect.stringMatching(/invalid tf\.train\.Example/) });
    const pipeline = runner.pipeline!;
    const components = pipeline.components!;
    const producers = new Map<string, string>();
    for (const [, t] of Object.entries(components.transforms)) {
      if (t.subtransforms.length > 0) continue; // composites re-list their parts' outputs
      for (const pc of Object.values(t.outputs)) producers.set(pc, t.uniqueName);
    }
    const byteOutputs: string[] = [];
    for (const [id, pc] of Object.entries(components.pcollections)) {
      const producer = producers.get(id) ?? "";
      const urns = coderUrns(components, pc.coderId);
      // Only the string elements inside `beam.create` (file patterns, counts) keep Beam's general coder.
      const insideCreate = /\/(metaPatterns|patterns|fixedShardCount|zeroSize)\//.test(producer);
      if (!insideCreate) expect(urns.filter((u) => GENERAL.includes(u)), `${producer} → ${urns.join(",")}`).toEqual([]);
      if (urns.includes(BYTES)) byteOutputs.push(producer);
    }
    // Every step that emits records (or keyed/grouped/row records) is among the bytes-coded ones.
    // (The sinks here write local files: their shuffle carries spill file names, UTF-8 coded.)
    for (const step of ["readFiles", "assignShard", "readSplits", "batch", "unbatch", "examplesToBatches", "batchesToExamples", "finalizeTrigger"]) {
      expect(byteOutputs.some((name) => name.split("/").includes(step)), step).toBe(true);
    }
    // And the coders rebuilt from the proto carry binary data intact.
    const context = new PipelineContext(components, "");
    for (const [id, pc] of Object.entries(components.pcollections)) {
      const urns = coderUrns(components, pc.coderId);
      if (urns[0] !== BYTES) continue;
      const coder = context.getCoder<Uint8Array>(pc.coderId);
      for (const r of nasty) expect(Buffer.from(roundTrip(coder, r)).equals(Buffer.from(r)), id).toBe(true);
    }
  });

  it("round-trips bytes through every coder our transforms use", () => {
    for (const r of nasty) {
      const back = roundTrip(recordCoder(), r);
      expect(back).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(back).equals(Buffer.from(r))).toBe(true);
      const kv = roundTrip(shardedRecordCoder(), { key: 6, value: r });
      expect(kv.key).toBe(6);
      expect(Buffer.from(kv.value).equals(Buffer.from(r))).toBe(true);
      // Beam's row coder writes int64 fields as 32-bit varints: indices up to 2^31 - 1 survive.
      const meta = roundTrip(recordWithMetadataCoder(), { file: "dir/ä.array_record", index: 2 ** 31 - 1, record: r });
      expect(meta.file).toBe("dir/ä.array_record");
      expect(Number(meta.index)).toBe(2 ** 31 - 1);
      expect(Buffer.from(meta.record).equals(Buffer.from(r))).toBe(true);
    }
    const group = roundTrip(shardGroupCoder(), { key: 2, value: nasty });
    expect([...group.value].map((r) => Buffer.from(r).toString("hex"))).toEqual(nasty.map((r) => Buffer.from(r).toString("hex")));
    expect(roundTrip(stringCoder(), '{"file":"ü/x","start":0,"end":9}')).toBe('{"file":"ü/x","start":0,"end":9}');
    expect(roundTrip(keyedStringCoder(), { key: 2 ** 31 - 1, value: "a" })).toEqual({ key: 2 ** 31 - 1, value: "a" });
    // Byte counts pass 2^32 without wrapping (Beam's VarIntCoder here is 32-bit).
    expect(roundTrip(countCoder(), 5 * 2 ** 40 + 3)).toBe(5 * 2 ** 40 + 3);
    expect(roundTrip(keyedCountCoder(), { key: "", value: 2 ** 50 })).toEqual({ key: "", value: 2 ** 50 });
  });
});
