/** `arrayrecord write OUT [--options STR] [--input-format lines|length-prefixed]`. */
import { parseArgs } from "node:util";
import { ArrayRecordError, isArrayRecordError } from "../../format/errors.js";
import { parseWriterOptions, type WriterOptions } from "../../format/array-record/options.js";
import { ArrayRecordWriter } from "../../format/array-record/writer.js";
import { UsageError } from "../usage.js";

const INPUT_FORMATS = ["lines", "length-prefixed"] as const;

/** Writes the records read from stdin into OUT. */
export async function write(args: string[], input: AsyncIterable<Uint8Array> = process.stdin): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { options: { type: "string", default: "" }, "input-format": { type: "string", default: "lines" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError("write needs exactly one OUT file");
  const format = values["input-format"];
  if (!(INPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown --input-format ${format}; use lines or length-prefixed`);
  const writer = await ArrayRecordWriter.open(positionals[0]!, writerOptionsArgument(values.options));
  try {
    await writer.writeAll(format === "lines" ? splitLines(input) : splitLengthPrefixed(input));
    await writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  }
  process.stderr.write(`wrote ${writer.numRecords} records to ${positionals[0]}\n`);
  return 0;
}

/** Parses --options; a bad string is a usage error (exit 2), caught before any file is created. */
export function writerOptionsArgument(text: string): WriterOptions {
  try {
    return parseWriterOptions(text);
  } catch (e) {
    if (isArrayRecordError(e, "INVALID_OPTIONS")) throw new UsageError(`--options: ${e.message}`);
    throw e;
  }
}

/** Records separated by "\n" (a final line without one is a record too; a trailing "\n" ends the last). */
async function* splitLines(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array = new Uint8Array(0);
  for await (const piece of input) {
    let data: Uint8Array = carry.length === 0 ? piece : Buffer.concat([carry, piece]);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      yield data.subarray(start, nl);
      start = nl + 1;
    }
    carry = data.slice(start);
    data = carry;
  }
  if (carry.length > 0) yield carry;
}

/** Records as uint32 little-endian length + bytes. */
async function* splitLengthPrefixed(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let carry: Buffer = Buffer.alloc(0);
  let consumed = 0;
  for await (const piece of input) {
    carry = carry.length === 0 ? Buffer.from(piece) : Buffer.concat([carry, piece]);
    let at = 0;
    while (carry.length - at >= 4 && carry.length - at - 4 >= carry.readUInt32LE(at)) {
      const n = carry.readUInt32LE(at);
      yield carry.subarray(at + 4, at + 4 + n);
      at += 4 + n;
    }
    consumed += at;
    carry = carry.subarray(at);
  }
  if (carry.length > 0) {
    throw new ArrayRecordError("TRUNCATED", `stdin ends inside a length-prefixed record`, { file: "<stdin>", offset: consumed });
  }
}
