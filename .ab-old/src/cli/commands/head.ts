/** `arrayrecord head PATTERN [-n K] [--format F]`: the first K records of a sharded data set. */
import { parseArgs } from "node:util";
import { ArrayRecordDataSource } from "../../format/array-record/data-source.js";
import { Output, formatRecord } from "../output.js";
import { CAT_FORMATS, exampleJsonLine, type CatFormat } from "./cat.js";
import { UsageError } from "../usage.js";

/**
 * Prints the first K records in shard order. It reads the files as the Beam source's splits do
 * (footer index, then record ranges) but in this process: no pipeline is needed for a prefix.
 */
export async function head(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { n: { type: "string", short: "n", default: "10" }, format: { type: "string", default: "text" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError("head needs exactly one PATTERN (quote globs)");
  if (!/^\d+$/.test(values.n)) throw new UsageError(`-n must be a non-negative integer (got ${values.n})`);
  const format = values.format as CatFormat;
  if (!CAT_FORMATS.includes(format)) throw new UsageError(`unknown --format ${values.format}; use one of ${CAT_FORMATS.join(", ")}`);
  const source = await ArrayRecordDataSource.open(positionals[0]!);
  try {
    const out = new Output();
    let index = 0;
    for await (const record of source) {
      if (index >= Number(values.n)) break;
      await out.write(format === "example-json" ? exampleJsonLine(record, index, positionals[0]!) : formatRecord(record, index, format));
      index++;
    }
    await out.flush();
  } finally {
    await source.close();
  }
  return 0;
}
