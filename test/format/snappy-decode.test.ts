import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compressSync } from "snappy";
import { snappyDecompress, snappyLiteral } from "../../src/format/snappy-decode.js";
import { isArrayRecordError } from "../../src/format/errors.js";

/** Inputs with repetition, so the compressor emits every kind of copy. */
const compressible = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.array(fc.constantFrom("lorem ", "ipsum ", "dolor ", "a", "bb", "\n"), { maxLength: 600 }).map((w) => new TextEncoder().encode(w.join(""))),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 100_000 })).map(([unit, n]) => new Uint8Array(n).map((_, i) => unit[i % unit.length]!)),
);

describe("snappy decoder", () => {
  it("decodes what libsnappy encodes", () => {
    fc.assert(
      fc.property(compressible, (input) => {
        const compressed = compressSync(Buffer.from(input));
        expect(Buffer.compare(Buffer.from(snappyDecompress(compressed, input.length, 0)), Buffer.from(input))).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("writes the same bytes as libsnappy for tiny inputs", () => {
    for (let n = 0; n < 15; n++) {
      const input = new Uint8Array(n).map((_, i) => i * 37);
      expect(Buffer.from(snappyLiteral(input)).toString("hex")).toBe(compressSync(Buffer.from(input)).toString("hex"));
    }
  });

  it("rejects damaged streams with CORRUPT, never a crash or an overrun", () => {
    fc.assert(
      fc.property(compressible, fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 255 }), (input, where, mask) => {
        const compressed = new Uint8Array(compressSync(Buffer.from(input)));
        compressed[where % compressed.length]! ^= mask;
        try {
          const out = snappyDecompress(compressed, input.length, 0);
          expect(out.length).toBe(input.length);
        } catch (e) {
          expect(isArrayRecordError(e, "CORRUPT")).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
    expect(() => snappyDecompress(Uint8Array.of(5, 0x00), 5, 0)).toThrow(expect.objectContaining({ code: "CORRUPT" }));
    expect(() => snappyDecompress(Uint8Array.of(4, 0x0c, 1, 2, 3, 4), 5, 0)).toThrow(expect.objectContaining({ code: "CORRUPT" }));
    expect(() => snappyDecompress(Uint8Array.of(4, 0x01, 0x01), 4, 0)).toThrow(expect.objectContaining({ code: "CORRUPT" }));
  });
});
