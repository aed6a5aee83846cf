/** Globs over object URLs: list the bucket under the pattern's literal prefix, then match the keys. */
import picomatch from "picomatch";
import { ArrayRecordError } from "../format/errors.js";
import { parseObjectUrl } from "./url.js";

/** The listing prefix of a URL glob (up to its first glob character) and a matcher for listed URLs. */
export function globPlan(pattern: string): { prefix: string; matches: (url: string) => boolean } {
  const parsed = parseObjectUrl(pattern);
  if (parsed.scheme === "http") throw new ArrayRecordError("UNSUPPORTED", "http(s) URLs cannot be listed: name the files", { file: pattern });
  const firstGlob = pattern.search(/[*?[{]/);
  const prefix = firstGlob < 0 ? pattern : pattern.slice(0, firstGlob);
  if (firstGlob < 0) return { prefix, matches: (url) => url === pattern };
  const isMatch = picomatch(parsed.key, { dot: false });
  return { prefix, matches: (url) => isMatch(parseObjectUrl(url).key) };
}
