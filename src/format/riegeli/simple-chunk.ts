/**
 * Simple chunks (type 'r', FORMAT.md §4): a compression byte, the record sizes as a stream of
 * varints, then the concatenated records as a second stream.
 */
import { ArrayRecordError } from "../errors.js";
import { checkStreamSize, CompressionByte, compressionByte, decodeStreamPrefix, decodeStreamRange, type StreamCompressor } from "./codecs.js";
import { cursor, readVarintAt, varintSize, writeVarint } from "../varint.js";

/** Records decoded from one chunk: `values` holds them back to back; record i is `[starts[i], starts[i+1])`. */
export interface ChunkRecords {
  /** Number of records. */
  readonly count: number;
  /** The concatenated record bytes. */
  readonly values: Uint8Array;
  /** `count + 1` offsets into {@link values}; undefined for a single record (it is all of `values`). */
  readonly starts: Float64Array | undefined;
}

/**
 * Record `i` of `chunk` as a view (no copy): `new Uint8Array(buffer, …)`, not `subarray`, which
 * looks up the array's species and costs about twice as much per view here.
 */
export function recordAt(chunk: ChunkRecords, i: number): Uint8Array {
  const { values, starts } = chunk;
  return starts === undefined ? values : new Uint8Array(values.buffer, values.byteOffset + starts[i]!, starts[i + 1]! - starts[i]!);
}

/**
 * Decodes the data of a simple chunk holding `numRecords` records of `decodedDataSize` bytes in
 * all (both from its verified header). `fileOffset` locates errors. With `into`
 * (`decodedDataSize` bytes), compressed record bytes are decoded straight into it (see
 * `decodeStream`); uncompressed ones stay views of `data`.
 *
 * With `through` (a read of that record; not with `into`), every size is decoded and checked but
 * of compressed record bytes only as much as the codec needs for records `[0, through]` (see
 * `decodeStreamPrefix`: zstd stops after the block holding them); the result's `count` is then
 * `through + 1` where fewer than all were decoded. Bytes after them are not decoded, so damage
 * there is seen when a read needs it (the chunk's hashes, verified before, cover them all).
 */
export function decodeSimpleChunk(data: Uint8Array, numRecords: number, decodedDataSize: number, fileOffset: number, into?: Uint8Array, through?: number): ChunkRecords {
  if (data.length < 1) throw new ArrayRecordError("CORRUPT", "simple chunk has no compression byte", { offset: fileOffset });
  const type = data[0]!;
  const c = cursor(data, 1);
  const sizesLength = readVarintAt(c, fileOffset);
  if (sizesLength > c.end - c.offset) {
    throw new ArrayRecordError("CORRUPT", "simple chunk sizes run past the chunk data", { offset: fileOffset });
  }
  const sizesStart = c.offset;
  const valuesStart = sizesStart + sizesLength;
  // Each size is a varint of at most 10 bytes: a bound that needs no trust in the stream.
  const maxSizesLength = 10 * numRecords;
  if (type === CompressionByte.NONE) {
    // Stored sizes are read where they are (no view of them).
    checkStreamSize(sizesLength, maxSizesLength, undefined, fileOffset);
    const values = decodeStreamRange(type, data, valuesStart, data.length, decodedDataSize, fileOffset, decodedDataSize, into);
    return { count: numRecords, values, starts: recordStarts(data, sizesStart, valuesStart, numRecords, decodedDataSize, fileOffset) };
  }
  const sizes = decodeStreamRange(type, data, sizesStart, valuesStart, maxSizesLength, fileOffset);
  if (through !== undefined && numRecords > 1) {
    const starts = recordStarts(sizes, 0, sizes.length, numRecords, decodedDataSize, fileOffset)!;
    const last = Math.min(Math.max(0, through), numRecords - 1);
    const values = decodeStreamPrefix(type, data, valuesStart, data.length, decodedDataSize, starts[last + 1]!, fileOffset);
    return { count: values.length >= decodedDataSize ? numRecords : last + 1, values, starts };
  }
  const values = decodeStreamRange(type, data, valuesStart, data.length, decodedDataSize, fileOffset, decodedDataSize, into);
  return { count: numRecords, values, starts: recordStarts(sizes, 0, sizes.length, numRecords, decodedDataSize, fileOffset) };
}

/** The record offsets the varint sizes in `sizes[from, to)` give (see {@link ChunkRecords.starts}). */
function recordStarts(sizes: Uint8Array, from: number, to: number, numRecords: number, decodedDataSize: number, fileOffset: number): Float64Array | undefined {
  if (numRecords === 1) {
    // The common group_size:1 case: no offsets table, just check the one size.
    const c = cursor(sizes, from, to);
    const size = readVarintAt(c, fileOffset);
    if (size !== decodedDataSize || c.offset !== c.end) {
      throw new ArrayRecordError("CORRUPT", `record size ${size} does not match the chunk's decoded size ${decodedDataSize}`, { offset: fileOffset });
    }
    return undefined;
  }
  const starts = new Float64Array(numRecords + 1);
  const c = cursor(sizes, from, to);
  const n = to;
  let pos = from;
  let total = 0;
  for (let i = 0; i < numRecords; i++) {
    // Sizes under 16 KiB (1-2 bytes) inline: this loop was 11% of a group_size:256 sequential read.
    const b = pos < n ? sizes[pos]! : 0x80;
    if (b < 0x80) {
      total += b;
      pos += 1;
    } else if (pos + 1 < n && sizes[pos + 1]! < 0x80) {
      total += (b & 0x7f) | (sizes[pos + 1]! << 7);
      pos += 2;
    } else {
      c.offset = pos;
      total += readVarintAt(c, fileOffset);
      pos = c.offset;
    }
    if (total > decodedDataSize) {
      throw new ArrayRecordError("CORRUPT", "record sizes exceed the chunk's decoded size", { offset: fileOffset });
    }
    starts[i + 1] = total;
  }
  if (total !== decodedDataSize) {
    throw new ArrayRecordError("CORRUPT", `record sizes sum to ${total}, chunk header says ${decodedDataSize}`, { offset: fileOffset });
  }
  if (pos !== n) {
    throw new ArrayRecordError("CORRUPT", "unconsumed bytes after record sizes", { offset: fileOffset });
  }
  return starts;
}

/** Collects records for one simple chunk, copying them so callers may reuse their buffers. */
export class SimpleChunkBuilder {
  private values: Uint8Array = new Uint8Array(64 * 1024);
  private valuesLength = 0;
  private sizes: Uint8Array = new Uint8Array(1024);
  private sizesLength = 0;
  private data: Uint8Array = new Uint8Array(0);
  /** Where the current group begins in `values` (after groups closed by {@link endGroup}). */
  private groupValuesStart = 0;
  /** Closed groups: flat triples (sizes end, values end, record count). */
  private groups: number[] = [];
  /** Records added to the current group. */
  count = 0;

  /** Sum of the lengths of the records of the current group. */
  get decodedDataSize(): number {
    return this.valuesLength - this.groupValuesStart;
  }

  /** Groups closed by {@link endGroup} and not yet detached. */
  get closedGroups(): number {
    return this.groups.length / 3;
  }

  /** Bytes of record data held (all groups). */
  get heldBytes(): number {
    return this.valuesLength;
  }

  /** Closes the current group (to be {@link detach}ed with others, for one worker to encode them all). */
  endGroup(): void {
    this.groups.push(this.sizesLength, this.valuesLength, this.count);
    this.groupValuesStart = this.valuesLength;
    this.count = 0;
  }

  /** Appends one record. */
  add(record: Uint8Array): void {
    if (this.sizesLength + 10 > this.sizes.length) this.sizes = grow(this.sizes, this.sizesLength + 10);
    this.sizesLength = writeVarint(this.sizes, this.sizesLength, record.length);
    if (this.valuesLength + record.length > this.values.length) this.values = grow(this.values, this.valuesLength + record.length);
    this.values.set(record, this.valuesLength);
    this.valuesLength += record.length;
    this.count++;
  }

  /**
   * Encodes the collected records as simple-chunk data and empties the builder. The result is a
   * view of a buffer the next call reuses: consume it before adding more records.
   */
  finish(compressor: StreamCompressor): Uint8Array {
    const out = encodeSimpleChunkData(compressor, this.sizes.subarray(0, this.sizesLength), this.values.subarray(0, this.valuesLength), (length) => {
      if (this.data.length < length) this.data = new Uint8Array(Math.max(length, this.data.length * 2));
      return this.data;
    });
    this.sizesLength = 0;
    this.valuesLength = 0;
    this.count = 0;
    return out;
  }

  /**
   * The closed groups (see {@link endGroup}) as views of this builder's buffers, for a caller that
   * encodes them here; valid until the builder next changes. Then {@link dropClosedGroups}.
   */
  closedGroupsView(): RecordGroups {
    const groups = this.groups;
    const sizesEnd = groups.length === 0 ? 0 : groups[groups.length - 3]!;
    return { sizes: this.sizes.subarray(0, sizesEnd), values: this.values.subarray(0, this.groupValuesStart), groups };
  }

  /** Forgets the closed groups, keeping the records of the group being collected. */
  dropClosedGroups(): void {
    const groups = this.groups;
    if (groups.length === 0) return;
    const sizesEnd = groups[groups.length - 3]!;
    this.sizes.copyWithin(0, sizesEnd, this.sizesLength);
    this.sizesLength -= sizesEnd;
    this.values.copyWithin(0, this.groupValuesStart, this.valuesLength);
    this.valuesLength -= this.groupValuesStart;
    this.groupValuesStart = 0;
    this.groups = [];
  }

  /**
   * Hands the closed groups over without encoding them (to a worker that will) and empties the
   * builder, which continues in `next` buffers (e.g. ones a worker gave back) or fresh ones.
   * Call after {@link endGroup}, with no record added since.
   */
  detach(next?: { sizes: Uint8Array; values: Uint8Array }): RecordGroups {
    const batch: RecordGroups = { sizes: this.sizes, values: this.values, groups: this.groups };
    this.sizes = next?.sizes ?? new Uint8Array(this.sizes.length);
    this.values = next?.values ?? new Uint8Array(this.values.length);
    this.groups = [];
    this.sizesLength = 0;
    this.valuesLength = 0;
    this.groupValuesStart = 0;
    this.count = 0;
    return batch;
  }
}

/**
 * Consecutive groups of records, each to become one chunk: group g has the varint sizes
 * `sizes[groups[3g-3], groups[3g])` and the bytes `values[groups[3g-2], groups[3g+1])` (0 before
 * the first), and `groups[3g+2]` records.
 */
export interface RecordGroups {
  sizes: Uint8Array;
  values: Uint8Array;
  groups: number[];
}

/** Records of group `g` of `groups` (the flat triples of {@link RecordGroups}). */
export function groupRecords(groups: ArrayLike<number>, g: number): number {
  return groups[3 * g + 2]!;
}

/** Bytes of the records of group `g` of `groups` (the flat triples of {@link RecordGroups}). */
export function groupDecodedSize(groups: ArrayLike<number>, g: number): number {
  return groups[3 * g + 1]! - (g === 0 ? 0 : groups[3 * g - 2]!);
}

/**
 * Encodes simple-chunk data from the varint `sizes` stream and the concatenated `values`, into the
 * buffer `into(length)` returns (at least `length` bytes); returns the exact view.
 */
export function encodeSimpleChunkData(compressor: StreamCompressor, sizes: Uint8Array, values: Uint8Array, into: (length: number) => Uint8Array): Uint8Array {
  const sizesStream = compressor.encode(sizes);
  const bound = compressor.directBound(values.length);
  if (bound !== undefined) {
    // The values stream is compressed straight into the chunk data, after the sizes stream.
    const head = 1 + varintSize(sizesStream.length) + sizesStream.length;
    const out = into(head + bound);
    out[0] = compressionByte(compressor.compression);
    out.set(sizesStream, writeVarint(out, 1, sizesStream.length));
    return out.subarray(0, head + compressor.encodeInto(values, out, head));
  }
  const valuesStream = compressor.encode(values);
  const length = 1 + varintSize(sizesStream.length) + sizesStream.length + valuesStream.length;
  const out = into(length);
  out[0] = compressionByte(compressor.compression);
  let pos = writeVarint(out, 1, sizesStream.length);
  out.set(sizesStream, pos);
  pos += sizesStream.length;
  out.set(valuesStream, pos);
  return out.subarray(0, length);
}

function grow(buffer: Uint8Array, needed: number): Uint8Array {
  const next = new Uint8Array(Math.max(needed, buffer.length * 2));
  next.set(buffer);
  return next;
}
