/**
 * Child process of https.storage.ts, so NODE_EXTRA_CA_CERTS (read once at process start) can trust
 * the test's certificate: reads each https:// URL given with the async and the sync (bridge) reader
 * and prints one JSON line: per URL the record count and records' SHA-256, or the error code.
 *
 * Usage: node --import tsx https-read.child.ts URL...
 */
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { isArrayRecordError } from "../../../src/format/errors.js";
import "../../../src/storage/register.js";
import { recordsSha256 } from "../../helpers/golden.js";

const out: Record<string, { records?: number; sha256?: string; syncSha256?: string; error?: string }> = {};
for (const url of process.argv.slice(2)) {
  try {
    const reader = await ArrayRecordReader.open(url);
    const sha256 = recordsSha256(await reader.readAll());
    await reader.close();
    const syncReader = ArrayRecordReader.openSync(url);
    const syncSha256 = recordsSha256(syncReader.readAllSync());
    syncReader.closeSync();
    out[url] = { records: reader.numRecords, sha256, syncSha256 };
  } catch (e) {
    out[url] = { error: isArrayRecordError(e) ? e.code : String(e) };
  }
}
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(0); // the storage bridge's worker thread would keep the process alive
