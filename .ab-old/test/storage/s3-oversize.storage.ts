/**
 * An S3 server that answers a ranged GET with more bytes than asked for (Content-Length): an IO
 * error naming the object, raised before a buffer is sized by that length, and not retried.
 * A stand-in server on loopback plays the misbehaving S3 endpoint.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { S3Store } from "../../src/storage/s3-store.js";

let server: http.Server;
let requests = 0;
let endpoint = "";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests++;
    req.resume();
    const body = Buffer.alloc(1_000_000, 7);
    res.writeHead(206, { "Content-Length": String(body.length), "Content-Range": `bytes 0-${body.length - 1}/${body.length}`, ETag: '"x"' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it("a body longer than the range asked for is IO, not retried", async () => {
  const saved = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = endpoint;
  let store: S3Store;
  try {
    store = await S3Store.create();
  } finally {
    process.env.AWS_ENDPOINT_URL = saved;
  }
  await expect(store.readRange("s3://bucket/key", { start: 0, length: 10 })).rejects.toMatchObject({
    code: "IO",
    file: "s3://bucket/key",
    message: expect.stringContaining("sent 1000000 bytes for a range of 10"),
  });
  expect(requests).toBe(1);
});
