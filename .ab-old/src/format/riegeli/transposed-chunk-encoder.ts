/**
 * Encoder of transposed chunks (type 't', FORMAT.md §9). Records that are canonical protobuf
 * messages are split into one column buffer per field path (varints with their high bits
 * cleared, fixed32, fixed64, strings) and a state machine that puts them back together; any other
 * record is stored verbatim. Buffers are grouped into buckets of about `bucketSize` bytes, each
 * compressed on its own, as Riegeli does so readers may skip columns.
 */
import { compressionByte, type StreamCompressor } from "./codecs.js";
import { varintSize, writeVarint } from "../varint.js";
import { WireType, isProtoMessage, lastEnd, readCanonicalVarint32, skipCanonicalVarint64 } from "./proto-wire.js";
import { layoutStateMachine } from "./transposed-state-machine.js";
import { TAG_MESSAGE_START, TAG_NON_PROTO, TAG_NO_OP, TAG_SUBMESSAGE_START, VARINT_INLINE_0 } from "./transposed-header.js";

/** Submessages nested deeper than this are stored as strings (as Riegeli does). */
const MAX_DEPTH = 100;
/** Varint values up to this are stored in the state itself. */
const MAX_INLINE_VARINT = 3;

/** Column buffer kinds, in the order their buffers are stored. */
const BufferType = { VARINT: 0, FIXED32: 1, FIXED64: 2, STRING: 3, NON_PROTO: 4 } as const;
const NUM_BUFFER_TYPES = 5;

/** What an encoded tag does, which decides the state tag written for it. */
const Kind = {
  MESSAGE_START: 0,
  NON_PROTO: 1,
  SUBMESSAGE_START: 2,
  SUBMESSAGE_END: 3,
  /** Varint, fixed, string and group fields: the field tag, with a subtype for varints. */
  FIELD: 4,
} as const;

/** One field path: a field tag under a parent path. Its values share one buffer. */
class FieldNode {
  readonly children = new Map<number, FieldNode>();
  /** Encoded tag index per subtype. */
  readonly etags: number[] = [];
  bufferType = -1;
  bufferSize = 0;
  buffer: Uint8Array | undefined;
  /** Fill position in {@link buffer} (filled from the end: the decoder reads values last-first). */
  fill = 0;
  bufferIndex = -1;
  constructor(
    readonly tag: number,
    readonly order: number,
  ) {}

  child(tag: number, nodes: FieldNode[]): FieldNode {
    let node = this.children.get(tag);
    if (node === undefined) {
      node = new FieldNode(tag, nodes.length);
      nodes.push(node);
      this.children.set(tag, node);
    }
    return node;
  }
}

/** Collects records for one transposed chunk, copying them so callers may reuse their buffers. */
export class TransposedChunkBuilder {
  private values: Uint8Array = new Uint8Array(64 * 1024);
  private valuesLength = 0;
  private sizes: number[] = [];
  /** Records added since the last {@link finish}. */
  count = 0;

  constructor(private readonly bucketSize: number) {}

  /** Sum of the lengths of the records added. */
  get decodedDataSize(): number {
    return this.valuesLength;
  }

  /** Appends one record. */
  add(record: Uint8Array): void {
    if (this.valuesLength + record.length > this.values.length) {
      const next = new Uint8Array(Math.max(this.valuesLength + record.length, this.values.length * 2));
      next.set(this.values.subarray(0, this.valuesLength));
      this.values = next;
    }
    this.values.set(record, this.valuesLength);
    this.valuesLength += record.length;
    this.sizes.push(record.length);
    this.count++;
  }

  /** Encodes the collected records as transposed-chunk data and empties the builder. */
  finish(compressor: StreamCompressor): Uint8Array {
    const values = this.values.subarray(0, this.valuesLength);
    let data = new ChunkEncoding(values, this.sizes, false).encode(compressor, this.bucketSize);
    // A chunk with more distinct fields than two transition bytes can reach: store it verbatim.
    data ??= new ChunkEncoding(values, this.sizes, true).encode(compressor, this.bucketSize)!;
    this.valuesLength = 0;
    this.sizes = [];
    this.count = 0;
    return data;
  }
}

/** The encoding of one chunk's records. */
class ChunkEncoding {
  private readonly nodes: FieldNode[] = [];
  private readonly root: FieldNode;
  private readonly messageStart: FieldNode;
  private readonly nonProto: FieldNode;
  /** Per encoded tag: its node, subtype and kind. */
  private readonly etagNode: FieldNode[] = [];
  private readonly etagSubtype: number[] = [];
  private readonly etagKind: number[] = [];
  /** Encoded tags in record order (the decoder visits them in reverse). */
  private events = new Int32Array(1024);
  /** Where each event's buffered bytes start in the records, and how many (0 = none). */
  private eventStart = new Float64Array(1024);
  private eventLength = new Int32Array(1024);
  private numEvents = 0;
  /** Lengths of the non-proto records, in record order. */
  private readonly nonProtoLengths: number[] = [];

  constructor(
    private readonly values: Uint8Array,
    sizes: readonly number[],
    allNonProto: boolean,
  ) {
    this.root = new FieldNode(0, this.nodes.length);
    this.nodes.push(this.root);
    this.messageStart = this.root.child(-1, this.nodes);
    this.nonProto = this.root.child(-2, this.nodes);
    this.nonProto.bufferType = BufferType.NON_PROTO;
    let at = 0;
    for (const size of sizes) {
      if (!allNonProto && isProtoMessage(values, at, at + size)) {
        this.push(this.etag(this.messageStart, 0, Kind.MESSAGE_START), 0, 0);
        this.addMessage(at, at + size, this.root, 0);
      } else {
        this.push(this.etag(this.nonProto, 0, Kind.NON_PROTO), at, size);
        this.nonProtoLengths.push(size);
      }
      at += size;
    }
  }

  private etag(node: FieldNode, subtype: number, kind: number): number {
    let e = node.etags[subtype];
    if (e === undefined) {
      e = this.etagNode.length;
      node.etags[subtype] = e;
      this.etagNode.push(node);
      this.etagSubtype.push(subtype);
      this.etagKind.push(kind);
    }
    return e;
  }

  private push(etag: number, start: number, length: number): void {
    const n = this.numEvents;
    if (n === this.events.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(2 * n);
        b.set(a);
        return b;
      };
      this.events = grow(this.events, (k) => new Int32Array(k));
      this.eventStart = grow(this.eventStart, (k) => new Float64Array(k));
      this.eventLength = grow(this.eventLength, (k) => new Int32Array(k));
    }
    this.events[n] = etag;
    this.eventStart[n] = start;
    this.eventLength[n] = length;
    this.numEvents = n + 1;
    if (length > 0) this.etagNode[etag]!.bufferSize += length;
  }

  /** Adds the fields of the canonical message `values[start, end)` under `parent`. */
  private addMessage(start: number, end: number, parent: FieldNode, depth: number): void {
    const bytes = this.values;
    // Parents of open groups; allocated only when a group starts (most messages have none).
    let groups: FieldNode[] | undefined;
    let pos = start;
    while (pos < end) {
      const tag = readCanonicalVarint32(bytes, pos, end);
      pos = lastEnd;
      const node = parent.child(tag, this.nodes);
      switch (tag & 7) {
        case WireType.VARINT: {
          skipCanonicalVarint64(bytes, pos, end);
          const length = lastEnd - pos;
          const first = bytes[pos]!;
          if (first <= MAX_INLINE_VARINT) {
            this.push(this.etag(node, VARINT_INLINE_0 + first, Kind.FIELD), 0, 0);
          } else {
            node.bufferType = BufferType.VARINT;
            this.push(this.etag(node, length - 1, Kind.FIELD), pos, length);
          }
          pos = lastEnd;
          break;
        }
        case WireType.FIXED32:
          node.bufferType = BufferType.FIXED32;
          this.push(this.etag(node, 0, Kind.FIELD), pos, 4);
          pos += 4;
          break;
        case WireType.FIXED64:
          node.bufferType = BufferType.FIXED64;
          this.push(this.etag(node, 0, Kind.FIELD), pos, 8);
          pos += 8;
          break;
        case WireType.LENGTH_DELIMITED: {
          const length = readCanonicalVarint32(bytes, pos, end);
          const valueStart = lastEnd;
          const valueEnd = valueStart + length;
          // Empty values stay strings (one state instead of two), as in Riegeli.
          const inner = depth + (groups?.length ?? 0) + 1;
          if (length > 0 && inner < MAX_DEPTH && isProtoMessage(bytes, valueStart, valueEnd)) {
            this.push(this.etag(node, 1, Kind.SUBMESSAGE_START), 0, 0);
            this.addMessage(valueStart, valueEnd, node, inner);
            this.push(this.etag(node, 2, Kind.SUBMESSAGE_END), 0, 0);
          } else {
            node.bufferType = BufferType.STRING;
            this.push(this.etag(node, 0, Kind.FIELD), pos, valueEnd - pos);
          }
          pos = valueEnd;
          break;
        }
        case WireType.START_GROUP:
          this.push(this.etag(node, 0, Kind.FIELD), 0, 0);
          (groups ??= []).push(parent);
          parent = node;
          break;
        case WireType.END_GROUP:
          this.push(this.etag(node, 0, Kind.FIELD), 0, 0);
          parent = groups!.pop()!;
          break;
      }
    }
  }

  /** Writes the chunk data; undefined when the state machine needs more than two-byte jumps. */
  encode(compressor: StreamCompressor, bucketSize: number): Uint8Array | undefined {
    const numEtags = this.etagNode.length;
    // The decoder visits the events last first.
    const sequence = new Int32Array(this.numEvents);
    for (let i = 0; i < this.numEvents; i++) sequence[i] = this.events[this.numEvents - 1 - i]!;
    const layout = layoutStateMachine(sequence, numEtags);
    if (layout === undefined) return undefined;

    this.fillBuffers();
    const lengthsBuffer = this.nonProtoLengthsBuffer();
    const { bucketStreams, bucketSizes, bufferSizes } = this.writeBuckets(compressor, bucketSize, lengthsBuffer);

    const { order, next } = layout;
    const numStates = order.length;
    const header: number[] = [];
    const subtypes: number[] = [];
    const bufferIndices: number[] = [];
    header.push(bucketSizes.length, bufferSizes.length, ...bucketSizes, ...bufferSizes, numStates);
    for (let p = 0; p < numStates; p++) {
      const e = order[p]!;
      if (e < 0) {
        header.push(TAG_NO_OP);
        continue;
      }
      const node = this.etagNode[e]!;
      const subtype = this.etagSubtype[e]!;
      switch (this.etagKind[e]) {
        case Kind.MESSAGE_START:
          header.push(TAG_MESSAGE_START);
          break;
        case Kind.NON_PROTO:
          header.push(TAG_NON_PROTO);
          bufferIndices.push(node.bufferIndex);
          break;
        case Kind.SUBMESSAGE_START:
          header.push(TAG_SUBMESSAGE_START);
          break;
        case Kind.SUBMESSAGE_END:
          // A length-delimited tag with wire type 6 marks the end of a submessage.
          header.push(node.tag + 4);
          break;
        default: {
          header.push(node.tag);
          const wire = node.tag & 7;
          if (wire === WireType.VARINT) subtypes.push(subtype);
          if (wire === WireType.VARINT ? subtype < VARINT_INLINE_0 : wire !== WireType.START_GROUP && wire !== WireType.END_GROUP) {
            bufferIndices.push(node.bufferIndex);
          }
        }
      }
    }
    for (let p = 0; p < numStates; p++) header.push(next[p]!);
    let headerLength = subtypes.length;
    for (const v of header) headerLength += varintSize(v);
    for (const v of bufferIndices) headerLength += varintSize(v);
    headerLength += varintSize(layout.firstNode);
    const raw = new Uint8Array(headerLength);
    let h = 0;
    for (const v of header) h = writeVarint(raw, h, v);
    for (const s of subtypes) raw[h++] = s;
    for (const v of bufferIndices) h = writeVarint(raw, h, v);
    h = writeVarint(raw, h, layout.firstNode);

    const headerStream = compressor.encode(raw);
    const transitionsStream = compressor.encode(layout.transitions);
    let size = 1 + varintSize(headerStream.length) + headerStream.length + transitionsStream.length;
    for (const b of bucketStreams) size += b.length;
    const out = new Uint8Array(size);
    out[0] = compressionByte(compressor.compression);
    let at = writeVarint(out, 1, headerStream.length);
    out.set(headerStream, at);
    at += headerStream.length;
    for (const b of bucketStreams) {
      out.set(b, at);
      at += b.length;
    }
    out.set(transitionsStream, at);
    return out;
  }

  /** Copies every event's bytes into its field's buffer, last event first. */
  private fillBuffers(): void {
    for (const node of this.nodes) {
      if (node.bufferSize > 0) {
        node.buffer = new Uint8Array(node.bufferSize);
        node.fill = node.bufferSize;
      }
    }
    const { values, events, eventStart, eventLength, etagNode } = this;
    for (let i = 0; i < this.numEvents; i++) {
      const length = eventLength[i]!;
      if (length === 0) continue;
      const node = etagNode[events[i]!]!;
      const buffer = node.buffer!;
      const at = (node.fill -= length);
      const start = eventStart[i]!;
      if (length > 32) buffer.set(values.subarray(start, start + length), at);
      else for (let k = 0; k < length; k++) buffer[at + k] = values[start + k]!;
      if (node.bufferType === BufferType.VARINT) for (let k = 0; k < length; k++) buffer[at + k]! &= 0x7f;
    }
  }

  /** Varint lengths of the non-proto records, last record first (the order the decoder reads). */
  private nonProtoLengthsBuffer(): Uint8Array | undefined {
    const lengths = this.nonProtoLengths;
    if (lengths.length === 0) return undefined;
    let size = 0;
    for (const n of lengths) size += varintSize(n);
    const out = new Uint8Array(size);
    let at = 0;
    for (let i = lengths.length - 1; i >= 0; i--) at = writeVarint(out, at, lengths[i]!);
    return out;
  }

  /**
   * Orders the buffers (by type, then size), numbers them, splits each type's buffers into
   * buckets of about `bucketSize` bytes and compresses each bucket. The non-proto lengths buffer
   * comes last, in a bucket of its own.
   */
  private writeBuckets(
    compressor: StreamCompressor,
    bucketSize: number,
    lengthsBuffer: Uint8Array | undefined,
  ): { bucketStreams: Uint8Array[]; bucketSizes: number[]; bufferSizes: number[] } {
    const byType: FieldNode[][] = Array.from({ length: NUM_BUFFER_TYPES }, () => []);
    for (const node of this.nodes) if (node.bufferSize > 0) byType[node.bufferType]!.push(node);
    // Without compression buckets gain nothing: one per buffer type.
    const target = compressor.compression.type === "uncompressed" ? Number.POSITIVE_INFINITY : bucketSize;
    const bucketStreams: Uint8Array[] = [];
    const bucketSizes: number[] = [];
    const bufferSizes: number[] = [];
    const emit = (pieces: Uint8Array[], size: number): void => {
      const raw = new Uint8Array(size);
      let at = 0;
      for (const p of pieces) {
        raw.set(p, at);
        at += p.length;
      }
      const stream = compressor.encode(raw);
      bucketStreams.push(stream);
      bucketSizes.push(stream.length);
    };
    for (const nodes of byType) {
      if (nodes.length === 0) continue;
      nodes.sort((a, b) => a.bufferSize - b.bufferSize || a.order - b.order);
      for (const group of splitIntoBuckets(nodes.map((n) => n.bufferSize), target)) {
        const pieces: Uint8Array[] = [];
        let size = 0;
        for (let k = group.from; k < group.to; k++) {
          const node = nodes[k]!;
          node.bufferIndex = bufferSizes.length;
          bufferSizes.push(node.bufferSize);
          pieces.push(node.buffer!);
          size += node.bufferSize;
        }
        emit(pieces, size);
      }
    }
    if (lengthsBuffer !== undefined) {
      bufferSizes.push(lengthsBuffer.length);
      emit([lengthsBuffer], lengthsBuffer.length);
    }
    return { bucketStreams, bucketSizes, bufferSizes };
  }
}

/**
 * Splits buffers (sizes ascending) into consecutive groups of about `target` bytes. Groups are
 * formed from the largest buffer down, so large buffers get buckets of their own and the small
 * remainder shares one; a bucket closes before a buffer that would overfill it by more than half.
 */
export function splitIntoBuckets(sizes: readonly number[], target: number): { from: number; to: number }[] {
  const groups: { from: number; to: number }[] = [];
  let remaining = 0;
  for (const s of sizes) remaining += s;
  let current = 0;
  let to = sizes.length;
  let k = sizes.length - 1;
  for (; k >= 0; k--) {
    const size = sizes[k]!;
    if (current > 0 && current + size / 2 >= target) {
      groups.push({ from: k + 1, to });
      to = k + 1;
      current = 0;
    }
    current += size;
    remaining -= size;
    if (remaining <= target / 2) {
      k = -1;
      break;
    }
  }
  groups.push({ from: 0, to });
  return groups.reverse();
}
