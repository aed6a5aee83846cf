/**
 * flinkRunner's stall watchdog end to end without Flink: a fake Beam JobService (loopback, free
 * port) whose first job stays RUNNING forever and whose later jobs are DONE, and a real in-process
 * WorkerPool. The fake's Run asks the pool for a worker of the first job (its provision service
 * hands out that job's options, so the worker reports the job's run id); the test SIGKILLs it. The
 * first job then shows a dead worker and no activity: the watchdog must cancel it and submit the
 * job again, once, and report it.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as beam from "apache-beam";
import {
  CancelJobRequest,
  CancelJobResponse,
  GetJobMetricsRequest,
  GetJobMetricsResponse,
  GetJobStateRequest,
  JobStateEvent,
  JobState_Enum,
  MetricResults,
  PrepareJobRequest,
  PrepareJobResponse,
  RunJobRequest,
  RunJobResponse,
} from "apache-beam/proto/beam_job_api";
import { StartWorkerRequest } from "apache-beam/proto/beam_fn_api";
import { beamFnExternalWorkerPoolDefinition } from "apache-beam/proto/beam_fn_api.grpc-server";
import { ApiServiceDescriptor } from "apache-beam/proto/endpoints";
import { GetProvisionInfoResponse, ProvisionInfo } from "apache-beam/proto/beam_provision_api";
import { provisionServiceDefinition } from "apache-beam/proto/beam_provision_api.grpc-server";
import { Struct } from "apache-beam/proto/google/protobuf/struct";
import { flinkRunner, FlinkPipelineResult } from "../../src/runners/flink-runner.js";
import { WorkerPool } from "../../src/runners/worker-pool.js";

const RUN_ID = "beam:option:arrayrecord_run_id:v1";

/** A unary gRPC method of Beam's JobService, (de)serialized with the SDK's protobuf-ts types. */
function method<I extends object, O extends object>(name: string, input: { toBinary(m: I): Uint8Array; fromBinary(b: Uint8Array): I }, output: { toBinary(m: O): Uint8Array; fromBinary(b: Uint8Array): O }): grpc.MethodDefinition<I, O> {
  return {
    path: `/org.apache.beam.model.job_management.v1.JobService/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m) => Buffer.from(input.toBinary(m)),
    requestDeserialize: (b) => input.fromBinary(b),
    responseSerialize: (m) => Buffer.from(output.toBinary(m)),
    responseDeserialize: (b) => output.fromBinary(b),
  };
}

let server: grpc.Server;
let endpoint: string;
let pool: WorkerPool;
/** Per prepared job: its pipeline options. */
const prepared: Record<string, unknown>[] = [];
const cancelled: string[] = [];

beforeAll(async () => {
  pool = await WorkerPool.start();
  server = new grpc.Server();
  const provision = (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, GetProvisionInfoResponse.create({ info: ProvisionInfo.create({ pipelineOptions: Struct.fromJson(prepared[0] as never) }) }));
  server.addService(provisionServiceDefinition, { getProvisionInfo: provision });
  const jobService = {
    prepare: method("Prepare", PrepareJobRequest, PrepareJobResponse),
    run: method("Run", RunJobRequest, RunJobResponse),
    getState: method("GetState", GetJobStateRequest, JobStateEvent),
    cancel: method("Cancel", CancelJobRequest, CancelJobResponse),
    getJobMetrics: method("GetJobMetrics", GetJobMetricsRequest, GetJobMetricsResponse),
  };
  const poolClient = new (grpc.makeGenericClientConstructor(beamFnExternalWorkerPoolDefinition as unknown as grpc.ServiceDefinition, "Pool"))(pool.endpoint, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    startWorker(request: object, callback: (error: grpc.ServiceError | null) => void): void;
  };
  server.addService(jobService as unknown as grpc.ServiceDefinition, {
    prepare: (call: grpc.ServerUnaryCall<PrepareJobRequest, PrepareJobResponse>, callback: grpc.sendUnaryData<PrepareJobResponse>) => {
      prepared.push(Struct.toJson(call.request.pipelineOptions ?? Struct.create()) as Record<string, unknown>);
      callback(null, PrepareJobResponse.create({ preparationId: `prep-${prepared.length}` }));
    },
    run: (call: grpc.ServerUnaryCall<RunJobRequest, RunJobResponse>, callback: grpc.sendUnaryData<RunJobResponse>) => {
      const job = `job-${call.request.preparationId.slice("prep-".length)}`;
      // The first job gets a worker; its control endpoint is a closed port (the test kills it anyway).
      if (job === "job-1") {
        const url = (u: string) => ApiServiceDescriptor.create({ url: u });
        poolClient.startWorker(StartWorkerRequest.create({ workerId: "1-1", controlEndpoint: url("127.0.0.1:1"), provisionEndpoint: url(endpoint), loggingEndpoint: url("") }), () => undefined);
      }
      callback(null, RunJobResponse.create({ jobId: job }));
    },
    getState: (call: grpc.ServerUnaryCall<GetJobStateRequest, JobStateEvent>, callback: grpc.sendUnaryData<JobStateEvent>) =>
      callback(null, JobStateEvent.create({ state: call.request.jobId === "job-1" ? JobState_Enum.RUNNING : JobState_Enum.DONE })),
    cancel: (call: grpc.ServerUnaryCall<CancelJobRequest, CancelJobResponse>, callback: grpc.sendUnaryData<CancelJobResponse>) => {
      cancelled.push(call.request.jobId);
      // Like Beam's job server with a stalled [local] job: the answer is CANCELLING, the job goes on.
      callback(null, CancelJobResponse.create({ state: JobState_Enum.CANCELLING }));
    },
    getJobMetrics: (_call: unknown, callback: grpc.sendUnaryData<GetJobMetricsResponse>) => callback(null, GetJobMetricsResponse.create({ metrics: MetricResults.create() })),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  endpoint = `127.0.0.1:${port}`;
});
afterAll(async () => {
  server.forceShutdown();
  await pool.stop();
});

describe("stall watchdog", () => {
  it("cancels a job whose worker died and that then did nothing, submits it again once, and reports it", async () => {
    const runner = flinkRunner({ jobEndpoint: endpoint, workerProcesses: 1, workerPoolEndpoint: pool.endpoint, stallWatchdog: { stallMs: 1500, resubmits: 1 } });
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => warnings.push(line);
    try {
      const result = (await runner.runAsync((root) => root.apply(beam.impulse()))) as FlinkPipelineResult;
      // Kill the first job's worker once it reported the job's run (a worker SIGKILLed mid-bundle).
      const run = prepared[0]![RUN_ID] as string;
      const deadline = Date.now() + 60_000;
      while (pool.activity(run) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(pool.activity(run)).toBeDefined();
      for (const pid of pool.workerPids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already exited (its control endpoint is closed)
        }
      }
      const started = performance.now();
      expect(await result.waitUntilFinish(60_000)).toBe(JobState_Enum.DONE);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1000); // not before stallMs of idleness
      expect(pool.activity(run)!.deaths).toBeGreaterThanOrEqual(1);
      expect(cancelled).toEqual(["job-1"]);
      expect(prepared).toHaveLength(2);
      // The resubmission is a run of its own (its workers are told apart from the stalled one's).
      expect(prepared[1]![RUN_ID]).not.toBe(run);
      expect(result.jobId).toBe("job-2");
      expect(result.stalls).toHaveLength(1);
      expect(result.stalls[0]!.jobId).toBe("job-1");
      expect(result.stalls[0]!.deadWorkers).toBeGreaterThanOrEqual(1);
      expect(result.stalls[0]!.idleMs).toBeGreaterThanOrEqual(1500);
      expect(warnings.some((w) => /job job-1 stalled: \d+ worker process\(es\) died .* submitting the job again \(1 of at most 1\)/.test(w))).toBe(true);
    } finally {
      console.warn = warn;
    }
  }, 120_000);
});
