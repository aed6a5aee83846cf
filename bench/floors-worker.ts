/**
 * bench/floors.ts's reading thread: on each request, reads bytes [from, to) of a file with `pread`
 * (our addon) span by span into a ring of shared buffers, as the decode workers read spans into
 * their slots, and hashes each span natively after its read; answers with the span count.
 */
import * as fs from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { fileIoAddon } from "../src/format/bytes/native-file-io.js";
import { addon, KEY } from "../src/format/riegeli/chunkhash-addon.js";

/** A pass of this thread: its part of the file, the span size, and how many span buffers it rotates through. */
export interface FloorsReadRequest {
  from: number;
  to: number;
  span: number;
  ring: number;
}

if (fileIoAddon === null || addon === null) throw new Error("floors-worker needs the native/fileio and native/chunkhash addons");
const pread = fileIoAddon;
const hash = addon;
const fd = fs.openSync(workerData as string, "r");
const out = new Uint8Array(8);

parentPort!.on("message", ({ from, to, span, ring }: FloorsReadRequest) => {
  // Slots as the slot pool sizes them: the span's bytes and as much again for decoded records.
  const slots = Array.from({ length: ring }, () => new Uint8Array(new SharedArrayBuffer(2 * span)));
  let spans = 0;
  for (let position = from; position < to; position += span) {
    const slot = slots[spans++ % ring]!.subarray(0, Math.min(span, to - position));
    pread.preadInto(fd, slot, position);
    hash.hash(KEY, slot, out);
  }
  parentPort!.postMessage(spans);
});
