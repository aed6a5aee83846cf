/**
 * The pipeline options flinkRunner submits, as a job service receives them: a fake Beam JobService
 * (loopback, free port) records the Prepare request and refuses it, so no Flink is needed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as beam from "apache-beam";
import { PrepareJobRequest, PrepareJobResponse } from "apache-beam/proto/beam_job_api";
import { Struct } from "apache-beam/proto/google/protobuf/struct";
import { flinkRunner, RETRY_ENVIRONMENT_EXPIRATION_MILLIS, type FlinkRunnerOptions } from "../../src/runners/flink-runner.js";

interface Prepared {
  options: Record<string, unknown>;
  /** The Flink configuration file the options point at, read while the job was being prepared. */
  flinkConf?: string;
}

let server: grpc.Server;
let endpoint: string;
let prepared: Prepared[] = [];

beforeAll(async () => {
  server = new grpc.Server();
  const prepare: grpc.MethodDefinition<PrepareJobRequest, PrepareJobResponse> = {
    path: "/org.apache.beam.model.job_management.v1.JobService/Prepare",
    requestStream: false,
    responseStream: false,
    requestSerialize: (m) => Buffer.from(PrepareJobRequest.toBinary(m)),
    requestDeserialize: (b) => PrepareJobRequest.fromBinary(b),
    responseSerialize: (m) => Buffer.from(PrepareJobResponse.toBinary(m)),
    responseDeserialize: (b) => PrepareJobResponse.fromBinary(b),
  };
  server.addService({ prepare } as grpc.ServiceDefinition, {
    prepare: (call: grpc.ServerUnaryCall<PrepareJobRequest, PrepareJobResponse>, callback: grpc.sendUnaryData<PrepareJobResponse>) => {
      const options = Struct.toJson(call.request.pipelineOptions ?? Struct.create()) as Record<string, unknown>;
      const confDir = options["beam:option:flink_conf_dir:v1"];
      const flinkConf = typeof confDir === "string" ? fs.readFileSync(path.join(confDir, "flink-conf.yaml"), "utf8") : undefined;
      prepared.push({ options, ...(flinkConf === undefined ? {} : { flinkConf }) });
      callback({ code: grpc.status.UNAVAILABLE, details: "fake job service: refused after recording" });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  endpoint = `127.0.0.1:${port}`;
});
afterAll(() => server.forceShutdown());

/** Submits a one-transform pipeline with `options`; returns what the job service received. */
async function submitted(options: FlinkRunnerOptions): Promise<Prepared> {
  prepared = [];
  // An external pool endpoint nobody listens on: the job is refused before any worker is asked for.
  const runner = flinkRunner({ jobEndpoint: endpoint, workerProcesses: 1, workerPoolEndpoint: "127.0.0.1:1", ...options });
  await expect(runner.run((root) => root.apply(beam.impulse()))).rejects.toThrow(/refused after recording/);
  expect(prepared).toHaveLength(1);
  return prepared[0]!;
}

const EXPIRY = "beam:option:environment_expiration_millis:v1";

describe("flinkRunner's submitted pipeline options", () => {
  it("retries > 0: Flink's restart strategy and an environment expiry go along", async () => {
    const { options, flinkConf } = await submitted({ retries: 3 });
    expect(options[EXPIRY]).toBe(RETRY_ENVIRONMENT_EXPIRATION_MILLIS);
    expect(RETRY_ENVIRONMENT_EXPIRATION_MILLIS).toBe(15_000);
    expect(options["beam:option:number_of_execution_retries:v1"]).toBe(3);
    expect(options["beam:option:environment_cache_millis:v1"]).toBe(30_000);
    // The job's tag, by which a pool given by endpoint stops the job's workers when it ended.
    expect(options["beam:option:arrayrecord_run_id:v1"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(flinkConf).toBe("restart-strategy: fixed-delay\nrestart-strategy.fixed-delay.attempts: 3\nrestart-strategy.fixed-delay.delay: 1 s\n");
    // The configuration directory flinkRunner made is removed once the submission ended.
    expect(fs.existsSync(options["beam:option:flink_conf_dir:v1"] as string)).toBe(false);
  });

  it("the caller's environmentExpirationMillis wins, 0 included", async () => {
    expect((await submitted({ retries: 2, pipelineOptions: { environmentExpirationMillis: 4000 } })).options[EXPIRY]).toBe(4000);
    expect((await submitted({ retries: 2, pipelineOptions: { environmentExpirationMillis: 0 } })).options[EXPIRY]).toBe(0);
  });

  it("no retries (unset or 0): no expiry, environments live as long as Beam caches them", async () => {
    const unset = (await submitted({})).options;
    expect(unset["beam:option:arrayrecord_run_id:v1"]).not.toBe((await submitted({})).options["beam:option:arrayrecord_run_id:v1"]);
    expect(unset).not.toHaveProperty(EXPIRY);
    expect(unset).not.toHaveProperty("beam:option:number_of_execution_retries:v1");
    expect((await submitted({ retries: 0 })).options).not.toHaveProperty(EXPIRY);
  });
});
