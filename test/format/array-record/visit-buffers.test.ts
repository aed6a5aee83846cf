/**
 * The sync visits' reused buffers are kept for the thread, not per reader (visit-buffers.ts): a
 * set given back serves the next visit of any reader, a visit inside a visit gets a set of its
 * own, and what is kept is bounded and let go once idle.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { keepVisitBuffers, keptVisitBufferSets, takeVisitBuffers } from "../../../src/format/array-record/visit-buffers.js";

describe("visit buffers", () => {
  afterEach(() => {
    vi.useRealTimers();
    // Empty the kept sets for the next test.
    while (keptVisitBufferSets() > 0) takeVisitBuffers();
  });

  it("a set given back is the next one taken; one taken while it is out is another", () => {
    while (keptVisitBufferSets() > 0) takeVisitBuffers();
    const first = takeVisitBuffers();
    first.read = new Uint8Array(64);
    keepVisitBuffers(first, 1 << 20);
    const again = takeVisitBuffers();
    expect(again).toBe(first);
    expect(again.read?.length).toBe(64);
    const nested = takeVisitBuffers();
    expect(nested).not.toBe(first);
    expect(nested.read).toBeUndefined();
    keepVisitBuffers(nested, 1 << 20);
    keepVisitBuffers(again, 1 << 20);
    expect(keptVisitBufferSets()).toBe(2);
  });

  it("drops a read buffer grown past the span size, keeps at most two sets, and lets them go after 1 s without a visit", () => {
    vi.useFakeTimers();
    while (keptVisitBufferSets() > 0) takeVisitBuffers();
    const sets = [takeVisitBuffers(), takeVisitBuffers(), takeVisitBuffers()];
    sets[0]!.read = new Uint8Array(2048);
    keepVisitBuffers(sets[0]!, 1024);
    expect(sets[0]!.read).toBeUndefined();
    keepVisitBuffers(sets[1]!, 1024);
    keepVisitBuffers(sets[2]!, 1024);
    expect(keptVisitBufferSets()).toBe(2);
    vi.advanceTimersByTime(999);
    expect(keptVisitBufferSets()).toBe(2);
    vi.advanceTimersByTime(1);
    expect(keptVisitBufferSets()).toBe(0);
  });
});
