/**
 * Kill targets `s3` and `gcs` of `npm run test:kill`: the ArrayRecord writer streaming ~15 MiB to
 * an object (S3 multipart upload on Versity Gateway, GCS resumable upload on fake-gcs-server; both
 * started on free loopback ports by this harness, as `npm run test:storage` does), in a child
 * process SIGKILLed at random moments from 0 to 1.2 times a full run, with the async or the sync
 * writer (drawn per point). After every kill: under the final name there is no object or a complete
 * one holding exactly the records written, and no other object under the run's prefix. What a
 * killed S3 writer leaves is an incomplete multipart upload of the final key: never visible as an
 * object, listed by ListMultipartUploads (recognisable by its key), removed by a bucket lifecycle
 * rule (AbortIncompleteMultipartUpload) — our writer does not remove other writers' uploads. A
 * killed GCS writer leaves an unfinished resumable session, invisible and expiring by itself.
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { KillContext } from "./kill-flink.js";
import { storeKillRecords } from "./kill-records.js";
import { runKillableChild } from "./killable-child.js";

const CHILD = fileURLToPath(new URL("./store-child.ts", import.meta.url));
/** Kill points of one store run this many at a time, each on its own key. */
const LANES = 2;

let servers: Promise<() => Promise<void>> | undefined;

/** Starts Versity Gateway and fake-gcs-server once (their environment goes into process.env for the children). */
function startServers(): Promise<() => Promise<void>> {
  servers ??= import("../storage/helpers/servers.js").then((m) => m.default());
  return servers;
}

/** Stops the servers, if they were started. */
export async function stopStoreServers(): Promise<void> {
  if (servers !== undefined) await (await servers.catch(() => undefined))?.();
  servers = undefined;
}

const digest = (records: Iterable<Uint8Array>) => {
  const hash = createHash("sha256");
  let n = 0;
  for (const r of records) {
    hash.update(String(r.length)).update(":").update(r);
    n++;
  }
  return `${n}:${hash.digest("hex")}`;
};

/** Runs the child; SIGKILLs it `killAfterMs` after "ready" (never when undefined). */
function runChild(url: string, mode: string, killAfterMs: number | undefined, violation: KillContext["violation"]) {
  // Small parts, so a killed upload has usually sent some.
  const env = { ...process.env, ARRAYRECORD_UPLOAD_PART_BYTES: String(5 << 20) };
  return runKillableChild(CHILD, [url, mode], killAfterMs, violation, env);
}

/** Runs the kill points of `store` ("s3" or "gcs"); returns the summary line. */
export async function killStore(store: "s3" | "gcs", ctx: KillContext): Promise<string> {
  await startServers();
  await import("../../src/storage/register.js");
  const { ArrayRecordReader } = await import("../../src/format/array-record/reader.js");
  const { storeFor } = await import("../../src/storage/stores.js");
  const bucket = process.env["ARRAYRECORD_TEST_BUCKET"]!;
  const scheme = store === "s3" ? "s3" : "gs";
  const run = `kill-${ctx.root.split("/").pop()}`;
  const prefix = `${scheme}://${bucket}/${run}/${store}/`;
  const objects = await storeFor(prefix);
  if (store === "gcs") await ensureGcsBucket(bucket);
  const want = digest(storeKillRecords());

  /** Checks the lane's key after a run; returns whether the final object exists. */
  const check = async (url: string): Promise<boolean> => {
    const listed = await objects.list(prefix);
    const laneObjects = listed.filter((u) => u.startsWith(url.slice(0, url.lastIndexOf("/") + 1)));
    for (const other of laneObjects) if (other !== url) throw ctx.violation(`${store}: unexpected object ${other} (writers create no other objects)`);
    if (laneObjects.length === 0) return false;
    let got: string;
    try {
      const reader = await ArrayRecordReader.open(url);
      got = digest(await reader.readAll());
      await reader.close();
    } catch (e) {
      throw ctx.violation(`${store}: ${url} exists under its final name but does not read: ${(e as Error).message}`);
    }
    if (got !== want) throw ctx.violation(`${store}: ${url} reads, but holds other records than were written (${got} ≠ ${want})`);
    return true;
  };

  const full = await runChild(`${prefix}calibration/out.array_record`, "async", undefined, ctx.violation);
  if (!full.finished || !(await check(`${prefix}calibration/out.array_record`))) throw ctx.violation(`${store}: the calibration run did not write its object`);
  const plan = Array.from({ length: ctx.points }, (_, point) => ({ point, mode: ctx.random() < 0.5 ? "sync" : "async", killAfter: ctx.random() * 1.2 * full.ms }));
  const outcomes = { killedBeforeDone: 0, nothing: 0, complete: 0, sync: 0 };
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      for (const { point, mode, killAfter } of plan.filter((p) => p.point % LANES === lane)) {
        // A fresh key per point: "nothing" must mean this run left nothing, not that an earlier one did.
        const url = `${prefix}lane${lane}/point${point}/out.array_record`;
        const result = await runChild(url, mode, killAfter, ctx.violation);
        if (!result.finished) outcomes.killedBeforeDone++;
        if (mode === "sync") outcomes.sync++;
        let exists: boolean;
        try {
          exists = await check(url);
        } catch (e) {
          if (e instanceof Error) e.message += ` (point ${point}, ${mode} writer killed ${Math.round(killAfter)} ms after ready)`;
          throw e;
        }
        if (exists) outcomes.complete++;
        else outcomes.nothing++;
        if (result.finished && !exists) throw ctx.violation(`${store}: point ${point}: the writer said done but ${url} does not exist`);
      }
    }),
  );
  const stale = store === "s3" ? await staleUploads(bucket, `${run}/${store}/`) : undefined;
  if (stale !== undefined) {
    const foreign = stale.filter((key) => !/^.+\/point\d+\/out\.array_record$/.test(key));
    if (foreign.length > 0) throw ctx.violation(`s3: incomplete multipart uploads of unexpected keys: ${foreign.join(", ")}`);
  }
  return (
    `${store}: ${ctx.points} kills (full run ${Math.round(full.ms)} ms; ${outcomes.sync} sync / ${ctx.points - outcomes.sync} async writers; ` +
    `${outcomes.killedBeforeDone} before "done"): ${outcomes.nothing} left no object under the final name, ${outcomes.complete} a complete correct object; ` +
    `no other object under the prefix` +
    (stale === undefined ? "" : `; ${stale.length} incomplete multipart uploads left, each of its point's final key (none visible as an object)`)
  );
}

/** Keys of the incomplete multipart uploads under `prefix` (S3 server, direct). */
async function staleUploads(bucket: string, prefix: string): Promise<string[]> {
  const { S3Client, ListMultipartUploadsCommand } = await import("@aws-sdk/client-s3");
  const client = new S3Client({ endpoint: process.env["ARRAYRECORD_TEST_S3_BACKEND"], forcePathStyle: true, region: "us-east-1" });
  const keys: string[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    for (const u of page.Uploads ?? []) if (u.Key !== undefined) keys.push(u.Key);
    if (page.IsTruncated !== true) break;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
  client.destroy();
  return keys;
}

/** Creates the test bucket on fake-gcs-server (it starts empty). */
async function ensureGcsBucket(bucket: string): Promise<void> {
  const { Storage } = await import("@google-cloud/storage");
  const { withEmulatorHost } = await import("../../src/storage/gcs-store.js");
  const options = { projectId: process.env["GOOGLE_CLOUD_PROJECT"] };
  const b = withEmulatorHost(() => new Storage(options), options).bucket(bucket);
  if (!(await b.exists())[0]) await b.create();
}
