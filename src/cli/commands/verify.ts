/** `arrayrecord verify FILE...`. */
import { parseArgs } from "node:util";
import { isArrayRecordError } from "../../format/errors.js";
import { FileByteSource } from "../../format/bytes/file-source.js";
import { verifyArrayRecord } from "../../format/array-record/verify.js";
import { UsageError } from "../usage.js";

/** Checks every file completely; exit 0 when all are clean, 1 naming file and offset otherwise. */
export async function verify(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError("verify needs at least one FILE");
  let failures = 0;
  for (const file of positionals) {
    try {
      const source = await FileByteSource.open(file);
      try {
        const report = await verifyArrayRecord(source);
        process.stdout.write(`${file}: OK (${report.records} records, ${report.dataChunks} data chunks, ${report.chunks} chunks)\n`);
      } finally {
        await source.close();
      }
    } catch (e) {
      if (!isArrayRecordError(e)) throw e;
      failures++;
      e.withFile(file);
      process.stdout.write(`${file}: FAILED: ${e.message}\n`);
    }
  }
  return failures === 0 ? 0 : 1;
}
