import { suiteConfig } from "./vitest.shared.js";

/**
 * `npm run test:engines`: our pipelines on Apache Flink (`[local]`, Beam's Flink job server from
 * `npm run setup:engines`; Google's array-record wheel from `npm run setup:oracles` reads the
 * outputs). Files end in `.engines.ts`, which the default `npm test` include never matches. One
 * file at a time and one job server per file: a JVM and Flink's cluster are heavy on 2 cores.
 */
export default suiteConfig({
  include: ["test/engines/**/*.engines.ts"],
  fileParallelism: false,
  testTimeout: 300_000,
  hookTimeout: 240_000,
});
