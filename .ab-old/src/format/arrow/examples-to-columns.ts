/**
 * tf.train.Example records ↔ Arrow rows: one row per Example, one column per feature.
 *
 * Example → Arrow: int64 → `Int64`, float → `Float32`, bytes → `Binary` (or `Utf8`
 * with `bytesAs: "utf8"`); a feature becomes `List<…>` when any record has other than
 * exactly one value for it; a missing feature is null. With no schema given, the schema
 * is inferred once from the whole input ({@link inferExampleSchema}), so every batch of
 * one conversion has the same schema.
 *
 * Errors: a record that is not an Example → CORRUPT (from the Example decoder). A value
 * that does not fit the schema (wrong kind, a list for a scalar column, a missing
 * feature for a non-nullable column, an int64 out of a narrower column's range, bytes
 * that are not UTF-8 for a Utf8 column) or features whose kinds disagree between records
 * → INVALID_OPTIONS, naming the feature and the record index: the bytes are a valid
 * Example, it is the pairing with the schema that fails. An Arrow column type that has
 * no Example counterpart → UNSUPPORTED, naming the column.
 */
import { isUtf8 } from "node:buffer";
import {
  Bool,
  DataType,
  Field,
  List,
  Null,
  Precision,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  makeData,
  util,
} from "apache-arrow";
import type { Data, FixedSizeList, Float, Int, LargeList } from "apache-arrow";

import type { FeatureValue } from "../example/index.js";
import {
  DEFAULT_EXAMPLE_BATCH_ROWS,
  inferExampleSchema,
  invalid,
  q,
  toMap,
  unsupportedColumn,
  type ExampleSource,
  type ExamplesToTableOptions,
  type Kind,
} from "./example-schema.js";

/**
 * Converts tf.train.Example records into an Arrow table, one row per record and one
 * column per field of the schema (given, or inferred from all of `records` first, see
 * {@link inferExampleSchema}). Batches hold at most `batchRows` rows.
 *
 * Column types accepted in a given schema: int64 features → Int8…Int64, Uint8…Uint64
 * (range-checked) or Bool (0/1); float → Float16 (rounded), Float32, Float64; bytes →
 * Binary, LargeBinary, Utf8, LargeUtf8 (UTF-8 checked); each also as the item of a List,
 * LargeList or FixedSizeList (exact length); and Null (feature must be absent or empty).
 *
 * @example
 * const table = examplesToTable(records);                        // inferred schema
 * const texts = examplesToTable(records, { bytesAs: "utf8" });   // bytes → Utf8
 * const fixed = examplesToTable(more, { schema: table.schema }); // same columns
 */
export function examplesToTable(records: Iterable<ExampleSource>, options: ExamplesToTableOptions = {}): Table {
  let schema = options.schema;
  let input: Iterable<ExampleSource> = records;
  if (schema === undefined) {
    // Infer from everything, then build. Serialized records are decoded twice rather
    // than kept decoded: decoding is cheap, holding every decoded Example is not (GC).
    const list = Array.isArray(records) ? (records as readonly ExampleSource[]) : Array.from(records);
    schema = inferExampleSchema(list, options);
    input = list;
  }
  return new Table(schema, [...examplesToRecordBatches(input, schema, options)]);
}

/**
 * Streams Examples into record batches of a known `schema` (see {@link examplesToTable}
 * for the accepted types); nothing but the current batch is held in memory.
 *
 * @example
 * for (const batch of examplesToRecordBatches(reader.records(), schema, { batchRows: 8192 })) {
 *   sink.write(recordBatchToRecord(batch));
 * }
 */
export function* examplesToRecordBatches(
  records: Iterable<ExampleSource>,
  schema: Schema,
  options: Pick<ExamplesToTableOptions, "batchRows"> = {},
): Generator<RecordBatch, void, undefined> {
  const batchRows = options.batchRows ?? DEFAULT_EXAMPLE_BATCH_ROWS;
  if (!(Number.isInteger(batchRows) && batchRows >= 1)) invalid(`batchRows must be a positive integer, got ${batchRows}`);
  const names = schema.fields.map((f) => f.name);
  let sinks = schema.fields.map((f) => columnSink(f));
  let rows = 0;
  let index = 0;
  for (const source of records) {
    const example = toMap(source, index);
    for (let c = 0; c < sinks.length; c++) sinks[c]!.add(example.get(names[c]!), index);
    index++;
    if (++rows === batchRows) {
      yield finishBatch(schema, sinks, rows);
      sinks = schema.fields.map((f) => columnSink(f));
      rows = 0;
    }
  }
  if (rows > 0) yield finishBatch(schema, sinks, rows);
}

function finishBatch(schema: Schema, sinks: ColumnSink[], rows: number): RecordBatch {
  const children = sinks.map((s) => s.finish());
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
}

// ---------------------------------------------------------------------------
// Example → Arrow: column and leaf sinks

/** Growable typed array. */
class Grow<T extends Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array> {
  arr: T;
  n = 0;
  constructor(private readonly ctor: new (n: number) => T) {
    this.arr = new ctor(64);
  }
  reserve(k: number): T {
    if (this.n + k > this.arr.length) {
      const next = new this.ctor(Math.max(this.arr.length * 2, this.n + k));
      (next as unknown as { set(a: T): void }).set(this.arr);
      this.arr = next;
    }
    return this.arr;
  }
  done(): T {
    return this.arr.subarray(0, this.n) as T;
  }
}

/** Validity bitmap builder. */
class Bits {
  private bytes = new Uint8Array(8);
  length = 0;
  nulls = 0;
  push(valid: boolean): void {
    const i = this.length++;
    if (i >> 3 >= this.bytes.length) {
      const next = new Uint8Array(this.bytes.length * 2);
      next.set(this.bytes);
      this.bytes = next;
    }
    if (valid) this.bytes[i >> 3]! |= 1 << (i & 7);
    else this.nulls++;
  }
  done(): Uint8Array | undefined {
    return this.nulls === 0 ? undefined : this.bytes.subarray(0, (this.length + 7) >> 3);
  }
}

/** Receives every value of one leaf type. */
interface Leaf {
  readonly kind: Kind;
  /** Values so far. */
  readonly count: number;
  /** Appends all values of `fv` (its kind already checked). */
  add(fv: FeatureValue, feature: string, record: number): void;
  /** Appends `n` placeholder values (under null slots). */
  pad(n: number): void;
  /** The column of every value so far, with this validity (scalar columns only). */
  finish(validity?: Bits): Data;
}

/** makeData's validity props for a {@link Bits}, or none. */
function validityProps(validity: Bits | undefined): { nullCount: number; nullBitmap?: Uint8Array } {
  const nullBitmap = validity?.done();
  return nullBitmap === undefined ? { nullCount: 0 } : { nullCount: validity!.nulls, nullBitmap };
}

interface ColumnSink {
  add(fv: FeatureValue | undefined, record: number): void;
  finish(): Data;
}

function makeLeaf(field: Field, type: DataType): Leaf {
  switch (type.typeId) {
    case Type.Int:
      return intLeaf(type as Int);
    case Type.Bool:
      return boolLeaf();
    case Type.Float:
      return floatLeaf(type as Float);
    case Type.Binary:
    case Type.Utf8:
    case Type.LargeBinary:
    case Type.LargeUtf8:
      return bytesLeaf(type);
    default:
      return unsupportedColumn(field);
  }
}

function intLeaf(type: Int): Leaf {
  const bits = type.bitWidth;
  const signed = type.isSigned;
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const ctor = type.ArrayType as new (n: number) => Int8Array;
  const g = new Grow(ctor);
  const big = bits === 64;
  return {
    kind: "int64",
    get count() {
      return g.n;
    },
    add(fv, feature, record) {
      const values = fv.values as bigint[];
      const arr = g.reserve(values.length) as unknown as { [i: number]: number | bigint };
      for (const v of values) {
        if (v < min || v > max) invalid(`feature ${q(feature)} in record ${record}: ${v} does not fit column type ${String(type)}`);
        arr[g.n++] = big ? v : Number(v);
      }
    },
    pad(n) {
      g.reserve(n);
      g.n += n;
    },
    finish(validity) {
      return makeData({ type, length: g.n, ...validityProps(validity), data: g.done() as never });
    },
  };
}

function boolLeaf(): Leaf {
  let values = new Uint8Array(8);
  let n = 0;
  const push = (b: boolean): void => {
    if (n >> 3 >= values.length) {
      const next = new Uint8Array(values.length * 2);
      next.set(values);
      values = next;
    }
    if (b) values[n >> 3]! |= 1 << (n & 7);
    n++;
  };
  return {
    kind: "int64",
    get count() {
      return n;
    },
    add(fv, feature, record) {
      for (const v of fv.values as bigint[]) {
        if (v !== 0n && v !== 1n) invalid(`feature ${q(feature)} in record ${record}: ${v} does not fit column type Bool (0 or 1)`);
        push(v === 1n);
      }
    },
    pad(k) {
      for (let i = 0; i < k; i++) push(false);
    },
    finish(validity) {
      return makeData({ type: new Bool(), length: n, ...validityProps(validity), data: values.subarray(0, (n + 7) >> 3) });
    },
  };
}

function floatLeaf(type: Float): Leaf {
  const half = type.precision === Precision.HALF;
  const g = new Grow((half ? Uint16Array : type.precision === Precision.SINGLE ? Float32Array : Float64Array) as new (n: number) => Float64Array);
  return {
    kind: "float",
    get count() {
      return g.n;
    },
    add(fv) {
      const values = fv.values as Float32Array;
      const arr = g.reserve(values.length);
      if (half) for (let i = 0; i < values.length; i++) arr[g.n++] = util.float64ToUint16(values[i]!);
      else {
        arr.set(values, g.n);
        g.n += values.length;
      }
    },
    pad(n) {
      g.reserve(n);
      g.n += n;
    },
    finish(validity) {
      return makeData({ type, length: g.n, ...validityProps(validity), data: g.done() as never });
    },
  };
}

function bytesLeaf(type: DataType): Leaf {
  const large = type.typeId === Type.LargeBinary || type.typeId === Type.LargeUtf8;
  const utf8 = type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8;
  const views: Uint8Array[] = [];
  let total = 0;
  return {
    kind: "bytes",
    get count() {
      return views.length;
    },
    add(fv, feature, record) {
      for (const v of fv.values as Uint8Array[]) {
        if (utf8 && !isUtf8(v)) {
          invalid(`feature ${q(feature)} in record ${record}: bytes are not valid UTF-8, as column type ${String(type)} needs (use bytesAs: "binary")`);
        }
        total += v.length;
        if (!large && total > 0x7fff_ffff) {
          invalid(`feature ${q(feature)}: more than 2^31-1 bytes in one ${String(type)} batch; lower batchRows or use a Large type`);
        }
        views.push(v);
      }
    },
    pad(n) {
      for (let i = 0; i < n; i++) views.push(EMPTY);
    },
    finish(validity) {
      const data = new Uint8Array(total);
      const n = views.length;
      if (large) {
        const offsets = new BigInt64Array(n + 1);
        let pos = 0;
        for (let i = 0; i < n; i++) {
          offsets[i] = BigInt(pos);
          data.set(views[i]!, pos);
          pos += views[i]!.length;
        }
        offsets[n] = BigInt(pos);
        return makeData({ type, length: n, ...validityProps(validity), valueOffsets: offsets, data } as never);
      }
      const offsets = new Int32Array(n + 1);
      let pos = 0;
      for (let i = 0; i < n; i++) {
        offsets[i] = pos;
        data.set(views[i]!, pos);
        pos += views[i]!.length;
      }
      offsets[n] = pos;
      return makeData({ type, length: n, ...validityProps(validity), valueOffsets: offsets, data } as never);
    },
  };
}

const EMPTY = new Uint8Array(0);

function checkKind(leaf: Leaf, fv: FeatureValue, field: Field, record: number): void {
  if (fv.kind !== "none" && fv.kind !== leaf.kind) {
    invalid(`feature ${q(field.name)} in record ${record} is ${fv.kind}, but column type ${String(field.type)} needs ${leaf.kind}`);
  }
}

function columnSink(field: Field): ColumnSink {
  const type = field.type as DataType;
  const valid = new Bits();
  const missing = (record: number): void => {
    if (!field.nullable) invalid(`feature ${q(field.name)} is missing in record ${record}, but its column is not nullable`);
    valid.push(false);
  };
  switch (type.typeId) {
    case Type.Null: {
      let n = 0;
      return {
        add(fv, record) {
          if (fv !== undefined && fv.values.length > 0) {
            invalid(`feature ${q(field.name)} in record ${record} has ${fv.values.length} values, but its column has type Null`);
          }
          n++;
        },
        finish: () => makeData({ type: new Null(), length: n }),
      };
    }
    case Type.List:
    case Type.LargeList: {
      const large = type.typeId === Type.LargeList;
      const leaf = makeLeaf(field, (type as List | LargeList).valueType as DataType);
      const offsets = large ? new Grow(BigInt64Array) : new Grow(Int32Array);
      offsets.reserve(1)[offsets.n++] = large ? 0n : (0 as never);
      return {
        add(fv, record) {
          if (fv === undefined) missing(record);
          else {
            checkKind(leaf, fv, field, record);
            leaf.add(fv, field.name, record);
            valid.push(true);
          }
          if (!large && leaf.count > 0x7fff_ffff) invalid(`column ${q(field.name)}: more than 2^31-1 list items in one batch`);
          (offsets.reserve(1) as unknown as { [i: number]: number | bigint })[offsets.n++] = large ? BigInt(leaf.count) : leaf.count;
        },
        finish() {
          const child = leaf.finish();
          const length = offsets.n - 1;
          return makeData({ type, length, ...validityProps(valid), valueOffsets: offsets.done(), child } as never);
        },
      };
    }
    case Type.FixedSizeList: {
      const size = (type as FixedSizeList).listSize;
      const leaf = makeLeaf(field, (type as FixedSizeList).valueType as DataType);
      return {
        add(fv, record) {
          if (fv === undefined) {
            missing(record);
            leaf.pad(size);
            return;
          }
          checkKind(leaf, fv, field, record);
          if (fv.values.length !== size) {
            invalid(`feature ${q(field.name)} in record ${record} has ${fv.values.length} values, but column type ${String(type)} needs ${size}`);
          }
          leaf.add(fv, field.name, record);
          valid.push(true);
        },
        finish() {
          const child = leaf.finish();
          return makeData({ type, length: valid.length, ...validityProps(valid), child } as never);
        },
      };
    }
    default: {
      const leaf = makeLeaf(field, type);
      return {
        add(fv, record) {
          if (fv === undefined) {
            missing(record);
            leaf.pad(1);
            return;
          }
          checkKind(leaf, fv, field, record);
          if (fv.values.length !== 1) {
            invalid(
              `feature ${q(field.name)} in record ${record} has ${fv.values.length} values, but column type ${String(type)} holds one (use a List column)`,
            );
          }
          leaf.add(fv, field.name, record);
          valid.push(true);
        },
        finish: () => leaf.finish(valid),
      };
    }
  }
}
