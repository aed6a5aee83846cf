import * as path from "node:path";
import * as fs from "node:fs";
import * as os from "node:os";
import * as beam from "apache-beam";
import { directRunner } from "apache-beam/runners/direct_runner";
import { TFRecordWriter } from "/work/main/src/format/tfrecord-writer.js";
import { readFromTFRecord } from "/work/main/src/io/tfrecord-io.js";
import { writeToArrayRecord } from "/work/main/src/io/write-array-record.js";
import { assignShards } from "/work/main/src/transforms/shard.js";
import { groupByKey } from "apache-beam/transforms/internal";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "p-"));
const w = new TFRecordWriter(path.join(dir, "in.tfrecord"), {}); for (let i = 0; i < 1000; i++) w.write(new Uint8Array(100)); w.close();
for (const mode of ["assign", "gbk", "all"]) {
  const t0 = Date.now();
  const r = await directRunner().run((root) => {
    const recs = root.apply(readFromTFRecord(path.join(dir, "in.tfrecord")));
    if (mode === "assign") recs.apply(assignShards(3));
    if (mode === "gbk") recs.apply(assignShards(3)).apply(groupByKey());
    if (mode === "all") recs.apply(writeToArrayRecord(path.join(dir, "o/x"), { numShards: 3 }));
  });
  console.log(mode, Date.now() - t0);
}
