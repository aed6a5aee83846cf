/**
 * The object-store half of the sharded sink (`s3://`, `gs://` prefixes): the same protocol as the
 * local one in sink-files.ts — shards go to temporary objects under a hidden per-run prefix, and
 * finalize publishes them by server-side copy then delete — through the process's synchronous
 * storage bridge (DoFns stay synchronous). A multipart/resumable upload only becomes an object when
 * completed, so a failed shard leaves nothing, and nothing appears under a final name before finalize.
 */
import { ArrayRecordError } from "../format/errors.js";
import { storageBridge } from "../storage/sync-bridge.js";
import { urlDirname } from "../storage/url.js";
import { writeEmptyRecordFile } from "./record-files.js";
import { outputNamePattern, shardFileName, tempDirPrefix, type ShardNaming } from "./shard-names.js";
import type { SinkPlan, WrittenShard } from "./sink-files.js";

/** Publishes the shards written to temporary objects; returns the final URLs in shard order. */
export function finalizeObjectShards(plan: SinkPlan, numShards: number, written: Iterable<WrittenShard>, tempName: (kind: string, shard: number) => string): string[] {
  const bridge = storageBridge();
  try {
    const existing = new Set(bridge.list(`${plan.tempDir}/`));
    const chosen = new Array<string | undefined>(numShards).fill(undefined);
    for (const w of written) {
      if (w.numShards !== numShards || !Number.isSafeInteger(w.shard) || w.shard < 0 || w.shard >= numShards) {
        throw new ArrayRecordError("CORRUPT", `shard ${w.shard} of ${w.numShards} written, but the sink has ${numShards} shards`, { file: w.tempFile });
      }
      if (!w.tempFile.startsWith(`${plan.tempDir}/`)) {
        throw new ArrayRecordError("CORRUPT", `shard ${w.shard} was written outside this run's temporary prefix ${plan.tempDir}`, { file: w.tempFile });
      }
      if (!existing.has(w.tempFile)) throw new ArrayRecordError("IO", `temporary object of shard ${w.shard} is missing`, { file: w.tempFile });
      chosen[w.shard] ??= w.tempFile;
    }
    for (let shard = 0; shard < numShards; shard++) {
      if (chosen[shard] !== undefined) continue;
      const file = tempName("empty", shard);
      writeEmptyRecordFile(plan.format, file);
      chosen[shard] = file;
    }
    deleteEarlierObjectOutputs(plan.naming);
    const finals: string[] = [];
    for (let shard = 0; shard < numShards; shard++) {
      const finalName = shardFileName(plan.naming, shard, numShards);
      bridge.copy(chosen[shard]!, finalName);
      finals.push(finalName);
    }
    return finals;
  } finally {
    removeTempObjects(plan);
  }
}

/** Deletes the objects beside the prefix that an earlier run of this sink wrote. */
export function deleteEarlierObjectOutputs(naming: ShardNaming): string[] {
  const bridge = storageBridge();
  const dir = urlDirname(naming.prefix);
  const pattern = outputNamePattern(naming);
  const deleted: string[] = [];
  for (const url of bridge.list(`${dir}/`)) {
    const name = url.slice(dir.length + 1);
    if (name.includes("/") || !pattern.test(name)) continue;
    bridge.delete(url);
    deleted.push(url);
  }
  return deleted;
}

/**
 * Deletes this run's temporary objects and those every earlier run of the same sink left, and
 * aborts the unfinished uploads under them (a worker killed mid-shard leaves one on S3; bounded,
 * best effort).
 */
export function removeTempObjects(plan: SinkPlan): void {
  const bridge = storageBridge();
  const prefix = `${urlDirname(plan.tempDir)}/${tempDirPrefix(plan.naming)}`;
  for (const url of bridge.list(prefix)) bridge.delete(url);
  bridge.abortUploads(prefix);
}
