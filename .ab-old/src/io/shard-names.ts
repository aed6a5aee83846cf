/**
 * File names of a sharded sink: `PREFIX + template + SUFFIX`, with Beam's shard name templates
 * (`-SSSSS-of-NNNNN`: a run of S is the shard number, a run of N the shard count, each zero-padded
 * to the run's length), the pattern that recognizes earlier outputs of the same sink, and the
 * hidden temporary directory where shards are written before they get their final names.
 * No Beam here: plain functions over strings.
 */
import { createHash, randomUUID } from "node:crypto";
import * as path from "node:path";
import { isObjectUrl, urlDirname } from "../storage/url.js";
import { ArrayRecordError } from "../format/errors.js";

/** Beam's default shard name template: `-00003-of-00007`. */
export const DEFAULT_SHARD_NAME_TEMPLATE = "-SSSSS-of-NNNNN";

/** Leading part of the name of every temporary directory of our sinks. Hidden (starts with a dot). */
export const TEMP_DIR_MARKER = ".arrayrecord-tmp-";

/** How a sink names its files. */
export interface ShardNaming {
  /** Path and first part of every file name, e.g. `out/train.array_record`. */
  readonly prefix: string;
  /** Shard name template; `""` writes one unsharded file named `prefix + suffix`. */
  readonly template: string;
  /** Last part of every file name, e.g. `.array_record` (default none). */
  readonly suffix: string;
}

/** Checks a naming and fills in defaults: template `-SSSSS-of-NNNNN`, no suffix. */
export function shardNaming(prefix: string, template = DEFAULT_SHARD_NAME_TEMPLATE, suffix = ""): ShardNaming {
  const base = path.basename(prefix);
  if (prefix.length === 0 || prefix.endsWith("/") || prefix.endsWith(path.sep) || base === "." || base === "..") {
    throw new ArrayRecordError("INVALID_OPTIONS", `file path prefix must end in a file name part, got "${prefix}"`);
  }
  if (base.startsWith(TEMP_DIR_MARKER)) {
    throw new ArrayRecordError("INVALID_OPTIONS", `file names must not start with "${TEMP_DIR_MARKER}" (reserved for temporary directories)`);
  }
  if (/[/\\]/.test(template) || /[/\\]/.test(suffix)) {
    throw new ArrayRecordError("INVALID_OPTIONS", "shard name template and file name suffix must not contain path separators");
  }
  return { prefix, template, suffix };
}

/**
 * The final name of shard `shard` of `numShards`. An empty template allows only one shard; a
 * template without an S run cannot name more than one shard apart.
 */
export function shardFileName(naming: ShardNaming, shard: number, numShards: number): string {
  if (!Number.isSafeInteger(shard) || shard < 0 || shard >= numShards) {
    throw new ArrayRecordError("OUT_OF_RANGE", `shard ${shard} out of range [0, ${numShards})`);
  }
  if (numShards > 1 && !/S/.test(naming.template)) {
    throw new ArrayRecordError(
      "INVALID_OPTIONS",
      `shard name template "${naming.template}" has no S (shard number), so it cannot name ${numShards} shards apart`,
    );
  }
  const expanded = naming.template.replace(/S+|N+/g, (run) => String(run[0] === "S" ? shard : numShards).padStart(run.length, "0"));
  return naming.prefix + expanded + naming.suffix;
}

/** The final names of all `numShards` shards, in shard order. */
export function shardFileNames(naming: ShardNaming, numShards: number): string[] {
  return Array.from({ length: numShards }, (_, shard) => shardFileName(naming, shard, numShards));
}

/**
 * Matches the base names of files this sink writes, for any shard count: for the default
 * template `^PREFIX-\d{5,}-of-\d{5,}SUFFIX$` (PREFIX being the prefix's base name). With an empty
 * template only `PREFIX SUFFIX` itself. Nothing else in the directory ever matches.
 */
export function outputNamePattern(naming: ShardNaming): RegExp {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const template = naming.template
    .split(/(S+|N+)/)
    .map((part) => (/^(S+|N+)$/.test(part) ? `\\d{${part.length},}` : escape(part)))
    .join("");
  return new RegExp(`^${escape(path.basename(naming.prefix))}${template}${escape(naming.suffix)}$`);
}

/**
 * A short stable id of a sink (its directory, prefix, template and suffix), part of its temporary
 * directory names so that a later run recognizes (and removes) the leftovers of a failed one
 * without touching other sinks' temporary directories.
 */
export function sinkId(naming: ShardNaming): string {
  const key = JSON.stringify([isObjectUrl(naming.prefix) ? naming.prefix : path.resolve(naming.prefix), naming.template, naming.suffix]);
  return createHash("sha256").update(key).digest("hex").slice(0, 12);
}

/** Leading part of the names of all temporary directories of this sink: `.arrayrecord-tmp-<sink id>-`. */
export function tempDirPrefix(naming: ShardNaming): string {
  return `${TEMP_DIR_MARKER}${sinkId(naming)}-`;
}

/**
 * A fresh temporary directory path for one run of the sink, `<parent>/.arrayrecord-tmp-<sink id>-<uuid>`,
 * where `parent` is `tempDirectory` or else the output directory (same file system: renames are atomic).
 */
export function newTempDir(naming: ShardNaming, tempDirectory?: string): string {
  const parent = tempDirectory ?? (isObjectUrl(naming.prefix) ? urlDirname(naming.prefix) : path.dirname(naming.prefix));
  const name = tempDirPrefix(naming) + randomUUID();
  return isObjectUrl(parent) ? `${parent.replace(/\/$/, "")}/${name}` : path.join(parent, name);
}
