/**
 * File matching at pipeline run time: a glob pattern (or a plain path) → the files it names, in
 * shard order. Matching happens in a DoFn, so files written earlier in the same run, or after the
 * pipeline was built, are seen.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as beam from "apache-beam";
import { globSync, isDynamicPattern } from "tinyglobby";
import { orderShards } from "../format/array-record/data-source.js";
import { ArrayRecordError } from "../format/errors.js";
import { openerFor } from "../format/bytes/path-openers.js";
import "../storage/register.js";
import { parDoWithCoder, stringCoder } from "../transforms/coders.js";
import { registerDoFns } from "../transforms/serialization.js";

/** What to do when a pattern matches no file. */
export type EmptyMatchTreatment = "disallow" | "allow";

/**
 * The regular files `pattern` names, ordered by shard number then name (absolute paths for an
 * absolute pattern). A pattern without glob characters is a plain path. No match throws IO unless `emptyMatch` is `"allow"`.
 */
export function matchFiles(pattern: string, emptyMatch: EmptyMatchTreatment = "disallow"): string[] {
  let files: string[];
  const opener = openerFor(pattern);
  if (opener !== undefined) {
    // An object URL: a listing of the bucket (a plain URL matches itself if it exists).
    files = orderShards(opener.globSync(pattern));
  } else if (isDynamicPattern(pattern)) {
    // Absolute patterns give absolute paths, relative ones paths relative to the working directory.
    files = orderShards(globSync(pattern, { absolute: path.isAbsolute(pattern), expandDirectories: false, onlyFiles: true, dot: false }));
  } else {
    files = isFile(pattern) ? [pattern] : [];
  }
  if (files.length === 0 && emptyMatch === "disallow") {
    throw new ArrayRecordError("IO", `no files match ${pattern}`, { file: pattern });
  }
  return files;
}

function isFile(path: string): boolean {
  try {
    return fs.statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Expands each file pattern into the files it matches. */
export class MatchFilesDoFn implements beam.DoFn<string, string> {
  constructor(readonly emptyMatch: EmptyMatchTreatment) {}

  *process(pattern: string): Generator<string> {
    yield* matchFiles(pattern, this.emptyMatch);
  }
}

/** `PTransform<PCollection<string>, PCollection<string>>`: file patterns → matching file paths. */
export function matchAll(emptyMatch: EmptyMatchTreatment = "disallow") {
  return beam.withName("matchAll", (patterns: beam.PCollection<string>): beam.PCollection<string> =>
    parDoWithCoder(patterns, "matchFiles", new MatchFilesDoFn(emptyMatch), stringCoder()),
  );
}

registerDoFns({ MatchFilesDoFn });
