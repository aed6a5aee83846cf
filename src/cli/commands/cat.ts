/** `arrayrecord cat FILE [--range A:B] [--format F]`. */
import { parseArgs } from "node:util";
import { ArrayRecordReader } from "../../format/reader.js";
import { Output, RECORD_FORMATS, formatRecord, type RecordFormat } from "../output.js";
import { UsageError } from "../usage.js";

/** Prints the records of one file (or a half-open range of them). */
export async function cat(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { range: { type: "string" }, format: { type: "string", default: "text" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError("cat needs exactly one FILE");
  const format = values.format as RecordFormat;
  if (!RECORD_FORMATS.includes(format)) throw new UsageError(`unknown --format ${values.format}; use one of ${RECORD_FORMATS.join(", ")}`);
  const reader = await ArrayRecordReader.open(positionals[0]!);
  try {
    const [start, end] = parseRange(values.range, reader.numRecords);
    const out = new Output();
    let index = start;
    for await (const record of reader.recordsAsync(start, end)) await out.write(formatRecord(record, index++, format));
    await out.flush();
  } finally {
    await reader.close();
  }
  return 0;
}

/** Parses `A:B` (either side optional) into a half-open range clamped to nothing: bad ranges are usage errors. */
export function parseRange(text: string | undefined, count: number): [number, number] {
  if (text === undefined) return [0, count];
  const m = /^(\d*):(\d*)$/.exec(text);
  if (m === null) throw new UsageError(`--range must look like A:B, :B or A: (got ${JSON.stringify(text)})`);
  const start = m[1] === "" ? 0 : Number(m[1]);
  const end = m[2] === "" ? count : Number(m[2]);
  if (start > end || end > count) throw new UsageError(`--range ${text} is outside [0, ${count}] or empty-reversed`);
  return [start, end];
}
