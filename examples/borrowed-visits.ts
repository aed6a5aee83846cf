// Borrowed records: visit every record (or a batch) without keeping it, the fastest way through a
// file. Each record views memory the visit reuses: copy (slice()) what must outlive the callback.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArrayRecordReader, ArrayRecordWriter } from "arrayrecord";

const file = path.join(os.tmpdir(), `borrowed-visits-${process.pid}.array_record`);
const writer = ArrayRecordWriter.openSync(file, "group_size:64,zstd:3");
for (let i = 0; i < 5000; i++) writer.writeSync(JSON.stringify({ id: i, label: i % 10 }));
writer.closeSync();

const reader = ArrayRecordReader.openSync(file);
const decoder = new TextDecoder();

// Parse each record as it comes: nothing is kept, so nothing is copied.
const labels = new Array<number>(10).fill(0);
reader.forEachSync((record) => labels[(JSON.parse(decoder.decode(record)) as { label: number }).label]!++);
console.log("label counts:", labels.join(" "));

// A batch, visited in file order; k is the position in the indices given.
const indices = [4999, 3, 2500];
const kept: Uint8Array[] = [];
reader.forEachAtSync(indices, (record, k) => (kept[k] = record.slice())); // slice(): kept past the callback
console.log("batch:", kept.map((r) => decoder.decode(r)).join(" | "));

// The same on 2 worker threads, decoding into shared memory that later spans reuse.
let bytes = 0;
await reader.forEachParallel((record) => (bytes += record.length), 0, reader.numRecords, 2);
console.log("bytes visited on workers:", bytes);
reader.closeSync();
fs.rmSync(file);
