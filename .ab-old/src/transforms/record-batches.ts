/**
 * Many records as one element: varint length + bytes, repeated. A sink's records cross the
 * runner's shuffle in batches of about {@link DEFAULT_BATCH_BYTES} instead of one element each: on a
 * portable runner (Flink) every element costs a coder call and Fn API framing on both sides of the
 * shuffle, which dominated the time of 1 KB records (see docs/BEAM.md, "Throughput").
 */
import { ArrayRecordError } from "../format/errors.js";
import { cursor, readVarint, varintSize, writeVarint } from "../format/varint.js";

/** Record bytes a batch collects before it is emitted (a larger record makes a batch of its own). */
export const DEFAULT_BATCH_BYTES = 1 << 20;

/** Records being collected into one batch. */
export class RecordBatchBuilder {
  private records: Uint8Array[] = [];
  private size = 0;

  /** Number of records collected. */
  get length(): number {
    return this.records.length;
  }

  /** Encoded size of the batch so far. */
  get bytes(): number {
    return this.size;
  }

  /** Adds a record; anything but a Uint8Array is INVALID_OPTIONS (as the writers say). */
  add(record: Uint8Array): void {
    if (!(record instanceof Uint8Array)) throw new ArrayRecordError("INVALID_OPTIONS", `a record must be a Uint8Array, got ${typeof record}`);
    this.records.push(record);
    this.size += varintSize(record.length) + record.length;
  }

  /** The encoded batch of every record added; empties the builder. */
  take(): Uint8Array {
    const out = new Uint8Array(this.size);
    let pos = 0;
    for (const record of this.records) {
      pos = writeVarint(out, pos, record.length);
      out.set(record, pos);
      pos += record.length;
    }
    this.records = [];
    this.size = 0;
    return out;
  }
}

/** Encodes `records` as one batch. */
export function packRecords(records: Iterable<Uint8Array>): Uint8Array {
  const builder = new RecordBatchBuilder();
  for (const record of records) builder.add(record);
  return builder.take();
}

/** The records of a batch, as views into it; a length running past the end is CORRUPT. */
export function* unpackRecords(batch: Uint8Array): Generator<Uint8Array> {
  const c = cursor(batch);
  while (c.offset < c.end) {
    const length = readVarint(c);
    if (length > c.end - c.offset) {
      throw new ArrayRecordError("CORRUPT", `record batch: a record of ${length} bytes runs past the batch's end`, { offset: c.offset });
    }
    yield batch.subarray(c.offset, c.offset + length);
    c.offset += length;
  }
}
