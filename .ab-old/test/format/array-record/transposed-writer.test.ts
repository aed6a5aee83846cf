/** The writer with transpose:true: every data chunk is a transposed chunk, and files read back exactly. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { runSync } from "../../../src/format/bytes/io-plan.js";
import { readChunkAt } from "../../../src/format/riegeli/chunk-reader.js";
import { ChunkType } from "../../../src/format/riegeli/chunk-header.js";
import { exampleRecords, mixedRecords } from "../../helpers/generators.js";
import { recordArbitrary } from "../../helpers/proto-arbitrary.js";

const COMPRESSIONS = ["uncompressed", "zstd", "zstd:1,window_log:10", "brotli:3", "snappy"];
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Walks every chunk of a file: the data chunks' types and total size, independently of the reader. */
function walk(file: Uint8Array, footerOffset: number): { types: number[]; bytes: number } {
  const source = new MemoryByteSource(file);
  const types: number[] = [];
  let bytes = 0;
  for (let pos = 0; pos < file.length; ) {
    const chunk = runSync(source, readChunkAt(file.length, pos));
    if (pos > 0 && pos < footerOffset && (chunk.header.chunkType === ChunkType.SIMPLE || chunk.header.chunkType === ChunkType.TRANSPOSED)) {
      types.push(chunk.header.chunkType);
      bytes += chunk.end - chunk.begin;
    }
    pos = chunk.end;
  }
  return { types, bytes };
}

function check(records: Uint8Array[], options: string): void {
  const file = encodeArrayRecord(records, options);
  const reader = ArrayRecordReader.openSync(new MemoryByteSource(file));
  expect(reader.readAllSync().map(hex)).toEqual(records.map(hex));
  const stats = reader.dataChunkStatsSync();
  expect(stats.chunkTypes).toEqual({ simple: 0, transposed: reader.numChunks });
  const footerOffset = walkFooter(reader);
  const walked = walk(file, footerOffset);
  expect(walked.types).toEqual(Array(reader.numChunks).fill(ChunkType.TRANSPOSED));
  expect(walked.bytes).toBe(stats.dataBytes);
}

/** The footer offset, which the reader keeps in its layout. */
function walkFooter(reader: ArrayRecordReader): number {
  return (reader as unknown as { layout: { footerOffset: number } }).layout.footerOffset;
}

describe("transpose:true writer", () => {
  it("round-trips proto, non-proto and mixed records for every compression, group and bucket size", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("proto", "nonproto", "mixed") as fc.Arbitrary<"proto" | "nonproto" | "mixed">,
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom(1, 3, 16, 64),
        fc.constantFrom("auto", "1", "100", "1k", "1M"),
        fc.constantFrom(...COMPRESSIONS),
        fc.boolean(),
        fc.integer(),
        (kind, n, groupSize, bucket, compression, pad, seed) => {
          const records = fc.sample(fc.array(recordArbitrary(kind), { minLength: n, maxLength: n }), { seed, numRuns: 1 })[0]!;
          check(records, `group_size:${groupSize},transpose,transpose_bucket_size:${bucket},${compression},pad_to_block_boundary:${pad}`);
        },
      ),
      { seed: 1212, numRuns: 120 },
    );
  });

  it.each(COMPRESSIONS)("writes the golden example and mixed generators exactly (%s)", (compression) => {
    check(exampleRecords(3, 500), `group_size:64,transpose:true,${compression}`);
    check(mixedRecords(5, 400), `group_size:16,transpose:true,${compression}`);
    check(exampleRecords(7, 3000), `group_size:1000,transpose:true,transpose_bucket_size:4k,${compression}`);
  });

  it("stores the transpose options in the footer", () => {
    const file = encodeArrayRecord([Uint8Array.of(8, 1)], "transpose,transpose_bucket_size:1k,snappy");
    expect(ArrayRecordReader.openSync(new MemoryByteSource(file)).writerOptions).toBe(
      "group_size:1,transpose:true,pad_to_block_boundary:false,transpose_bucket_size:1024,snappy,max_parallelism:1",
    );
  });
});
