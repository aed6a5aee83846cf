// The storage bridge's worker when running from the TypeScript sources (tests, `node --import tsx`):
// Node 20 does not apply `--import tsx` to a worker's entry module, so register tsx here first.
const tsx = await import("tsx/esm/api");
tsx.register();
await import("./bridge-worker.ts");
