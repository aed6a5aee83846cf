/**
 * Test helpers for pipelines on the direct runner. DoFns lose captured variables when Beam
 * serializes them, so collected outputs go to a store on `globalThis` (the direct runner runs in
 * this process) under a key kept in the DoFn's own properties.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as beam from "apache-beam";
import { requireForSerialization } from "apache-beam/serialization";
import { directRunner } from "apache-beam/runners/direct_runner";
import type { PipelineResult } from "apache-beam/runners/runner";
import { setCoder } from "../../src/transforms/coders.js";
import { recordCoder } from "../../src/transforms/coders.js";

const STORE = Symbol.for("arrayrecord.test.collected");

function store(): Map<string, unknown[]> {
  const g = globalThis as unknown as Record<symbol, Map<string, unknown[]>>;
  return (g[STORE] ??= new Map());
}

/** Appends every element to the list `key` of the global store. */
export class CollectDoFn implements beam.DoFn<unknown, never> {
  constructor(readonly key: string) {}
  process(element: unknown): void {
    const s = (globalThis as unknown as Record<symbol, Map<string, unknown[]>>)[Symbol.for("arrayrecord.test.collected")]!;
    if (!s.has(this.key)) s.set(this.key, []);
    s.get(this.key)!.push(element);
  }
}

/** Turns `"hex:…"` strings into those bytes and other strings into UTF-8; `"POISON"` into a non-record (writers throw on it). */
export class StringToRecordDoFn implements beam.DoFn<string, Uint8Array> {
  *process(text: string): Generator<Uint8Array> {
    if (text === "POISON") {
      yield { poison: true } as unknown as Uint8Array;
      return;
    }
    yield text.startsWith("hex:") ? new Uint8Array(Buffer.from(text.slice(4), "hex")) : new TextEncoder().encode(text);
  }
}

requireForSerialization("arrayrecord-test/beam-helpers", { CollectDoFn, StringToRecordDoFn });

let counter = 0;

/** Collects the elements of `pc` under a fresh key; read them after the run with {@link collected}. */
export function collect(pc: beam.PCollection<unknown>, label = "collect"): string {
  const key = `${label}-${++counter}`;
  store().set(key, []);
  pc.apply(beam.withName(`collect-${key}`, beam.parDo(new CollectDoFn(key))));
  return key;
}

/** What {@link collect} gathered under `key`. */
export function collected<T>(key: string): T[] {
  return (store().get(key) ?? []) as T[];
}

/** Records made from strings inside the pipeline (`beam.create` mangles Uint8Arrays). */
export function createRecords(root: beam.Root, strings: string[], name = "createRecords"): beam.PCollection<Uint8Array> {
  const texts = root.apply(beam.withName(`${name}-strings`, beam.create(strings)));
  return setCoder(texts.apply(beam.withName(name, beam.parDo(new StringToRecordDoFn()))) as beam.PCollection<Uint8Array>, recordCoder());
}

/** Runs a pipeline on the direct runner and waits for it (without its per-bundle debug lines). */
export async function runDirect(build: (root: beam.Root) => void): Promise<PipelineResult> {
  const debug = console.debug;
  console.debug = () => {};
  try {
    const result = await directRunner().run((root) => {
      build(root);
    });
    await result.waitUntilFinish();
    return result;
  } finally {
    console.debug = debug;
  }
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `arrayrecord-${label}-`));
}

/** Multiset of records as sorted hex strings. */
export function hexMultiset(records: Iterable<Uint8Array>): string[] {
  return [...records].map((r) => Buffer.from(r.buffer, r.byteOffset, r.length).toString("hex")).sort();
}
