/**
 * Atomic {@link ByteSink}s for object URLs: an {@link ObjectUpload} (S3 multipart, GCS resumable)
 * that makes the object visible only at commit, and is aborted on failure, so no partial object
 * ever appears under the final name. The sync sink runs the same upload on the storage bridge.
 */
import { ArrayRecordError } from "../format/errors.js";
import type { ByteSink } from "../format/bytes/file-sink.js";
import type { ObjectUpload } from "./object-store.js";
import { storeFor } from "./stores.js";
import { storageBridge } from "./sync-bridge.js";

/** Sync writes are handed to the bridge once this many bytes are pending (one thread hop per MiB). */
const BRIDGE_BATCH_BYTES = 1 << 20;

/** An async sink over an upload. */
export class RemoteByteSink implements ByteSink {
  private done = false;

  private constructor(
    readonly name: string,
    private readonly upload: ObjectUpload,
  ) {}

  /** Starts the upload of `url`. */
  static async create(url: string): Promise<RemoteByteSink> {
    return new RemoteByteSink(url, await (await storeFor(url)).upload(url));
  }

  writeSync(): void {
    throw new ArrayRecordError("UNSUPPORTED", "sync write on an async object sink (open the writer with openSync)", { file: this.name });
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.check();
    try {
      await this.upload.write(bytes);
    } catch (e) {
      this.done = true;
      throw e;
    }
  }

  commitSync(): void {
    throw new ArrayRecordError("UNSUPPORTED", "sync commit on an async object sink (use close())", { file: this.name });
  }

  async commit(): Promise<void> {
    this.check();
    this.done = true;
    await this.upload.commit();
  }

  abortSync(): void {
    this.done = true;
    void this.upload.abort();
  }

  private check(): void {
    if (this.done) throw new ArrayRecordError("CLOSED", "object sink is finished", { file: this.name });
  }
}

/** A sync sink: the upload lives on the storage bridge's worker; writes go over in 1 MiB batches. */
export class BridgedByteSink implements ByteSink {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private id: number | undefined;

  private constructor(
    readonly name: string,
    id: number,
  ) {
    this.id = id;
  }

  /** Starts the upload of `url` on the bridge. */
  static createSync(url: string): BridgedByteSink {
    return new BridgedByteSink(url, storageBridge().uploadOpen(url));
  }

  writeSync(bytes: Uint8Array): void {
    this.uploadId();
    this.pending.push(bytes.slice()); // writers reuse their buffers
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= BRIDGE_BATCH_BYTES) this.flush();
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.writeSync(bytes);
  }

  commitSync(): void {
    const id = this.uploadId();
    this.flush();
    this.id = undefined;
    storageBridge().uploadCommit(id);
  }

  async commit(): Promise<void> {
    this.commitSync();
  }

  abortSync(): void {
    const id = this.id;
    this.id = undefined;
    this.pending = [];
    if (id === undefined) return;
    try {
      storageBridge().uploadAbort(id);
    } catch {
      // Never throws: an upload never completed never becomes an object.
    }
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const joined = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const piece of this.pending) {
      joined.set(piece, at);
      at += piece.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    try {
      storageBridge().uploadWrite(this.uploadId(), joined);
    } catch (e) {
      this.abortSync();
      throw e;
    }
  }

  private uploadId(): number {
    if (this.id === undefined) throw new ArrayRecordError("CLOSED", "object sink is finished", { file: this.name });
    return this.id;
  }
}
