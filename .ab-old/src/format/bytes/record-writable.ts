/**
 * Node stream adapter for record writers: the core's writers are plain classes, and this is the
 * one place that knows about `node:stream`, so `stream.pipeline()` users get a Writable.
 */
import { Writable } from "node:stream";

/** What a Writable needs from a record writer. */
export interface RecordWriterTarget<T> {
  /** Appends one record. */
  write(record: T): Promise<void>;
  /** Finishes the output. */
  close(): Promise<void>;
  /** Discards the output; never throws. */
  abort(): void;
}

/** An object-mode Writable of records: finishing it closes `writer`, destroying it with an error aborts it. */
export function recordWritable<T>(writer: RecordWriterTarget<T>): Writable {
  return new Writable({
    objectMode: true,
    write: (record: T, _encoding, callback) => {
      writer.write(record).then(() => callback(), callback);
    },
    final: (callback) => {
      writer.close().then(() => callback(), callback);
    },
    destroy: (error, callback) => {
      if (error) writer.abort();
      callback(error);
    },
  });
}
