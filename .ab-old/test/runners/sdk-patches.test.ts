import { createRequire } from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";
import { patchGrpcLimits, patchWorker } from "../../src/runners/sdk-patches.js";
import "../../src/beam.js"; // loads apache-beam after the patches, as our entry points do

const require = createRequire(import.meta.url);

interface DataChannel {
  dataChannel: NodeJS.EventEmitter;
  close(): void;
  dataClient: { close(): void };
}

/** A data channel as a worker opens it (to a port nobody listens on: the test only emits on it). */
function openDataChannel(): DataChannel {
  patchGrpcLimits();
  patchWorker();
  const { Worker } = require("apache-beam/worker/worker") as { Worker: { prototype: { getDataChannel(this: unknown, url: string): DataChannel } } };
  return Worker.prototype.getDataChannel.call({ dataChannels: new Map(), id: "test-worker" }, "127.0.0.1:1");
}

describe("Beam worker data channel errors", () => {
  afterEach(() => vi.restoreAllMocks());

  it("the runner's hang-up at job end (CANCELLED) is silent; other errors print one line", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const channel = openDataChannel();
    try {
      const stream = channel.dataChannel;
      expect(stream.listenerCount("error")).toBe(1);
      stream.emit("error", Object.assign(new Error("1 CANCELLED: Multiplexer hanging up"), { code: 1 }));
      expect(printed).not.toHaveBeenCalled();
      stream.emit("error", Object.assign(new Error("14 UNAVAILABLE: No connection established"), { code: 14 }));
      expect(printed.mock.calls).toEqual([["Beam worker data channel: 14 UNAVAILABLE: No connection established"]]);
    } finally {
      channel.dataChannel.on("error", () => undefined);
      channel.close();
      channel.dataClient.close();
    }
  });
});
