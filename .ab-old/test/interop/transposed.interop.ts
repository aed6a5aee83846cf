/**
 * Differential tests of transposed chunks against Google's array-record wheel (the C++ library),
 * both ways, with `transpose:true` and a random `transpose_bucket_size`:
 * - we write → C++ reads every record exactly (sequential, by indices, its data source);
 * - C++ writes → we read exactly (sync, indices, ranges, worker threads, data source), and every
 *   data chunk of both files is a transposed chunk.
 * Record sets mix the shared interop records (text, random bytes, tf.Examples, large ones) with
 * random protobuf messages (all wire types, nested messages, groups) so both the column path and
 * the non-proto path run. fast-check with a fixed seed (printed on failure); ORACLE_CASES sets the count.
 */
import * as fs from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArrayRecordDataSource, ArrayRecordReader, ArrayRecordWriter } from "../../src/index.js";
import { describeRecords, materializeRecord, recordSpecArb, writerOptionsArb } from "./arbitraries.js";
import { Oracle } from "./oracle.js";
import { expectSameRecords, shuffledIndices } from "./record-checks.js";
import { readRecordsFile, writeRecordsFile } from "./records-file.js";
import { interopCases, interopSeed, tally } from "./settings.js";
import { encodeFields, protoFields } from "../helpers/proto-arbitrary.js";

const SEED = interopSeed(20261212);
const CASES = interopCases(120);

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.start();
});
afterAll(async () => {
  await oracle?.close();
});

/** One record: a shared interop record or a random protobuf message. */
const recordArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: recordSpecArb.map(materializeRecord) },
  { weight: 4, arbitrary: protoFields(4).map(encodeFields) },
);

/** Proto-only, non-proto-only and mixed record sets; sometimes many records so chunks hold groups. */
const recordsArb: fc.Arbitrary<Uint8Array[]> = fc.oneof(
  fc.array(protoFields(3).map(encodeFields), { minLength: 1, maxLength: 200 }),
  fc.array(recordSpecArb.filter((s) => s.kind !== "proto").map(materializeRecord), { minLength: 1, maxLength: 30 }),
  fc.array(recordArb, { minLength: 0, maxLength: 60 }),
);

const transposeItems: fc.Arbitrary<string[]> = fc
  .tuple(fc.constantFrom("transpose", "transpose:true"), fc.option(fc.constantFrom("auto", "1", "64", "256", "1000", "4k", "64k", "1M"), { nil: undefined }))
  .map(([t, bucket]) => (bucket === undefined ? [t] : [t, `transpose_bucket_size:${bucket}`]));

/** Reads a file through our main access paths; checks every data chunk is transposed. */
async function readOurWays(file: string, want: readonly Uint8Array[], seed: number): Promise<void> {
  const n = want.length;
  const order = shuffledIndices(n, seed);
  const inOrder = (got: readonly Uint8Array[]) => {
    const out: Uint8Array[] = new Array(n);
    order.forEach((index, k) => (out[index] = got[k]!));
    return out;
  };
  const reader = ArrayRecordReader.openSync(file);
  expect(reader.dataChunkStatsSync().chunkTypes).toEqual({ simple: 0, transposed: reader.numChunks });
  expectSameRecords("readAllSync", reader.readAllSync(), want);
  expectSameRecords("readSync(indices)", inOrder(n ? reader.readSync(order) : []), want);
  const mid = Math.floor(n / 3);
  expectSameRecords("readRangeSync", reader.readRangeSync(mid, n), want.slice(mid));
  reader.closeSync();
  const async = await ArrayRecordReader.open(file);
  expectSameRecords("read(indices)", inOrder(n ? await async.read(order) : []), want);
  // Worker threads cost a pool start per file: every eighth case.
  if (seed % 8 === 0) expectSameRecords("readAllParallel(2)", await async.readAllParallel(2), want);
  await async.close();
  const source = await ArrayRecordDataSource.open([file]);
  expectSameRecords("ArrayRecordDataSource getMany", inOrder(await source.getMany(order)), want);
  await source.close();
}

describe("transposed chunks against the array-record wheel (C++)", () => {
  it(`agree both ways on ${CASES} random record sets with transpose:true (seed ${SEED})`, async () => {
    const tallies = { weWrite: 0, cppWrites: 0 };
    const property = fc.asyncProperty(recordsArb, writerOptionsArb({ extra: transposeItems }), fc.integer({ min: 1, max: 0x7fffffff }), async (records, optionText, orderSeed) => {
      const context = `options "${optionText}", ${describeRecords(records)}, seed ${SEED}`;
      try {
        const input = oracle.tempPath("input.records");
        writeRecordsFile(input, records);

        // We write → C++ reads.
        const ours = oracle.tempPath("ours.array_record");
        const writer = ArrayRecordWriter.openSync(ours, optionText);
        for (const r of records) writer.writeSync(r);
        const ourOptions = writer.writerOptions;
        writer.closeSync();
        const ourReader = ArrayRecordReader.openSync(ours);
        expect(ourReader.dataChunkStatsSync().chunkTypes).toEqual({ simple: 0, transposed: ourReader.numChunks });
        ourReader.closeSync();
        const order = shuffledIndices(records.length, orderSeed);
        const out = oracle.tempPath("cpp-read");
        const read = await oracle.call("read", { path: ours, out, order });
        expect(read["num_records"]).toBe(records.length);
        expect(read["writer_options"]).toBe(ourOptions);
        for (const way of ["sequential", "indices", "datasource"]) expectSameRecords(`C++ ${way}`, readRecordsFile(`${out}.${way}`), records);
        tallies.weWrite++;

        // C++ writes → we read.
        const theirs = oracle.tempPath("cpp.array_record");
        await oracle.call("write", { path: theirs, options: optionText, records: input });
        await readOurWays(theirs, records, orderSeed);
        tallies.cppWrites++;
        for (const f of [input, ours, theirs, `${out}.sequential`, `${out}.indices`, `${out}.datasource`]) fs.rmSync(f, { force: true });
      } catch (e) {
        throw new Error(`${(e as Error).message}\n  case: ${context}`);
      }
    });
    let outcome = "passed";
    try {
      await fc.assert(property, { seed: SEED, numRuns: CASES, endOnFailure: true });
    } catch (e) {
      outcome = `FAILED (rerun: ORACLE_SEED=${SEED} ORACLE_CASES=${CASES})`;
      throw e;
    } finally {
      tally("transposed: we write → C++ reads (sequential, read(indices), ArrayRecordDataSource)", tallies.weWrite, outcome);
      tally("transposed: C++ writes → we read (5-6 access paths)", tallies.cppWrites, outcome);
    }
  }, 1_800_000);
});
