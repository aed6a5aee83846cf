/**
 * How our DoFns reach Beam workers. Beam serializes a DoFn's own properties, but a class (its
 * prototype, its methods) travels only by name: the class must be registered under a module name
 * with `requireForSerialization`, and a worker `require()`s every registered module name before it
 * deserializes anything, which re-runs these registrations there. So every DoFn class of this
 * package is registered under the name users import it by, {@link BEAM_MODULE}; requiring that
 * entry point on a worker loads every file that registers a class.
 */
import { requireForSerialization } from "apache-beam/serialization";

/**
 * The module name every DoFn class of this package is registered under: the package's Beam entry
 * point. Remote workers `require("arrayrecord/beam")`, which needs the package installed where the
 * worker runs (Node ≥ 20.19 loads the ESM build through `require`). The direct runner deserializes
 * in the same process and never requires it, so tests running the TypeScript sources work too.
 */
export const BEAM_MODULE = "arrayrecord/beam";

/** Registers DoFn (and CombineFn) classes so that instances survive Beam's serialization. */
export function registerDoFns(classes: Record<string, unknown>): void {
  requireForSerialization(BEAM_MODULE, classes);
}
