import { suiteConfig } from "./vitest.shared.js";

/**
 * The tests `npm run mutate` (Stryker) runs against each mutant: the ones that exercise the
 * footer, chunk index, chunk and file layout code, chosen so a run finishes in well under 30 min
 * on 2 shared cores. MUTATE_TESTS (a comma-separated list of globs) replaces them.
 */
export default suiteConfig({
  include: (process.env.MUTATE_TESTS ?? "test/format/array-record/bad-input.test.ts,test/format/array-record/roundtrip.test.ts,test/conformance/fixtures.test.ts").split(","),
  testTimeout: 120_000,
  hookTimeout: 120_000,
});
