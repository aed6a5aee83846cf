/**
 * Conformance checks shared by the in-repo fixtures (`npm test`) and the ../shared golden corpus
 * (`npm run test:corpus`): a file written by Google's library reads exactly through every access
 * path of the sync and async readers.
 */
import { expect } from "vitest";
import { ArrayRecordReader } from "../../src/format/array-record/reader.js";
import { recordsSha256, shuffled } from "./golden.js";

/** What the C++ side reported for a file. */
export interface CppFileFacts {
  file: string;
  writer_options_string: string;
  num_records: number;
  file_size: number;
  records_sha256: string;
  samples: Record<string, { length: number; hex: string; truncated: boolean }>;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Opening gives the C++ reader's counts, options string and size, sync and async. */
export async function checkOpens(path: string, facts: CppFileFacts): Promise<void> {
  const reader = ArrayRecordReader.openSync(path);
  expect(reader.numRecords).toBe(facts.num_records);
  expect(reader.writerOptions).toBe(facts.writer_options_string);
  expect(reader.fileSize).toBe(facts.file_size);
  reader.closeSync();
  const asyncReader = await ArrayRecordReader.open(path);
  expect(asyncReader.numRecords).toBe(facts.num_records);
  expect(asyncReader.writerOptions).toBe(facts.writer_options_string);
  await asyncReader.close();
}

/**
 * Every access path gives the records the C++ writer was given (their SHA-256 and samples),
 * `expectedHex` too when known; returns the records read.
 */
export async function checkReadsExactly(path: string, facts: CppFileFacts, expectedHex?: string[]): Promise<Uint8Array[]> {
  const reader = ArrayRecordReader.openSync(path);
  const all = reader.readAllSync().map((r) => Uint8Array.from(r));
  expect(all.length).toBe(facts.num_records);
  expect(recordsSha256(all)).toBe(facts.records_sha256);
  // The sidecar must sample something whenever there are records, or the loop below checks nothing.
  expect(Object.keys(facts.samples).length > 0).toBe(facts.num_records > 0);
  for (const [index, sample] of Object.entries(facts.samples)) {
    const record = all[Number(index)]!;
    expect(record.length).toBe(sample.length);
    expect(hex(sample.truncated ? record.subarray(0, sample.hex.length / 2) : record)).toBe(sample.hex);
  }
  const expected = all.map(hex);
  if (expectedHex !== undefined) expect(expected).toEqual(expectedHex);
  const sequential: string[] = [];
  for (let r = reader.readNextSync(); r !== undefined; r = reader.readNextSync()) sequential.push(hex(r));
  expect(sequential).toEqual(expected);
  expect(reader.recordIndex).toBe(facts.num_records);

  const order = shuffled(facts.num_records, 7);
  for (const i of order.slice(0, 2000)) expect(hex(reader.readSync(i))).toBe(expected[i]);
  expect(reader.readSync(order).map(hex)).toEqual(order.map((i) => expected[i]));
  const mid = Math.floor(facts.num_records / 3);
  const end = Math.max(mid, facts.num_records - 1);
  expect(reader.readRangeSync(mid, end).map(hex)).toEqual(expected.slice(mid, end));
  expect([...reader].map(hex)).toEqual(expected);
  reader.closeSync();

  const asyncReader = await ArrayRecordReader.open(path);
  expect((await asyncReader.readAll()).map(hex)).toEqual(expected);
  expect((await asyncReader.read(order)).map(hex)).toEqual(order.map((i) => expected[i]));
  for (const i of order.slice(0, 200)) expect(hex(await asyncReader.read(i))).toBe(expected[i]);
  expect((await asyncReader.readRange(mid, facts.num_records)).map(hex)).toEqual(expected.slice(mid));
  const streamed: string[] = [];
  for await (const r of asyncReader) streamed.push(hex(r));
  expect(streamed).toEqual(expected);
  asyncReader.seek(0);
  const first = await asyncReader.readNext();
  expect(first === undefined ? undefined : hex(first)).toBe(expected[0]);
  expect(recordsSha256(await asyncReader.readAllParallel(2))).toBe(facts.records_sha256);
  await asyncReader.close();
  return all;
}
