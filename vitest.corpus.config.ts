import { suiteConfig } from "./vitest.shared.js";

/**
 * `npm run test:corpus`: tests over the shared reference corpus in ../shared (golden files written
 * by Google's C++ library, array_record's and riegeli-rs's own files, Arrow integration files).
 * Their files end in `.corpus.ts`, which the default `npm test` include (`*.test.ts`) never
 * matches. A missing corpus fails the suite (test/corpus/corpus.ts), never skips it.
 */
export default suiteConfig({
  include: ["test/corpus/**/*.corpus.ts"],
  setupFiles: ["test/corpus/corpus.ts"],
  testTimeout: 300_000,
  hookTimeout: 120_000,
});
