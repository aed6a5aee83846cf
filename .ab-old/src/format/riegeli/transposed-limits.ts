/**
 * Bounds the transposed-chunk decoder puts on sizes read from a chunk before it trusts them. A
 * chunk header's `decoded_data_size` and `num_records` are hash-checked but chosen by the writer,
 * so every other count is checked against them or against bytes that are really present.
 */

/** Bytes of varint-encoded record lengths a chunk of `numRecords` records may need. */
const VARINT_BYTES = 10;

/**
 * Largest total of buffer lengths a valid chunk can declare: every buffer byte is copied to the
 * records once (strings, fixed values, varints, non-proto records), except the non-proto lengths.
 */
export function maxBufferBytes(numRecords: number, decodedDataSize: number): number {
  return decodedDataSize + VARINT_BYTES * numRecords;
}

/**
 * Largest decompressed header a valid chunk can have: each state costs at most 16 header bytes
 * (tag, next, subtype, buffer index) and each buffer or bucket 10; states and buffers are bounded
 * by the fields present in the records. Generous on purpose: it only stops absurd claims.
 */
export function maxHeaderBytes(numRecords: number, decodedDataSize: number): number {
  return 4096 + 64 * (decodedDataSize + numRecords);
}

/**
 * Largest decompressed transitions stream a valid chunk can have: one state per record byte or
 * record at most, each reached by a few transition bytes (a chain of no-op states for far jumps).
 */
export function maxTransitionBytes(numRecords: number, decodedDataSize: number): number {
  return 1024 + 16 * (decodedDataSize + numRecords);
}

/**
 * Most state-machine steps a chunk may take. A step either consumes a transition byte, repeats
 * (at most 3 per byte), or leaves an implicit state that produced output or a record boundary.
 * Valid chunks stay far below; a malformed one with long implicit no-op chains stops here.
 */
export function maxSteps(transitionBytes: number, numRecords: number, decodedDataSize: number): number {
  return 4 * transitionBytes + 2 * (decodedDataSize + numRecords) + 1024;
}
