/**
 * Arrow rows → tf.train.Example records: each column becomes one feature (integers and booleans
 * → int64, floats → float, binary and strings → bytes; lists, fixed-size lists and dictionaries
 * of those too). A null row omits the feature. A column type no Example holds → UNSUPPORTED,
 * naming the column, before any row is read.
 */

import { DataType, Field, List, Precision, Table, Type, util } from "apache-arrow";
import type { Data, Dictionary, FixedSizeList, Float, Int } from "apache-arrow";
import { ArrayRecordError } from "../errors.js";
import { encodeExample } from "../example/index.js";
import type { FeatureInput } from "../example/index.js";
import { q, unsupportedColumn, type Kind } from "./example-schema.js";

// ---------------------------------------------------------------------------
// Arrow → Example

/** Reads the values of rows [start, end) of a leaf column as one Example feature. */
type LeafReader = (start: number, end: number, row: number) => FeatureInput;

function columnError(column: string, message: string): never {
  throw new ArrayRecordError("INVALID_OPTIONS", `column ${q(column)}: ${message}`);
}

function checkNoNulls(data: Data, start: number, end: number, column: string, row: number): void {
  if (data.nullCount === 0) return;
  for (let i = start; i < end; i++) {
    if (!data.getValid(i)) columnError(column, `row ${row} holds a null list item, which tf.train.Example cannot represent`);
  }
}

function leafReader(data: Data, field: Field, column: string): LeafReader {
  const type = data.type as DataType;
  switch (type.typeId) {
    case Type.Int: {
      const values = data.values as unknown as ArrayLike<number | bigint>;
      const unsigned64 = (type as Int).bitWidth === 64 && !(type as Int).isSigned;
      if (values instanceof BigInt64Array) {
        // Int64: hand the encoder a view of the column
        return (start, end, row) => {
          checkNoNulls(data, start, end, column, row);
          return { kind: "int64", values: values.subarray(start, end) };
        };
      }
      return (start, end, row) => {
        checkNoNulls(data, start, end, column, row);
        const out: (number | bigint)[] = new Array<number | bigint>(end - start);
        for (let i = start; i < end; i++) {
          const v = values[i]!;
          if (unsigned64 && (v as bigint) > 0x7fff_ffff_ffff_ffffn) columnError(column, `row ${row}: ${v} does not fit in int64`);
          out[i - start] = v;
        }
        return { kind: "int64", values: out };
      };
    }
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      const base = data.offset;
      return (start, end, row) => {
        checkNoNulls(data, start, end, column, row);
        const out: number[] = new Array<number>(end - start);
        for (let i = start; i < end; i++) out[i - start] = (bits[(base + i) >> 3]! >> ((base + i) & 7)) & 1;
        return { kind: "int64", values: out };
      };
    }
    case Type.Float: {
      const half = (type as Float).precision === Precision.HALF;
      const values = data.values as unknown as ArrayLike<number>;
      if (values instanceof Float32Array) {
        // Float32: hand the encoder a view of the column
        return (start, end, row) => {
          checkNoNulls(data, start, end, column, row);
          return { kind: "float", values: values.subarray(start, end) };
        };
      }
      return (start, end, row) => {
        checkNoNulls(data, start, end, column, row);
        const out: number[] = new Array<number>(end - start);
        for (let i = start; i < end; i++) out[i - start] = half ? util.uint16ToFloat64(values[i]!) : values[i]!;
        return { kind: "float", values: out };
      };
    }
    case Type.Binary:
    case Type.Utf8:
    case Type.LargeBinary:
    case Type.LargeUtf8: {
      const bytes = data.values as Uint8Array;
      const offs = data.valueOffsets as unknown as ArrayLike<number | bigint>;
      return (start, end, row) => {
        checkNoNulls(data, start, end, column, row);
        const out: Uint8Array[] = new Array<Uint8Array>(end - start);
        for (let i = start; i < end; i++) out[i - start] = bytes.subarray(Number(offs[i]!), Number(offs[i + 1]!));
        return { kind: "bytes", values: out };
      };
    }
    case Type.FixedSizeBinary: {
      const bytes = data.values as Uint8Array;
      const w = (type as unknown as { byteWidth: number }).byteWidth;
      return (start, end, row) => {
        checkNoNulls(data, start, end, column, row);
        const out: Uint8Array[] = new Array<Uint8Array>(end - start);
        for (let i = start; i < end; i++) out[i - start] = bytes.subarray(i * w, i * w + w);
        return { kind: "bytes", values: out };
      };
    }
    case Type.Dictionary: {
      // Look the indices up in the dictionary (all its chunks, concatenated).
      const dict = data.dictionary!;
      const readers = dict.data.map((d) => leafReader(d, field, column));
      const starts: number[] = [];
      let n = 0;
      for (const d of dict.data) {
        starts.push(n);
        n += d.length;
      }
      const indices = data.values as unknown as ArrayLike<number | bigint>;
      const kind = kindOfType(dict.type as DataType);
      return (start, end, row) => {
        checkNoNulls(data, start, end, column, row);
        const parts: FeatureInput[] = [];
        for (let i = start; i < end; i++) {
          const k = Number(indices[i]!);
          let c = starts.length - 1;
          while (c > 0 && starts[c]! > k) c--;
          if (k < 0 || k >= n) columnError(column, `row ${row}: dictionary index ${k} out of range`);
          parts.push(readers[c]!(k - starts[c]!, k - starts[c]! + 1, row));
        }
        return joinFeatures(parts, kind);
      };
    }
    default:
      return unsupportedColumn(field);
  }
}

function kindOfType(t: DataType): Kind {
  return t.typeId === Type.Int || t.typeId === Type.Bool ? "int64" : t.typeId === Type.Float ? "float" : "bytes";
}

function joinFeatures(parts: FeatureInput[], kind: Kind): FeatureInput {
  if (parts.length === 1) return parts[0]!;
  const values: unknown[] = [];
  for (const p of parts) {
    const vs = (p.values ?? []) as ArrayLike<unknown>;
    for (let i = 0; i < vs.length; i++) values.push(vs[i]);
  }
  return { kind, values } as FeatureInput;
}

/** Reads one row of a column as a feature, or undefined when the row is null. */
type RowReader = (row: number) => FeatureInput | undefined;

function rowReader(data: Data, field: Field): RowReader {
  const type = data.type as DataType;
  const column = field.name;
  const isNull = (r: number): boolean => data.nullCount > 0 && !data.getValid(r);
  switch (type.typeId) {
    case Type.Null:
      return () => undefined;
    case Type.List:
    case Type.LargeList: {
      const child = data.children[0]!;
      const read = leafReader(child, (type as List).children[0]!, column);
      const offs = data.valueOffsets as unknown as ArrayLike<number | bigint>;
      return (r) => (isNull(r) ? undefined : read(Number(offs[r]!), Number(offs[r + 1]!), r));
    }
    case Type.FixedSizeList: {
      const child = data.children[0]!;
      const size = (type as FixedSizeList).listSize;
      const read = leafReader(child, (type as FixedSizeList).children[0]!, column);
      return (r) => (isNull(r) ? undefined : read(r * size, r * size + size, r));
    }
    default: {
      const read = leafReader(data, field, column);
      return (r) => (isNull(r) ? undefined : read(r, r + 1, r));
    }
  }
}

/** Throws UNSUPPORTED for a column type no Example feature holds, before any row is read. */
function checkColumnType(field: Field): void {
  const t = field.type as DataType;
  const leafOk = (x: DataType): boolean => {
    switch (x.typeId) {
      case Type.Int:
      case Type.Bool:
      case Type.Binary:
      case Type.Utf8:
      case Type.LargeBinary:
      case Type.LargeUtf8:
      case Type.FixedSizeBinary:
        return true;
      case Type.Float:
        return true;
      case Type.Dictionary:
        return leafOk((x as Dictionary).dictionary as DataType);
      default:
        return false;
    }
  };
  switch (t.typeId) {
    case Type.Null:
      return;
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
      if (leafOk(t.children[0]!.type as DataType)) return;
      return unsupportedColumn(field, " (lists must hold one of the scalar types)");
    default:
      if (leafOk(t)) return;
      return unsupportedColumn(field);
  }
}

/**
 * The rows of `table` as Examples (feature name → feature, in column order), without
 * encoding them: int types and Bool → int64, Float16/32/64 → float (Float64 is
 * rounded to float32 when encoded), Binary/LargeBinary/Utf8/LargeUtf8/FixedSizeBinary →
 * bytes (views of the column, not copies), dictionaries of those → their values, and
 * List/LargeList/FixedSizeList of those → the same kinds with all the items. A null cell
 * leaves the feature out; a null inside a list → INVALID_OPTIONS; a Uint64 above the
 * int64 range → INVALID_OPTIONS; any other column type → UNSUPPORTED naming the column,
 * before any row is produced.
 *
 * @example
 * for (const example of iterateTableExamples(table)) console.log(example.get("label"));
 */
export function* iterateTableExamples(table: Table): Generator<Map<string, FeatureInput>, void, undefined> {
  const fields = table.schema.fields;
  for (const f of fields) checkColumnType(f);
  for (const batch of table.batches) {
    const readers = fields.map((f, c) => rowReader(batch.data.children[c]!, f));
    for (let r = 0; r < batch.numRows; r++) {
      const example = new Map<string, FeatureInput>();
      for (let c = 0; c < readers.length; c++) {
        const fv = readers[c]!(r);
        if (fv !== undefined) example.set(fields[c]!.name, fv);
      }
      yield example;
    }
  }
}

/**
 * Serializes each row of `table` as a tf.train.Example record (see
 * {@link iterateTableExamples} for the type mapping); features in column order.
 *
 * @example
 * const records = tableToExamples(readArrowFile("train.arrow"));
 * const back = examplesToTable(records); // same values, Example types
 */
export function tableToExamples(table: Table): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const example of iterateTableExamples(table)) out.push(encodeExample(example));
  return out;
}
