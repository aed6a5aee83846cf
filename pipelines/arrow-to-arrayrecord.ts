// Arrow IPC files → sharded ArrayRecord files (batch records, or tf.Example rows with --as examples).
// Usage: node --import tsx pipelines/arrow-to-arrayrecord.ts --input "data/*.arrow" --output out/train.array_record
//          [--as batches|examples] [--num-shards N] [--options STR] [--suffix S] [--runner direct]
// The function behind it: convertArrowToArrayRecord() from "arrayrecord/beam".
import { main } from "../src/cli/main.js";

process.exitCode = await main(["convert", "--from", "arrow", ...process.argv.slice(2)]);
