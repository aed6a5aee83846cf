/** Every golden file's writer options render to the options string the C++ writer stored. */
import { describe, expect, it } from "vitest";
import { parseWriterOptions, writerOptionsToString } from "../../src/format/array-record/options.js";
import { GOLDEN_FILE_COUNT, goldenFiles } from "../helpers/golden.js";

const render = (text: string): string => writerOptionsToString(parseWriterOptions(text), 1);

describe("golden files", () => {
  const files = goldenFiles();
  it("are all there", () => {
    expect(files.length).toBe(GOLDEN_FILE_COUNT);
  });
  for (const { expect: golden } of files) {
    it(`${golden.file}: writer_options renders to the stored writer_options_string`, () => {
      const parsed = parseWriterOptions(golden.writer_options);
      expect(writerOptionsToString(parsed, 1)).toBe(golden.writer_options_string);
      // The stored string is itself a valid options text that renders to itself.
      expect(render(golden.writer_options_string)).toBe(golden.writer_options_string);
    });
  }
});
