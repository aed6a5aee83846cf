/** Checks shared by the differential suites: a seeded index order and an exact record comparison. */

/** A permutation of 0..n-1 from `seed` (Fisher–Yates over a small LCG), the same on every run. */
export function shuffledIndices(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let x = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const j = x % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Asserts `got` holds exactly `want`, byte for byte, naming the access path and the first difference. */
export function expectSameRecords(way: string, got: readonly Uint8Array[], want: readonly Uint8Array[]): void {
  if (got.length !== want.length) throw new Error(`${way}: ${got.length} records, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (Buffer.compare(got[i]!, want[i]!) !== 0) {
      throw new Error(`${way}: record ${i} differs (${got[i]!.length} bytes, expected ${want[i]!.length})`);
    }
  }
}
