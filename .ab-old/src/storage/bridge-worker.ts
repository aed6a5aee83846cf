/** The storage bridge's worker thread: runs {@link bridgeOps} for the blocked calling thread. */
import { runAsWorker } from "synckit";
import { ArrayRecordError } from "../format/errors.js";
import { bridgeOps, type BridgeOps } from "./bridge-ops.js";

/** A call's outcome as plain data: errors keep their code, file and offset across the thread boundary. */
export type BridgeReply = { ok: true; value: unknown } | { ok: false; code: string; message: string; file?: string; offset?: number };

runAsWorker(async (op: keyof BridgeOps, args: unknown[]): Promise<BridgeReply> => {
  try {
    const fn = bridgeOps[op] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await fn(...args) };
  } catch (e) {
    if (e instanceof ArrayRecordError) return { ok: false, code: e.code, message: e.reason, file: e.file, offset: e.offset };
    return { ok: false, code: "IO", message: e instanceof Error ? e.message : String(e) };
  }
});
