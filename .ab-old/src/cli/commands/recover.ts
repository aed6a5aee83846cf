/** `arrayrecord verify --recover OUT FILE`: salvage the records of a damaged file into a new one. */
import { ArrayRecordReader } from "../../format/array-record/reader.js";
import { ArrayRecordWriter } from "../../format/array-record/writer.js";
import type { DamagedRegion } from "../../format/array-record/recovery.js";

/** One line per damaged region: the bytes skipped, the records lost (when known) and why. */
export function describeRegion(region: DamagedRegion): string {
  const records =
    region.records !== undefined
      ? `records [${region.records.start}, ${region.records.end})`
      : region.lostRecords !== undefined
        ? `${region.lostRecords} records`
        : "an unknown number of records";
  return `lost bytes [${region.begin}, ${region.end}): ${records}: ${region.code}: ${region.reason}`;
}

/**
 * Writes the records of `file` that verify, in order, to `out` (atomically, with the file's own
 * writer options when its footer was readable) and prints what was lost. Exit 0 when nothing was
 * damaged, 1 when records were salvaged around damage.
 */
export async function recover(file: string, out: string): Promise<number> {
  const reader = await ArrayRecordReader.open(file, "", {
    recover: { onDamage: (region) => process.stdout.write(`${file}: ${describeRegion(region)}\n`) },
  });
  try {
    const report = reader.recovery!;
    const writer = await ArrayRecordWriter.open(out, report.method === "footer" ? reader.writerOptions : "");
    try {
      for await (const record of reader.recordsAsync()) await writer.write(record);
      await writer.close();
    } catch (e) {
      writer.abort();
      throw e;
    }
    const lost = `${report.lostRecords}${report.unknownLoss ? "+ (some regions of unknown size)" : ""}`;
    const how = report.method === "scan" ? ` (footer unusable: ${report.footerProblem}; chunks found by scanning)` : "";
    process.stdout.write(`${file}: recovered ${report.recoveredRecords} records into ${out}; lost ${lost} records in ${report.regions.length} damaged regions${how}\n`);
    return report.regions.length === 0 ? 0 : 1;
  } finally {
    await reader.close();
  }
}
