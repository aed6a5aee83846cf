import { fileURLToPath } from "node:url";
import { defineConfig, type ViteUserConfig } from "vitest/config";

type TestOptions = NonNullable<ViteUserConfig["test"]>;

const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * One suite's vitest config: the package's own entry points resolve to the sources (examples
 * import them by name), and the run's scratch files live in a private TMPDIR removed at the end
 * (test/helpers/private-tmpdir.ts; a suite's own global setups run after it).
 */
export function suiteConfig(test: TestOptions): ViteUserConfig {
  const globalSetup = test.globalSetup === undefined ? [] : [test.globalSetup].flat();
  return defineConfig({
    resolve: {
      alias: [
        { find: /^arrayrecord\/beam$/, replacement: source("./src/beam.ts") },
        { find: /^arrayrecord$/, replacement: source("./src/index.ts") },
      ],
    },
    test: { ...test, globalSetup: ["test/helpers/private-tmpdir.ts", ...globalSetup] },
  });
}
