/**
 * Synchronous calls into the async store clients, for the sync reader/writer APIs and Beam DoFns
 * (which must stay synchronous): one `synckit` worker thread per process runs {@link bridgeOps}
 * while the calling thread blocks. Made on first use.
 */
import { createSyncFn } from "synckit";
import { ArrayRecordError, type ArrayRecordErrorCode } from "../format/errors.js";
import type { ByteRange } from "../format/bytes/io-plan.js";
import type { BridgeOps } from "./bridge-ops.js";
import type { BridgeReply } from "./bridge-worker.js";
import type { OpenedObject } from "./remote-source.js";

const FROM_SOURCES = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCES ? "./bridge-worker-tsx.mjs" : "./bridge-worker.js", import.meta.url);

/** A blocking call waits this long for the store before failing (retries included): env ARRAYRECORD_BRIDGE_TIMEOUT_MS, default 10 min. */
function callTimeoutMs(): number {
  const configured = Number(process.env.ARRAYRECORD_BRIDGE_TIMEOUT_MS);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : 10 * 60_000;
}

/** The sync versions of the bridge's operations. */
export interface StorageBridge {
  openObject(url: string): OpenedObject;
  openObjects(urls: string[]): OpenedObject[];
  readRanges(url: string, version: string, size: number, ranges: ByteRange[]): Uint8Array[];
  list(prefixUrl: string): string[];
  copy(from: string, to: string): void;
  delete(url: string): void;
  abortUploads(prefixUrl: string): number;
  uploadOpen(url: string): number;
  uploadWrite(id: number, bytes: Uint8Array): void;
  uploadCommit(id: number): void;
  uploadAbort(id: number): void;
}

let bridge: StorageBridge | undefined;

/** This process's (or worker thread's) bridge. */
export function storageBridge(): StorageBridge {
  if (bridge !== undefined) return bridge;
  const call = createSyncFn<(op: keyof BridgeOps, args: unknown[]) => Promise<BridgeReply>>(WORKER_URL.href, {
    timeout: callTimeoutMs(),
    execArgv: [], // the caller's flags (a test runner's, a debugger's) are not the worker's
  });
  const run =
    (op: keyof BridgeOps) =>
    (...args: unknown[]): never => {
      const reply = call(op, args);
      if (!reply.ok) throw new ArrayRecordError(reply.code as ArrayRecordErrorCode, reply.message, { file: reply.file, offset: reply.offset });
      return reply.value as never;
    };
  bridge = {
    openObject: run("openObject"),
    openObjects: run("openObjects"),
    readRanges: run("readRanges"),
    list: run("list"),
    copy: run("copy"),
    delete: run("delete"),
    abortUploads: run("abortUploads"),
    uploadOpen: run("uploadOpen"),
    uploadWrite: run("uploadWrite"),
    uploadCommit: run("uploadCommit"),
    uploadAbort: run("uploadAbort"),
  };
  return bridge;
}
