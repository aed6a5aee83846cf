/**
 * Mutation fuzzing of the reader (a long run, not a test): damages valid files in random ways and
 * checks that every outcome is either the original records or an ArrayRecordError, never another
 * exception, a hang or a huge allocation. Deterministic for a seed.
 *
 *   npm run fuzz                      # 60 s
 *   npm run fuzz -- --seconds 600 --seed 7
 */
import { parseArgs } from "node:util";
import { ArrayRecordReader, MemoryByteSource, encodeArrayRecord, isArrayRecordError, verifyArrayRecordSync } from "../../src/index.js";
import { textRecords, randomRecords } from "../../test/helpers/generators.js";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "60" }, seed: { type: "string", default: "1" } } });
let state = Number(values.seed) >>> 0 || 1;
/** xorshift32: a uniform integer in [0, n). */
function rand(n: number): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) % n;
}

const sources = [
  { records: textRecords(1, 200, 0, 600), options: "group_size:1,uncompressed" },
  { records: textRecords(2, 300, 0, 3000), options: "group_size:7,zstd:1" },
  { records: randomRecords(3, 50, 0, 70_000), options: "group_size:4,snappy,pad_to_block_boundary:true" },
  { records: textRecords(4, 100, 0, 500), options: "group_size:100,brotli:1" },
];
const corpus = sources.map(({ records, options }) => ({ records, file: encodeArrayRecord(records, options) }));

function sameRecords(a: Uint8Array[], b: Uint8Array[]): boolean {
  return a.length === b.length && a.every((r, i) => Buffer.compare(r, b[i]!) === 0);
}

const deadline = Date.now() + Number(values.seconds) * 1000;
const outcomes = new Map<string, number>();
let cases = 0;

/** "ok" or the error code; anything but an ArrayRecordError ends the run. */
function attempt(what: string, action: () => void): string {
  try {
    action();
    return "ok";
  } catch (e) {
    if (!isArrayRecordError(e)) {
      console.error(`case ${cases} (seed ${values.seed}), ${what}: not an ArrayRecordError:`, e);
      process.exit(1);
    }
    return e.code;
  }
}

/** One random damage: flipped bits, overwritten runs, truncation, or a chunk of bytes moved. */
function mutate(file: Uint8Array): Uint8Array {
  const out = file.slice();
  switch (rand(4)) {
    case 0:
      for (let k = 1 + rand(8); k > 0; k--) out[rand(out.length)]! ^= 1 << rand(8);
      return out;
    case 1: {
      const at = rand(out.length);
      for (let k = 0; k < 1 + rand(16) && at + k < out.length; k++) out[at + k] = rand(256);
      return out;
    }
    case 2:
      return out.subarray(0, rand(out.length));
    default: {
      const from = rand(out.length);
      const to = rand(out.length);
      const n = Math.min(1 + rand(200), out.length - Math.max(from, to));
      out.copyWithin(to, from, from + n);
      return out;
    }
  }
}

while (Date.now() < deadline) {
  const { records, file } = corpus[rand(corpus.length)]!;
  const damaged = mutate(file);
  const started = Date.now();
  const read = attempt("read", () => {
    const reader = ArrayRecordReader.openSync(new MemoryByteSource(damaged, "fuzz"));
    // A file that reads must read exactly: damage may only sit in bytes no record depends on.
    if (!sameRecords(reader.readAllSync(), records)) {
      console.error(`case ${cases} (seed ${values.seed}): read different records without an error`);
      process.exit(1);
    }
  });
  const verify = attempt("verify", () => verifyArrayRecordSync(new MemoryByteSource(damaged, "fuzz")));
  if (Date.now() - started > 5000) {
    console.error(`case ${cases} (seed ${values.seed}): took ${Date.now() - started} ms`);
    process.exit(1);
  }
  const outcome = `read ${read}, verify ${verify}`;
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  cases++;
}
console.log(`${cases} damaged files, every outcome typed: ${JSON.stringify(Object.fromEntries(outcomes))}`);
