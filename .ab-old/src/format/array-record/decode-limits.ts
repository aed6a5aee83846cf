/**
 * Reader resource limits: the largest chunk and record a reader will decode, checked against the
 * chunk header's declared sizes before anything is allocated for the decoded bytes.
 */
import { ArrayRecordError } from "../errors.js";

/** Largest sizes a reader decodes; a chunk beyond them fails with code `RESOURCE_LIMIT`. */
export interface DecodeLimits {
  /** Largest decoded size of one data chunk (all its records), in bytes. Default: no limit. */
  maxChunkBytes?: number;
  /** Largest record, in bytes. Default: no limit (files with records of 16 MiB and more exist). */
  maxRecordBytes?: number;
}

/**
 * Throws RESOURCE_LIMIT when a chunk declaring `numRecords` records of `decodedDataSize` bytes
 * must exceed `limits`: its total, or (before decoding) its smallest possible largest record.
 */
export function checkChunkLimits(decodedDataSize: number, numRecords: number, limits: DecodeLimits | undefined, offset: number): void {
  if (limits === undefined) return;
  const { maxChunkBytes, maxRecordBytes } = limits;
  if (maxChunkBytes !== undefined && decodedDataSize > maxChunkBytes) {
    throw new ArrayRecordError("RESOURCE_LIMIT", `chunk decodes to ${decodedDataSize} bytes, above the limit of ${maxChunkBytes}`, { offset });
  }
  // Some record holds at least the average: reject before decoding when even that is too big.
  if (maxRecordBytes !== undefined && numRecords > 0 && Math.ceil(decodedDataSize / numRecords) > maxRecordBytes) {
    throw new ArrayRecordError("RESOURCE_LIMIT", `a record of this chunk holds at least ${Math.ceil(decodedDataSize / numRecords)} bytes, above the limit of ${maxRecordBytes}`, { offset });
  }
}

/** Throws RESOURCE_LIMIT when a decoded record is longer than `limits.maxRecordBytes`. */
export function checkRecordLimit(length: number, limits: DecodeLimits | undefined, offset: number): void {
  if (limits?.maxRecordBytes !== undefined && length > limits.maxRecordBytes) {
    throw new ArrayRecordError("RESOURCE_LIMIT", `record of ${length} bytes, above the limit of ${limits.maxRecordBytes}`, { offset });
  }
}

/** Checks that each given limit is a positive safe integer (INVALID_OPTIONS otherwise). */
export function validateLimits(limits: DecodeLimits | undefined): void {
  for (const [key, value] of Object.entries(limits ?? {})) {
    if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 1)) {
      throw new ArrayRecordError("INVALID_OPTIONS", `${key} must be a positive integer, got ${String(value)}`);
    }
  }
}
