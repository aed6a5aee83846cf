/**
 * The in-repo conformance fixtures (test/fixtures/conformance): small ArrayRecord files written by
 * Google's library through scripts/generate-conformance-fixtures.py, stored gzipped, each with a
 * JSON sidecar of what the C++ reader reported. `npm test` reads only these (never ../shared).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { runSync } from "../../src/format/bytes/io-plan.js";
import { MemoryByteSource } from "../../src/format/bytes/byte-source.js";
import { openLayout } from "../../src/format/array-record/file-layout.js";

/** Directory of the fixtures. */
export const FIXTURE_DIR = fileURLToPath(new URL("../fixtures/conformance/", import.meta.url));

/** One fixture's `.json` sidecar. */
export interface FixtureExpectation {
  file: string;
  writer_options: string;
  writer_options_string: string;
  num_records: number;
  total_record_bytes: number;
  file_size: number;
  records_sha256: string;
  samples: Record<string, { length: number; hex: string; truncated: boolean }>;
  written_by: string;
}

/** A fixture: its expectations, its bytes and (made on first use) a path to an unpacked copy. */
export interface Fixture {
  name: string;
  expect: FixtureExpectation;
  bytes(): Uint8Array;
  path(): string;
}

let unpackDir: string | undefined;

/** Every fixture, sorted by name. */
export function conformanceFixtures(): Fixture[] {
  return fs
    .readdirSync(FIXTURE_DIR)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((json) => {
      const expect = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, json), "utf8")) as FixtureExpectation;
      const name = json.slice(0, -".json".length);
      let bytes: Uint8Array | undefined;
      const load = () => (bytes ??= new Uint8Array(gunzipSync(fs.readFileSync(path.join(FIXTURE_DIR, `${expect.file}.gz`)))));
      return {
        name,
        expect,
        bytes: load,
        path: () => {
          // One directory per test process, inside the run's private TMPDIR (removed when the run ends).
          unpackDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-fixtures-"));
          const file = path.join(unpackDir, expect.file);
          if (!fs.existsSync(file)) fs.writeFileSync(file, load());
          return file;
        },
      };
    });
}

/** The fixture called `name` (throws if there is none: a renamed fixture must not silently skip a test). */
export function fixture(name: string): Fixture {
  const found = conformanceFixtures().find((f) => f.name === name);
  if (found === undefined) throw new Error(`no conformance fixture ${name} in ${FIXTURE_DIR}`);
  return found;
}

/** Where a file's data chunks are: `numChunks + 1` offsets (the last is the footer's), and the file size. */
export interface ChunkLayout {
  offsets: number[];
  sizes: number[];
  recordsPerChunk: number[];
  fileSize: number;
}

/** Reads the chunk layout of ArrayRecord bytes from their footer. */
export function chunkLayout(bytes: Uint8Array): ChunkLayout {
  const layout = runSync(new MemoryByteSource(bytes), openLayout(bytes.length));
  const offsets = [...layout.index.offsets];
  const { index } = layout;
  return {
    offsets,
    sizes: offsets.slice(1).map((end, c) => end - offsets[c]!),
    recordsPerChunk: Array.from({ length: index.numChunks }, (_, c) => index.recordsIn(c)),
    fileSize: layout.fileSize,
  };
}
