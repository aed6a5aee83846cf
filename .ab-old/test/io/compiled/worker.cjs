// Plays a remote Beam worker, in CommonJS like Beam's worker_main.js: require() every module the
// launcher registered for serialization (among them "arrayrecord/beam", resolved from
// node_modules), then deserialize every DoFn payload the launcher built and run two of them.
// Usage: node worker.cjs WORK_DIR GOLDEN_FILE
const fs = require("node:fs");
const path = require("node:path");
const [work, golden] = process.argv.slice(2);
const { modules, payloads } = JSON.parse(fs.readFileSync(path.join(work, "payloads.json"), "utf8"));
for (const m of modules) require(m); // exactly what worker_main.js does, failing loudly if one is missing
const { deserializeFn } = require("apache-beam/internal/serialize");
const kinds = {};
let splitFn;
let readFn;
for (const { name, payload } of payloads) {
  const { doFn } = deserializeFn(new Uint8Array(Buffer.from(payload, "base64")));
  if (typeof doFn.process !== "function") throw new Error(`${name}: no process()`);
  kinds[name.split("/").pop()] = doFn.constructor.name;
}
// Split and read a golden file with deserialized instances of the reader DoFns.
const beam = require("arrayrecord/beam");
const serialize = require("apache-beam/internal/serialize");
splitFn = serialize.deserializeFn(serialize.serializeFn({ doFn: new beam.SplitFileDoFn({ desiredSplitRecords: 100 }) })).doFn;
readFn = serialize.deserializeFn(serialize.serializeFn({ doFn: new beam.ReadRangeDoFn("", false) })).doFn;
const counter = { increment() {} };
readFn.startBundle();
let records = 0;
for (const range of splitFn.process(golden)) for (const _ of readFn.process(range, { recordsRead: counter, bytesRead: counter })) records++;
readFn.finishBundle();
console.log(JSON.stringify({ modules, kinds, records }));
