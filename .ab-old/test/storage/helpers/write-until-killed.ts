/**
 * Child process of the kill test: writes incompressible records to the object URL in argv[2] with
 * the async writer (argv[3] = "sync" for the sync writer), printing "parts" once several upload
 * parts are out, then keeps writing until it is killed. It never closes the writer.
 */
import "../../../src/storage/register.js";
import { ArrayRecordWriter } from "../../../src/format/array-record/writer.js";
import { seededBytes } from "./env.js";

const [target, mode] = process.argv.slice(2);
const record = seededBytes(1 << 20, 4242);
let written = 0;
if (mode === "sync") {
  const writer = ArrayRecordWriter.openSync(target!, "group_size:1,uncompressed");
  for (;;) {
    writer.writeSync(record);
    if (++written === 12) process.stdout.write("parts\n");
  }
} else {
  const writer = await ArrayRecordWriter.open(target!, "group_size:1,uncompressed");
  for (;;) {
    await writer.write(record);
    if (++written === 12) process.stdout.write("parts\n");
  }
}
