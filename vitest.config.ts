import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  resolve: {
    // The package's own entry points resolve to the sources (examples import them by name).
    alias: [
      { find: /^arrayrecord\/beam$/, replacement: source("./src/beam.ts") },
      { find: /^arrayrecord$/, replacement: source("./src/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    coverage: { provider: "v8" },
  },
});
