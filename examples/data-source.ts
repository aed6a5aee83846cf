// Many shard files read as one array, the way Grain or TFDS read a sharded data set.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArrayRecordDataSource, ArrayRecordWriter } from "arrayrecord";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shards-"));
const numShards = 4;
for (let shard = 0; shard < numShards; shard++) {
  const name = `train.array_record-${String(shard).padStart(5, "0")}-of-${String(numShards).padStart(5, "0")}`;
  const writer = ArrayRecordWriter.openSync(path.join(dir, name), "group_size:1");
  for (let i = 0; i < 250; i++) writer.writeSync(`shard ${shard} item ${i}`);
  writer.closeSync();
}

// A glob pattern; files are ordered by shard number.
const source = await ArrayRecordDataSource.open(path.join(dir, "train.array_record-*"));
console.log(`${source.length} records in ${source.files.length} files`);
const decoder = new TextDecoder();
console.log("record 260:", decoder.decode(await source.get(260)));
const batch = await source.getMany([999, 0, 500, 251]);
console.log("batch:", batch.map((r) => decoder.decode(r)).join(" | "));
await source.close();
fs.rmSync(dir, { recursive: true });
