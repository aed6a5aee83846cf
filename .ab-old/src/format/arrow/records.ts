/**
 * Records ↔ an Arrow table with one binary column.
 *
 * Writing packs every record into one data buffer and one offsets buffer and
 * hands both to `makeData` (no per-record builder calls); reading hands back
 * `subarray` views of the column's data buffer (no per-record copies).
 */
import { Binary, Field, LargeBinary, RecordBatch, Schema, Struct, Table, Type, makeData } from "apache-arrow";
import type { Data, DataType, Dictionary, FixedSizeBinary, Vector } from "apache-arrow";
import { ArrayRecordError } from "../errors.js";

/** Default name of the binary column made by {@link recordsToTable}. */
export const DEFAULT_RECORD_COLUMN = "record";

/** Largest byte count one `Binary` (Int32 offsets) batch can hold. */
export const MAX_BINARY_BATCH_BYTES = 0x7fff_ffff;

/** Options of {@link recordsToTable}. */
export interface RecordsToTableOptions {
  /** Name of the binary column; default `"record"`. */
  column?: string;
  /**
   * Use `LargeBinary` (BigInt64 offsets) instead of `Binary`: one batch of any size.
   * Default false: `Binary`, split into several record batches when the bytes pass
   * {@link maxBatchBytes}.
   */
  large?: boolean;
  /**
   * Most data bytes in one record batch (a larger record gets a batch of its own).
   * For `Binary` the default and upper bound is 2³¹−1 (the Int32 offset range);
   * for `LargeBinary` the default is unlimited.
   */
  maxBatchBytes?: number;
  /** Most records in one record batch; default unlimited. */
  maxBatchRows?: number;
}

/**
 * Builds an Arrow {@link Table} with one non-nullable binary column holding `records`,
 * in order. Every record is copied once, into the batch's data buffer.
 *
 * When the records total more than 2³¹−1 bytes (the Int32 offset range of `Binary`),
 * the table gets several record batches instead of overflowing; pass
 * `{large: true}` for one `LargeBinary` batch instead. An empty input gives a table
 * with the schema and no batches.
 *
 * @example
 * const table = recordsToTable([new Uint8Array([1, 2]), new Uint8Array([3])]);
 * table.numRows;                 // 2
 * table.schema.fields[0].name;   // "record"
 * tableToRecords(table);         // [Uint8Array [1, 2], Uint8Array [3]]
 */
export function recordsToTable(
  records: Iterable<Uint8Array> | readonly Uint8Array[],
  options: RecordsToTableOptions = {},
): Table {
  const list: readonly Uint8Array[] = Array.isArray(records) ? records : Array.from(records);
  const column = options.column ?? DEFAULT_RECORD_COLUMN;
  const large = options.large ?? false;
  const maxBytes = options.maxBatchBytes ?? (large ? Number.MAX_SAFE_INTEGER : MAX_BINARY_BATCH_BYTES);
  const maxRows = options.maxBatchRows ?? Number.MAX_SAFE_INTEGER;
  if (!(Number.isInteger(maxBytes) && maxBytes >= 1 && (large || maxBytes <= MAX_BINARY_BATCH_BYTES))) {
    throw new ArrayRecordError("INVALID_OPTIONS", `maxBatchBytes must be an integer in [1, ${MAX_BINARY_BATCH_BYTES}], got ${maxBytes}`);
  }
  if (!(Number.isInteger(maxRows) && maxRows >= 1)) {
    throw new ArrayRecordError("INVALID_OPTIONS", `maxBatchRows must be a positive integer, got ${maxRows}`);
  }
  const type = large ? new LargeBinary() : new Binary();
  const field = new Field(column, type, false);
  const schema = new Schema([field]);
  const batches: RecordBatch[] = [];
  let start = 0;
  while (start < list.length) {
    // Take as many records as fit in one batch.
    let end = start;
    let bytes = 0;
    while (end < list.length && end - start < maxRows) {
      const n = list[end]!.length;
      if (!large && n > MAX_BINARY_BATCH_BYTES) {
        throw new ArrayRecordError(
          "INVALID_OPTIONS",
          `record ${end} has ${n} bytes, more than a Binary column holds (${MAX_BINARY_BATCH_BYTES}); use {large: true}`,
        );
      }
      // A record larger than maxBatchBytes on its own still gets a batch of its own.
      if (bytes + n > maxBytes && end > start) break;
      bytes += n;
      end++;
    }
    batches.push(packBatch(schema, list, start, end, bytes, large));
    start = end;
  }
  return new Table(schema, batches);
}

/** Packs `list[start, end)` (totalling `bytes`) into one record batch of `schema`. */
function packBatch(
  schema: Schema,
  list: readonly Uint8Array[],
  start: number,
  end: number,
  bytes: number,
  large: boolean,
): RecordBatch {
  const length = end - start;
  const data = new Uint8Array(bytes);
  let child: Data;
  if (large) {
    const offsets = new BigInt64Array(length + 1);
    let pos = 0;
    for (let i = 0; i < length; i++) {
      const rec = list[start + i]!;
      offsets[i] = BigInt(pos);
      data.set(rec, pos);
      pos += rec.length;
    }
    offsets[length] = BigInt(pos);
    child = makeData({ type: new LargeBinary(), length, nullCount: 0, valueOffsets: offsets, data });
  } else {
    const offsets = new Int32Array(length + 1);
    let pos = 0;
    for (let i = 0; i < length; i++) {
      const rec = list[start + i]!;
      offsets[i] = pos;
      data.set(rec, pos);
      pos += rec.length;
    }
    offsets[length] = pos;
    child = makeData({ type: new Binary(), length, nullCount: 0, valueOffsets: offsets, data });
  }
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: [child] });
  return new RecordBatch(schema, struct);
}

/** Options of {@link tableToRecords} and {@link iterateTableRecords}. */
export interface TableToRecordsOptions {
  /** Name of the column holding the records; default `"record"`. */
  column?: string;
}

/**
 * The records of a binary column, in row order, as `subarray` views of the column's
 * data buffers: nothing is copied per record (for a multi-chunk table each record
 * views its own chunk's buffer). The views alias the table: mutate neither.
 *
 * The column may be `Binary`, `LargeBinary`, `Utf8`, `LargeUtf8` (its UTF-8 bytes),
 * `FixedSizeBinary`, or a dictionary of those (rows with one index share a view). A null row is an error (INVALID_OPTIONS), since a record cannot
 * be null; a missing column or a column of another type is also INVALID_OPTIONS.
 *
 * @example
 * const table = recordsToTable([new Uint8Array([1, 2]), new Uint8Array([3])]);
 * const recs = tableToRecords(table);
 * recs[1].buffer === recs[0].buffer; // true: views of one data buffer
 */
export function tableToRecords(table: Table, options: TableToRecordsOptions = {}): Uint8Array[] {
  const out: Uint8Array[] = new Array<Uint8Array>(table.numRows);
  let i = 0;
  for (const data of recordColumnChunks(table, options.column)) i = appendChunk(data, out, i);
  out.length = i;
  return out;
}

/**
 * Like {@link tableToRecords}, but yields the records one at a time.
 *
 * @example
 * for (const rec of iterateTableRecords(table, { column: "payload" })) writer.write(rec);
 */
export function* iterateTableRecords(table: Table, options: TableToRecordsOptions = {}): Generator<Uint8Array, void, undefined> {
  for (const data of recordColumnChunks(table, options.column)) {
    const chunk: Uint8Array[] = new Array<Uint8Array>(data.length);
    appendChunk(data, chunk, 0);
    yield* chunk;
  }
}

/** The chunks of the named binary column, checked for a type records can come from. */
function recordColumnChunks(table: Table, name: string | undefined): readonly Data[] {
  const column = name ?? DEFAULT_RECORD_COLUMN;
  const vector: Vector | null = table.getChild(column);
  if (vector === null) {
    const names = table.schema.fields.map((f) => JSON.stringify(f.name)).join(", ");
    throw new ArrayRecordError("INVALID_OPTIONS", `table has no column ${JSON.stringify(column)} (columns: ${names || "none"})`);
  }
  const t = vector.type as DataType;
  const valueTypeId = t.typeId === Type.Dictionary ? (t as Dictionary).dictionary.typeId : t.typeId;
  if (!RECORD_TYPES.has(valueTypeId)) {
    throw new ArrayRecordError(
      "INVALID_OPTIONS",
      `column ${JSON.stringify(column)} has type ${String(t)}; records need Binary, LargeBinary, Utf8, LargeUtf8, FixedSizeBinary or a dictionary of them`,
    );
  }
  return vector.data;
}

const RECORD_TYPES = new Set<Type>([Type.Binary, Type.LargeBinary, Type.Utf8, Type.LargeUtf8, Type.FixedSizeBinary]);

/** Appends the records of one chunk to `out` from index `at`; returns the next index. */
function appendChunk(data: Data, out: Uint8Array[], at: number): number {
  // arrow-js slices values and offsets buffers eagerly: `data.offset` only applies to
  // the validity bitmap, so row r is at index r of `values` / `valueOffsets`.
  const { length } = data;
  const values = data.values as Uint8Array;
  if (data.nullCount > 0) {
    for (let r = 0; r < length; r++) {
      if (!data.getValid(r)) throw new ArrayRecordError("INVALID_OPTIONS", `row ${at + r} of the record column is null`);
    }
  }
  const typeId = (data.type as DataType).typeId;
  if (typeId === Type.Dictionary) {
    // Views of the dictionary's values, picked by index: still no copies.
    const dict = data.dictionary!;
    const entries: Uint8Array[] = new Array<Uint8Array>(dict.length);
    let n = 0;
    for (const chunk of dict.data) n = appendChunk(chunk, entries, n);
    const indices = data.values as unknown as ArrayLike<number | bigint>;
    for (let r = 0; r < length; r++) {
      const entry = entries[Number(indices[r]!)];
      if (entry === undefined) throw new ArrayRecordError("CORRUPT", `row ${at + r}: dictionary index ${indices[r]} out of range`);
      out[at + r] = entry;
    }
    return at + length;
  }
  if (typeId === Type.FixedSizeBinary) {
    const width = (data.type as unknown as FixedSizeBinary).byteWidth;
    for (let r = 0; r < length; r++) {
      const s = r * width;
      out[at + r] = values.subarray(s, s + width);
    }
  } else if (typeId === Type.LargeBinary || typeId === Type.LargeUtf8) {
    const offs = data.valueOffsets as unknown as BigInt64Array;
    for (let r = 0; r < length; r++) {
      out[at + r] = values.subarray(Number(offs[r]!), Number(offs[r + 1]!));
    }
  } else {
    const offs = data.valueOffsets as Int32Array;
    for (let r = 0; r < length; r++) {
      out[at + r] = values.subarray(offs[r]!, offs[r + 1]!);
    }
  }
  return at + length;
}
