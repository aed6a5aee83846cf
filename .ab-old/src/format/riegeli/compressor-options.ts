/**
 * Chunk compression and Riegeli's `CompressorOptions::FromString`
 * (`riegeli/chunk_encoding/compressor_options.cc`): which compressor, its level and window log,
 * with the ranges and defaults of Riegeli's brotli, zstd and snappy writers.
 */

import { andValue, emptyValue, enumValue, failIfSeen, intValue, orValue, runOptionsParser, type ValueParser } from "./options-parser.js";


/** Compression applied to every chunk. */
export type Compression =
  | { type: "uncompressed" }
  | { type: "brotli"; level: number }
  | { type: "zstd"; level: number }
  /**
   * Snappy. Riegeli accepts a level 1..2 (default 1); ArrayRecord's canonical string never
   * records it. `level` is present only when a non-default level was requested.
   */
  | { type: "snappy"; level?: number };

// Levels and window logs of Riegeli's brotli_writer.h, zstd_writer.h, snappy_writer.h.
export const BROTLI_MIN_LEVEL = 0;
export const BROTLI_MAX_LEVEL = 11;
export const BROTLI_DEFAULT_LEVEL = 6;
export const BROTLI_MIN_WINDOW_LOG = 10;
export const BROTLI_MAX_WINDOW_LOG = 30;
export const ZSTD_MIN_LEVEL = -131072;
export const ZSTD_MAX_LEVEL = 22;
export const ZSTD_DEFAULT_LEVEL = 3;
export const ZSTD_MIN_WINDOW_LOG = 10;
/** `ZSTD_WINDOWLOG_MAX` of a 64-bit build (30 on 32-bit builds). */
export const ZSTD_MAX_WINDOW_LOG = 31;
export const SNAPPY_MIN_LEVEL = 1;
export const SNAPPY_MAX_LEVEL = 2;
export const SNAPPY_DEFAULT_LEVEL = 1;

// ---------------------------------------------------------------------------------------------
// Riegeli CompressorOptions

export type CompressionType = Compression["type"];

export interface CompressorState {
  type: CompressionType;
  level: number;
  windowLog: number | undefined;
}

export const COMPRESSOR_KEYS: readonly CompressionType[] = ["uncompressed", "brotli", "zstd", "snappy"];

/**
 * Riegeli `CompressorOptions::FromString` applied to `state` (fields the text does not set are
 * kept). A first pass settles the compression type (rejecting two types at once), a second
 * parses levels and `window_log`, whose accepted values depend on that type.
 */
export function applyCompressorText(state: CompressorState, text: string): void {
  const ignore: ValueParser = () => true;
  runOptionsParser(text, [
    ...COMPRESSOR_KEYS.map((type) => ({
      key: type,
      parse: andValue(failIfSeen(...COMPRESSOR_KEYS.filter((k) => k !== type)), () => {
        state.type = type;
        return true;
      }),
    })),
    { key: "window_log", parse: ignore },
    { key: "brotli_encoder", parse: ignore },
  ]);

  const setLevel = (level: number): void => {
    state.level = level;
  };
  const windowLogRange = (min: number, max: number): ValueParser =>
    orValue(
      enumValue([["auto", undefined]], (v: undefined) => {
        state.windowLog = v;
      }),
      intValue(min, max, (v) => {
        state.windowLog = v;
      }),
    );
  let windowLog: ValueParser;
  switch (state.type) {
    case "uncompressed":
      windowLog = failIfSeen("uncompressed");
      break;
    case "brotli":
      windowLog = windowLogRange(BROTLI_MIN_WINDOW_LOG, BROTLI_MAX_WINDOW_LOG);
      break;
    case "zstd":
      windowLog = windowLogRange(ZSTD_MIN_WINDOW_LOG, ZSTD_MAX_WINDOW_LOG);
      break;
    case "snappy":
      windowLog = failIfSeen("snappy");
      break;
  }
  runOptionsParser(text, [
    { key: "uncompressed", parse: andValue(failIfSeen("window_log"), emptyValue(() => setLevel(0))) },
    {
      key: "brotli",
      parse: orValue(
        emptyValue(() => setLevel(BROTLI_DEFAULT_LEVEL)),
        intValue(BROTLI_MIN_LEVEL, BROTLI_MAX_LEVEL, setLevel),
      ),
    },
    {
      key: "zstd",
      parse: orValue(emptyValue(() => setLevel(ZSTD_DEFAULT_LEVEL)), intValue(ZSTD_MIN_LEVEL, ZSTD_MAX_LEVEL, setLevel)),
    },
    {
      key: "snappy",
      parse: andValue(
        failIfSeen("window_log"),
        orValue(
          emptyValue(() => setLevel(SNAPPY_DEFAULT_LEVEL)),
          intValue(SNAPPY_MIN_LEVEL, SNAPPY_MAX_LEVEL, setLevel),
        ),
      ),
    },
    { key: "window_log", parse: windowLog },
    {
      key: "brotli_encoder",
      parse: enumValue(
        [
          ["rbrotli_or_cbrotli", 0],
          ["cbrotli", 1],
          ["rbrotli", 2],
        ],
        () => {},
      ),
    },
  ]);
}

export function compressionFromState(state: CompressorState): Compression {
  switch (state.type) {
    case "uncompressed":
      return { type: "uncompressed" };
    case "brotli":
      return { type: "brotli", level: state.level };
    case "zstd":
      return { type: "zstd", level: state.level };
    case "snappy":
      return state.level === SNAPPY_DEFAULT_LEVEL ? { type: "snappy" } : { type: "snappy", level: state.level };
  }
}
