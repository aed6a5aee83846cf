/** `arrayrecord info FILE... [--json]`. */
import { parseArgs } from "node:util";
import { ArrayRecordReader } from "../../format/array-record/reader.js";
import { Output } from "../output.js";
import { UsageError } from "../usage.js";

/**
 * Prints per file: num_records, num_chunks, group_size, writer_options, file_size, data_bytes (all
 * data chunks, headers included) and chunk_types (data chunks per type).
 */
export async function info(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: "boolean" } }, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError("info needs at least one FILE");
  const out = new Output();
  for (const file of positionals) {
    const reader = await ArrayRecordReader.open(file);
    const fields = {
      file,
      num_records: reader.numRecords,
      num_chunks: reader.numChunks,
      group_size: reader.groupSize,
      writer_options: reader.writerOptions,
      file_size: reader.fileSize,
      data_bytes: 0,
      chunk_types: { simple: 0, transposed: 0 },
    };
    const stats = await reader.dataChunkStats();
    fields.data_bytes = stats.dataBytes;
    fields.chunk_types = stats.chunkTypes;
    await reader.close();
    if (values.json) await out.write(JSON.stringify(fields) + "\n");
    else await out.write(Object.entries(fields).map(([k, v]) => `${k.padEnd(15)}${typeof v === "object" ? JSON.stringify(v) : v}`).join("\n") + "\n\n");
  }
  await out.flush();
  return 0;
}
