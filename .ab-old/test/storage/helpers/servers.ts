/**
 * Global setup of `npm run test:storage`: starts Versity Gateway (S3) and fake-gcs-server (GCS) from
 * .storage-servers/bin (`npm run setup:storage`) on free loopback ports, with explicit credentials
 * and project id and cloud metadata discovery off, and stops them afterwards. A missing server is a
 * failure, never a skip.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { startFileServer } from "./http-server.js";
import { startProxy, type CountingProxy } from "./proxy.js";

const BIN = fileURLToPath(new URL("../../../.storage-servers/bin/", import.meta.url));
/** The one bucket every test uses, on both stores. */
export const TEST_BUCKET = "arrayrecord-test";
/** Servers are killed after this long even if teardown never runs. */
const SERVER_LIFETIME_MS = 15 * 60_000;

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, name: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${log()}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on 127.0.0.1:${port} within 30 s: ${log()}`);
}

function start(name: string, args: string[]): { child: ChildProcess; log: () => string } {
  const binary = path.join(BIN, name);
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run npm run setup:storage`);
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], timeout: SERVER_LIFETIME_MS, killSignal: "SIGKILL" });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, log: () => output };
}

/** Vitest global setup: returns the teardown. */
export default async function setup(): Promise<() => Promise<void>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-storage-"));
  const data = path.join(root, "s3");
  fs.mkdirSync(path.join(data, TEST_BUCKET), { recursive: true });
  fs.mkdirSync(path.join(root, "sidecar"));
  const s3Port = await freePort();
  const gcsPort = await freePort();
  const accessKey = "arrayrecord-test-access";
  const secretKey = "arrayrecord-test-secret-key-0123456789";
  const s3 = start("versitygw", ["--access", accessKey, "--secret", secretKey, "--port", `127.0.0.1:${s3Port}`, "--quiet", "posix", "--sidecar", path.join(root, "sidecar"), data]);
  const gcs = start("fake-gcs-server", [
    "-scheme", "http", "-host", "127.0.0.1", "-port", String(gcsPort), "-backend", "memory",
    "-external-url", `http://127.0.0.1:${gcsPort}`, "-public-host", `127.0.0.1:${gcsPort}`, "-log-level", "error",
  ]);
  let proxy: CountingProxy | undefined;
  let files: { url: string; close: () => Promise<void> } | undefined;
  const httpRoot = path.join(root, "http");
  fs.mkdirSync(httpRoot);
  const stop = async () => {
    await proxy?.close();
    await files?.close();
    for (const { child } of [s3, gcs]) if (child.exitCode === null) child.kill("SIGKILL");
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForPort(s3Port, s3.child, "versitygw", s3.log);
    await waitForPort(gcsPort, gcs.child, "fake-gcs-server", gcs.log);
    // S3 traffic goes through a counting, fault-injecting proxy, in this process: a test process
    // blocked in a sync call (the storage bridge) must not be the one that has to answer it.
    proxy = await startProxy(`http://127.0.0.1:${s3Port}`);
    files = await startFileServer(httpRoot);
  } catch (e) {
    await stop();
    throw e;
  }
  // Test workers inherit this environment: the stores read it like any program would.
  Object.assign(process.env, {
    ARRAYRECORD_TEST_S3_BACKEND: `http://127.0.0.1:${s3Port}`,
    AWS_ENDPOINT_URL: proxy!.url,
    ARRAYRECORD_TEST_S3_PROXY: proxy!.url,
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secretKey,
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: path.join(root, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(root, "no-aws-credentials"),
    STORAGE_EMULATOR_HOST: `http://127.0.0.1:${gcsPort}`,
    GOOGLE_CLOUD_PROJECT: "arrayrecord-test",
    METADATA_SERVER_DETECTION: "none",
    ARRAYRECORD_TEST_BUCKET: TEST_BUCKET,
    ARRAYRECORD_TEST_HTTP_URL: files!.url,
    ARRAYRECORD_TEST_HTTP_ROOT: httpRoot,
    ARRAYRECORD_BRIDGE_TIMEOUT_MS: "60000", // a stuck sync call fails the test instead of hanging the run
  });
  return stop;
}
