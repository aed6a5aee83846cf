/** fast-check arbitraries for protobuf wire-format records (canonical encoding), for transposed-chunk tests. */
import fc from "fast-check";

/** One protobuf field as a tree; encoded by {@link encodeFields}. */
export type ProtoField =
  | { kind: "varint"; field: number; value: bigint }
  | { kind: "fixed32"; field: number; value: Uint8Array }
  | { kind: "fixed64"; field: number; value: Uint8Array }
  | { kind: "bytes"; field: number; value: Uint8Array }
  | { kind: "message"; field: number; fields: ProtoField[] }
  | { kind: "group"; field: number; fields: ProtoField[] };

function varint(value: bigint, out: number[]): void {
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
}

/** Canonical wire-format bytes of `fields`. */
export function encodeFields(fields: readonly ProtoField[]): Uint8Array {
  const out: number[] = [];
  const put = (fs: readonly ProtoField[]): void => {
    for (const f of fs) {
      const tag = (wire: number) => varint(BigInt(f.field) * 8n + BigInt(wire), out);
      switch (f.kind) {
        case "varint":
          tag(0);
          varint(f.value, out);
          break;
        case "fixed32":
          tag(5);
          out.push(...f.value);
          break;
        case "fixed64":
          tag(1);
          out.push(...f.value);
          break;
        case "bytes":
          tag(2);
          varint(BigInt(f.value.length), out);
          out.push(...f.value);
          break;
        case "message": {
          tag(2);
          const inner = encodeFields(f.fields);
          varint(BigInt(inner.length), out);
          out.push(...inner);
          break;
        }
        case "group":
          tag(3);
          put(f.fields);
          tag(4);
          break;
      }
    }
  };
  put(fields);
  return Uint8Array.from(out);
}

/** Field numbers: mostly small (shared columns), sometimes up to the 2^29 − 1 maximum. */
const fieldNumber = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 29 - 1 }) });

/** Values that exercise inline varints (0..3), every varint length and the 64-bit maximum. */
const varintValue = fc.oneof(
  fc.bigInt({ min: 0n, max: 3n }),
  fc.bigInt({ min: 0n, max: 1n << 14n }),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.constant((1n << 64n) - 1n),
);

/** A list of fields nested at most `depth` levels. */
export const protoFields = (depth: number): fc.Arbitrary<ProtoField[]> =>
  fc.letrec<{ fields: ProtoField[]; field: ProtoField }>((tie) => ({
    fields: fc.array(tie("field"), { maxLength: 6 }),
    field: fc.oneof(
      { depthSize: "small", maxDepth: depth },
      fc.record({ kind: fc.constant("varint" as const), field: fieldNumber, value: varintValue }),
      fc.record({ kind: fc.constant("fixed32" as const), field: fieldNumber, value: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
      fc.record({ kind: fc.constant("fixed64" as const), field: fieldNumber, value: fc.uint8Array({ minLength: 8, maxLength: 8 }) }),
      fc.record({ kind: fc.constant("bytes" as const), field: fieldNumber, value: fc.uint8Array({ maxLength: 40 }) }),
      fc.record({ kind: fc.constant("message" as const), field: fieldNumber, fields: tie("fields") }),
      fc.record({ kind: fc.constant("group" as const), field: fieldNumber, fields: tie("fields") }),
    ) as fc.Arbitrary<ProtoField>,
  })).fields;

/** A record: a canonical protobuf message, arbitrary bytes (usually not a message), or text. */
export const recordArbitrary = (kind: "proto" | "nonproto" | "mixed"): fc.Arbitrary<Uint8Array> => {
  const proto = protoFields(4).map(encodeFields);
  const nonProto = fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.string({ maxLength: 60 }).map((s) => new TextEncoder().encode(s)));
  if (kind === "proto") return proto;
  if (kind === "nonproto") return nonProto;
  return fc.oneof(proto, nonProto);
};
