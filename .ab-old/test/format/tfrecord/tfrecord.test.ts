import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, gzipSync, gunzipSync, inflateSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { crc32c, crc32cCombine, maskCrc32c, unmaskCrc32c } from "../../../src/format/tfrecord/crc32c.js";
import { ArrayRecordError, isArrayRecordError } from "../../../src/format/errors.js";
import { MemoryByteSource } from "../../../src/format/bytes/byte-source.js";
import { decodeExample } from "../../../src/format/example/index.js";
import {
  TFRecordDeframer,
  TFRecordWriter,
  decodeTFRecords,
  encodeTFRecord,
  encodeTFRecords,
  parseTFRecordCompression,
  readTFRecords,
  readTFRecordsSync,
  writeTFRecordFile,
  type TFRecordReadOptions,
} from "../../../src/format/tfrecord/index.js";

const dir = mkdtempSync(join(tmpdir(), "tfrecord-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
function tempPath(suffix = ".tfrecord"): string {
  return join(dir, `f${fileCounter++}${suffix}`);
}

/** Records read before an error, and the error (or undefined). */
interface Outcome {
  records: Uint8Array[];
  error: unknown;
}

function collectSync(input: string | MemoryByteSource, options?: TFRecordReadOptions): Outcome {
  const records: Uint8Array[] = [];
  try {
    for (const r of readTFRecordsSync(input, options)) records.push(options?.reuseBuffer ? r.slice() : r);
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

async function collectAsync(input: string | MemoryByteSource, options?: TFRecordReadOptions): Promise<Outcome> {
  const records: Uint8Array[] = [];
  try {
    for await (const r of readTFRecords(input, options)) records.push(options?.reuseBuffer ? r.slice() : r);
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

function collectMemory(bytes: Uint8Array): Outcome {
  try {
    return { records: decodeTFRecords(bytes), error: undefined };
  } catch (error) {
    // decodeTFRecords is all or nothing; the streaming readers' partial results are checked separately.
    return { records: [], error };
  }
}

function hex(records: readonly Uint8Array[]): string[] {
  return records.map((r) => Buffer.from(r.buffer, r.byteOffset, r.length).toString("hex"));
}

const recordArb = fc.uint8Array({ maxLength: 2000 });
const recordsArb = fc.array(fc.oneof(recordArb, fc.constant(new Uint8Array(0))), { maxLength: 25 });

describe("crc32c", () => {
  it("matches known vectors and masks like TensorFlow", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // tensorflow/core/lib/hash/crc32c_test.cc: Unmask(Mask(crc)) == crc, Mask(crc) != crc.
    for (const crc of [0, 1, 0xe3069283, 0xffffffff, 0x12345678]) {
      expect(unmaskCrc32c(maskCrc32c(crc))).toBe(crc);
      expect(maskCrc32c(crc)).not.toBe(crc);
    }
  });

  it("combines CRCs of concatenated parts", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.uint8Array({ maxLength: 5000 }), (a, b) => {
        const whole = new Uint8Array(a.length + b.length);
        whole.set(a);
        whole.set(b, a.length);
        expect(crc32cCombine(crc32c(a), crc32c(b), b.length)).toBe(crc32c(whole));
      }),
    );
  });
});

describe("TFRecord framing", () => {
  it("frames one record as length, masked length CRC, data, masked data CRC", () => {
    const frame = encodeTFRecord(new TextEncoder().encode("hello"));
    // The same bytes as the independent @roboflow/tfrecords writer produces for "hello".
    expect(Buffer.from(frame).toString("hex")).toBe("0500000000000000eab2043e68656c6c6fbb1f1c19");
  });

  it("round-trips records through encode and in-memory decode (property)", () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const decoded = decodeTFRecords(encodeTFRecords(records));
        expect(hex(decoded)).toEqual(hex(records));
      }),
    );
  });

  it("decodes in memory as views of the input, without copies", () => {
    const bytes = encodeTFRecords([new Uint8Array([1, 2, 3]), new Uint8Array(0)]);
    const [a, b] = decodeTFRecords(bytes);
    expect(a!.buffer).toBe(bytes.buffer);
    expect(a!.byteOffset).toBe(12);
    expect(b!.length).toBe(0);
  });

  it("parses any split of the stream into chunks identically (property)", () => {
    fc.assert(
      fc.property(recordsArb, fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 20 }), (records, cuts) => {
        const bytes = encodeTFRecords(records);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
        const deframer = new TFRecordDeframer();
        const out: Uint8Array[] = [];
        let last = 0;
        for (const p of [...points, bytes.length]) {
          deframer.push(bytes.slice(last, p), out);
          last = p;
        }
        deframer.end();
        expect(hex(out)).toEqual(hex(records));
      }),
    );
  });
});

describe("TFRecord files", () => {
  it("round-trips through the writer and the sync, async and in-memory readers (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        recordsArb,
        fc.integer({ min: 1, max: 4096 }),
        fc.constantFrom("none", "gzip", "zlib") as fc.Arbitrary<"none" | "gzip" | "zlib">,
        fc.boolean(),
        async (records, chunkBytes, compression, reuseBuffer) => {
          const path = tempPath();
          const writer = new TFRecordWriter(path, { compression, bufferBytes: 64 + chunkBytes });
          writer.writeAll(records);
          writer.close();
          const expected = hex(records);
          const options = { compression, chunkBytes, reuseBuffer };
          const sync = collectSync(path, options);
          expect(sync.error).toBeUndefined();
          expect(hex(sync.records)).toEqual(expected);
          const asyncOutcome = await collectAsync(path, options);
          expect(asyncOutcome.error).toBeUndefined();
          expect(hex(asyncOutcome.records)).toEqual(expected);
          expect(hex(decodeTFRecords(readFileSync(path), { compression }))).toEqual(expected);
          rmSync(path);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("handles a record larger than 16 MiB between small ones", async () => {
    const big = new Uint8Array(17 * 1024 * 1024 + 3);
    for (let i = 0; i < big.length; i += 4096) big[i] = i >>> 12;
    const records = [new Uint8Array([7]), big, new Uint8Array(0), new Uint8Array([8, 9])];
    for (const compression of ["none", "gzip"] as const) {
      const path = tempPath(compression === "gzip" ? ".tfrecord.gz" : ".tfrecord");
      await writeTFRecordFile(path, records);
      const check = (got: Uint8Array[]): void => {
        expect(got.length).toBe(4);
        expect(Buffer.compare(got[1]!, big)).toBe(0);
        expect(hex([got[0]!, got[2]!, got[3]!])).toEqual(hex([records[0]!, records[2]!, records[3]!]));
      };
      check(collectSync(path).records);
      check((await collectAsync(path)).records);
      check(collectSync(path, { reuseBuffer: true, chunkBytes: 1 << 16 }).records);
      check(decodeTFRecords(readFileSync(path), { compression: "auto", file: path }));
    }
  });

  it("reads GZIP and ZLIB files written by node:zlib, by suffix or by explicit choice", async () => {
    const records = Array.from({ length: 300 }, (_, i) => new TextEncoder().encode(`record ${i} `.repeat(i % 17)));
    const framed = encodeTFRecords(records);
    const gz = tempPath(".tfrecord.gz");
    writeFileSync(gz, gzipSync(framed));
    const zz = tempPath(".zz");
    writeFileSync(zz, deflateSync(framed));
    const expected = hex(records);
    expect(hex(collectSync(gz, { chunkBytes: 100 }).records)).toEqual(expected);
    expect(hex((await collectAsync(gz)).records)).toEqual(expected);
    expect(hex(collectSync(zz, { compression: "zlib", chunkBytes: 777 }).records)).toEqual(expected);
    expect(hex((await collectAsync(zz, { compression: "zlib" })).records)).toEqual(expected);
    expect(hex(decodeTFRecords(readFileSync(zz), { compression: "zlib" }))).toEqual(expected);
    // Concatenated gzip members are one gzip stream too.
    const twoMembers = tempPath(".gz");
    writeFileSync(twoMembers, Buffer.concat([gzipSync(framed.subarray(0, 1000)), gzipSync(framed.subarray(1000))]));
    expect(hex(collectSync(twoMembers).records)).toEqual(expected);
    // Without the suffix, a gzip file is still told from its content; an explicit "none" reads it as plain.
    const gzNoSuffix = tempPath(".tfrecord");
    writeFileSync(gzNoSuffix, gzipSync(framed));
    expect(hex(collectSync(gzNoSuffix).records)).toEqual(expected);
    expect(collectSync(gzNoSuffix, { compression: "none" }).error).toBeInstanceOf(ArrayRecordError);
  });

  it("writes GZIP and ZLIB files node:zlib can read", () => {
    const records = Array.from({ length: 500 }, (_, i) => new TextEncoder().encode(`x${i}`.repeat(i % 50)));
    const gz = tempPath(".tfrecord.gz");
    const w = new TFRecordWriter(gz, { bufferBytes: 4096 });
    expect(w.compression).toBe("gzip");
    w.writeAll(records);
    w.close();
    expect(hex(decodeTFRecords(gunzipSync(readFileSync(gz))))).toEqual(hex(records));
    const zz = tempPath(".tfrecord");
    const z = new TFRecordWriter(zz, { compression: "zlib", level: 1 });
    z.writeAll(records);
    z.close();
    expect(hex(decodeTFRecords(inflateSync(readFileSync(zz))))).toEqual(hex(records));
  });

  it("reads files written by the independent @roboflow/tfrecords writer", () => {
    const require = createRequire(import.meta.url);
    const { TFRecordsBuilder, FeatureType } = require("@roboflow/tfrecords") as {
      TFRecordsBuilder: { new (): RoboflowBuilder; buildTFRecords(records: Buffer[]): Buffer };
      FeatureType: Record<"String" | "Int64" | "Float", number>;
    };
    interface RoboflowBuilder {
      addFeature(key: string, type: number, value: string | number): void;
      addArrayFeature(key: string, type: number, values: number[]): void;
      build(): Buffer;
    }
    // That writer rejects empty records (its null guard treats length 0 as missing).
    const raw = Array.from({ length: 20 }, (_, i) => Buffer.from(`roboflow-${i}-${"z".repeat(i * 13)}`));
    const example = new TFRecordsBuilder();
    example.addFeature("name", FeatureType.String, "cat.jpg");
    example.addArrayFeature("bbox", FeatureType.Float, [0.25, 0.5]);
    example.addFeature("label", FeatureType.Int64, 3);
    const records = [...raw, example.build()];
    const path = tempPath();
    writeFileSync(path, TFRecordsBuilder.buildTFRecords(records));
    const got = collectSync(path);
    expect(got.error).toBeUndefined();
    expect(hex(got.records)).toEqual(hex(records));
    const decoded = decodeExample(got.records[20]!);
    expect(new TextDecoder().decode((decoded.name as { values: Uint8Array[] }).values[0])).toBe("cat.jpg");
    expect(Array.from(decoded.bbox!.values as Float32Array)).toEqual([0.25, 0.5]);
    expect(decoded.label!.values).toEqual([3n]);
  });

  it("reads from a ByteSource", async () => {
    const records = [new Uint8Array([1]), new Uint8Array(0), new Uint8Array(300).fill(9)];
    const source = new MemoryByteSource(encodeTFRecords(records), "mem.tfrecord");
    expect(hex(collectSync(source, { chunkBytes: 5 }).records)).toEqual(hex(records));
    expect(hex((await collectAsync(source, { chunkBytes: 7 })).records)).toEqual(hex(records));
  });

  it("reads an empty file, compressed or not, as no records", async () => {
    for (const suffix of [".tfrecord", ".tfrecord.gz"]) {
      const path = tempPath(suffix);
      writeFileSync(path, new Uint8Array(0));
      expect(collectSync(path)).toEqual({ records: [], error: undefined });
      expect(await collectAsync(path)).toEqual({ records: [], error: undefined });
    }
    expect(decodeTFRecords(new Uint8Array(0))).toEqual([]);
  });
});

describe("TFRecord damage", () => {
  const records = [new Uint8Array(0), new Uint8Array([1]), new TextEncoder().encode("seven!!"), new Uint8Array(20).fill(0xab), new Uint8Array([3, 4, 5])];
  const bytes = encodeTFRecords(records);
  const boundaries = new Set<number>([0]);
  {
    let pos = 0;
    for (const r of records) boundaries.add((pos += r.length + 16));
  }

  /** Checks all readers agree on `damaged`: same records before the failure, same error code. */
  async function outcomes(damaged: Uint8Array, original: readonly Uint8Array[] = records): Promise<{ code: string | undefined; records: string[] }> {
    const path = tempPath();
    writeFileSync(path, damaged);
    const sync = collectSync(path, { chunkBytes: 16 });
    const syncReuse = collectSync(path, { chunkBytes: 5, reuseBuffer: true });
    const asyncOutcome = await collectAsync(path, { chunkBytes: 1000 });
    const memory = collectMemory(damaged);
    rmSync(path);
    const code = (o: Outcome): string | undefined => {
      if (o.error === undefined) return undefined;
      expect(o.error).toBeInstanceOf(ArrayRecordError);
      const e = o.error as ArrayRecordError;
      expect(e.file === undefined || e.file === path).toBe(true);
      expect(typeof e.offset).toBe("number");
      return e.code;
    };
    expect(code(sync)).toBe(code(memory));
    expect(code(syncReuse)).toBe(code(memory));
    expect(code(asyncOutcome)).toBe(code(memory));
    expect(hex(syncReuse.records)).toEqual(hex(sync.records));
    expect(hex(asyncOutcome.records)).toEqual(hex(sync.records));
    if (memory.error === undefined) expect(hex(memory.records)).toEqual(hex(sync.records));
    // Whatever was read before the damage is a prefix of the real records.
    expect(hex(sync.records)).toEqual(hex(original.slice(0, sync.records.length)));
    return { code: code(memory), records: hex(sync.records) };
  }

  it("reports TRUNCATED for a file cut at any byte that is not a record boundary", async () => {
    for (let cut = 0; cut < bytes.length; cut++) {
      const { code, records: got } = await outcomes(bytes.slice(0, cut));
      if (boundaries.has(cut)) {
        expect(code).toBeUndefined();
      } else {
        expect(code, `cut at ${cut}`).toBe("TRUNCATED");
      }
      expect(got.length).toBeLessThanOrEqual(records.length);
    }
  });

  it("reports CORRUPT or TRUNCATED for a flipped byte at any position", async () => {
    for (let pos = 0; pos < bytes.length; pos++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const damaged = bytes.slice();
        damaged[pos]! ^= mask;
        const { code } = await outcomes(damaged);
        expect(["CORRUPT", "TRUNCATED"], `byte ${pos} ^ ${mask}`).toContain(code);
      }
    }
  });

  it("names the file and offset of a bad data checksum, after delivering the records before it", () => {
    const many = Array.from({ length: 50 }, (_, i) => new Uint8Array(100).fill(i));
    const damaged = encodeTFRecords(many);
    damaged[116 * 30 + 12 + 50]! ^= 4; // in record 30's data
    const path = tempPath();
    writeFileSync(path, damaged);
    const got = collectSync(path);
    expect(got.records.length).toBe(30);
    expect(got.error).toMatchObject({ code: "CORRUPT", file: path, offset: 116 * 30 });
    expect((got.error as Error).message).toContain(path);
  });

  it("rejects truncated or corrupt compressed streams with typed errors", async () => {
    const framed = encodeTFRecords(Array.from({ length: 100 }, (_, i) => new Uint8Array(50).fill(i)));
    const gz = gzipSync(framed);
    for (const cut of [1, 10, 20, gz.length >> 1, gz.length - 9]) {
      const path = tempPath(".gz");
      writeFileSync(path, gz.subarray(0, cut));
      const o = collectSync(path);
      expect(isArrayRecordError(o.error, "TRUNCATED") || isArrayRecordError(o.error, "CORRUPT"), `cut ${cut}: ${String(o.error)}`).toBe(true);
      expect(["TRUNCATED", "CORRUPT"]).toContain(((await collectAsync(path)).error as ArrayRecordError).code);
      expect(() => decodeTFRecords(gz.subarray(0, cut), { compression: "gzip" })).toThrow(ArrayRecordError);
    }
    const garbage = gz.slice();
    for (let i = 10; i < 40; i++) garbage[i] = 0xff;
    const path = tempPath(".gz");
    writeFileSync(path, garbage);
    expect(collectSync(path).error).toBeInstanceOf(ArrayRecordError);
  });

  /** A frame header whose length field says `length`, with a valid length CRC. */
  function header(length: bigint): Uint8Array {
    const h = new Uint8Array(12);
    const view = new DataView(h.buffer);
    view.setBigUint64(0, length, true);
    view.setUint32(8, maskCrc32c(crc32c(h.subarray(0, 8))), true);
    return h;
  }

  it("rejects a length of 2^60 (valid length CRC) without allocating it", async () => {
    const forged = new Uint8Array([...encodeTFRecord(new Uint8Array([1, 2])), ...header(1n << 60n), ...new Uint8Array(100)]);
    const before = process.memoryUsage().arrayBuffers;
    const { code, records: got } = await outcomes(forged, [new Uint8Array([1, 2])]);
    expect(code).toBe("CORRUPT");
    expect(got.length).toBe(1);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    // Inside a compressed stream, too.
    const path = tempPath(".gz");
    writeFileSync(path, gzipSync(forged));
    expect(collectSync(path).error).toMatchObject({ code: "CORRUPT" });
  });

  it("reports a length past the end of the file as TRUNCATED before reading it", async () => {
    const forged = new Uint8Array([...header(1n << 40n), ...new Uint8Array(100)]);
    expect((await outcomes(forged, [])).code).toBe("TRUNCATED");
    // A compressed stream's size is unknown up front: a length over maxRecordBytes fails at once
    // (UNSUPPORTED); a smaller one at the end of the stream, having buffered only the bytes seen.
    const path = tempPath(".gz");
    writeFileSync(path, gzipSync(forged));
    expect(collectSync(path).error).toMatchObject({ code: "UNSUPPORTED" });
    expect(collectSync(path, { maxRecordBytes: 2 ** 41 }).error).toMatchObject({ code: "TRUNCATED" });
  });

  it("enforces maxRecordBytes", () => {
    const framed = encodeTFRecords([new Uint8Array(10), new Uint8Array(1000)]);
    expect(() => decodeTFRecords(framed, { maxRecordBytes: 999 })).toThrow(expect.objectContaining({ code: "UNSUPPORTED" }));
    expect(decodeTFRecords(framed, { maxRecordBytes: 1000 }).length).toBe(2);
  });
});

describe("TFRecordWriter", () => {
  it("writes to a hidden temporary file and renames it on close", () => {
    const path = tempPath();
    const w = new TFRecordWriter(path);
    w.write(new Uint8Array([1, 2, 3]));
    expect(existsSync(path)).toBe(false);
    expect(w.tempPath).toMatch(/\/\.f\d+\.tfrecord\.tmp-/);
    expect(existsSync(w.tempPath!)).toBe(true);
    w.close();
    expect(existsSync(w.tempPath!)).toBe(false);
    expect(hex(decodeTFRecords(readFileSync(path)))).toEqual(["010203"]);
    expect(w.recordCount).toBe(1);
    expect(w.bytesWritten).toBe(19);
    w.close(); // idempotent
    expect(() => w.write(new Uint8Array(1))).toThrow(expect.objectContaining({ code: "CLOSED" }));
  });

  it("leaves nothing behind when aborted or when the iterable fails", async () => {
    const sub = mkdtempSync(join(dir, "abort-"));
    const w = new TFRecordWriter(join(sub, "out.tfrecord"));
    w.write(new Uint8Array(10));
    w.abort();
    expect(readdirSync(sub)).toEqual([]);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(5);
      throw new Error("upstream failed");
    }
    await expect(writeTFRecordFile(join(sub, "out2.tfrecord.gz"), failing())).rejects.toThrow("upstream failed");
    expect(readdirSync(sub)).toEqual([]);
  });

  it("reports IO errors as typed errors", () => {
    expect(() => new TFRecordWriter(join(dir, "missing-dir", "x.tfrecord"))).toThrow(expect.objectContaining({ code: "IO" }));
    expect(collectSync(join(dir, "missing.tfrecord")).error).toMatchObject({ code: "IO" });
  });

  it("rejects bad options", () => {
    expect(() => new TFRecordWriter(tempPath(), { level: 11 as 9 })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => [...readTFRecordsSync(tempPath(), { chunkBytes: 0 })]).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });
});

describe("parseTFRecordCompression", () => {
  it("accepts TensorFlow's compression_type strings", () => {
    expect(parseTFRecordCompression("")).toBe("none");
    expect(parseTFRecordCompression("GZIP")).toBe("gzip");
    expect(parseTFRecordCompression("zlib")).toBe("zlib");
    expect(parseTFRecordCompression("auto")).toBe("auto");
    expect(() => parseTFRecordCompression("snappy")).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });
});
