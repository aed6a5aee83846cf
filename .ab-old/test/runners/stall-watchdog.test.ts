import { describe, expect, it } from "vitest";
import { ArrayRecordError } from "../../src/format/errors.js";
import { DEFAULT_RESUBMITS, DEFAULT_STALL_MS, isStalled, resolveStallWatchdog } from "../../src/runners/stall-watchdog.js";

describe("stall watchdog", () => {
  it("counts a run as stalled only after a worker died and nothing happened for stallMs", () => {
    expect(isStalled(undefined, 1e9, 1000)).toBe(false); // no worker of the run reported yet
    expect(isStalled({ deaths: 0, lastActivityAt: 0 }, 1e9, 1000)).toBe(false); // a long quiet bundle, nobody died
    expect(isStalled({ deaths: 1, lastActivityAt: 5000 }, 5999, 1000)).toBe(false);
    expect(isStalled({ deaths: 1, lastActivityAt: 5000 }, 6000, 1000)).toBe(true);
    expect(isStalled({ deaths: 3, lastActivityAt: 5000 }, 7000, 1000)).toBe(true);
  });

  it("fills in defaults, can be switched off, and rejects bad settings with a typed error", () => {
    expect(resolveStallWatchdog(undefined)).toEqual({ stallMs: DEFAULT_STALL_MS, resubmits: DEFAULT_RESUBMITS });
    expect(DEFAULT_STALL_MS).toBe(120_000);
    expect(resolveStallWatchdog({ stallMs: 30_000 })).toEqual({ stallMs: 30_000, resubmits: DEFAULT_RESUBMITS });
    expect(resolveStallWatchdog({ resubmits: 0 })).toEqual({ stallMs: DEFAULT_STALL_MS, resubmits: 0 });
    expect(resolveStallWatchdog(false)).toBeUndefined();
    for (const bad of [{ stallMs: 0 }, { stallMs: -1 }, { stallMs: Number.NaN }, { resubmits: -1 }, { resubmits: 1.5 }]) {
      expect(() => resolveStallWatchdog(bad)).toThrow(ArrayRecordError);
      try {
        resolveStallWatchdog(bad);
      } catch (e) {
        expect((e as ArrayRecordError).code).toBe("INVALID_OPTIONS");
      }
    }
  });
});
