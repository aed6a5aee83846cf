/**
 * The store calls the sync bridge runs on its worker thread: plain data in and out, and uploads kept
 * by id between calls (an upload lives in the worker that started it).
 */
import pLimit from "p-limit";
import { ArrayRecordError } from "../format/errors.js";
import type { ByteRange } from "../format/bytes/io-plan.js";
import type { ObjectUpload } from "./object-store.js";
import { openObject, readObjectRanges, READ_CONCURRENCY, type OpenedObject } from "./remote-source.js";
import { storeFor } from "./stores.js";

const uploads = new Map<number, ObjectUpload>();
let nextUpload = 1;
const limit = pLimit(READ_CONCURRENCY);

/** Every operation the bridge offers, by name. */
export const bridgeOps = {
  openObject: (url: string): Promise<OpenedObject> => openObject(url),
  openObjects: (urls: string[]): Promise<OpenedObject[]> => Promise.all(urls.map((url) => limit(() => openObject(url)))),
  readRanges: (url: string, version: string, size: number, ranges: ByteRange[]): Promise<Uint8Array[]> =>
    readObjectRanges(url, version, size, ranges, limit),
  list: async (prefixUrl: string): Promise<string[]> => (await storeFor(prefixUrl)).list(prefixUrl),
  copy: async (from: string, to: string): Promise<void> => (await storeFor(from)).copy(from, to),
  delete: async (url: string): Promise<void> => (await storeFor(url)).delete(url),
  abortUploads: async (prefixUrl: string): Promise<number> => (await (await storeFor(prefixUrl)).abortUploads?.(prefixUrl)) ?? 0,
  uploadOpen: async (url: string): Promise<number> => {
    const id = nextUpload++;
    uploads.set(id, await (await storeFor(url)).upload(url));
    return id;
  },
  uploadWrite: (id: number, bytes: Uint8Array): Promise<void> => upload(id).write(bytes),
  uploadCommit: async (id: number): Promise<void> => {
    const u = upload(id);
    uploads.delete(id);
    await u.commit();
  },
  uploadAbort: async (id: number): Promise<void> => {
    const u = uploads.get(id);
    uploads.delete(id);
    await u?.abort();
  },
};

/** The bridge's operations. */
export type BridgeOps = typeof bridgeOps;

function upload(id: number): ObjectUpload {
  const u = uploads.get(id);
  if (u === undefined) throw new ArrayRecordError("CLOSED", `upload ${id} is finished`);
  return u;
}
