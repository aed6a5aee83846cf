/** A few thousand damaged transposed chunks: each decodes to its declared size or fails with a typed error, quickly. */
import { describe, expect, it } from "vitest";
import { FuzzRandom, decodeOutcome, fuzzCorpus, mutateChunk } from "../../helpers/transposed-fuzz.js";

const SEED = 4242;
const CASES = 4000;
/** Per-case limit: a chunk of a few kilobytes must never take long, however it is damaged. */
const CASE_LIMIT_MS = 1000;

describe("transposed chunk decoder under mutation", () => {
  const corpus = fuzzCorpus();

  it("decodes every undamaged corpus chunk", () => {
    for (const chunk of corpus) expect(decodeOutcome(chunk)).toBe("ok");
  });

  it(`${CASES} damaged chunks (seed ${SEED}): only typed errors, each within ${CASE_LIMIT_MS} ms`, () => {
    const rng = new FuzzRandom(SEED);
    const outcomes = new Map<string, number>();
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      const chunk = mutateChunk(corpus, rng);
      const start = performance.now();
      const outcome = decodeOutcome(chunk);
      const ms = performance.now() - start;
      slowest = Math.max(slowest, ms);
      if (ms > CASE_LIMIT_MS) throw new Error(`case ${i} (seed ${SEED}) took ${ms.toFixed(0)} ms`);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // Most damage is caught; some (e.g. a flipped bit inside a string value) decodes to other bytes.
    expect(outcomes.get("CORRUPT") ?? 0).toBeGreaterThan(CASES / 2);
    expect([...outcomes.keys()].every((k) => k === "ok" || k === "CORRUPT")).toBe(true);
    expect(slowest).toBeLessThan(CASE_LIMIT_MS);
  });
});
