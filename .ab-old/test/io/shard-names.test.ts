import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { newTempDir, outputNamePattern, shardFileName, shardFileNames, shardNaming, tempDirPrefix } from "../../src/io/shard-names.js";

describe("shard names", () => {
  it("expands Beam's default template", () => {
    const naming = shardNaming("out/train.array_record");
    expect(shardFileNames(naming, 4)).toEqual([0, 1, 2, 3].map((s) => `out/train.array_record-0000${s}-of-00004`));
    expect(shardFileName(shardNaming("a", undefined, ".ar"), 12, 123456)).toBe("a-00012-of-123456.ar");
  });

  it("expands custom and empty templates", () => {
    expect(shardFileName(shardNaming("p", "_S_of_NN"), 3, 10)).toBe("p_3_of_10");
    expect(shardFileName(shardNaming("p", "", ".x"), 0, 1)).toBe("p.x");
    expect(() => shardFileName(shardNaming("p", ""), 0, 2)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => shardFileName(shardNaming("p"), 2, 2)).toThrow(expect.objectContaining({ code: "OUT_OF_RANGE" }));
  });

  it("recognizes this sink's outputs for any shard count, and nothing else", () => {
    const pattern = outputNamePattern(shardNaming("/d/train.array_record", undefined, ".gz"));
    for (const yes of ["train.array_record-00000-of-00001.gz", "train.array_record-00007-of-00010.gz", "train.array_record-123456-of-200000.gz"]) {
      expect(pattern.test(yes), yes).toBe(true);
    }
    for (const no of [
      "train.array_record-00000-of-00001",
      "train.array_record-0000-of-00001.gz",
      "train.array_record-0000a-of-00001.gz",
      "xtrain.array_record-00000-of-00001.gz",
      "train.array_record-00000-of-00001.gz.bak",
      "trainXarray_record-00000-of-00001.gz",
      ".arrayrecord-tmp-x",
    ]) {
      expect(pattern.test(no), no).toBe(false);
    }
  });

  it("puts temporary directories in hidden per-sink, per-run directories", () => {
    const naming = shardNaming("/data/out/train");
    const a = newTempDir(naming);
    const b = newTempDir(naming);
    expect(a).not.toBe(b);
    expect(path.dirname(a)).toBe("/data/out");
    expect(path.basename(a).startsWith(tempDirPrefix(naming))).toBe(true);
    expect(path.basename(a).startsWith(".arrayrecord-tmp-")).toBe(true);
    expect(outputNamePattern(naming).test(path.basename(a))).toBe(false);
    expect(tempDirPrefix(naming)).not.toBe(tempDirPrefix(shardNaming("/data/out/test")));
    expect(path.dirname(newTempDir(naming, "/scratch"))).toBe("/scratch");
  });

  it("rejects prefixes without a file name part", () => {
    for (const bad of ["", "out/", ".", "out/.."]) expect(() => shardNaming(bad), bad).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    expect(() => shardNaming("out/.arrayrecord-tmp-x")).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });
});
