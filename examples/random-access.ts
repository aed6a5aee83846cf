// Random access and batches: what a training loop does with a shuffled index.
import * as os from "node:os";
import * as path from "node:path";
import { ArrayRecordReader, ArrayRecordWriter } from "arrayrecord";

const file = path.join(os.tmpdir(), `random-access-${process.pid}.array_record`);
const writer = ArrayRecordWriter.openSync(file, "group_size:16,snappy");
for (let i = 0; i < 10_000; i++) writer.writeSync(new TextEncoder().encode(`example ${i}`));
writer.closeSync();

// The sync API suits Beam DoFns and scripts; every async method has a *Sync twin.
const reader = ArrayRecordReader.openSync(file);
const decoder = new TextDecoder();
console.log("record 4242:", decoder.decode(reader.readSync(4242)));

// A batch of indices is read chunk by chunk, each chunk decoded once, results in the order asked.
const batch = reader.readSync([9999, 0, 17, 16, 5000]);
console.log("batch:", batch.map((r) => decoder.decode(r)).join(", "));

// A half-open range [start, end), and sequential reads from a position.
console.log("range:", reader.readRangeSync(100, 103).map((r) => decoder.decode(r)).join(", "));
reader.seek(9998);
console.log("next:", decoder.decode(reader.readNextSync()!), "then", decoder.decode(reader.readNextSync()!));
console.log("at end:", reader.readNextSync());
reader.closeSync();
