import { describe, expect, it } from "vitest";
import { compressSync, uncompressSync } from "snappy";
import { SNAPPY_LITERAL_LIMIT, readSnappyLiteral, snappyLiteral } from "../../../src/format/riegeli/snappy-literal.js";

describe("snappyLiteral", () => {
  it("writes the same bytes as libsnappy for every short input", () => {
    for (let n = 0; n < SNAPPY_LITERAL_LIMIT; n++) {
      const input = new Uint8Array(n).map((_, i) => (i * 37) & 0xff);
      const ours = snappyLiteral(input);
      expect(Buffer.from(ours).toString("hex")).toBe(compressSync(Buffer.from(input)).toString("hex"));
      expect(Buffer.compare(uncompressSync(Buffer.from(ours)) as Buffer, Buffer.from(input))).toBe(0);
      expect(Buffer.from(readSnappyLiteral(ours)!).toString("hex")).toBe(Buffer.from(input).toString("hex"));
    }
  });

  it("reads only streams that are exactly one short literal", () => {
    expect(readSnappyLiteral(Uint8Array.of())).toBeUndefined();
    expect(readSnappyLiteral(Uint8Array.of(0, 0))).toBeUndefined();
    expect(readSnappyLiteral(Uint8Array.of(2, 4, 7))).toBeUndefined(); // one byte short
    expect(readSnappyLiteral(Uint8Array.of(2, 0, 7, 8))).toBeUndefined(); // wrong tag
    const long = new Uint8Array(compressSync(Buffer.alloc(100, 7)));
    expect(readSnappyLiteral(long)).toBeUndefined();
  });

  it("refuses inputs long enough to hold a match", () => {
    expect(() => snappyLiteral(new Uint8Array(SNAPPY_LITERAL_LIMIT))).toThrow(RangeError);
  });
});
