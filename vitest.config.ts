import { suiteConfig } from "./vitest.shared.js";

export default suiteConfig({
  include: ["test/**/*.test.ts"],
  testTimeout: 120_000,
  hookTimeout: 120_000,
  coverage: { provider: "v8" },
});
