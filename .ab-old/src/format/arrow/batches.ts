/**
 * Arrow record batches ↔ records ("batch records"): every record is one complete
 * Arrow IPC stream (schema message, the dictionary batches its columns use, one
 * record batch message, end-of-stream marker) that decodes on its own.
 */
import { DataType, RecordBatch, RecordBatchReader, RecordBatchStreamWriter, Struct, Table, Type, Vector } from "apache-arrow";
import type { Data, Field, Schema } from "apache-arrow";
import { ArrayRecordError } from "../errors.js";

/**
 * Serializes one record batch as a self-contained Arrow IPC stream: schema (with its
 * custom metadata and field metadata), one dictionary batch per dictionary the batch
 * uses, the record batch (with its own custom metadata), end-of-stream.
 *
 * A zero-row batch is written as a zero-row record batch message, so the record
 * still carries the schema.
 *
 * @example
 * const table = tableFromArrays({ id: Int32Array.of(1, 2) });
 * const record = recordBatchToRecord(table.batches[0]);
 * recordToRecordBatches(record)[0].numRows; // 2
 */
export function recordBatchToRecord(batch: RecordBatch): Uint8Array {
  // Re-wrapping turns arrow-js's internal "no batches at all" placeholder into an
  // ordinary zero-row batch, which the writer would otherwise skip.
  const plain = new RecordBatch(batch.schema, batch.data, batch.metadata);
  const writer = new RecordBatchStreamWriter();
  writer.write(plain);
  writer.finish();
  return writer.toUint8Array(true);
}

/**
 * Decodes a record written by {@link recordBatchToRecord}: the record batches of one
 * Arrow IPC stream (normally exactly one). An IPC *file* image is accepted too.
 *
 * The decoded columns may view `bytes` without copying (when `bytes` is 8-byte
 * aligned), so do not reuse `bytes` while the batches are in use. Bytes that are not
 * an Arrow IPC stream → ArrayRecordError CORRUPT (TRUNCATED when they end early).
 *
 * @example
 * const [batch] = recordToRecordBatches(record);
 * batch.schema.fields.map((f) => f.name); // ["id"]
 */
export function recordToRecordBatches(bytes: Uint8Array): RecordBatch[] {
  return decodeStream(bytes, "record").batches;
}

/**
 * Serializes every record batch of `table` with {@link recordBatchToRecord}, in order.
 * A table with no batches gives no records (its schema is then not recorded anywhere;
 * pass it to {@link batchRecordsToTable} as `{schema}` when reading back). Zero-row
 * batches give zero-row records, which do carry the schema. Note that arrow-js gives a
 * table read from an IPC file or stream without batches one zero-row placeholder
 * batch, so such a table gives one (zero-row) record.
 *
 * @example
 * const records = tableToBatchRecords(tableFromIPC(readFileSync("data.arrow")));
 * // write `records` with an ArrayRecord writer, one batch per record
 */
export function tableToBatchRecords(table: Table): Uint8Array[] {
  return table.batches.map((b) => recordBatchToRecord(b));
}

/** Options of {@link batchRecordsToTable}. */
export interface BatchRecordsToTableOptions {
  /**
   * Schema of the table to return when `records` is empty. Without it an empty input
   * gives a table with no columns and no batches (the schema is unknown).
   */
  schema?: Schema;
}

/**
 * Decodes batch records (see {@link recordBatchToRecord}) into one table: the batches
 * of all records, in order. Every record must have the same schema (field names,
 * types, nullability, recursively; dictionary ids may differ, metadata may differ and
 * the first record's is kept) → else ArrayRecordError CORRUPT naming the record index.
 *
 * Empty input is not an error: it gives `new Table(options.schema)` when a schema is
 * given, else an empty table with no columns.
 *
 * Dictionary-encoded columns: each record carries its own copy of the dictionaries
 * it uses. Copies equal to the previous record's are replaced by that one object, so
 * a table that had one dictionary still has one (and can be written as an IPC file,
 * which forbids replacement dictionaries); different dictionaries are kept as they
 * are (fine for the IPC stream format, rejected by arrow-js's file writer).
 *
 * @example
 * const table = batchRecordsToTable(tableToBatchRecords(original));
 * table.numRows === original.numRows; // true
 */
export function batchRecordsToTable(
  records: Iterable<Uint8Array> | readonly Uint8Array[],
  options: BatchRecordsToTableOptions = {},
): Table {
  const batches: RecordBatch[] = [];
  let schema: Schema | undefined;
  let index = 0;
  const dictionaries = new Map<number, Vector>();
  for (const record of records) {
    const decoded = decodeStream(record, `record ${index}`);
    if (schema === undefined) schema = decoded.schema;
    else if (!sameFields(schema.fields, decoded.schema.fields)) {
      throw new ArrayRecordError(
        "CORRUPT",
        `record ${index} has schema ${describeSchema(decoded.schema)}, but record 0 has ${describeSchema(schema)}`,
      );
    }
    for (const b of decoded.batches) {
      // Use the first record's types (and so its dictionary ids) for every batch.
      const data = index === 0 ? b.data : retype(b.data, schema.fields, new Struct(schema.fields));
      shareDictionaries(data, dictionaries);
      batches.push(new RecordBatch(schema, data as Data<Struct>, b.metadata));
    }
    index++;
  }
  if (schema === undefined) return options.schema === undefined ? new Table() : new Table(options.schema);
  return new Table(schema, batches);
}

/**
 * Decodes an Arrow IPC stream or file image into its schema and record batches, with
 * arrow-js errors turned into ArrayRecordErrors (CORRUPT / TRUNCATED) that name `what`.
 * Internal to the arrow-* modules (not re-exported by arrow.ts).
 *
 * @example
 * const { schema, batches } = decodeStream(bytes, "record 7");
 */
export function decodeStream(bytes: Uint8Array, what: string): { schema: Schema; batches: RecordBatch[] } {
  const format = detectIpcFormat(bytes);
  if (format === undefined) {
    throw new ArrayRecordError(
      bytes.length < 8 ? "TRUNCATED" : "CORRUPT",
      `${what} is not an Arrow IPC stream (${bytes.length} bytes starting ${hexPrefix(bytes)}; ` +
        `expected the continuation marker ffffffff or the file magic ARROW1)`,
    );
  }
  const input = aligned(bytes);
  let schema: Schema | null | undefined;
  let batches: RecordBatch[];
  try {
    const reader = RecordBatchReader.from(input);
    reader.open();
    schema = reader.schema as Schema | null | undefined; // cleared once the reader is drained
    batches = schema ? reader.readAll() : [];
  } catch (e) {
    if (e instanceof ArrayRecordError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    const truncated = /but only read|end of|truncat/i.test(message);
    throw new ArrayRecordError(truncated ? "TRUNCATED" : "CORRUPT", `${what} is not a valid Arrow IPC ${format}: ${message}`, {}, { cause: e });
  }
  if (schema === null || schema === undefined) {
    throw new ArrayRecordError("TRUNCATED", `${what} ends before the schema message of its Arrow IPC ${format} (${bytes.length} bytes)`);
  }
  // arrow-js reads truncated bodies silently as shorter buffers; check every batch
  // against its declared layout so a cut record fails here rather than later.
  for (const b of batches) checkLengths(b.data, what);
  return { schema, batches };
}

/** Arrow IPC file magic `ARROW1`. */
const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];

/**
 * "file" when `bytes` start with the IPC file magic `ARROW1`, "stream" when they
 * start with the IPC continuation marker `ffffffff`, else undefined. Pre-0.15 legacy
 * streams (no continuation marker) are not recognized.
 *
 * @example
 * detectIpcFormat(tableToIPC(table, "file")); // "file"
 */
export function detectIpcFormat(bytes: Uint8Array): "file" | "stream" | undefined {
  if (bytes.length >= 6 && MAGIC.every((m, i) => bytes[i] === m)) return "file";
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff) return "stream";
  return undefined;
}

function hexPrefix(bytes: Uint8Array): string {
  return bytes.length === 0 ? "(empty)" : Buffer.from(bytes.subarray(0, 8)).toString("hex");
}

/**
 * arrow-js builds typed arrays over the input's ArrayBuffer; they need aligned
 * offsets, so an unaligned view (e.g. a record sliced out of a larger buffer) is
 * copied once.
 */
function aligned(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset % 8 === 0) return bytes;
  return new Uint8Array(bytes); // a copy (Buffer#slice would keep the offset)
}

/** Throws TRUNCATED when a buffer is shorter than the layout of `data` requires. */
function checkLengths(data: Data, what: string): void {
  const t = data.type as DataType;
  // arrow-js slices value and offset buffers eagerly; only bitmaps use `data.offset`
  const end = data.length;
  const short = (name: string, have: number, need: number): never => {
    throw new ArrayRecordError("TRUNCATED", `${what}: ${name} buffer of a ${String(t)} column holds ${have} values, needs ${need}`);
  };
  if (data.length > 0) {
    switch (t.typeId) {
      case Type.Null:
      case Type.Struct:
      case Type.Union:
      case Type.DenseUnion:
      case Type.SparseUnion:
        break;
      case Type.Bool:
        if (data.values.length * 8 < data.offset + end) short("values", data.values.length * 8, data.offset + end);
        break;
      case Type.Binary:
      case Type.Utf8:
      case Type.LargeBinary:
      case Type.LargeUtf8: {
        const offs = data.valueOffsets as ArrayLike<number | bigint>;
        if (offs.length < end + 1) short("offsets", offs.length, end + 1);
        const last = Number(offs[end]!);
        if (data.values.length < last) short("data", data.values.length, last);
        break;
      }
      case Type.List:
      case Type.LargeList:
      case Type.Map: {
        const offs = data.valueOffsets as ArrayLike<number | bigint>;
        if (offs.length < end + 1) short("offsets", offs.length, end + 1);
        break;
      }
      case Type.FixedSizeList:
        break;
      case Type.Dictionary:
      default: {
        const values = data.values as ArrayLike<unknown> | undefined;
        const stride = (data as unknown as { stride: number }).stride ?? 1;
        if (values !== undefined && values.length < end * stride) short("values", values.length, end * stride);
      }
    }
  }
  for (const child of data.children) checkLengths(child, what);
}

/**
 * Replaces each dictionary of `data` (and its children) by an equal one seen
 * earlier under the same id, so batches decoded from separate records share them.
 */
function shareDictionaries(data: Data, seen: Map<number, Vector>): void {
  const t = data.type as DataType;
  if (t.typeId === Type.Dictionary && data.dictionary !== undefined) {
    const id = (t as unknown as { id: number }).id;
    const prev = seen.get(id);
    if (prev === undefined) seen.set(id, data.dictionary);
    else if (prev !== data.dictionary) {
      if (valuesEqual(prev, data.dictionary)) data.dictionary = prev;
      else seen.set(id, data.dictionary);
    }
  }
  for (const child of data.children) shareDictionaries(child, seen);
}

/**
 * Deep equality of Arrow values as arrow-js returns them: numbers (NaN equals NaN),
 * bigints, strings, booleans, byte arrays, vectors, struct rows, maps and null.
 *
 * @example
 * valuesEqual(a.getChild("x")!.get(3), b.getChild("x")!.get(3)); // cell equality
 */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof Vector || b instanceof Vector) {
    if (!(a instanceof Vector && b instanceof Vector) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a.get(i), b.get(i))) return false;
    return true;
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!(ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!valuesEqual(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false;
    const ea = [...a.entries()];
    const eb = [...b.entries()];
    return ea.every(([k, v], i) => valuesEqual(k, eb[i]![0]) && valuesEqual(v, eb[i]![1]));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    return a.every((v, i) => valuesEqual(v, b[i]));
  }
  // Struct rows, map rows, plain objects: compare their own enumerable keys.
  const ja = toPlain(a);
  const jb = toPlain(b);
  const ka = Object.keys(ja);
  const kb = Object.keys(jb);
  if (ka.length !== kb.length) return false;
  return ka.every((k, i) => k === kb[i] && valuesEqual(ja[k], jb[k]));
}

function toPlain(x: object): Record<string, unknown> {
  const withJson = x as { toJSON?: () => unknown };
  const v = typeof withJson.toJSON === "function" ? withJson.toJSON() : x;
  return (typeof v === "object" && v !== null ? v : { value: v }) as Record<string, unknown>;
}

/** Same names, nullability and types, recursively; dictionary ids are ignored. */
function sameFields(a: readonly Field[], b: readonly Field[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && f.nullable === b[i]!.nullable && sameType(f.type, b[i]!.type));
}

function sameType(a: DataType, b: DataType): boolean {
  if (a.typeId !== b.typeId || String(a) !== String(b)) return false;
  if (DataType.isDictionary(a) && DataType.isDictionary(b)) {
    return a.isOrdered === b.isOrdered && sameType(a.indices, b.indices) && sameType(a.dictionary, b.dictionary);
  }
  return sameFields(a.children ?? [], b.children ?? []);
}

/**
 * `data` (of a schema {@link sameFields} as `fields`) relabelled with the types of
 * `fields`, recursively, so that dictionary ids agree with the first record's.
 */
function retype(data: Data, fields: readonly Field[], type: DataType): Data {
  const children = data.children.map((c, i) => retype(c, fields[i]!.type.children ?? [], fields[i]!.type));
  return data.clone(type, data.offset, data.length, data.nullCount, undefined, children);
}

function describeSchema(s: Schema): string {
  return `{${s.fields.map((f) => `${f.name}: ${String(f.type)}${f.nullable ? "?" : ""}`).join(", ")}}`;
}
