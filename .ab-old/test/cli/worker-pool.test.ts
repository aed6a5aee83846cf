/** `arrayrecord worker-pool`: argument checks, and a pool that answers Beam's StartWorker/StopWorker and stops on SIGTERM. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { beamFnExternalWorkerPoolDefinition } from "apache-beam/proto/beam_fn_api.grpc-server";
import { StartWorkerRequest, StopWorkerRequest } from "apache-beam/proto/beam_fn_api";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("../helpers/cli-entry.ts", import.meta.url));

type Call<Req> = (request: Req, callback: (error: grpc.ServiceError | null, response?: { error: string }) => void) => void;
interface PoolClient extends grpc.Client {
  startWorker: Call<StartWorkerRequest>;
  stopWorker: Call<StopWorkerRequest>;
}

function call<Req>(method: Call<Req>, client: PoolClient, request: Req): Promise<{ error: string }> {
  return new Promise((resolve, reject) => method.call(client, request, (error, response) => (error ? reject(error) : resolve(response!))));
}

describe("arrayrecord worker-pool", () => {
  it("bad arguments are usage errors (exit 2)", () => {
    for (const args of [
      ["worker-pool", "--address", "nohost"],
      ["worker-pool", "--address", "localhost:70000"],
      ["worker-pool", "--address", ":50000"],
      ["worker-pool", "--stop-timeout", "soon"],
      ["worker-pool", "extra"],
      ["worker-pool", "--port", "1"],
    ]) {
      const r = runCli(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^arrayrecord: .*\n\nUsage: arrayrecord/);
    }
    expect(runCli(["--help"]).stdout.toString()).toContain("worker-pool [--address HOST:PORT]");
  });

  it("listens, answers StartWorker/StopWorker as Beam's pool service, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", ENTRY, "worker-pool", "--address", "localhost:0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const endpoint = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /^worker pool listening on (localhost:\d+)\n/.exec(out);
          if (m !== null) resolve(m[1]!);
        });
        child.on("exit", () => reject(new Error(`worker-pool exited early: ${stderr}`)));
      });
      const Client = grpc.makeGenericClientConstructor(beamFnExternalWorkerPoolDefinition as unknown as grpc.ServiceDefinition, "BeamFnExternalWorkerPool");
      const client = new Client(endpoint, grpc.credentials.createInsecure()) as unknown as PoolClient;
      try {
        // A request without a control endpoint is refused in the response (as Beam's pools do), not by a crash.
        expect((await call(client.startWorker, client, StartWorkerRequest.create({ workerId: "w1" }))).error).toBe("StartWorker w1 has no control endpoint");
        expect((await call(client.stopWorker, client, StopWorkerRequest.create({ workerId: "unknown" }))).error).toBe("");
      } finally {
        client.close();
      }
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toContain("worker pool: SIGTERM, stopping 0 worker process(es)");
    } finally {
      clearTimeout(killer);
      child.kill("SIGKILL");
    }
  });
});
