/** Reader resource limits: chunks and records above the configured sizes fail before decoding. */
import { describe, expect, it } from "vitest";
import { ArrayRecordReader, MemoryByteSource, encodeArrayRecord } from "../../../src/index.js";

function codeOf(action: () => unknown): string {
  try {
    action();
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

const open = (file: Uint8Array, limits: object, recover = false) => ArrayRecordReader.openSync(new MemoryByteSource(file), "", { limits, recover });

describe("decode limits", () => {
  const sizes = [100, 5000, 100];
  const single = encodeArrayRecord(sizes.map((n) => new Uint8Array(n).fill(7)), "group_size:1,uncompressed");

  it("rejects a record above maxRecordBytes and reads the others", () => {
    const reader = open(single, { maxRecordBytes: 4096 });
    expect(reader.readSync(0).length).toBe(100);
    expect(codeOf(() => reader.readSync(1))).toBe("RESOURCE_LIMIT");
    expect(reader.readSync(2).length).toBe(100);
    expect(open(single, { maxRecordBytes: 5000 }).readAllSync().map((r) => r.length)).toEqual(sizes);
  });

  it("rejects a chunk above maxChunkBytes, and a grouped record above maxRecordBytes after decoding", () => {
    const grouped = encodeArrayRecord([10, 10, 10, 3000].map((n) => new Uint8Array(n)), "group_size:4,zstd:1");
    expect(codeOf(() => open(grouped, { maxChunkBytes: 3029 }).readAllSync())).toBe("RESOURCE_LIMIT");
    expect(open(grouped, { maxChunkBytes: 3030 }).readAllSync().length).toBe(4);
    // The average record (757 bytes) passes the check before decoding; the 3000-byte record fails after.
    expect(codeOf(() => open(grouped, { maxRecordBytes: 1000 }).readAllSync())).toBe("RESOURCE_LIMIT");
  });

  it("checks before allocating: a 24 MiB record under a 1 MiB limit fails without a large allocation", async () => {
    const huge = encodeArrayRecord([new Uint8Array(24 << 20)], "group_size:1,zstd:1");
    expect(huge.length).toBeLessThan(1 << 20);
    const before = process.memoryUsage().arrayBuffers;
    const reader = open(huge, { maxRecordBytes: 1 << 20 });
    expect(codeOf(() => reader.readSync(0))).toBe("RESOURCE_LIMIT");
    await expect(reader.readAllParallel(1)).rejects.toMatchObject({ code: "RESOURCE_LIMIT" });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20);
    reader.closeSync();
    // No limit by default: the same file reads (records of 16 MiB and more exist in real data sets).
    expect(ArrayRecordReader.openSync(new MemoryByteSource(huge)).readSync(0).length).toBe(24 << 20);
  });

  it("reports over-limit chunks as lost in recovery mode", () => {
    const reader = open(single, { maxRecordBytes: 4096 }, true);
    expect(reader.readAllSync().map((r) => r.length)).toEqual([100, 100]);
    expect(reader.recovery!.regions.map((r) => [r.records, r.code])).toEqual([[{ start: 1, end: 2 }, "RESOURCE_LIMIT"]]);
  });

  it("takes limits that set nothing as none, so the native decode paths stay open (opened, recovered by footer and by scanning)", () => {
    const zstd = encodeArrayRecord(sizes.map((n) => new Uint8Array(n).fill(7)), "group_size:1,zstd:1");
    const noFooter = zstd.subarray(0, zstd.length - 200);
    for (const [file, recover] of [[zstd, false], [zstd, true], [noFooter, true]] as const) {
      for (const limits of [{}, { maxChunkBytes: undefined, maxRecordBytes: undefined }]) {
        expect(open(file, limits, recover).fileLayout.limits).toBeUndefined();
      }
      expect(open(file, { maxRecordBytes: 4096 }, recover).fileLayout.limits).toEqual({ maxRecordBytes: 4096 });
    }
  });

  it("rejects limits that are not positive integers", () => {
    expect(codeOf(() => open(single, { maxChunkBytes: 0 }))).toBe("INVALID_OPTIONS");
    expect(codeOf(() => open(single, { maxRecordBytes: 1.5 }))).toBe("INVALID_OPTIONS");
  });
});
