/**
 * arrayrecord/beam: Apache Beam (TypeScript SDK 2.49.0, an optional peer dependency) sources, sinks
 * and transforms for ArrayRecord and TFRecord files. The format core (`arrayrecord`) never imports
 * Beam; only this entry point does.
 *
 * Elements between our transforms are records (`Uint8Array`, coded with Beam's bytes coder) or
 * strings (file names); Arrow batches travel as batch records (Arrow IPC streams, bytes-coded).
 * Every DoFn class is registered under the module name `"arrayrecord/beam"`, which remote workers
 * `require()` to deserialize them (see transforms/serialization.ts).
 */
// Lift the SDK worker's gRPC message limits before Beam loads its worker modules (runners/sdk-patches.ts).
import "./runners/sdk-patches.js";
// Load Beam's main module next: some of its subpath modules crash on a circular import when they
// are the first part of Beam to load.
import "apache-beam";
export * from "./io/index.js";
export * from "./transforms/index.js";
export * from "./pipelines/index.js";
export * from "./runners/index.js";
