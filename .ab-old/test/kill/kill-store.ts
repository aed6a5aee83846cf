/**
 * Kill targets `s3` and `gcs` of `npm run test:kill`: the ArrayRecord writer streaming ~15 MiB to
 * an object (S3 multipart upload on Versity Gateway, GCS resumable upload on fake-gcs-server; both
 * started on free loopback ports by this harness, as `npm run test:storage` does), in a child
 * process SIGKILLed at random moments from 0 to 1.2 times a full run, with the async or the sync
 * writer (drawn per point). Each lane writes one key again and again (the object is deleted before
 * each point, so "nothing" means this run left nothing). After every kill: under the final name
 * there is no object or a complete one holding exactly the records written, and no other object
 * under the run's prefix. What a killed S3 writer leaves is an incomplete multipart upload of the
 * final key: never visible as an object, recognisable by its key, and aborted by the next writer
 * of that key once it committed (s3-stale-uploads.ts): after every writer that finished, no upload
 * of its key is left, and after one more complete run per lane none under the prefix. A killed GCS
 * writer leaves an unfinished resumable session: invisible, not listable, expiring by itself.
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
  const outcomes = { killedBeforeDone: 0, nothing: 0, complete: 0, sync: 0, staleSeen: 0, staleAborted: 0 };
  /** Incomplete uploads of exactly `url`'s key (S3; GCS sessions cannot be listed). */
  const uploadsOf = async (url: string) => (store === "s3" ? (await staleUploads(bucket, url.slice(`s3://${bucket}/`.length))).filter((k) => `s3://${bucket}/${k}` === url).length : 0);
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      const url = `${prefix}lane${lane}/out.array_record`;
      for (const { point, mode, killAfter } of plan.filter((p) => p.point % LANES === lane)) {
        // "Nothing" must mean this run left nothing, not that an earlier one did.
        await objects.delete(url);
        const staleBefore = await uploadsOf(url);
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
        const staleAfter = await uploadsOf(url);
        // A writer that finished aborted the uploads killed writers left under its key.
        if (result.finished && staleAfter > 0) throw ctx.violation(`${store}: point ${point}: the writer finished but ${staleAfter} incomplete uploads of its key are left`);
        if (staleAfter > staleBefore) outcomes.staleSeen++;
        if (result.finished) outcomes.staleAborted += staleBefore;
      }
      // The next complete run of the key cleans what killed runs left.
      const staleBefore = await uploadsOf(url);
      const next = await runChild(url, "async", undefined, ctx.violation);
      if (!next.finished || !(await check(url))) throw ctx.violation(`${store}: the cleaning run did not write ${url}`);
      outcomes.staleAborted += staleBefore;
    }),
  );
  const left = store === "s3" ? await staleUploads(bucket, `${run}/${store}/`) : [];
  if (left.length > 0) throw ctx.violation(`s3: incomplete multipart uploads left after the cleaning runs: ${left.join(", ")}`);
  return (
    `${store}: ${ctx.points} kills (full run ${Math.round(full.ms)} ms; ${outcomes.sync} sync / ${ctx.points - outcomes.sync} async writers; ` +
    `${outcomes.killedBeforeDone} before "done"): ${outcomes.nothing} left no object under the final name, ${outcomes.complete} a complete correct object; ` +
    `no other object under the prefix` +
    (store === "s3"
      ? `; ${outcomes.staleSeen} left an incomplete multipart upload of the key (never an object); the writers that finished (${LANES} cleaning runs included) aborted ${outcomes.staleAborted} such uploads of their key, none is left`
      : "; killed resumable sessions are not listable (they expire)")
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
