/**
 * Pre-encoded chunks (encoded-chunks.ts): full groups encoded away from the file and placed by the
 * writer give exactly the bytes of the plain writer when placed in order, and a readable file with
 * a correct index (every chunk but the last a full group) in any interleaving with plain records.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArrayRecordWriter, encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { EncodedChunk, GroupChunkEncoder } from "../../../src/format/array-record/encoded-chunks.js";
import { MemoryByteSink } from "../../../src/format/bytes/file-sink.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { isArrayRecordError } from "../../../src/format/errors.js";
import { textRecords } from "../../helpers/generators.js";

const SEED = 1010;
const OPTIONS = ["uncompressed", "zstd:3", "zstd:1,window_log:10", "snappy", "brotli:3", "transpose", "zstd:3,pad_to_block_boundary:true", "zstd:3,max_parallelism:2"];

/** Writes with `place(writer, encoder)` and returns the file's bytes. */
function write(options: string, place: (writer: ArrayRecordWriter, encoder: GroupChunkEncoder) => void): Uint8Array {
  const sink = new MemoryByteSink();
  const writer = new ArrayRecordWriter(sink, options);
  place(writer, new GroupChunkEncoder(options));
  writer.closeSync();
  return sink.bytes;
}

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("pre-encoded chunks", () => {
  it("placed in order, full groups pre-encoded and the rest written as records, give the plain writer's bytes (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(...OPTIONS), fc.integer({ min: 0, max: 2000 }), (count, groupSize, codec, maxLength) => {
        const options = `group_size:${groupSize},${codec}`;
        const records = textRecords(count * 7 + maxLength, count, 0, maxLength);
        const full = Math.floor(count / groupSize) * groupSize;
        const bytes = write(options, (writer, encoder) => {
          for (let i = 0; i < full; i += groupSize) writer.writeEncodedChunkSync(encoder.encode(records.slice(i, i + groupSize)));
          for (const record of records.slice(full)) writer.writeSync(record);
        });
        expect(Buffer.from(bytes).equals(Buffer.from(encodeArrayRecord(records, options))), `seed ${SEED}: ${options}, ${count} records`).toBe(true);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("interleaved with plain records: every record once, in placement order, every chunk but the last a full group (property, fixed seed)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 30 })), { maxLength: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(...OPTIONS),
        fc.integer({ min: 1, max: 3000 }),
        (steps, groupSize, codec, maxLength) => {
          const options = `group_size:${groupSize},${codec}`;
          let next = 0;
          const expected: Uint8Array[] = [];
          let pending: Uint8Array[] = [];
          const bytes = write(options, (writer, encoder) => {
            for (const [chunk, n] of steps) {
              if (chunk) {
                // A pre-encoded chunk lands at once, before the group still being collected.
                const group = textRecords(next++ + maxLength, groupSize, 0, maxLength);
                writer.writeEncodedChunkSync(encoder.encode(group));
                expected.push(...group);
              } else {
                for (const record of textRecords(next++ + maxLength, n, 0, maxLength)) {
                  writer.writeSync(record);
                  pending.push(record);
                  if (pending.length === groupSize) {
                    expected.push(...pending);
                    pending = [];
                  }
                }
              }
            }
          });
          expected.push(...pending);
          const reader = ArrayRecordReader.openSync(new MemoryByteSource(bytes));
          try {
            expect(reader.numRecords).toBe(expected.length);
            if (expected.length > groupSize) expect(reader.groupSize).toBe(groupSize);
            expect(reader.writerOptions).toContain(`group_size:${groupSize}`);
            expect(reader.numChunks).toBe(Math.ceil(expected.length / groupSize));
            const { index } = reader.fileLayout;
            for (let c = 0; c < reader.numChunks; c++) {
              expect(index.recordsIn(c)).toBe(c < reader.numChunks - 1 ? groupSize : expected.length - c * groupSize);
            }
            const all = reader.readAllSync();
            const text = (records: Uint8Array[]) => records.map((r) => Buffer.from(r).toString());
            if (codec.includes("max_parallelism")) {
              // Encode workers place full groups when compressed: a chunk added meanwhile may go first.
              expect(text(all).sort()).toEqual(text(expected).sort());
              return;
            }
            expect(text(all)).toEqual(text(expected));
            // Random access goes through index / group_size, as C++ readers do.
            for (let i = expected.length - 1; i >= 0; i -= 7) expect(Buffer.from(reader.readSync(i) as Uint8Array).equals(Buffer.from(expected[i]!))).toBe(true);
          } finally {
            reader.closeSync();
          }
        },
      ),
      { seed: SEED + 1, numRuns: 60 },
    );
  });

  it("a chunk that is not a full group, or of other options, is INVALID_OPTIONS and leaves nothing", () => {
    const records = textRecords(3, 8, 1, 50);
    const cases: [string, EncodedChunk][] = [
      ["group_size:8,zstd:3", new GroupChunkEncoder("group_size:8,zstd:3").encode(records.slice(0, 7))],
      ["group_size:8,zstd:3", new GroupChunkEncoder("group_size:8,snappy").encode(records)],
      ["group_size:8,zstd:3", new GroupChunkEncoder("group_size:8,zstd:3,transpose").encode(records)],
      ["group_size:8,transpose,uncompressed", new GroupChunkEncoder("group_size:8,uncompressed").encode(records)],
    ];
    for (const [options, chunk] of cases) {
      const sink = new MemoryByteSink();
      const writer = new ArrayRecordWriter(sink, options);
      const error = errorOf(() => writer.writeEncodedChunkSync(chunk));
      expect(isArrayRecordError(error) && error.code === "INVALID_OPTIONS", String(error)).toBe(true);
      expect(errorOf(() => writer.writeSync(records[0]!))).toMatchObject({ code: "CLOSED" });
    }
    expect(errorOf(() => new GroupChunkEncoder("group_size:8").encode([]))).toMatchObject({ code: "INVALID_OPTIONS" });
  });

  it("parses chunks back to back; a bad header hash is CORRUPT, a cut chunk TRUNCATED, with the offset", () => {
    const encoder = new GroupChunkEncoder("group_size:3,zstd:3");
    const a = encoder.encode(textRecords(1, 3, 1, 100));
    const b = encoder.encode(textRecords(2, 3, 1, 100));
    const both = new Uint8Array(a.bytes.length + b.bytes.length);
    both.set(a.bytes);
    both.set(b.bytes, a.bytes.length);
    const first = EncodedChunk.parse(both, 0, 1000);
    expect(first.next).toBe(a.bytes.length);
    expect([first.chunk.numRecords, first.chunk.decodedDataSize, first.chunk.chunkType]).toEqual([3, a.decodedDataSize, 0x72]);
    const second = EncodedChunk.parse(both, first.next);
    expect(Buffer.from(second.chunk.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(second.next).toBe(both.length);
    expect(errorOf(() => EncodedChunk.parse(both.subarray(0, both.length - 1), first.next, 2000))).toMatchObject({ code: "TRUNCATED", offset: 2000 });
    expect(errorOf(() => EncodedChunk.parse(both.subarray(0, 39)))).toMatchObject({ code: "TRUNCATED", offset: 0 });
    const bad = both.slice();
    bad[first.next + 30]! ^= 1; // the second chunk's record count
    expect(errorOf(() => EncodedChunk.parse(bad, first.next, 77))).toMatchObject({ code: "CORRUPT", offset: 77 });
  });
});
