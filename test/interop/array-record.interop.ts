/**
 * Differential tests against Google's array-record wheel (the C++ library), both ways:
 * - we write → C++ reads every record exactly (sequential read(), read(indices), its
 *   ArrayRecordDataSource) and reports the option string our writer recorded;
 * - C++ writes → we read exactly through every access path (sync and async, indices, ranges,
 *   worker-thread decode, in-memory source, data source), and see C++'s option string, which equals
 *   the one our writer prints for the same option text;
 * - uncompressed files from both writers are byte-identical.
 * fast-check properties with a fixed seed (printed on failure); ORACLE_CASES / --cases sets the count.
 */
import * as fs from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArrayRecordDataSource, ArrayRecordReader, ArrayRecordWriter, MemoryByteSource } from "../../src/index.js";
import { describeRecords, materializeRecord, recordSetArb, writerOptionsArb } from "./arbitraries.js";
import { Oracle } from "./oracle.js";
import { expectSameRecords, shuffledIndices } from "./record-checks.js";
import { readRecordsFile, writeRecordsFile } from "./records-file.js";
import { interopCases, interopSeed, tally } from "./settings.js";

const SEED = interopSeed(20261201);
const CASES = interopCases();

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.start();
});
afterAll(async () => {
  await oracle?.close();
});

const tallies = { weWrite: 0, cppWrites: 0, identical: 0, compressedIdentical: 0, compressedCompared: 0 };

/** Reads `file` through every access path of our library and checks each against `want`. */
async function readEveryWay(file: string, want: readonly Uint8Array[], seed: number): Promise<string> {
  const n = want.length;
  const order = shuffledIndices(n, seed);
  const byIndex = (got: readonly Uint8Array[]) => {
    const out: Uint8Array[] = new Array(n);
    order.forEach((index, k) => (out[index] = got[k]!));
    return out;
  };

  const reader = ArrayRecordReader.openSync(file);
  expect(reader.numRecords).toBe(n);
  const sequential: Uint8Array[] = [];
  for (let r = reader.readNextSync(); r !== undefined; r = reader.readNextSync()) sequential.push(r.slice());
  expectSameRecords("readNextSync", sequential, want);
  expectSameRecords("readAllSync", reader.readAllSync(), want);
  expectSameRecords("readSync(indices)", byIndex(n ? (reader.readSync(order) as Uint8Array[]) : []), want);
  const mid = Math.floor(n / 3);
  expectSameRecords("readRangeSync", reader.readRangeSync(mid, n), want.slice(mid));
  if (n > 0) expectSameRecords("readSync(i)", [reader.readSync(order[0]!) as Uint8Array], [want[order[0]!]!]);
  // Borrowed visits: records copied inside the callback, the only place they are valid.
  const visited: Uint8Array[] = [];
  reader.forEachSync((r, i) => (visited[i] = r.slice()));
  expectSameRecords("forEachSync", visited, want);
  const visitedAt: Uint8Array[] = [];
  reader.forEachAtSync(order, (r, k) => (visitedAt[k] = r.slice()));
  expectSameRecords("forEachAtSync", byIndex(visitedAt), want);
  const options = reader.writerOptions;
  reader.closeSync();

  const async = await ArrayRecordReader.open(file);
  const iterated: Uint8Array[] = [];
  for await (const r of async) iterated.push(r.slice());
  expectSameRecords("for await", iterated, want);
  expectSameRecords("read(indices)", byIndex(n ? ((await async.read(order)) as Uint8Array[]) : []), want);
  expectSameRecords("readRange", await async.readRange(0, mid), want.slice(0, mid));
  expectSameRecords("readAllParallel(2)", await async.readAllParallel(2), want);
  const onWorkers: Uint8Array[] = [];
  await async.forEachParallel((r, i) => (onWorkers[i] = r.slice()), 0, n, 2);
  expectSameRecords("forEachParallel(2)", onWorkers, want);
  await async.close();

  const memory = ArrayRecordReader.openSync(new MemoryByteSource(fs.readFileSync(file), file));
  expectSameRecords("MemoryByteSource readAllSync", memory.readAllSync(), want);
  memory.closeSync();

  const source = ArrayRecordDataSource.openSync([file]);
  expect(source.length).toBe(n);
  expectSameRecords("ArrayRecordDataSource getManySync", byIndex(source.getManySync(order)), want);
  source.closeSync();
  const asyncSource = await ArrayRecordDataSource.open([file]);
  expectSameRecords("ArrayRecordDataSource getMany", byIndex(await asyncSource.getMany(order)), want);
  await asyncSource.close();
  return options;
}

describe("array-record wheel (C++) as the oracle", () => {
  it(`agrees both ways on ${CASES} random record sets and option strings (seed ${SEED})`, async () => {
    const property = fc.asyncProperty(recordSetArb, writerOptionsArb(), fc.integer({ min: 1, max: 0x7fffffff }), async (specs, optionText, orderSeed) => {
      const records = specs.map(materializeRecord);
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
        const order = shuffledIndices(records.length, orderSeed);
        const out = oracle.tempPath("cpp-read");
        const read = await oracle.call("read", { path: ours, out, order });
        expect(read["num_records"]).toBe(records.length);
        expect(read["writer_options"]).toBe(ourOptions);
        for (const way of ["sequential", "indices", "datasource"]) {
          expectSameRecords(`C++ ${way}`, readRecordsFile(`${out}.${way}`), records);
        }
        tallies.weWrite++;

        // C++ writes → we read.
        const theirs = oracle.tempPath("cpp.array_record");
        await oracle.call("write", { path: theirs, options: optionText, records: input });
        const theirOptions = await readEveryWay(theirs, records, orderSeed);
        expect(theirOptions).toBe(ourOptions);
        tallies.cppWrites++;

        // Same records, same options: uncompressed files are byte-identical (others are compared for the report).
        const same = Buffer.compare(fs.readFileSync(ours), fs.readFileSync(theirs)) === 0;
        if (/(^|,)uncompressed(,|$)/.test(optionText)) {
          if (!same) throw new Error("uncompressed files differ from the C++ writer's");
          tallies.identical++;
        } else {
          tallies.compressedCompared++;
          if (same) tallies.compressedIdentical++;
        }
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
      tally("we write → C++ reads (sequential, read(indices), ArrayRecordDataSource)", tallies.weWrite, outcome);
      tally("C++ writes → we read (9 access paths)", tallies.cppWrites, outcome);
      tally(
        "byte-identical files",
        tallies.identical,
        `uncompressed all identical; compressed identical ${tallies.compressedIdentical}/${tallies.compressedCompared} (informative)`,
      );
    }
  }, 1_800_000);
});
