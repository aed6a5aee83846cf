// Write records to an ArrayRecord file, then read them back: the shortest complete program.
import * as os from "node:os";
import * as path from "node:path";
import { ArrayRecordReader, ArrayRecordWriter } from "arrayrecord";

const file = path.join(os.tmpdir(), `example-${process.pid}.array_record`);

// Options use the C++ library's syntax; group_size:1 gives the fastest random access.
const writer = await ArrayRecordWriter.open(file, "group_size:1,zstd:3");
for (let i = 0; i < 1000; i++) await writer.write(`record number ${i}`);
await writer.close(); // the file appears under its name only now, complete

const reader = await ArrayRecordReader.open(file);
console.log(`${reader.numRecords} records, written with: ${reader.writerOptions}`);
const decoder = new TextDecoder();
console.log(decoder.decode(await reader.read(0)));
console.log(decoder.decode(await reader.read(999)));
let count = 0;
for await (const record of reader) count += record.length > 0 ? 1 : 0;
console.log(`iterated ${count} records`);
await reader.close();
