/**
 * A static file server for the https?:// tests (plain HTTP in the global setup's process; HTTPS with a
 * test certificate in https.storage.ts): GET and HEAD with
 * single `Range` requests (`bytes=a-b`, `bytes=a-`, `bytes=-n`), a strong ETag from size and mtime,
 * `If-Match` (412 when it differs), and 503 for the next request to a file after a POST to
 * `/__fail/503?path=/x` (one-shot, to test retries).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

/**
 * Starts the server for `root` on a free loopback port — over TLS with `tls` (a PEM key and
 * certificate) — and returns its URL and a close function.
 */
export async function startFileServer(root: string, tls?: { key: string; cert: string }): Promise<{ url: string; close: () => Promise<void> }> {
  const failNext = new Set<string>();
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://files");
    if (req.method === "POST" && url.pathname === "/__fail/503") {
      failNext.add(url.searchParams.get("path") ?? "");
      res.writeHead(204).end();
      return;
    }
    if (failNext.delete(url.pathname)) {
      res.writeHead(503).end();
      return;
    }
    const file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const stat = fs.statSync(file);
    const etag = `"${stat.size.toString(16)}-${stat.mtimeMs.toString(16)}"`;
    const ifMatch = req.headers["if-match"];
    if (ifMatch !== undefined && ifMatch !== etag) {
      res.writeHead(412).end();
      return;
    }
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    let start = 0;
    let end = stat.size - 1;
    if (m !== null) {
      if (m[1] === "") start = Math.max(0, stat.size - Number(m[2]));
      else {
        start = Number(m[1]);
        if (m[2] !== "") end = Math.min(end, Number(m[2]));
      }
      if (start >= stat.size) {
        res.writeHead(416, { "Content-Range": `bytes */${stat.size}` }).end();
        return;
      }
    }
    const headers = { ETag: etag, "Accept-Ranges": "bytes", "Content-Length": String(end - start + 1) };
    if (m !== null) res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${stat.size}` });
    else res.writeHead(200, headers);
    if (req.method === "HEAD") res.end();
    else fs.createReadStream(file, { start, end }).pipe(res);
  };
  const server = tls === undefined ? http.createServer(handle) : https.createServer(tls, handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
