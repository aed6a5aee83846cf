import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isArrayRecordError } from "../../src/format/errors.js";
import { readSpillFile, SpillFile } from "../../src/io/spill-files.js";
import { FRAME_RECORDS } from "../../src/io/shard-frames.js";
import { packRecords } from "../../src/transforms/record-batches.js";
import { tempDir } from "./beam-helpers.js";

const dir = tempDir("spill");

/** Appends `records` to `file` as one record-batch frame, as the sink does. */
function appendBatch(file: SpillFile, records: Uint8Array[]): void {
  const batch = packRecords(records);
  file.appendFrame(FRAME_RECORDS, [batch], batch.length);
}
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("spill files", () => {
  it("gives back every record of every batch appended, in order (property, seeded)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 20 }), { maxLength: 8 }), (batches) => {
        const file = SpillFile.create(path.join(dir, "p"), 3);
        for (const batch of batches) appendBatch(file, batch);
        file.close();
        expect(path.basename(file.path)).toMatch(/^spill-3-[0-9a-f-]{36}$/);
        expect([...readSpillFile(file.path)].map((r) => [...(r as Uint8Array)])).toEqual(batches.flat().map((r) => [...r]));
        fs.rmSync(file.path);
      }),
      { seed: 1011, numRuns: 100 },
    );
  });

  it("a truncated file is CORRUPT with the frame's offset; a missing one is IO", () => {
    const file = SpillFile.create(dir, 0);
    appendBatch(file, [new Uint8Array([1, 2, 3])]);
    appendBatch(file, [new Uint8Array([4, 5])]);
    file.close();
    const size = fs.statSync(file.path).size;
    // Frames: 5-byte header (u32 length, kind) + payload; the first is 5 + 4 bytes.
    for (const cut of [size - 1, 9 + 2]) {
      fs.truncateSync(file.path, cut);
      let error: unknown;
      try {
        [...readSpillFile(file.path)];
      } catch (e) {
        error = e;
      }
      expect(isArrayRecordError(error) && error.code === "CORRUPT" && error.offset === 9 && error.file === file.path, String(error)).toBe(true);
    }
    let missing: unknown;
    try {
      [...readSpillFile(path.join(dir, "nope"))];
    } catch (e) {
      missing = e;
    }
    expect(isArrayRecordError(missing) && missing.code === "IO").toBe(true);
  });
});
