/**
 * A writer process killed mid-upload (after several multipart parts went out) leaves no object under
 * its final name: the multipart upload is never completed. S3 and GCS, async and sync writers.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Storage } from "@google-cloud/storage";
import { describe, expect, it } from "vitest";
import { withEmulatorHost } from "../../src/storage/gcs-store.js";
import { BUCKET, directS3, objectExists } from "./helpers/env.js";
import { proxyControl as proxy } from "./helpers/proxy.js";

const CHILD = fileURLToPath(new URL("./helpers/write-until-killed.ts", import.meta.url));

/** Runs the child until it reports uploaded parts, then SIGKILLs it. */
async function killMidWrite(target: string, mode: "async" | "sync"): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, target, mode], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ARRAYRECORD_UPLOAD_PART_BYTES: String(5 << 20) },
    timeout: 90_000,
    killSignal: "SIGKILL",
  });
  let errors = "";
  child.stderr.on("data", (d: Buffer) => (errors += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("parts")) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`writer exited (${code}) before uploading parts: ${errors}`)));
  });
  await new Promise((resolve) => child.once("exit", resolve));
}

describe("a killed writer leaves no object", () => {
  it.each(["async", "sync"] as const)("S3, %s writer", async (mode) => {
    const key = `killed/${mode}.array_record`;
    await killMidWrite(`s3://${BUCKET}/${key}`, mode);
    const parts = (await proxy.log()).filter((r) => r.method === "PUT" && r.path.endsWith(key) && /partNumber=/.test(r.query));
    expect(parts.length).toBeGreaterThanOrEqual(2); // the upload was well under way
    expect(await objectExists(directS3(), key)).toBe(false);
  });

  it("GCS, async writer", async () => {
    const options = { projectId: process.env.GOOGLE_CLOUD_PROJECT };
    const bucket = withEmulatorHost(() => new Storage(options), options).bucket(BUCKET);
    if (!(await bucket.exists())[0]) await bucket.create();
    await killMidWrite(`gs://${BUCKET}/killed/async.array_record`, "async");
    expect((await bucket.file("killed/async.array_record").exists())[0]).toBe(false);
  });
});
