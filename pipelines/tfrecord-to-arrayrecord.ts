// TFRecord files → sharded ArrayRecord files through a Beam pipeline (the same as `arrayrecord convert --from tfrecord`).
// Usage: node --import tsx pipelines/tfrecord-to-arrayrecord.ts --input "data/*.tfrecord" --output out/train.array_record
//          [--num-shards N | --match-shards] [--options group_size:1] [--suffix S] [--runner direct]
// The function behind it: convertTFRecordToArrayRecord() from "arrayrecord/beam".
import { main } from "../src/cli/main.js";

process.exitCode = await main(["convert", "--from", "tfrecord", ...process.argv.slice(2)]);
