/**
 * Deterministic synthetic tf.train.Examples for dataset generation: example `i` of a seed depends
 * only on `(seed, i)`, so any split of the index range generates the same data in parallel.
 */
import { encodeExample } from "../format/example/index.js";

const WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega".split(" ");

/** A SplitMix64 stream seeded from `(seed, index)`, in 32-bit halves (no BigInt on the hot path). */
class Mixer {
  private hi: number;
  private lo: number;

  constructor(seed: number, index: number) {
    this.hi = (seed * 0x9e3779b9) >>> 0;
    this.lo = (index ^ 0x7f4a7c15) >>> 0;
  }

  /** A uniform 32-bit value. */
  next(): number {
    this.lo = (this.lo + 0x7f4a7c15) >>> 0;
    this.hi = (this.hi + 0x9e3779b9 + (this.lo < 0x7f4a7c15 ? 1 : 0)) >>> 0;
    let z = (this.hi ^ Math.imul(this.lo, 0x85ebca6b)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
}

/** The serialized Example number `index` for `seed`: id, label, a 16-float embedding, text, tokens. */
export function syntheticExample(seed: number, index: number): Uint8Array {
  const rng = new Mixer(seed, index);
  const embedding = new Float32Array(16);
  for (let k = 0; k < embedding.length; k++) embedding[k] = rng.next() / 2 ** 32 - 0.5;
  const words = Array.from({ length: 5 + (rng.next() % 20) }, () => WORDS[rng.next() % WORDS.length]!);
  return encodeExample({
    id: { kind: "bytes", values: [`ex-${String(index).padStart(9, "0")}`] },
    label: { kind: "int64", values: [BigInt(rng.next() % 10)] },
    embedding: { kind: "float", values: embedding },
    text: { kind: "bytes", values: [words.join(" ")] },
    tokens: { kind: "int64", values: words.map((w) => BigInt(WORDS.indexOf(w))) },
  });
}
