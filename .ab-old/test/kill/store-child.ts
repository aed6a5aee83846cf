/**
 * One object-store writer run for the kill tests: `store-child.ts URL async|sync` writes
 * {@link storeKillRecords} to URL (s3:// or gs://) with the ArrayRecord writer, printing "ready" once
 * the writer is open (its store's SDK loaded, no upload request sent yet: kill moments then spread
 * over the upload, not the start-up) and "done" after close() returned.
 */
import "../../src/storage/register.js";
import { ArrayRecordWriter } from "../../src/format/array-record/writer.js";
import { storeKillRecords } from "./kill-records.js";

const [url, mode] = process.argv.slice(2);
const records = storeKillRecords();
if (mode === "sync") {
  const writer = ArrayRecordWriter.openSync(url!, "group_size:1,uncompressed");
  process.stdout.write("ready\n");
  for (const record of records) writer.writeSync(record);
  writer.closeSync();
} else {
  const writer = await ArrayRecordWriter.open(url!, "group_size:1,uncompressed");
  process.stdout.write("ready\n");
  for (const record of records) await writer.write(record);
  await writer.close();
}
process.stdout.write("done\n");
