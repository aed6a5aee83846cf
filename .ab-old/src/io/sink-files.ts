/**
 * The file work of a sharded sink, without Beam: write one shard to a temporary file (one file per
 * shard and attempt, so a retried or duplicated attempt never collides with another), then finalize:
 * check every shard, add valid empty files for shards that got no records, delete the earlier
 * outputs of the same sink, rename the temporary files to their final names, remove temporary
 * directories. Nothing ever appears under a final name before finalize, and finalize only runs once
 * every shard is written, so readers see either the old complete output or the new one.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ArrayRecordError } from "../format/errors.js";
import { syncDirectory } from "../format/bytes/file-sink.js";
import { isObjectUrl } from "../storage/url.js";
import { openRecordFile, writeEmptyRecordFile, type RecordFileFormat } from "./record-files.js";
import { EncodedChunk } from "../format/array-record/encoded-chunks.js";
import type { ShardItem } from "./shard-frames.js";
import { deleteEarlierObjectOutputs, finalizeObjectShards, removeTempObjects } from "./sink-objects.js";
import { outputNamePattern, shardFileName, tempDirPrefix, type ShardNaming } from "./shard-names.js";

/** Everything a sink's DoFns need to know, as plain data. */
export interface SinkPlan {
  /** How final files are named. */
  readonly naming: ShardNaming;
  /** What is written. */
  readonly format: RecordFileFormat;
  /** This run's hidden temporary directory (see `newTempDir`). */
  readonly tempDir: string;
}

/** One shard written to its temporary file. */
export interface WrittenShard {
  /** Shard number. */
  readonly shard: number;
  /** Shard count the shard was written for. */
  readonly numShards: number;
  /** The temporary file holding the shard. */
  readonly tempFile: string;
  /** Records written. */
  readonly records: number;
  /** Record bytes written (before any compression or framing). */
  readonly bytes: number;
}

/**
 * Writes `records` as shard `shard` of `numShards` to a new temporary file in the plan's temporary
 * directory. Items may be pre-encoded ArrayRecord chunks (`shard-frames.ts`): they are placed as
 * they come, and the records are gathered into full groups, so the file's chunks are full groups
 * but for its last. On failure the partial file is removed (and the directory, if that left it empty) and
 * the error is rethrown: the sink then fails before finalize, so no final name changes.
 */
export function writeShardFile(plan: SinkPlan, shard: number, numShards: number, records: Iterable<ShardItem>): WrittenShard {
  const remote = isObjectUrl(plan.tempDir);
  if (!remote) mkdirs(plan.tempDir);
  const tempFile = tempName(plan, "shard", shard, numShards);
  let writer;
  try {
    writer = openRecordFile(plan.format, tempFile);
  } catch (e) {
    if (!remote) removeDirIfEmpty(plan.tempDir);
    throw e;
  }
  let count = 0;
  let bytes = 0;
  try {
    for (const item of records) {
      if (item instanceof EncodedChunk) {
        writer.writeChunk(item);
        count += item.numRecords;
        bytes += item.decodedDataSize;
      } else {
        writer.write(item);
        count++;
        bytes += item.length;
      }
    }
    writer.close();
  } catch (e) {
    writer.abort();
    if (!remote) removeDirIfEmpty(plan.tempDir);
    throw e;
  }
  return { shard, numShards, tempFile, records: count, bytes };
}

/**
 * Publishes the shards: returns the final file names in shard order. Steps: check that `written`
 * describes `numShards` shards whose files exist (a shard written twice, by a retried attempt,
 * keeps its first file); write empty files for the shards missing from `written`; delete earlier
 * outputs of this sink (names matching {@link outputNamePattern}, any shard count); rename every
 * temporary file to its final name; finally — also when a step failed — remove this run's
 * temporary directory and those left by earlier failed runs of the same sink.
 */
export function finalizeShards(plan: SinkPlan, numShards: number, written: Iterable<WrittenShard>): string[] {
  if (isObjectUrl(plan.naming.prefix)) {
    return finalizeObjectShards(plan, numShards, written, (kind, shard) => tempName(plan, kind, shard, numShards));
  }
  try {
    const chosen = chooseShards(plan, numShards, written);
    for (let shard = 0; shard < numShards; shard++) {
      if (chosen[shard] !== undefined) continue;
      mkdirs(plan.tempDir);
      const file = tempName(plan, "empty", shard, numShards);
      writeEmptyRecordFile(plan.format, file);
      chosen[shard] = file;
    }
    const outputDir = path.dirname(plan.naming.prefix);
    mkdirs(outputDir);
    deleteEarlierOutputs(plan.naming);
    const finals: string[] = [];
    for (let shard = 0; shard < numShards; shard++) {
      const finalName = shardFileName(plan.naming, shard, numShards);
      moveFile(chosen[shard]!, finalName);
      finals.push(finalName);
    }
    syncDirectory(outputDir);
    return finals;
  } finally {
    removeTempDirs(plan);
  }
}

/** A new temporary file (or object) name in the run's temporary directory. */
function tempName(plan: SinkPlan, kind: string, shard: number, numShards: number): string {
  const name = `${kind}-${shard}-of-${numShards}-${randomUUID()}`;
  return isObjectUrl(plan.tempDir) ? `${plan.tempDir}/${name}` : path.join(plan.tempDir, name);
}

/** Removes this run's temporary directory and every other temporary directory of the same sink. */
export function removeTempDirs(plan: SinkPlan): void {
  if (isObjectUrl(plan.tempDir)) return removeTempObjects(plan);
  const parent = path.dirname(plan.tempDir);
  const prefix = tempDirPrefix(plan.naming);
  let names: string[] = [];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return; // No parent directory: nothing was ever written there.
  }
  for (const name of names) {
    if (name.startsWith(prefix)) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/** Deletes the files of the output directory that an earlier run of this sink wrote. */
export function deleteEarlierOutputs(naming: ShardNaming): string[] {
  if (isObjectUrl(naming.prefix)) return deleteEarlierObjectOutputs(naming);
  const dir = path.dirname(naming.prefix);
  const pattern = outputNamePattern(naming);
  const deleted: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !pattern.test(entry.name)) continue;
    const file = path.join(dir, entry.name);
    wrapIo(file, "delete", () => fs.unlinkSync(file));
    deleted.push(file);
  }
  return deleted;
}

function chooseShards(plan: SinkPlan, numShards: number, written: Iterable<WrittenShard>): (string | undefined)[] {
  const chosen = new Array<string | undefined>(numShards).fill(undefined);
  for (const w of written) {
    if (w.numShards !== numShards || !Number.isSafeInteger(w.shard) || w.shard < 0 || w.shard >= numShards) {
      throw new ArrayRecordError("CORRUPT", `shard ${w.shard} of ${w.numShards} written, but the sink has ${numShards} shards`, { file: w.tempFile });
    }
    if (path.dirname(w.tempFile) !== plan.tempDir) {
      throw new ArrayRecordError("CORRUPT", `shard ${w.shard} was written outside this run's temporary directory ${plan.tempDir}`, { file: w.tempFile });
    }
    if (!fs.existsSync(w.tempFile)) {
      throw new ArrayRecordError("IO", `temporary file of shard ${w.shard} is missing`, { file: w.tempFile });
    }
    // A second attempt's file for the same shard holds the same records: keep one.
    if (chosen[w.shard] === undefined) chosen[w.shard] = w.tempFile;
  }
  return chosen;
}

function moveFile(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    // A temporary directory on another file system: copy, then remove (not atomic, but still
    // only after every shard is written).
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw ioError(to, "rename to", e);
    wrapIo(to, "copy to", () => fs.copyFileSync(from, to));
    wrapIo(from, "delete", () => fs.unlinkSync(from));
  }
}

function mkdirs(dir: string): void {
  wrapIo(dir, "create directory", () => fs.mkdirSync(dir, { recursive: true }));
}

function removeDirIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty (other shards are in it) or gone: finalize or the next run removes it.
  }
}

function wrapIo<T>(file: string, what: string, action: () => T): T {
  try {
    return action();
  } catch (e) {
    throw ioError(file, what, e);
  }
}

function ioError(file: string, what: string, e: unknown): ArrayRecordError {
  if (e instanceof ArrayRecordError) return e;
  return new ArrayRecordError("IO", `cannot ${what}: ${(e as Error).message}`, { file }, { cause: e });
}
