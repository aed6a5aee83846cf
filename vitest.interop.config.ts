import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * `npm run test:interop`: tests that drive Python oracles (the array-record wheel, TensorFlow,
 * Grain) from `.venv-oracles/`. Their files end in `.interop.ts`, which the default `npm test`
 * include (`*.test.ts`) never matches. One file at a time: each starts its own oracle process and
 * the machine has 2 cores.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^arrayrecord\/beam$/, replacement: source("./src/beam.ts") },
      { find: /^arrayrecord$/, replacement: source("./src/index.ts") },
    ],
  },
  test: {
    include: ["test/interop/**/*.interop.ts"],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
