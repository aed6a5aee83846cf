/** `arrayrecord cat FILE [--range A:B] [--format F]`. */
import { parseArgs } from "node:util";
import { ArrayRecordError, isArrayRecordError } from "../../format/errors.js";
import { decodeExampleMap, exampleToJson, stringifyExampleJson } from "../../format/example/index.js";
import { ArrayRecordReader } from "../../format/array-record/reader.js";
import { Output, RECORD_FORMATS, formatRecord } from "../output.js";
import { UsageError } from "../usage.js";

/** Ways `cat` prints records: the {@link RECORD_FORMATS} plus `example-json` (one tf.Example per JSON line). */
export const CAT_FORMATS = [...RECORD_FORMATS, "example-json"] as const;
/** One of {@link CAT_FORMATS}. */
export type CatFormat = (typeof CAT_FORMATS)[number];

/** Prints the records of one file (or a half-open range of them). */
export async function cat(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { range: { type: "string" }, format: { type: "string", default: "text" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError("cat needs exactly one FILE");
  const format = values.format as CatFormat;
  if (!CAT_FORMATS.includes(format)) throw new UsageError(`unknown --format ${values.format}; use one of ${CAT_FORMATS.join(", ")}`);
  const file = positionals[0]!;
  const reader = await ArrayRecordReader.open(file);
  try {
    const [start, end] = parseRange(values.range, reader.numRecords);
    const out = new Output();
    let index = start;
    try {
      for await (const record of reader.recordsAsync(start, end)) {
        await out.write(format === "example-json" ? exampleJsonLine(record, index, file) : formatRecord(record, index, format));
        index++;
      }
    } catch (e) {
      // The records before a bad one still reach stdout (not after a failing stdout itself).
      if (isArrayRecordError(e)) await out.flush();
      throw e;
    }
    await out.flush();
  } finally {
    await reader.close();
  }
  return 0;
}

/** One tf.Example as a line of JSON (see `exampleToJson`); a record that is not an Example → CORRUPT naming it. */
export function exampleJsonLine(record: Uint8Array, index: number, file: string): string {
  try {
    return stringifyExampleJson(exampleToJson(decodeExampleMap(record))) + "\n";
  } catch (e) {
    if (!isArrayRecordError(e)) throw e;
    throw new ArrayRecordError("CORRUPT", `record ${index} is not a tf.train.Example: ${e.message}`, { file }, { cause: e });
  }
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
