/**
 * Side inputs that serialize small. Beam 2.49's `parDo` copies a side input with
 * `Object.create(sideInput)` and then deletes `pcoll` from the copy — which deletes nothing, since
 * `pcoll` lives on the prototype. So every DoFn with a side input serializes the side input's
 * PCollection, hence the whole pipeline (with every earlier DoFn's payload), into its own payload:
 * measured 6 s to build a sink of three such steps. We replace `pcoll` by a reference holding only
 * its id, which is all `parDo` reads.
 */
import * as beam from "apache-beam";
import { registerDoFns } from "./serialization.js";

/** Stands in for a PCollection where only its id is needed. */
export class PCollectionRef {
  constructor(readonly id: string) {}

  /** The PCollection's id. */
  getId(): string {
    return this.id;
  }
}

function slim<T extends beam.SideInputParam<unknown, unknown, unknown>>(side: T): T {
  const holder = side as unknown as { pcoll: { getId(): string } };
  holder.pcoll = new PCollectionRef(holder.pcoll.getId());
  return side;
}

/** `beam.singletonSideInput(pcollection)`, without the pipeline in every payload. */
export function singletonSideInput<T>(pcollection: beam.PCollection<T>): beam.SideInputParam<T, Iterable<T>, T> {
  return slim(beam.singletonSideInput(pcollection));
}

/** `beam.iterableSideInput(pcollection)`, without the pipeline in every payload. */
export function iterableSideInput<T>(pcollection: beam.PCollection<T>): beam.SideInputParam<T, Iterable<T>, Iterable<T>> {
  return slim(beam.iterableSideInput(pcollection));
}

registerDoFns({ PCollectionRef });
