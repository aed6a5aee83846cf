/**
 * Batching inside a bundle, for DoFns that turn groups of records into one output (Arrow batches).
 * Beam's TypeScript SDK has no BatchElements, and its `finishBundle` must emit fully windowed
 * values, so buffers are kept per window and flushed with that window at the end of the bundle.
 * A batch never spans bundles: batches hold at most `batchSize` records (exactly that many except
 * the last of each bundle and window).
 */
import * as beam from "apache-beam";
import { PaneInfoCoder } from "apache-beam/coders/required_coders";
import type { Window, WindowedValue } from "apache-beam/values";
import { ArrayRecordError } from "../format/errors.js";

/** Context of a {@link WindowedBatcher} DoFn: the window of the element being processed. */
export interface BatchingContext {
  window: beam.ParDoLookupParam<Window>;
}

/** The context every batching DoFn is applied with. */
export function batchingContext(): BatchingContext {
  return { window: beam.windowParam() };
}

/** Checks a batch size given by a user. */
export function checkBatchSize(batchSize: number): number {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new ArrayRecordError("INVALID_OPTIONS", `batch size must be a positive integer, got ${batchSize}`);
  }
  return batchSize;
}

/** Buffers per window; `add` returns a full batch when one is ready. */
export class WindowedBatcher<T> {
  private readonly buffers = new Map<string, { window: Window; items: T[] }>();

  constructor(readonly batchSize: number) {}

  /** Adds `item` in `window`; returns the batch it completed, if any. */
  add(item: T, window: Window): T[] | undefined {
    const key = windowKey(window);
    let buffer = this.buffers.get(key);
    if (buffer === undefined) this.buffers.set(key, (buffer = { window, items: [] }));
    buffer.items.push(item);
    if (buffer.items.length < this.batchSize) return undefined;
    const full = buffer.items;
    buffer.items = [];
    return full;
  }

  /** Every partial batch, with its window; empties the batcher. */
  *drain(): Generator<{ window: Window; items: T[] }> {
    for (const buffer of this.buffers.values()) if (buffer.items.length > 0) yield buffer;
    this.buffers.clear();
  }
}

/** `value` as the output of a finishBundle in `window` (at the window's end, the one firing). */
export function windowed<T>(value: T, window: Window): WindowedValue<T> {
  return { value, windows: [window], pane: PaneInfoCoder.ONE_AND_ONLY_FIRING, timestamp: window.maxTimestamp() };
}

/** A window as a string key: equal bounds give the same key, whatever the object. */
export function windowKey(window: Window): string {
  const w = window as unknown as { start?: unknown; end?: unknown };
  // Windows are values: equal bounds mean the same window, whatever the object.
  return w.start === undefined ? "global" : `${String(w.start)}:${String(w.end)}`;
}
