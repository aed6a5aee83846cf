/**
 * Fixes to the Beam TypeScript SDK 2.49 worker that real runners need (the direct runner never
 * meets these bugs: one bundle, no Fn API data channel). They patch the SDK's
 * modules in place, so this module must load before `apache-beam` itself (src/beam.ts and the
 * worker entry import it first):
 *
 * - gRPC message limits: the worker's Fn API clients (control, data, state, logging) are created
 *   with no channel options, so grpc-js refuses any message over 4 MiB and a 16 MiB record cannot
 *   reach a worker. The client classes are replaced by subclasses that lift both limits.
 * - Metrics: the worker labels a user counter with `TRANSFORM`, but Beam's Java runners (Flink's
 *   job server) read the step from `PTRANSFORM` and silently drop counters without it, so every
 *   monitoring info also gets `PTRANSFORM`. And a bundle processor serves many bundles but only
 *   clears its cells' "set" flags between them, never their values, so it reports running totals
 *   where the Fn API wants each bundle's own (Flink sums them: 1,000 records counted 9,930 times);
 *   the reset now zeroes the values too.
 * - Duplicated records: the data sink flushes its buffer once it passes 1 MB, but `flush` is async
 *   and only replaces the buffer after `await`ing the send, while callers keep encoding into it and
 *   (protobufjs's `finish()` does not reset a writer) send the same bytes again: every bundle with
 *   over 1 MB of output is duplicated many times over (1,000 records of 1 KB arrived 13,218 times).
 *   The sink is re-registered with a flush that takes the buffer before it sends.
 * - Lost records: the data channel handles each incoming gRPC message in an `async` listener that
 *   nobody awaits, and a bundle's input loop yields every 100 ms; so a later message (the one
 *   marking the end of the input) can close a bundle while an earlier one is still being processed,
 *   and the rest of that input is lost (seen: 2 and 450 of 1,000 records missing). Messages of a
 *   channel are now handled one after another.
 * - Noise at job end: when a job ends the runner hangs up the data stream, and the SDK prints
 *   "Data channel error … CANCELLED: Multiplexer hanging up" with a stack trace from every worker,
 *   after a job that succeeded. A CANCELLED data stream is now silent (the control stream's end
 *   still logs); any other data stream error prints one line.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** grpc-js channel options that remove the 4 MiB default limits (-1 = unlimited). */
export const UNLIMITED_MESSAGES = {
  "grpc.max_receive_message_length": -1,
  "grpc.max_send_message_length": -1,
} as const;

type ClientClass = new (address: string, credentials: unknown, options?: Record<string, unknown>, binaryOptions?: unknown) => object;

const FN_API_CLIENTS = "apache-beam/proto/org/apache/beam/model/fn_execution/v1/beam_fn_api.grpc-client";
const GRPC_PATCHED = Symbol.for("arrayrecord.beam.grpcLimitsPatched");
const WORKER_PATCHED = Symbol.for("arrayrecord.beam.workerPatched");

/**
 * Lifts the message limits of the worker's gRPC clients, once per process. Returns false when the
 * SDK's worker modules had loaded before (they keep the unpatched classes).
 */
export function patchGrpcLimits(): boolean {
  const g = globalThis as unknown as Record<symbol, boolean>;
  if (g[GRPC_PATCHED]) return true;
  g[GRPC_PATCHED] = true;
  const loadedEarly = Object.keys(require.cache).some((file) => file.includes("apache_beam/worker/data.js"));
  const clients = require(FN_API_CLIENTS) as Record<string, ClientClass>;
  for (const name of ["BeamFnControlClient", "BeamFnDataClient", "BeamFnStateClient", "BeamFnLoggingClient"]) {
    const Base = clients[name];
    if (Base === undefined) continue;
    const Lifted = class extends Base {
      constructor(address: string, credentials: unknown, options: Record<string, unknown> = {}, binaryOptions: unknown = {}) {
        super(address, credentials, { ...UNLIMITED_MESSAGES, ...options }, binaryOptions);
      }
    };
    clients[name] = name === "BeamFnControlClient" ? withControlErrorListener(Lifted) : Lifted;
  }
  return !loadedEarly;
}

/** The control stream as the worker uses it. */
interface ControlStream {
  on(event: string, listener: (...args: unknown[]) => void): ControlStream;
}

/**
 * The worker opens its control stream without an "error" listener, so when the runner closes the
 * connection (a job ending, or Flink cancelling a task to retry it) grpc-js's CANCELLED error is
 * thrown as an uncaught exception in the process that hosts the worker (the submitting process,
 * under LOOPBACK). The stream ends right after anyway; the error is logged instead.
 */
function withControlErrorListener(Base: ClientClass): ClientClass {
  return class extends Base {
    control(...args: unknown[]): ControlStream {
      const stream = (Base.prototype as unknown as { control: (...a: unknown[]) => ControlStream }).control.apply(this, args);
      stream.on("error", (error: unknown) => {
        console.warn(`Beam worker control channel: ${(error as Error).message}`);
      });
      return stream;
    }
  };
}

/** The Fn API's data sink (`beam:runner:sink:v1`) with a buffer that is swapped before it is sent. */
function registerFixedDataSink(): void {
  const operators = require("apache-beam/worker/operators") as { registerOperator: (urn: string, cls: unknown) => void };
  const { RemoteGrpcPort } = require("apache-beam/proto/beam_fn_api") as { RemoteGrpcPort: { fromBinary(bytes: Uint8Array): { apiServiceDescriptor?: { url: string }; coderId: string } } };
  const { Context } = require("apache-beam/coders/coders") as { Context: { needsDelimiters: unknown } };
  const protobufjs = createRequire(require.resolve("apache-beam"))("protobufjs") as { Writer: new () => ProtoWriter };
  interface ProtoWriter {
    len: number;
    finish(): Uint8Array;
  }
  interface SendChannel {
    sendData(data: Uint8Array): Promise<void>;
    close(): void;
  }
  interface SinkContext {
    getDataChannel(url: string): { getSendChannel(bundleId: string, transformId: string): SendChannel };
    getBundleId(): string;
    pipelineContext: { getCoder(id: string): { encode(value: unknown, writer: ProtoWriter, context: unknown): void } };
  }
  class DataSinkOperator {
    private readonly multiplexingDataChannel;
    private readonly coder;
    private readonly getBundleId;
    private channel: SendChannel | undefined;
    private buffer = new protobufjs.Writer();
    private sending: Promise<void> = Promise.resolve();
    constructor(
      readonly transformId: string,
      transform: { spec: { payload: Uint8Array } },
      context: SinkContext,
    ) {
      const port = RemoteGrpcPort.fromBinary(transform.spec.payload);
      this.multiplexingDataChannel = context.getDataChannel(port.apiServiceDescriptor!.url);
      this.getBundleId = context.getBundleId;
      this.coder = context.pipelineContext.getCoder(port.coderId);
    }
    async startBundle(): Promise<void> {
      this.channel = this.multiplexingDataChannel.getSendChannel(this.getBundleId(), this.transformId);
      this.buffer = new protobufjs.Writer();
      this.sending = Promise.resolve();
    }
    process(value: unknown): Promise<void> | null {
      this.coder.encode(value, this.buffer, Context.needsDelimiters);
      return this.buffer.len > 1e6 ? this.flush() : null;
    }
    async finishBundle(): Promise<void> {
      await this.flush();
      this.channel!.close();
    }
    /** Takes the buffer synchronously (callers need not await), and sends buffers in order. */
    flush(): Promise<void> {
      if (this.buffer.len > 0) {
        const data = this.buffer.finish();
        this.buffer = new protobufjs.Writer();
        const channel = this.channel!;
        this.sending = this.sending.then(() => channel.sendData(data));
      }
      return this.sending;
    }
  }
  operators.registerOperator("beam:runner:sink:v1", DataSinkOperator);
}

/** gRPC's status code for a call the other side cancelled. */
const GRPC_CANCELLED = 1;

/**
 * Makes every data channel a worker opens handle its incoming messages in order, one at a time,
 * and keeps the runner's hang-up at job end (a CANCELLED stream) out of the console.
 */
function serializeDataChannels(): void {
  type Listener = (message: unknown) => Promise<void> | void;
  interface DataChannel {
    dataChannel: NodeJS.EventEmitter & { [SERIALIZED]?: true };
  }
  const { Worker } = require("apache-beam/worker/worker") as { Worker: { prototype: { getDataChannel(url: string): DataChannel } } };
  const getDataChannel = Worker.prototype.getDataChannel;
  Worker.prototype.getDataChannel = function (this: unknown, url: string) {
    const channel = getDataChannel.call(this, url);
    const stream = channel.dataChannel;
    if (!stream[SERIALIZED]) {
      stream[SERIALIZED] = true;
      const listeners = stream.listeners("data") as Listener[];
      stream.removeAllListeners("data");
      let previous: Promise<unknown> = Promise.resolve();
      stream.on("data", (message: unknown) => {
        previous = previous.then(() => Promise.all(listeners.map((listener) => listener(message)))).catch(() => undefined);
      });
      stream.removeAllListeners("error");
      stream.on("error", (error: Error & { code?: number }) => {
        if (error.code !== GRPC_CANCELLED) console.error(`Beam worker data channel: ${error.message}`);
      });
    }
    return channel;
  };
}

const SERIALIZED = Symbol("arrayrecord.serializedDataChannel");

/** The data sink and metric fixes (see the module comment), once per process. Call after `apache-beam` loaded. */
export function patchWorker(): void {
  const g = globalThis as unknown as Record<symbol, boolean>;
  if (g[WORKER_PATCHED]) return;
  g[WORKER_PATCHED] = true;
  registerFixedDataSink();
  serializeDataChannels();
  const metrics = require("apache-beam/worker/metrics") as {
    MetricsShortIdCache: { prototype: { asMonitoringInfo: (id: string, payload?: Uint8Array) => unknown } };
    MetricsContainer: { prototype: { reset: () => void } };
  };
  const reset = metrics.MetricsContainer.prototype.reset;
  metrics.MetricsContainer.prototype.reset = function (this: { metrics: Map<string, { value: { reset?: () => void } }> }) {
    reset.call(this);
    for (const cell of this.metrics.values()) cell.value.reset?.();
  };
  const proto = metrics.MetricsShortIdCache.prototype;
  const asMonitoringInfo = proto.asMonitoringInfo;
  proto.asMonitoringInfo = function (this: unknown, id: string, payload?: Uint8Array) {
    const info = asMonitoringInfo.call(this, id, payload) as { labels?: Record<string, string> } | undefined;
    const step = info?.labels?.["TRANSFORM"];
    if (info === undefined || step === undefined || info.labels?.["PTRANSFORM"] !== undefined) return info;
    return { ...info, labels: { ...info.labels, PTRANSFORM: step } };
  };
}

patchGrpcLimits();
