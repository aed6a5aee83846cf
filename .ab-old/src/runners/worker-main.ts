/**
 * The SDK worker process entry (a program, like the CLI: it loads the Beam entry to register our
 * DoFns). The external worker pool (worker-pool.ts) starts one process of it per
 * StartWorker (Beam's own `worker_main.js` does the same,
 * but keeps gRPC's 4 MiB limits and `require()`s `arrayrecord/beam` by name, which fails where the
 * package is not installed under that name). Arguments, as Beam's container boot passes them:
 * `--id ID --control_endpoint HOST:PORT [--provision_endpoint HOST:PORT] [--options JSON]`.
 *
 * It fetches the pipeline options from the provision service (when no `--options`), loads every
 * module the pipeline registered DoFns from (ours by a relative import), then serves bundles until
 * the runner closes the control channel. After each bundle it tells the pool how many it finished.
 */
import "./sdk-patches.js";
import "apache-beam";
import { createRequire } from "node:module";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { Worker } from "apache-beam/worker/worker";
import { ProvisionServiceClient } from "apache-beam/proto/beam_provision_api.grpc-client";
import { Struct } from "apache-beam/proto/google/protobuf/struct";
import { patchWorker } from "./sdk-patches.js";
import { BEAM_MODULE } from "../transforms/serialization.js";
import { RUN_ID_OPTION, type WorkerReport } from "./worker-pool.js";

type Options = Record<string, unknown>;

/** Reads the pipeline options from the runner's provision service. */
async function provisionedOptions(endpoint: string, id: string): Promise<Options> {
  const client = new ProvisionServiceClient(endpoint, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.add("worker_id", id);
  try {
    const response = await new Promise<{ info?: { pipelineOptions?: Struct } }>((resolve, reject) =>
      client.getProvisionInfo({}, metadata, { deadline: Date.now() + 60_000 }, (error, value) => (error ? reject(error) : resolve(value ?? {}))),
    );
    const options = response.info?.pipelineOptions;
    return options === undefined ? {} : (Struct.toJson(options) as Options);
  } finally {
    client.close();
  }
}

/**
 * Loads every module named in `registered_node_modules`: ours from this package, others from the
 * working directory. One that cannot be loaded is reported and skipped: the submitting process may
 * have registered classes this pipeline never uses (deserializing one that it does use fails with
 * the class's name).
 */
async function loadRegisteredModules(options: Options): Promise<void> {
  const names = (pipelineOption(options, "registered_node_modules") ?? []) as string[];
  const requireFromCwd = createRequire(path.join(process.cwd(), "worker.js"));
  for (const name of names) {
    if (name === BEAM_MODULE) {
      await import("../beam.js");
      continue;
    }
    try {
      requireFromCwd(name);
    } catch (e) {
      process.stderr.write(`arrayrecord worker ${process.pid}: cannot load registered module ${JSON.stringify(name)} (${(e as Error).message.split("\n")[0]}); its DoFns are unavailable here\n`);
    }
  }
}

/** The run id flinkRunner tagged the job with (the pool stops a run's workers when its job ended). */
function runIdOf(options: Options): string | undefined {
  const value = pipelineOption(options, "arrayrecord_run_id") ?? sdkOptions(options)[RUN_ID_OPTION];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The options the SDK reads: provisioned options nest them under "options"; `--options` JSON may not. */
function sdkOptions(options: Options): Options {
  return (options["options"] as Options | undefined) ?? options;
}

/** A pipeline option by its short name: the runner passes it as a `beam:option:NAME:v1` URN, the SDK by NAME. */
function pipelineOption(options: Options, name: string): unknown {
  const nested = sdkOptions(options);
  return nested[`beam:option:${name}:v1`] ?? nested[name];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      id: { type: "string" },
      control_endpoint: { type: "string" },
      provision_endpoint: { type: "string" },
      logging_endpoint: { type: "string" },
      options: { type: "string" },
    },
  });
  if (!values.id || !values.control_endpoint) throw new Error("worker-main needs --id and --control_endpoint");
  // The SDK worker prints every Fn API request and bundle: quiet unless asked.
  if (!process.env["ARRAYRECORD_BEAM_DEBUG"]) console.log = console.debug = console.info = () => {};
  patchWorker();
  const options = values.options ? (JSON.parse(values.options) as Options) : values.provision_endpoint ? await provisionedOptions(values.provision_endpoint, values.id) : {};
  const run = runIdOf(options);
  // The run first, before the slow module loading: a worker started as its job ended is then
  // stopped by the pool seconds earlier (on a loaded machine loading took 5-15 s).
  if (run !== undefined) process.send?.({ bundles: 0, run } satisfies WorkerReport);
  await loadRegisteredModules(options);
  const worker = new Worker(values.id, { controlUrl: values.control_endpoint }, sdkOptions(options));
  const report: WorkerReport & { bundles: number; active: number } = { bundles: 0, active: 0, connected: true, ...(run === undefined ? {} : { run }) };
  process.send?.(report); // the control stream is open: from now on the runner notices this process dying
  // Bundles in progress, for the pool (kill tests aim at a worker inside a bundle). The SDK calls
  // process() again for the same request once it fetched the bundle descriptor: counted again then.
  const processBundle = worker.process.bind(worker);
  worker.process = async (request: unknown) => {
    report.active++;
    process.send?.(report);
    try {
      return await processBundle(request);
    } finally {
      report.active--;
      process.send?.(report);
    }
  };
  // The first message on a data stream: the runner has this worker's data client (kill tests kill
  // only such workers: one killed before that leaves Beam's runner waiting 3 minutes for it).
  const getDataChannel = worker.getDataChannel.bind(worker);
  worker.getDataChannel = (endpoint: string) => {
    const channel = getDataChannel(endpoint);
    if (!report.dataReceived) {
      (channel as unknown as { dataChannel: NodeJS.EventEmitter }).dataChannel.once("data", () => {
        if (report.dataReceived) return;
        report.dataReceived = true;
        process.send?.(report);
      });
    }
    return channel;
  };
  const respond = worker.respond.bind(worker);
  worker.respond = async (response) => {
    const result = await respond(response);
    if (response.response.oneofKind === "processBundle" && !response.error) {
      report.bundles++;
      process.send?.(report);
    }
    return result;
  };
  // Exit when the runner hangs up or the pool goes away.
  (worker as unknown as { controlChannel: NodeJS.EventEmitter }).controlChannel.on("end", () => setTimeout(() => process.exit(0), 100));
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
}

main().catch((e: unknown) => {
  process.stderr.write(`arrayrecord worker ${process.pid} failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
