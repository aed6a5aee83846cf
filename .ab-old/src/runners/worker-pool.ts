/**
 * An external worker pool: Beam's `BeamFnExternalWorkerPool` service (Fn API `StartWorker` /
 * `StopWorker`) as a gRPC server that starts one Node worker *process* per request, running
 * {@link WORKER_ENTRY}. A runner given an EXTERNAL environment whose endpoint is this pool asks it
 * for SDK workers; each process is a separate event loop, so bundles run on several cores (LOOPBACK
 * runs every bundle inside the submitting process).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { beamFnExternalWorkerPoolDefinition, type IBeamFnExternalWorkerPool } from "apache-beam/proto/beam_fn_api.grpc-server";
import type { RunActivity } from "./stall-watchdog.js";

/** The worker process entry: `worker-main.ts` under tsx (sources), `worker-main.js` in a build. */
export const WORKER_ENTRY = fileURLToPath(new URL(`./worker-main${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** What a worker process tells the pool over its IPC channel. */
export interface WorkerReport {
  /** Bundles the worker finished so far. */
  bundles: number;
  /** Bundles it is processing now. */
  active?: number;
  /** It opened its control stream to the runner. */
  connected?: boolean;
  /** The run (flinkRunner's job) it serves: the pipeline option {@link RUN_ID_OPTION}. */
  run?: string;
  /** A data stream delivered its first message from the runner (so the runner has its data client). */
  dataReceived?: boolean;
}

/** The pipeline option (camelCase) by which flinkRunner tags a job, so a pool knows which of its workers serve that job. */
export const RUN_ID_OPTION = "arrayrecordRunId";

/**
 * A StopWorker whose worker id is this prefix and a run id asks the pool to stop every worker of
 * that run (flinkRunner sends it when its job ended). Why: Beam's Flink runner does not always
 * close a job's environments: after tasks failed (a killed worker), whole jobs' environments got
 * neither StopWorker nor a closed control stream, and their worker processes lived on until the
 * pool's process died (kill test: ~12 processes, up to 10 minutes old). Beam's own ids are `N-M`.
 */
const RUN_STOP_PREFIX = "arrayrecord-run:";

/** Options of {@link WorkerPool.start}. */
export interface WorkerPoolOptions {
  /** Address to listen on; default `localhost:0` (loopback, a free port). A multi-host pool listens on e.g. `0.0.0.0:50000`. */
  address?: string;
  /** Extra environment of the worker processes. */
  env?: NodeJS.ProcessEnv;
  /** Seconds a worker may take to exit after StopWorker before it is killed; default 10. */
  stopTimeoutSeconds?: number;
  /** Called with one line per worker process started and exited (the CLI's `worker-pool` prints them). */
  log?: (line: string) => void;
}

interface WorkerProcess {
  child: ChildProcess;
  bundles: number;
  /** Bundles in progress. */
  active: number;
  /** It reported its control stream open. */
  connected: boolean;
  /** StopWorker or stop() asked it to exit. */
  stopping: boolean;
  /** The run it reported serving. */
  run?: string;
  /** The runner sent it data. */
  dataReceived: boolean;
}

/**
 * Times a worker that dies before it connected to the runner, unasked, is started again under its
 * id. Why: Beam's ExternalEnvironmentFactory waits without a time limit for the worker id it asked
 * for to connect ("Still waiting for startup of environment"), so a worker dying before connecting
 * (killed, out of memory) hung the Flink task forever. One that dies after connecting is not
 * restarted: the runner sees its control stream break, fails the task and its restart asks for new
 * workers (a respawn under the old id confused it: the task then waited 3 minutes for data).
 */
const MAX_RESPAWNS = 2;

/** The pools running in this process, by endpoint: flinkRunner watches the activity of a job's workers in them. */
const inProcessPools = new Map<string, WorkerPool>();

/** A running pool. */
export class WorkerPool {
  private readonly workers = new Map<string, WorkerProcess>();
  private readonly finished: WorkerProcess[] = [];
  /** Runs whose workers were stopped: a worker reporting one of them later is stopped at once. */
  private readonly stoppedRuns = new Set<string>();
  /** Per run: its workers' deaths and last activity (the stall watchdog's input). */
  private readonly runs = new Map<string, RunActivity>();
  private stopping = false;

  private constructor(
    private readonly server: grpc.Server,
    /** `host:port` runners reach the pool at. */
    readonly endpoint: string,
    private readonly options: WorkerPoolOptions,
  ) {}

  /** Starts the gRPC server. */
  static async start(options: WorkerPoolOptions = {}): Promise<WorkerPool> {
    const server = new grpc.Server();
    const address = options.address ?? "localhost:0";
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const host = address.slice(0, address.lastIndexOf(":"));
    const pool = new WorkerPool(server, `${host === "0.0.0.0" || host === "[::]" ? "localhost" : host}:${port}`, options);
    const service: IBeamFnExternalWorkerPool = {
      startWorker: (call, callback) => {
        try {
          const r = call.request;
          pool.startWorker(r.workerId, r.controlEndpoint?.url ?? "", r.provisionEndpoint?.url ?? "", r.loggingEndpoint?.url ?? "");
          callback(null, { error: "" });
        } catch (e) {
          callback(null, { error: String((e as Error).message) });
        }
      },
      stopWorker: (call, callback) => {
        const id = call.request.workerId;
        if (id.startsWith(RUN_STOP_PREFIX)) pool.stopRun(id.slice(RUN_STOP_PREFIX.length));
        else pool.stopWorker(id);
        callback(null, { error: "" });
      },
    };
    server.addService(beamFnExternalWorkerPoolDefinition, service as unknown as grpc.UntypedServiceImplementation);
    inProcessPools.set(pool.endpoint, pool);
    return pool;
  }

  /** The pool listening at `endpoint` if it runs in this process (started by {@link WorkerPool.start} and not stopped). */
  static inProcess(endpoint: string): WorkerPool | undefined {
    return inProcessPools.get(endpoint);
  }

  /** What this pool's workers of `run` did: deaths and last activity; undefined before any of them reported the run. */
  activity(run: string): RunActivity | undefined {
    const seen = this.runs.get(run);
    return seen === undefined ? undefined : { ...seen };
  }

  /** Notes activity of a worker of `run` (its death too). */
  private noteActivity(run: string | undefined, died = false): void {
    if (run === undefined) return;
    const seen = this.runs.get(run) ?? { deaths: 0, lastActivityAt: 0 };
    seen.lastActivityAt = performance.now();
    if (died) seen.deaths++;
    this.runs.set(run, seen);
  }

  /** Process ids of every worker started so far, in start order. */
  get workerPids(): number[] {
    return [...this.finished, ...this.workers.values()].map((w) => w.child.pid ?? -1);
  }

  /**
   * Process ids of the worker processes that have not exited yet, as this pool saw them exit (not
   * by probing the pid: on a busy machine an exited worker's pid is soon another process's).
   */
  get liveWorkerPids(): number[] {
    return [...this.workers.values()].filter((w) => w.child.exitCode === null && w.child.signalCode === null).map((w) => w.child.pid ?? -1);
  }

  /** Process ids of the workers that finished at least one bundle. */
  get busyWorkerPids(): number[] {
    return [...this.finished, ...this.workers.values()].filter((w) => w.bundles > 0).map((w) => w.child.pid ?? -1);
  }

  /** Bundles finished so far by all the workers this pool started (live or exited). */
  get bundlesFinished(): number {
    return [...this.finished, ...this.workers.values()].reduce((sum, w) => sum + w.bundles, 0);
  }

  /** Process ids of the live workers processing a bundle right now. */
  get inBundleWorkerPids(): number[] {
    return [...this.workers.values()].filter((w) => w.active > 0).map((w) => w.child.pid ?? -1);
  }

  /**
   * Process ids of the live workers inside a bundle that have received data from the runner. A
   * worker killed before its first data message may not have connected its data stream, and
   * Beam's runner then waits its fixed 3 minutes for that client before it fails the task.
   */
  get inBundleReceivedDataWorkerPids(): number[] {
    return [...this.workers.values()].filter((w) => w.active > 0 && w.dataReceived).map((w) => w.child.pid ?? -1);
  }

  private startWorker(id: string, control: string, provision: string, logging: string, respawns = 0): void {
    if (!control) throw new Error(`StartWorker ${id} has no control endpoint`);
    const tsx = WORKER_ENTRY.endsWith(".ts") ? ["--import", "tsx"] : [];
    // Node flags for the workers only (e.g. "--cpu-prof --cpu-prof-dir=DIR", which NODE_OPTIONS refuses).
    const nodeArgs = (this.options.env?.["ARRAYRECORD_WORKER_NODE_ARGS"] ?? process.env["ARRAYRECORD_WORKER_NODE_ARGS"] ?? "").split(/\s+/).filter((a) => a !== "");
    const child = spawn(
      process.execPath,
      [...nodeArgs, ...tsx, WORKER_ENTRY, "--id", id, "--control_endpoint", control, "--provision_endpoint", provision, "--logging_endpoint", logging],
      { env: { ...process.env, ...this.options.env }, stdio: ["ignore", "inherit", "inherit", "ipc"] },
    );
    const worker: WorkerProcess = { child, bundles: 0, active: 0, connected: false, stopping: false, dataReceived: false };
    child.on("message", (message: WorkerReport) => {
      if (typeof message?.bundles === "number") worker.bundles = message.bundles;
      if (typeof message?.active === "number") worker.active = message.active;
      if (message?.connected === true) worker.connected = true;
      if (message?.dataReceived === true) worker.dataReceived = true;
      if (typeof message?.run === "string" && message.run !== "") {
        worker.run = message.run;
        if (this.stoppedRuns.has(message.run) && this.workers.get(id) === worker) this.stopWorker(id);
      }
      this.noteActivity(worker.run);
    });
    child.on("exit", (code, signal) => {
      this.options.log?.(`worker ${id}: pid ${child.pid ?? -1} exited (${code ?? signal}) after ${worker.bundles} bundle(s)`);
      if (this.workers.get(id) === worker) {
        this.workers.delete(id);
        this.finished.push(worker);
        const died = signal !== null || code !== 0;
        if (died && !worker.stopping && !this.stopping) this.noteActivity(worker.run, true);
        if (died && !worker.stopping && !this.stopping && !worker.connected && respawns < MAX_RESPAWNS) {
          this.options.log?.(`worker ${id}: died before connecting to the runner; starting it again`);
          this.startWorker(id, control, provision, logging, respawns + 1);
        }
      }
    });
    this.workers.set(id, worker);
    this.options.log?.(`worker ${id}: started pid ${child.pid ?? -1} (control ${control})`);
  }

  /** Stops every live worker that reported serving `run` (and any that reports it later). */
  stopRun(run: string): void {
    this.stoppedRuns.add(run);
    const ids = [...this.workers].filter(([, w]) => w.run === run && !w.stopping).map(([id]) => id);
    this.options.log?.(`run ${run} ended: stopping ${ids.length} worker process(es)${ids.length > 0 ? ` (${ids.join(", ")})` : ""}`);
    for (const id of ids) this.stopWorker(id);
  }

  private stopWorker(id: string): void {
    const worker = this.workers.get(id);
    if (worker === undefined) return;
    worker.stopping = true;
    worker.child.kill("SIGTERM");
    const timer = setTimeout(() => worker.child.kill("SIGKILL"), (this.options.stopTimeoutSeconds ?? 10) * 1000);
    worker.child.once("exit", () => clearTimeout(timer));
  }

  /** Stops every worker and the server. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (inProcessPools.get(this.endpoint) === this) inProcessPools.delete(this.endpoint);
    const running = [...this.workers.values()].filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    await Promise.all(
      running.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.child.once("exit", () => resolve());
            w.child.kill("SIGTERM");
            setTimeout(() => w.child.kill("SIGKILL"), 5000).unref();
          }),
      ),
    );
    this.server.forceShutdown();
  }
}

/**
 * Asks the pool at `endpoint` to stop the workers of `run` ({@link RUN_STOP_PREFIX}). Best effort:
 * resolves to false when the pool cannot be reached within `timeoutMs`, never throws.
 */
export async function stopRunWorkers(endpoint: string, run: string, timeoutMs = 5000): Promise<boolean> {
  const Client = grpc.makeGenericClientConstructor(beamFnExternalWorkerPoolDefinition as unknown as grpc.ServiceDefinition, "BeamFnExternalWorkerPool");
  const client = new Client(endpoint, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    stopWorker(request: { workerId: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void): void;
  };
  try {
    return await new Promise<boolean>((resolve) => client.stopWorker({ workerId: RUN_STOP_PREFIX + run }, { deadline: Date.now() + timeoutMs }, (error) => resolve(error === null)));
  } finally {
    client.close();
  }
}
