/**
 * The order in which a batch read serves its positions: by chunk, and within a chunk in the order
 * given (a stable sort of positions by chunk), so each chunk is read and decoded once.
 */

/**
 * Positions `0..n-1` of `chunks` (the chunk of each requested record, integers in
 * `[0, numChunks)`) sorted stably by chunk. A counting sort (linear) when the chunk count is
 * within a few times the batch, so its table stays bounded by the batch's own size; otherwise a
 * comparison sort of keys `chunk·n + position` (exact below 2^53), or of positions.
 */
export function chunkOrder(chunks: Float64Array, numChunks: number): Uint32Array | Float64Array {
  const n = chunks.length;
  if (numChunks <= 4 * n + 1024) {
    const next = new Uint32Array(numChunks + 1);
    for (let k = 0; k < n; k++) next[chunks[k]! + 1]!++;
    for (let c = 1; c <= numChunks; c++) next[c]! += next[c - 1]!;
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[next[chunks[k]!]!++] = k;
    return order;
  }
  const order = new Float64Array(n);
  if (numChunks * n < Number.MAX_SAFE_INTEGER) {
    for (let k = 0; k < n; k++) order[k] = chunks[k]! * n + k;
    order.sort();
    for (let k = 0; k < n; k++) order[k] = order[k]! % n;
  } else {
    order.set(Array.from({ length: n }, (_, k) => k).sort((a, b) => chunks[a]! - chunks[b]! || a - b));
  }
  return order;
}
