/**
 * `arrayrecord worker-pool [--address HOST:PORT] [--stop-timeout S]`: runs the external worker pool
 * (Beam's `BeamFnExternalWorkerPool`: one Node SDK worker process per StartWorker) until SIGINT or
 * SIGTERM. This is what runs beside each Flink task manager in a multi-host deployment; jobs are
 * submitted with the pool's endpoint (`workerPoolEndpoint`).
 */
import { parseArgs } from "node:util";
import { loadPipelines } from "../beam.js";
import { UsageError } from "../usage.js";

/** Default listening address: loopback, a free port (printed). A multi-host pool uses e.g. `0.0.0.0:50000`. */
export const DEFAULT_POOL_ADDRESS = "localhost:0";

/** Checks `HOST:PORT` (host a name, an IPv4 address or a bracketed IPv6 address; port 0–65535). */
export function parsePoolAddress(text: string): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  if (match === null || Number(match[2]) > 65535) throw new UsageError(`--address must be HOST:PORT with a port 0-65535 (got ${text})`);
  return text;
}

/** Starts the pool, prints `worker pool listening on HOST:PORT` on stdout, and serves until a signal. */
export async function workerPool(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { address: { type: "string", default: DEFAULT_POOL_ADDRESS }, "stop-timeout": { type: "string", default: "10" } },
    allowPositionals: true,
  });
  if (positionals.length !== 0) throw new UsageError(`worker-pool takes no positional arguments (got ${positionals.join(" ")})`);
  const address = parsePoolAddress(values.address);
  const stopTimeout = Number(values["stop-timeout"]);
  if (!/^\d+$/.test(values["stop-timeout"]) || !Number.isSafeInteger(stopTimeout)) throw new UsageError(`--stop-timeout must be a whole number of seconds (got ${values["stop-timeout"]})`);
  await loadPipelines(); // apache-beam present, and our SDK fixes applied
  const { WorkerPool } = await import("../../runners/worker-pool.js");
  const pool = await WorkerPool.start({ address, stopTimeoutSeconds: stopTimeout, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`worker pool listening on ${pool.endpoint}\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  process.stderr.write(`worker pool: ${signal}, stopping ${pool.workerPids.length} worker process(es) started so far\n`);
  await pool.stop();
  return 0;
}
