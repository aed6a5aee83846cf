/**
 * One writer run for the kill tests, in its own process so it can be SIGKILLed anywhere:
 * `kill-child.ts TARGET OUT` writes {@link killRecords} with TARGET (`arrayrecord`, `tfrecord`,
 * `beam`) to OUT, printing "ready" once loaded (before the first byte) and "done" after the close
 * or pipeline.
 */
// Each target loads only what it needs (imports are most of a short run's start-up time).
import { killRecords, killRecordStrings } from "./kill-records.js";

const [target, out] = process.argv.slice(2);

async function main(): Promise<void> {
  if (target === "arrayrecord") {
    const { ArrayRecordWriter } = await import("../../src/format/array-record/writer.js");
    process.stdout.write("ready\n");
    const writer = await ArrayRecordWriter.open(out!, "group_size:16,zstd:1");
    for (const record of killRecords()) await writer.write(record);
    await writer.close();
  } else if (target === "tfrecord") {
    const { TFRecordWriter } = await import("../../src/format/tfrecord/writer.js");
    process.stdout.write("ready\n");
    const writer = new TFRecordWriter(out!, { compression: "gzip", fsync: true });
    for (const record of killRecords()) writer.write(record);
    writer.close();
  } else if (target === "beam") {
    await import("apache-beam"); // first: the runner module needs the package's classes loaded
    const { directRunner } = await import("apache-beam/runners/direct_runner");
    const { writeToArrayRecord } = await import("../../src/io/write-array-record.js");
    const { createRecords } = await import("../io/beam-helpers.js");
    process.stdout.write("ready\n");
    const debug = console.debug;
    console.debug = () => {};
    const result = await directRunner().run((root) => {
      createRecords(root, killRecordStrings()).apply(writeToArrayRecord(out!, { numShards: 3 }));
    });
    await result.waitUntilFinish();
    console.debug = debug;
  } else throw new Error(`unknown target ${target}`);
  process.stdout.write("done\n");
}

await main();
