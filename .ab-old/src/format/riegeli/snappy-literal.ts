/**
 * Snappy for inputs too short to hold a match. The native binding costs 4–8 µs per call in fixed
 * overhead, and with small groups Riegeli compresses a size stream of a few bytes per chunk:
 * writing the one-literal stream libsnappy would write saves a native call per chunk.
 */

/** Inputs shorter than this hold no match: libsnappy writes the preamble and one literal. */
export const SNAPPY_LITERAL_LIMIT = 15;

/** The raw Snappy stream of `input` (shorter than {@link SNAPPY_LITERAL_LIMIT}), byte for byte as libsnappy writes it. */
export function snappyLiteral(input: Uint8Array): Uint8Array {
  if (input.length >= SNAPPY_LITERAL_LIMIT) throw new RangeError(`snappyLiteral is for inputs under ${SNAPPY_LITERAL_LIMIT} bytes`);
  if (input.length === 0) return Uint8Array.of(0);
  const out = new Uint8Array(2 + input.length);
  out[0] = input.length;
  out[1] = (input.length - 1) << 2;
  out.set(input, 2);
  return out;
}

/**
 * The contents of a raw Snappy stream that is one short literal (what {@link snappyLiteral} and
 * libsnappy write for short inputs), as a view; undefined for any other stream, which then goes to
 * the native decoder.
 */
export function readSnappyLiteral(stream: Uint8Array): Uint8Array | undefined {
  const n = stream[0];
  if (n === undefined || n >= SNAPPY_LITERAL_LIMIT) return undefined;
  if (n === 0) return stream.length === 1 ? stream.subarray(1) : undefined;
  if (stream.length !== 2 + n || stream[1] !== (n - 1) << 2) return undefined;
  return stream.subarray(2);
}
