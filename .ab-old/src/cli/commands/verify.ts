/** `arrayrecord verify FILE...`. */
import { parseArgs } from "node:util";
import { isArrayRecordError } from "../../format/errors.js";
import { openPathSource } from "../../format/bytes/path-openers.js";
import { verifyArrayRecord } from "../../format/array-record/verify.js";
import { UsageError } from "../usage.js";
import { recover } from "./recover.js";

/**
 * Checks every file completely; exit 0 when all are clean, 1 naming file and offset otherwise.
 * With `--recover OUT FILE`, writes the records that survive to OUT instead (see {@link recover}).
 */
export async function verify(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, options: { recover: { type: "string" } }, allowPositionals: true });
  if (values.recover !== undefined) {
    if (positionals.length !== 1) throw new UsageError("verify --recover OUT takes exactly one FILE");
    return recover(positionals[0]!, values.recover);
  }
  if (positionals.length === 0) throw new UsageError("verify needs at least one FILE");
  let failures = 0;
  for (const file of positionals) {
    try {
      const source = await openPathSource(file);
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
