/**
 * The Arrow schema of tf.train.Example rows: one column per feature, inferred once from the whole
 * input (int64 → `Int64`, float → `Float32`, bytes → `Binary` or `Utf8`; `List<…>` when any record
 * has other than exactly one value; nullable when a record lacks the feature). Features whose
 * kinds disagree between records → INVALID_OPTIONS, naming the feature and the record.
 */

import { Binary, DataType, Field, Float32, Int64, List, Null, Schema, Utf8 } from "apache-arrow";

import { ArrayRecordError } from "../errors.js";
import { decodeExampleMap } from "../example/index.js";
import type { ExampleRecord, FeatureValue } from "../example/index.js";

/** How bytes features become Arrow columns: `Binary` (default) or `Utf8`. */
export type BytesAs = "binary" | "utf8";

/**
 * One Example: serialized bytes, or already decoded (by `decodeExample` or
 * `decodeExampleMap`).
 */
export type ExampleSource = Uint8Array | ReadonlyMap<string, FeatureValue> | ExampleRecord;

/** Options of {@link inferExampleSchema}. */
export interface InferExampleSchemaOptions {
  /** Column type of bytes features: `"binary"` (default) or `"utf8"`. */
  bytesAs?: BytesAs;
}

/** Options of {@link examplesToTable} and {@link examplesToRecordBatches}. */
export interface ExamplesToTableOptions extends InferExampleSchemaOptions {
  /**
   * The columns to make. Features not in it are ignored; a feature the schema has but a
   * record lacks is null (INVALID_OPTIONS when the field is not nullable). Default: the
   * schema {@link inferExampleSchema} infers from all of `records`.
   */
  schema?: Schema;
  /** Most rows in one record batch; default 65536. */
  batchRows?: number;
}

/** Default rows per record batch of {@link examplesToTable}. */
export const DEFAULT_EXAMPLE_BATCH_ROWS = 65_536;

/** The value kind of an Example feature. */
export type Kind = "bytes" | "float" | "int64";

/** An Example as a feature map; a decode error names the record index. */
export function toMap(source: ExampleSource, index: number): ReadonlyMap<string, FeatureValue> {
  if (source instanceof Uint8Array) {
    try {
      return decodeExampleMap(source);
    } catch (e) {
      if (e instanceof ArrayRecordError) {
        throw new ArrayRecordError(e.code, `record ${index}: ${e.reason}`, { file: e.file, offset: e.offset }, { cause: e });
      }
      throw e;
    }
  }
  if (source instanceof Map) return source;
  return new Map(Object.entries(source as ExampleRecord));
}

/** Throws INVALID_OPTIONS: the records are valid Examples, their pairing with the schema is not. */
export function invalid(message: string): never {
  throw new ArrayRecordError("INVALID_OPTIONS", message);
}

/** A feature or column name quoted for an error message. */
export const q = (name: string): string => JSON.stringify(name);

/**
 * The schema of the Examples in `records`, read once through all of them: one field
 * per feature name, in order of first appearance; int64 → `Int64`, float → `Float32`,
 * bytes → `Binary` (or `Utf8`); `List<…>` (non-nullable items) when any record has
 * zero or several values; nullable when any record lacks the feature. A feature whose
 * every occurrence has no kind set (`kind: "none"`) gets type `Null`. A feature whose
 * kind differs between records → INVALID_OPTIONS naming it and both records.
 *
 * @example
 * const schema = inferExampleSchema(records, { bytesAs: "utf8" });
 * schema.fields.map(String); // ["label: Int64", "tokens: List<Utf8>", "score: Float32"]
 */
export function inferExampleSchema(records: Iterable<ExampleSource>, options: InferExampleSchemaOptions = {}): Schema {
  const inference = new SchemaInference();
  let index = 0;
  for (const source of records) inference.add(toMap(source, index), index++);
  return inference.schema(options.bytesAs ?? "binary");
}

class SchemaInference {
  private readonly features = new Map<string, { kind: Kind | undefined; kindRecord: number; list: boolean; seen: number }>();
  private records = 0;

  add(example: ReadonlyMap<string, FeatureValue>, index: number): void {
    this.records++;
    for (const [name, fv] of example) {
      let f = this.features.get(name);
      if (f === undefined) {
        f = { kind: undefined, kindRecord: -1, list: false, seen: 0 };
        this.features.set(name, f);
      }
      f.seen++;
      if (fv.kind !== "none") {
        if (f.kind === undefined) {
          f.kind = fv.kind;
          f.kindRecord = index;
        } else if (f.kind !== fv.kind) {
          invalid(`feature ${q(name)} is ${f.kind} in record ${f.kindRecord} but ${fv.kind} in record ${index}; no schema fits both`);
        }
      }
      if (fv.values.length !== 1) f.list = true;
    }
  }

  schema(bytesAs: BytesAs): Schema {
    const fields: Field[] = [];
    for (const [name, f] of this.features) {
      const nullable = f.seen < this.records;
      if (f.kind === undefined) {
        fields.push(new Field(name, new Null(), true));
        continue;
      }
      const leaf: DataType =
        f.kind === "int64" ? new Int64() : f.kind === "float" ? new Float32() : bytesAs === "utf8" ? new Utf8() : new Binary();
      fields.push(new Field(name, f.list ? new List(new Field("item", leaf, false)) : leaf, nullable));
    }
    return new Schema(fields);
  }
}

/** Throws UNSUPPORTED for a column whose type no tf.train.Example feature holds. */
export function unsupportedColumn(field: Field, why = ""): never {
  throw new ArrayRecordError(
    "UNSUPPORTED",
    `column ${q(field.name)} has type ${String(field.type)}, which no tf.train.Example feature converts to${why}; ` +
      "use Int8…Int64, Uint8…Uint64, Bool, Float16/32/64, Binary, LargeBinary, Utf8, LargeUtf8, Null, " +
      "or a List, LargeList or FixedSizeList of those",
  );
}
