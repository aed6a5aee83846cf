/**
 * The deterministic record generators of ../shared/golden/README.md, ported so tests can rebuild
 * the golden records and compare what our writer writes with the C++ files.
 */

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64, all arithmetic modulo 2^64. */
export class SplitMix64 {
  private state: bigint;

  constructor(seed: number | bigint) {
    this.state = BigInt(seed) & MASK64;
  }

  next(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }

  /** `lo + next() % (hi - lo + 1)`, both ends inclusive. */
  uniform(lo: number, hi: number): number {
    return lo + Number(this.next() % BigInt(hi - lo + 1));
  }

  /** `n` bytes: 64-bit outputs as little-endian bytes, the last output's unused bytes dropped. */
  randbytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 8) {
      let v = this.next();
      for (let k = 0; k < 8 && at + k < n; k++) {
        out[at + k] = Number(v & 0xffn);
        v >>= 8n;
      }
    }
    return out;
  }

  /** Words joined by spaces until at least `n` characters, cut to `n`. */
  text(n: number): string {
    let s = "";
    while (s.length < n) s += WORDS[Number(this.next() % 63n)] + " ";
    return s.slice(0, n);
  }
}

const WORDS = (
  "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor " +
  "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud " +
  "exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure " +
  "in reprehenderit voluptate velit esse cillum eu fugiat nulla pariatur excepteur sint " +
  "occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum"
).split(" ");

const ascii = new TextEncoder();

/** `random(seed, n, lo, hi)`. */
export function randomRecords(seed: number, n: number, lo: number, hi: number): Uint8Array[] {
  const rng = new SplitMix64(seed);
  return Array.from({ length: n }, () => rng.randbytes(rng.uniform(lo, hi)));
}

/** `text(seed, n, lo, hi)`. */
export function textRecords(seed: number, n: number, lo: number, hi: number): Uint8Array[] {
  const rng = new SplitMix64(seed);
  return Array.from({ length: n }, () => ascii.encode(rng.text(rng.uniform(lo, hi))));
}

function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** `LD(f, payload)`: tag `(f<<3)|2`, length, payload. */
function ld(field: number, payload: Uint8Array | number[]): number[] {
  return [...varint((field << 3) | 2), ...varint(payload.length), ...payload];
}

/** One serialized tf.train.Example-like record, `example(i)` of the README. */
function exampleRecord(rng: SplitMix64, i: number): Uint8Array {
  const label = rng.next() % 10n;
  const tokens = Array.from({ length: rng.uniform(0, 20) }, () => rng.next() % 100000n);
  const scores = new Float32Array(rng.uniform(1, 4));
  for (let k = 0; k < scores.length; k++) scores[k] = Number(rng.next() >> 40n) / 2 ** 24;
  const txt = ascii.encode(rng.text(rng.uniform(0, 80)));
  const id = ascii.encode(`rec-${String(i).padStart(6, "0")}`);
  const bytesList = (v: Uint8Array) => ld(1, ld(1, v));
  const int64List = (values: bigint[]) => (values.length === 0 ? [0x1a, 0x00] : ld(3, ld(1, values.flatMap(varint))));
  const floatList = (values: Float32Array) => ld(2, ld(1, new Uint8Array(values.buffer)));
  const entry = (key: string, feature: number[]) => ld(1, [...ld(1, ascii.encode(key)), ...ld(2, feature)]);
  const features = [
    ...entry("id", bytesList(id)),
    ...entry("label", int64List([label])),
    ...entry("scores", floatList(scores)),
    ...entry("text", bytesList(txt)),
    ...entry("tokens", int64List(tokens)),
  ];
  return Uint8Array.from(ld(1, features));
}

/** `example(seed, n)`. */
export function exampleRecords(seed: number, n: number): Uint8Array[] {
  const rng = new SplitMix64(seed);
  return Array.from({ length: n }, (_, i) => exampleRecord(rng, i));
}

/** `mixed(seed, n)`: random bytes, text and examples by `i % 3`, from one PRNG. */
export function mixedRecords(seed: number, n: number): Uint8Array[] {
  const rng = new SplitMix64(seed);
  return Array.from({ length: n }, (_, i) => {
    if (i % 3 === 0) return rng.randbytes(rng.uniform(0, 64));
    if (i % 3 === 1) return ascii.encode(rng.text(rng.uniform(0, 100)));
    return exampleRecord(rng, i);
  });
}

const BIG_LENGTHS = [204800, 204800, 65536, 65537, 300000, 131072];

/** `big(seed, n)`: fixed lengths; even records random bytes, odd records text. */
export function bigRecords(seed: number, n: number): Uint8Array[] {
  const rng = new SplitMix64(seed);
  return BIG_LENGTHS.slice(0, n).map((length, i) => (i % 2 === 0 ? rng.randbytes(length) : ascii.encode(rng.text(length))));
}

/** Builds the records a golden file's `generator` field describes. */
export function generateRecords(generator: { kind: string; [param: string]: unknown }): Uint8Array[] {
  const p = generator as Record<string, number>;
  switch (generator.kind) {
    case "random":
      return randomRecords(p.seed!, p.n!, p.lo!, p.hi!);
    case "text":
      return textRecords(p.seed!, p.n!, p.lo!, p.hi!);
    case "example":
      return exampleRecords(p.seed!, p.n!);
    case "mixed":
      return mixedRecords(p.seed!, p.n!);
    case "big":
      return bigRecords(p.seed!, p.n!);
    case "empty":
      return [];
    case "one_empty":
      return [new Uint8Array(0)];
    default:
      throw new Error(`unknown generator ${generator.kind}`);
  }
}

/** `n` pseudo-random bytes from `seed` (xorshift32): incompressible and reproducible. */
export function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
