/**
 * A loopback HTTP proxy in front of a store that logs every request (method, path, Range) and can
 * inject faults into the next matching responses: 503, a connection dropped mid-body, a short body.
 * Headers (Host included) pass through unchanged, so S3 signatures stay valid.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** One request seen by the proxy. */
export interface LoggedRequest {
  method: string;
  path: string;
  range: string | undefined;
  query: string;
  /** Requests in flight (this one included) when it arrived: > 1 shows concurrent requests. */
  inFlight: number;
}

/** Path prefix of the proxy's own control requests. */
const CONTROL = "/__proxy/";

/** Faults the proxy can inject into a response. */
export type Fault = "503" | "drop-mid-body" | "short-body";

/** A running proxy. */
export interface CountingProxy {
  readonly url: string;
  readonly log: LoggedRequest[];
  /** Injects `fault` into the next `times` GETs with a Range header. */
  failRangedGets(fault: Fault, times: number): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`http://127.0.0.1:PORT`) on a free loopback port. */
export async function startProxy(target: string): Promise<CountingProxy> {
  const backend = new URL(target);
  const log: LoggedRequest[] = [];
  const faults: Fault[] = [];
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    if (url.pathname.startsWith(CONTROL)) return control(url, res);
    const range = req.headers.range;
    inFlight++;
    res.once("close", () => inFlight--);
    log.push({ method: req.method ?? "", path: url.pathname, range, query: url.search, inFlight });
    const fault = req.method === "GET" && range !== undefined ? faults.shift() : undefined;
    if (fault === "503") {
      req.resume();
      res.writeHead(503, { "Content-Type": "application/xml", "Retry-After": "0" });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>');
      return;
    }
    const upstream = http.request(
      { host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        if (fault === undefined) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const pieces: Buffer[] = [];
        up.on("data", (p: Buffer) => pieces.push(p));
        up.on("end", () => {
          const body = Buffer.concat(pieces);
          const half = body.subarray(0, Math.floor(body.length / 2));
          if (fault === "short-body") {
            res.writeHead(up.statusCode ?? 502, { ...up.headers, "content-length": String(half.length) });
            res.end(half);
          } else {
            res.writeHead(up.statusCode ?? 502, up.headers); // promises the full length…
            res.write(half, () => res.socket?.destroy()); // …and hangs up halfway
          }
        });
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  /** The test processes drive the proxy over HTTP: it runs in the global setup's process. */
  function control(url: URL, res: http.ServerResponse): void {
    const command = url.pathname.slice(CONTROL.length);
    if (command === "log") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(log));
      return;
    }
    if (command === "fail") {
      for (let k = 0; k < Number(url.searchParams.get("times")); k++) faults.push(url.searchParams.get("fault") as Fault);
    } else if (command === "clear") {
      faults.length = 0;
    }
    res.writeHead(204);
    res.end();
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    failRangedGets: (fault, times) => {
      for (let k = 0; k < times; k++) faults.push(fault);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Client side of a proxy started by the global setup (another process): its log and its faults. */
export const proxyControl = {
  url: (): string => {
    const url = process.env.ARRAYRECORD_TEST_S3_PROXY;
    if (url === undefined) throw new Error("run through npm run test:storage (no S3 proxy configured)");
    return url;
  },
  async log(): Promise<LoggedRequest[]> {
    return (await (await fetch(`${proxyControl.url()}${CONTROL}log`)).json()) as LoggedRequest[];
  },
  async failRangedGets(fault: Fault, times: number): Promise<void> {
    await fetch(`${proxyControl.url()}${CONTROL}fail?fault=${fault}&times=${times}`, { method: "POST" });
  },
  async clear(): Promise<void> {
    await fetch(`${proxyControl.url()}${CONTROL}clear`, { method: "POST" });
  },
};
