import { suiteConfig } from "./vitest.shared.js";

/**
 * `npm run test:storage`: the object-store suite (files ending in `.storage.ts`, never in the default
 * `npm test`), against servers its global setup starts on loopback.
 */
export default suiteConfig({
  include: ["test/storage/**/*.storage.ts"],
  globalSetup: ["test/storage/helpers/servers.ts"],
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 120_000,
});
