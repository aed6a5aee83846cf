/**
 * Seeded mutation fuzzing in `npm test` (self-contained: files our writer makes here). The long
 * campaign over ../shared/golden is `npm run fuzz`; this is the same harness on 2,000 fixed cases.
 */
import { describe, expect, it } from "vitest";
import { generatedCorpus, runCampaign } from "../../bench/fuzz/campaign.js";
import { MUTATION_KINDS } from "../../bench/fuzz/mutations.js";

const SEED = 20261201;
const CASES = 2000;

describe("seeded fuzzing", () => {
  it(`${CASES} damaged files (seed ${SEED}): strict reads exact or typed, recoveries only original records`, () => {
    const corpus = generatedCorpus();
    const { stats, finding } = runCampaign(corpus, {
      seed: SEED,
      from: 0,
      count: CASES,
      deadline: Number.POSITIVE_INFINITY,
      caseMs: 10_000,
      memoryBytes: 3 * 2 ** 30,
      limits: {},
    });
    // A finding names the case: replay it with `npm run fuzz -- --corpus generated --seed SEED --from N --cases 1`.
    expect(finding, JSON.stringify(finding)).toBeUndefined();
    expect(stats.cases).toBe(CASES);
    for (const kind of MUTATION_KINDS) expect(stats.byKind[kind] ?? 0).toBeGreaterThan(100);
    // Damage is detected, not only survived: most cases fail strict reading, some stay exact.
    expect(stats.strict.ok ?? 0).toBeGreaterThan(100);
    expect((stats.strict.CORRUPT ?? 0) + (stats.strict.TRUNCATED ?? 0)).toBeGreaterThan(CASES / 2);
    const partial = Object.entries(stats.recover).filter(([outcome]) => outcome.includes(":partial"));
    expect(partial.reduce((n, [, count]) => n + count, 0)).toBeGreaterThan(100);
    expect(stats.recover["footer:partial"] ?? 0).toBeGreaterThan(0);
  });
});
