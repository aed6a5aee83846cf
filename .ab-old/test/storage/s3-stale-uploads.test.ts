/**
 * abortStaleUploads / abortUploadsUnder against a fake S3 client (no server, no SDK): they abort the
 * incomplete uploads of exactly the key other than the writer's own (resp. under a prefix), at most
 * `count`, within `ms`, and never throw.
 */
import { describe, expect, it } from "vitest";
import { abortStaleUploads, abortUploadsUnder } from "../../src/storage/s3-stale-uploads.js";

class ListMultipartUploadsCommand {
  constructor(readonly input: { Bucket: string; Prefix: string; MaxUploads: number }) {}
}
class AbortMultipartUploadCommand {
  constructor(readonly input: { Bucket: string; Key: string; UploadId: string }) {}
}
const sdk = { ListMultipartUploadsCommand, AbortMultipartUploadCommand } as unknown as Parameters<typeof abortStaleUploads>[0];

/** A client whose listing holds `uploads`; records the requests; `hang` never answers (until the signal aborts). */
function fakeClient(uploads: { Key: string; UploadId: string }[], options: { listFails?: boolean; goneIds?: string[]; hang?: boolean } = {}) {
  const requests: unknown[] = [];
  const client = {
    send(command: unknown, sendOptions?: { abortSignal?: AbortSignal }): Promise<unknown> {
      requests.push(command);
      if (options.hang) {
        return new Promise((_, reject) => sendOptions?.abortSignal?.addEventListener("abort", () => reject(new Error("aborted"))));
      }
      if (command instanceof ListMultipartUploadsCommand) {
        if (options.listFails) return Promise.reject(Object.assign(new Error("AccessDenied"), { $metadata: { httpStatusCode: 403 } }));
        const matching = uploads.filter((u) => u.Key.startsWith(command.input.Prefix));
        return Promise.resolve({ Uploads: matching.slice(0, command.input.MaxUploads), IsTruncated: matching.length > command.input.MaxUploads });
      }
      const { UploadId } = (command as AbortMultipartUploadCommand).input;
      if (options.goneIds?.includes(UploadId)) return Promise.reject(Object.assign(new Error("NoSuchUpload"), { $metadata: { httpStatusCode: 404 } }));
      return Promise.resolve({});
    },
  };
  return { client: client as unknown as Parameters<typeof abortStaleUploads>[1], requests };
}

describe("abortStaleUploads", () => {
  const key = "data/train.array_record";

  it("aborts the other uploads of exactly the key, in listing order, not its own nor a longer key's", async () => {
    const { client, requests } = fakeClient([
      { Key: key, UploadId: "u1" },
      { Key: key, UploadId: "own" },
      { Key: key, UploadId: "u2" },
      { Key: `${key}-00001-of-00002`, UploadId: "u3" },
    ]);
    expect(await abortStaleUploads(sdk, client, "b", key, "own")).toEqual(["u1", "u2"]);
    const list = requests[0] as ListMultipartUploadsCommand;
    expect(list.input).toEqual({ Bucket: "b", Prefix: key, MaxUploads: 101 });
    expect(requests.slice(1).map((r) => (r as AbortMultipartUploadCommand).input)).toEqual([
      { Bucket: "b", Key: key, UploadId: "u1" },
      { Bucket: "b", Key: key, UploadId: "u2" },
    ]);
  });

  it("aborts at most `count` per call", async () => {
    const uploads = Array.from({ length: 7 }, (_, i) => ({ Key: key, UploadId: `u${i}` }));
    const { client, requests } = fakeClient(uploads);
    expect(await abortStaleUploads(sdk, client, "b", key, undefined, { count: 3, ms: 5000 })).toEqual(["u0", "u1", "u2"]);
    expect(requests).toHaveLength(4); // one listing, three aborts
  });

  it("goes on past an upload that is gone meanwhile", async () => {
    const { client } = fakeClient([{ Key: key, UploadId: "u1" }, { Key: key, UploadId: "u2" }], { goneIds: ["u1"] });
    expect(await abortStaleUploads(sdk, client, "b", key)).toEqual(["u2"]);
  });

  it("never throws: a refused listing aborts nothing", async () => {
    const { client, requests } = fakeClient([{ Key: key, UploadId: "u1" }], { listFails: true });
    expect(await abortStaleUploads(sdk, client, "b", key)).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it("gives up after `ms` when the store does not answer", async () => {
    const { client } = fakeClient([], { hang: true });
    const started = performance.now();
    expect(await abortStaleUploads(sdk, client, "b", key, undefined, { count: 100, ms: 50 })).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("abortUploadsUnder", () => {
  it("aborts every upload under the prefix, at most `count`", async () => {
    const { client, requests } = fakeClient([
      { Key: "out/.arrayrecord-tmp-abc-1/shard-0", UploadId: "t1" },
      { Key: "out/.arrayrecord-tmp-abc-2/shard-1", UploadId: "t2" },
      { Key: "out/.arrayrecord-tmp-abc-2/shard-2", UploadId: "t3" },
      { Key: "out/part-00000", UploadId: "p1" },
    ]);
    expect(await abortUploadsUnder(sdk, client, "b", "out/.arrayrecord-tmp-abc-")).toEqual(["t1", "t2", "t3"]);
    expect((requests[0] as ListMultipartUploadsCommand).input.Prefix).toBe("out/.arrayrecord-tmp-abc-");
    const { client: c2 } = fakeClient([1, 2, 3, 4].map((i) => ({ Key: `p/${i}`, UploadId: `u${i}` })));
    expect(await abortUploadsUnder(sdk, c2, "b", "p/", { count: 2, ms: 5000 })).toEqual(["u1", "u2"]);
  });
});
