// @ts-check
/**
 * `npm run mutate`: Stryker mutation testing over the format core, on demand (not in CI).
 * Default scope: the footer and chunk index (a run of ~15–30 min on 2 shared cores). Widen or
 * move it with MUTATE (comma-separated files), e.g.
 *   MUTATE=src/format/array-record/encoder.ts,src/format/riegeli/chunk-writer.ts npm run mutate
 * and choose the tests with MUTATE_TESTS (see vitest.mutate.config.ts). Reports go to
 * reports/mutation/ (git-ignored).
 */
const mutate = (process.env.MUTATE ?? "src/format/array-record/footer.ts,src/format/array-record/chunk-index.ts").split(",");

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts" },
  mutate,
  coverageAnalysis: "perTest",
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 60_000,
  reporters: ["clear-text", "progress", "html"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  // Error-message texts are not behaviour the tests should pin word for word.
  mutator: { excludedMutations: ["StringLiteral"] },
  // The sandbox needs the sources, tests and node_modules, not the Python venv or downloaded engines.
  ignorePatterns: [".venv-oracles", "engines", ".storage-servers", "dist", ".bench-build", ".bench-data", "demo-output", "reports", "coverage", "bench"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
