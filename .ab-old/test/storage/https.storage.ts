/**
 * https:// range reads over TLS: a loopback HTTPS file server with a certificate for 127.0.0.1 made
 * here by openssl (self-signed, one day). A child process that trusts it through
 * NODE_EXTRA_CA_CERTS reads every golden file exactly (async and sync APIs); one that does not
 * trust it fails with an IO error, never records.
 */
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goldenFiles } from "../helpers/golden.js";
import { startFileServer } from "./helpers/http-server.js";

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arrayrecord-https-"));
const child = fileURLToPath(new URL("./helpers/https-read.child.ts", import.meta.url));
const repo = fileURLToPath(new URL("../../", import.meta.url));
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  const made = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
    { encoding: "utf8", timeout: 30_000 },
  );
  expect(made.error, "openssl must be installed (Debian: apt-get install openssl)").toBeUndefined();
  expect(made.status, made.stderr).toBe(0);
  const files = path.join(dir, "files");
  fs.mkdirSync(files);
  for (const { path: file, expect: g } of goldenFiles()) fs.copyFileSync(file, path.join(files, g.file));
  server = await startFileServer(files, { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the reading child (async, so this process's server keeps answering) and parses its line. */
async function readInChild(urls: string[], env: NodeJS.ProcessEnv): Promise<Record<string, { records?: number; sha256?: string; syncSha256?: string; error?: string }>> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", child, ...urls], { cwd: repo, env, timeout: 120_000, killSignal: "SIGKILL", maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe("https:// range reads (TLS, loopback, test certificate)", () => {
  it("a client trusting the certificate (NODE_EXTRA_CA_CERTS) reads every golden file exactly, async and sync", async () => {
    expect(server.url.startsWith("https://127.0.0.1:")).toBe(true);
    const golden = goldenFiles();
    const result = await readInChild(
      golden.map((g) => `${server.url}/${g.expect.file}`),
      { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, "cert.pem") },
    );
    for (const { expect: g } of golden) {
      expect(result[`${server.url}/${g.file}`], g.file).toEqual({ records: g.num_records, sha256: g.records_sha256, syncSha256: g.records_sha256 });
    }
  }, 180_000);

  it("a client not trusting it fails with IO, never records", async () => {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const url = `${server.url}/${goldenFiles()[0]!.expect.file}`;
    expect((await readInChild([url], env))[url]).toEqual({ error: "IO" });
  }, 180_000);
});
