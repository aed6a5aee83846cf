/**
 * Explicit coders for the PCollections this package creates. Beam's TypeScript SDK gives every
 * `parDo`/`map` output a `GeneralObjectCoder`, which turns a Uint8Array into `{0: …, 1: …}` on a
 * real runner; `withCoderInternal` would fix the *next* PCollection but leave the parDo output
 * itself on the general coder. So we set the coder of the parDo output itself, in the pipeline
 * proto, which is what runners read.
 */
import * as beam from "apache-beam";
import type { Coder } from "apache-beam/coders/coders";
import { BytesCoder, IterableCoder, KVCoder } from "apache-beam/coders/required_coders";
import { DoubleCoder, StrUtf8Coder, VarIntCoder } from "apache-beam/coders/standard_coders";
import { RowCoder } from "apache-beam/coders/row_coder";
import type { KV } from "apache-beam/values";

/** Coder of a PCollection of records (Uint8Array): Beam's standard `beam:coder:bytes:v1`. */
export function recordCoder(): Coder<Uint8Array> {
  return new BytesCoder();
}

/** Coder of a PCollection of strings (file names, patterns, JSON descriptions): UTF-8. */
export function stringCoder(): Coder<string> {
  return new StrUtf8Coder();
}

/** Coder of records keyed by shard number: KV(varint, bytes). */
export function shardedRecordCoder(): Coder<KV<number, Uint8Array>> {
  return new KVCoder(new VarIntCoder(), new BytesCoder());
}

/** Coder of a group-by-key result of {@link shardedRecordCoder}: KV(varint, iterable(bytes)). */
export function shardGroupCoder(): Coder<KV<number, Iterable<Uint8Array>>> {
  return new KVCoder(new VarIntCoder(), new IterableCoder(new BytesCoder()));
}

/** Coder of strings keyed by a number (used to spread work over random keys). */
export function keyedStringCoder(): Coder<KV<number, string>> {
  return new KVCoder(new VarIntCoder(), new StrUtf8Coder());
}

/**
 * Coder of a byte count: a float64, exact to 2^53 (Beam's `VarIntCoder` is 32-bit in this SDK and
 * would wrap at 2 GiB).
 */
export function countCoder(): Coder<number> {
  return new DoubleCoder();
}

/** Coder of a byte count keyed by a string (before a per-key sum). */
export function keyedCountCoder(): Coder<KV<string, number>> {
  return new KVCoder(new StrUtf8Coder(), new DoubleCoder());
}

/** A record with where it came from, as emitted by `readAllFromArrayRecord({withMetadata: true})`. */
export interface RecordWithMetadata {
  /** Path of the file the record was read from. */
  file: string;
  /** Index of the record in that file. */
  index: number;
  /** The record's bytes. */
  record: Uint8Array;
}

/**
 * Row coder of {@link RecordWithMetadata}: a schema row (string, int64, bytes). Beam 2.49 encodes
 * the int64 field with a 32-bit varint, so indices must stay below 2^31.
 */
export function recordWithMetadataCoder(): Coder<RecordWithMetadata> {
  return RowCoder.fromJSON({ file: "", index: 0, record: new Uint8Array(0) }) as Coder<RecordWithMetadata>;
}

/**
 * Sets the coder of `pcollection` (in place, in the pipeline proto) and returns it. Use on the
 * output of a parDo/map, before anything consumes it.
 */
export function setCoder<T>(pcollection: beam.PCollection<T>, coder: Coder<T>): beam.PCollection<T> {
  const pipeline = pcollection.pipeline;
  const proto = pipeline.getProto().components!.pcollections[pcollection.getId()];
  if (proto === undefined) throw new Error(`internal: PCollection ${pcollection.getId()} is not in the pipeline`);
  proto.coderId = pipeline.getCoderId(coder);
  return pcollection;
}

/** `parDo(doFn, context)` named `name`, with its output coded by `coder`. */
export function parDoWithCoder<I, O, C extends object | undefined = undefined>(
  input: beam.PCollection<I>,
  name: string,
  doFn: beam.DoFn<I, O, C>,
  coder: Coder<O>,
  context?: C,
): beam.PCollection<O> {
  const output = input.apply(beam.withName(name, beam.parDo<I, O, C>(doFn, context))) as beam.PCollection<O>;
  return setCoder(output, coder);
}

/**
 * `beam.create(strings)` named `name`, coded as UTF-8. (Create strings, never Uint8Arrays: `create`
 * mangles typed arrays; make bytes inside a DoFn.)
 */
export function createStrings(root: beam.Root, name: string, strings: readonly string[]): beam.PCollection<string> {
  return setCoder(root.apply(beam.withName(name, beam.create([...strings]))), stringCoder());
}
