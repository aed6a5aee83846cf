/**
 * Decoding logic written once for both the sync and the async API: a plan is a generator that
 * yields the byte ranges it needs and receives their bytes. {@link runSync} feeds it with
 * `readSync`, {@link runAsync} with `read`.
 */
import { ArrayRecordError } from "../errors.js";
import type { ByteSource } from "./byte-source.js";

/** A request for `length` bytes at file position `position`. */
export interface ByteRange {
  /** File position. */
  position: number;
  /** Number of bytes. */
  length: number;
}

/** A computation that reads bytes through `yield` and returns a `T`. */
export type IoPlan<T> = Generator<ByteRange, T, Uint8Array>;

/** Runs `plan` with synchronous reads from `source`. */
export function runSync<T>(source: ByteSource, plan: IoPlan<T>): T {
  let step = plan.next();
  while (!step.done) {
    step = plan.next(readChecked(source, step.value, source.readSync(step.value.position, step.value.length)));
  }
  return step.value;
}

/** Runs `plan` with asynchronous reads from `source`. */
export async function runAsync<T>(source: ByteSource, plan: IoPlan<T>): Promise<T> {
  let step = plan.next();
  while (!step.done) {
    step = plan.next(readChecked(source, step.value, await source.read(step.value.position, step.value.length)));
  }
  return step.value;
}

function readChecked(source: ByteSource, range: ByteRange, bytes: Uint8Array): Uint8Array {
  checkFullRead(source, range, bytes.length);
  return bytes;
}

/**
 * Throws IO when a read of `range`, which lies inside the source, gave only `got` bytes (a short
 * read); a range running past the end may come back short (decoding then reports truncation).
 */
export function checkFullRead(source: ByteSource, range: ByteRange, got: number): void {
  if (got < range.length && range.position + range.length <= source.size) {
    throw new ArrayRecordError("IO", `short read: ${got} of ${range.length} bytes`, { file: source.name, offset: range.position });
  }
}
