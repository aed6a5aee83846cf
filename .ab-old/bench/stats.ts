/** Small statistics shared by the bench scripts. */

/** The median of `xs` (the upper middle one for an even count, as every bench here has reported it); `xs` is not modified. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of no values");
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}
