import { suiteConfig } from "./vitest.shared.js";

/**
 * `npm run test:interop`: tests that drive Python oracles (the array-record wheel, TensorFlow,
 * Grain) from `.venv-oracles/`. Their files end in `.interop.ts`, which the default `npm test`
 * include (`*.test.ts`) never matches. One file at a time: each starts its own oracle process and
 * the machine has 2 cores.
 */
export default suiteConfig({
  include: ["test/interop/**/*.interop.ts"],
  fileParallelism: false,
  testTimeout: 600_000,
  hookTimeout: 180_000,
});
