/**
 * Damaged and hostile files: every problem is a typed ArrayRecordError (never a crash, a hang,
 * wrong records, or an allocation sized by an untrusted length).
 */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ArrayRecordReader } from "../../../src/format/array-record/reader.js";
import { encodeArrayRecord } from "../../../src/format/array-record/writer.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { verifyArrayRecordSync } from "../../../src/format/array-record/verify.js";
import { layOutChunk } from "../../../src/format/riegeli/chunk-writer.js";
import { ChunkType } from "../../../src/format/riegeli/chunk-header.js";
import { RiegeliReader } from "../../../src/format/riegeli/record-reader.js";
import { encodePostscript } from "../../../src/format/array-record/footer.js";
import { writeRiegeliHash } from "../../../src/format/riegeli/highwayhash.js";
import { isArrayRecordError, type ArrayRecordErrorCode } from "../../../src/format/errors.js";
import { textRecords } from "../../helpers/generators.js";
import { recordsSha256 } from "../../helpers/golden.js";

/** Opens and reads everything; returns the records' hash or the error's code. */
function outcome(bytes: Uint8Array): string | ArrayRecordErrorCode {
  try {
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(bytes, "damaged"));
    const hash = recordsSha256(reader.readAllSync());
    verifyArrayRecordSync(new MemoryByteSource(bytes, "damaged"));
    return hash;
  } catch (e) {
    if (!isArrayRecordError(e)) throw e;
    return e.code;
  }
}

const records = textRecords(11, 40, 0, 3000);
const cases = {
  "uncompressed gs1": encodeArrayRecord(records, "group_size:1,uncompressed"),
  "zstd gs4": encodeArrayRecord(records, "group_size:4,zstd:1"),
  "snappy gs16 padded": encodeArrayRecord(records, "group_size:16,snappy,pad_to_block_boundary:true"),
  "brotli gs40": encodeArrayRecord(records, "group_size:40,brotli:2"),
};
const goodHash = recordsSha256(records);

/** Chunk begins of a file, by walking it. */
function chunkBegins(bytes: Uint8Array): number[] {
  const reader = RiegeliReader.openSync(new MemoryByteSource(bytes));
  return [...reader.chunksSync()].map((c) => c.begin);
}

describe.each(Object.entries(cases))("damaged %s", (_name, file) => {
  it("reads back intact first", () => {
    expect(outcome(file)).toBe(goodHash);
  });

  it("truncation at every chunk boundary and inside chunks fails cleanly", () => {
    const cuts = new Set<number>();
    for (const begin of chunkBegins(file)) for (const delta of [0, 1, 24, 40, 41, 100]) cuts.add(begin + delta);
    for (let cut = 0; cut < file.length; cut += 4099) cuts.add(cut);
    for (const cut of cuts) {
      if (cut >= file.length) continue;
      expect(["CORRUPT", "TRUNCATED"], `cut at ${cut}`).toContain(outcome(file.subarray(0, cut)));
    }
  });

  it("a flipped bit anywhere in the used bytes is detected or harmless", () => {
    // Padding bytes beyond a chunk's data are zeros nobody reads; everything else is hashed.
    for (let at = 0; at < file.length; at += at < 70_000 ? 37 : 997) {
      const damaged = file.slice();
      damaged[at]! ^= 0x04;
      const result = outcome(damaged);
      expect([goodHash, "CORRUPT"], `flip at ${at}`).toContain(result);
    }
  });
});

describe("hostile files", () => {
  const file = cases["uncompressed gs1"];
  const size = file.length;

  it("rejects files that are not ArrayRecord", () => {
    expect(outcome(new Uint8Array(0))).toBe("CORRUPT");
    expect(outcome(new Uint8Array(1000))).toBe("CORRUPT");
    expect(outcome(new Uint8Array(131072))).toBe("CORRUPT");
    expect(outcome(new Uint8Array(131072).fill(0xff))).toBe("CORRUPT");
    expect(outcome(fs.readFileSync(new URL(import.meta.url)))).toBe("CORRUPT");
  });

  it("rejects a postscript whose footer offset points past the end", () => {
    const damaged = file.slice();
    const postscript = layOutChunk(size - 65536, {
      chunkType: ChunkType.SIMPLE,
      data: simpleChunkData(postscriptRecord(size + 1000)),
      numRecords: 1,
      decodedDataSize: postscriptRecord(size + 1000).length,
    });
    damaged.set(postscript, size - 65536);
    expect(outcome(damaged)).toBe("CORRUPT");
  });

  it("rejects a chunk header claiming 2^60 data bytes without allocating them", () => {
    const damaged = file.slice();
    // Re-hash a header at 64 that claims 2^60 bytes: only a length check can stop it.
    const header = layOutChunk(64, { chunkType: ChunkType.SIMPLE, data: new Uint8Array(0), numRecords: 1, decodedDataSize: 0 }).subarray(0, 40);
    const view = new DataView(header.buffer, header.byteOffset);
    view.setBigUint64(8, 1n << 60n, true);
    damaged.set(rehashHeader(header), 64);
    expect(outcome(damaged)).toBe("CORRUPT");
    const big = file.slice();
    view.setBigUint64(8, 1n << 40n, true);
    big.set(rehashHeader(header), 64);
    expect(outcome(big)).toBe("CORRUPT");
  });

  it("rejects a simple chunk whose stream claims a huge decompressed size", () => {
    const data = Uint8Array.of(0x7a, 0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00);
    const chunk = layOutChunk(64, { chunkType: ChunkType.SIMPLE, data, numRecords: 1, decodedDataSize: 0 });
    const damaged = file.slice();
    damaged.set(chunk, 64);
    expect(outcome(damaged)).toBe("CORRUPT");
  });
});

/** Recomputes only the header hash, so a forged field passes the hash check. */
function rehashHeader(header: Uint8Array): Uint8Array {
  const out = header.slice();
  writeRiegeliHash(out.subarray(8, 40), out, 0);
  return out;
}

function postscriptRecord(footerOffset: number): Uint8Array {
  return encodePostscript(footerOffset);
}

function simpleChunkData(record: Uint8Array): Uint8Array {
  return Uint8Array.of(0, 1, record.length, ...record);
}
