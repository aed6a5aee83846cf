/**
 * The ArrayRecord index records (FORMAT.md §6.3, §6.4): the footer metadata, one footer entry per
 * data chunk, and the postscript. These are tiny proto2 messages; we parse their wire format
 * directly because they are the container's own structures.
 */
import { ArrayRecordError } from "../errors.js";
import { cursor, readVarintAt, varintSize, writeVarint, type Cursor } from "../varint.js";
import { recordAt, type ChunkRecords } from "../riegeli/simple-chunk.js";

/** The postscript magic number, 0x71930e704fdae05e, as varint bytes (it exceeds 2^53). */
const MAGIC_VARINT = Uint8Array.of(0xde, 0xc0, 0xeb, 0xfe, 0x84, 0xce, 0xc3, 0xc9, 0x71);

/** `array_record.RiegeliFooterMetadata.array_record_metadata`. */
export interface FooterMetadata {
  /** Format version; only 1 exists. */
  version: number;
  /** Number of data chunks. */
  numChunks: number;
  /** Number of records in the file. */
  numRecords: number;
  /** The writer's canonical options string. */
  writerOptions: string;
}

/** One `array_record.ArrayRecordFooter`: where a data chunk is and what it holds. */
export interface FooterEntry {
  /** `chunk_begin` of the data chunk. */
  chunkOffset: number;
  /** Decoded size of its records. */
  decodedDataSize: number;
  /** Records in it. */
  numRecords: number;
}

/**
 * Footer entries as columns, one element per data chunk (what {@link decodeFooterColumns}
 * produces). `chunkOffsets` may hold one more element, which the index then fills with the
 * footer's offset and adopts without a copy.
 */
export interface FooterColumns {
  chunkOffsets: Float64Array;
  numRecords: Uint32Array | Float64Array;
  decodedSizes: Uint32Array | Float64Array;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

interface Field {
  number: number;
  wireType: number;
  /** Varint value (safe integers only), for wire type 0. */
  value: number;
  /** Payload, for wire type 2. */
  bytes: Uint8Array;
}

/** Iterates the fields of a message; skips nothing silently except well-formed unknown fields. */
function* fields(message: Uint8Array, fileOffset: number, rawVarintField?: number): Generator<Field> {
  const c = cursor(message);
  const empty = message.subarray(0, 0);
  while (c.offset < c.end) {
    const tag = readVarintAt(c, fileOffset);
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (number === 0) fail("protobuf field number 0", fileOffset);
    if (wireType === WIRE_VARINT) {
      if (number === rawVarintField) {
        const start = c.offset;
        skipVarint(c, fileOffset);
        yield { number, wireType, value: 0, bytes: message.subarray(start, c.offset) };
      } else {
        yield { number, wireType, value: readVarintAt(c, fileOffset), bytes: empty };
      }
    } else if (wireType === WIRE_LEN) {
      const length = readVarintAt(c, fileOffset);
      if (length > c.end - c.offset) fail("protobuf length runs past the message", fileOffset);
      yield { number, wireType, value: 0, bytes: message.subarray(c.offset, c.offset + length) };
      c.offset += length;
    } else if (wireType === WIRE_FIXED64 || wireType === WIRE_FIXED32) {
      const size = wireType === WIRE_FIXED64 ? 8 : 4;
      if (size > c.end - c.offset) fail("protobuf fixed field runs past the message", fileOffset);
      c.offset += size;
    } else {
      fail(`unsupported protobuf wire type ${wireType}`, fileOffset);
    }
  }
}

function skipVarint(c: Cursor, fileOffset: number): void {
  for (let i = 0; i < 10; i++) {
    if (c.offset >= c.end) break;
    if (c.bytes[c.offset++]! < 0x80) return;
  }
  fail("malformed varint", fileOffset);
}

function fail(message: string, fileOffset: number): never {
  throw new ArrayRecordError("CORRUPT", message, { offset: fileOffset });
}

/** Parses footer record 0 (`RiegeliFooterMetadata`). */
export function decodeFooterMetadata(record: Uint8Array, fileOffset: number): FooterMetadata {
  let inner: Uint8Array | undefined;
  for (const f of fields(record, fileOffset)) {
    if (f.number === 1 && f.wireType === WIRE_LEN) inner = f.bytes;
  }
  if (inner === undefined) fail("footer has no array_record_metadata", fileOffset);
  const meta: FooterMetadata = { version: 0, numChunks: 0, numRecords: 0, writerOptions: "" };
  for (const f of fields(inner, fileOffset)) {
    if (f.number === 1 && f.wireType === WIRE_VARINT) meta.version = f.value;
    else if (f.number === 2 && f.wireType === WIRE_VARINT) meta.numChunks = f.value;
    else if (f.number === 3 && f.wireType === WIRE_VARINT) meta.numRecords = f.value;
    else if (f.number === 4 && f.wireType === WIRE_LEN) meta.writerOptions = new TextDecoder().decode(f.bytes);
  }
  if (meta.version !== 1) fail(`unrecognized ArrayRecord version number ${meta.version}`, fileOffset);
  return meta;
}

/**
 * Parses one footer entry (`ArrayRecordFooter`); `index` names it in errors. A plain loop rather
 * than {@link fields}: a file has one entry per chunk, often tens of thousands.
 */
export function decodeFooterEntry(record: Uint8Array, index: number, fileOffset: number): FooterEntry {
  let chunkOffset: number | undefined;
  const entry: FooterEntry = { chunkOffset: 0, decodedDataSize: 0, numRecords: 0 };
  const c = cursor(record);
  while (c.offset < c.end) {
    const tag = readVarintAt(c, fileOffset);
    if ((tag & 7) !== WIRE_VARINT || tag < 8) {
      // Unknown or malformed field: the general parser skips or rejects it.
      return decodeFooterEntrySlow(record, index, fileOffset);
    }
    const value = readVarintAt(c, fileOffset);
    if (tag === 0x08) chunkOffset = value;
    else if (tag === 0x10) entry.decodedDataSize = value;
    else if (tag === 0x18) entry.numRecords = value;
  }
  if (chunkOffset === undefined) fail(`invalid footer at index ${index}: no chunk_offset`, fileOffset);
  entry.chunkOffset = chunkOffset;
  return entry;
}

/**
 * Parses footer records 1..numChunks of the decoded footer chunk straight into columns: no object
 * per entry, varints of up to 4 bytes decoded inline (a million-chunk footer parses in a few ms).
 * Any other shape (longer varints, unknown or reordered fields) goes through {@link decodeFooterEntry}.
 */
export function decodeFooterColumns(footer: ChunkRecords, numChunks: number, fileOffset: number): FooterColumns {
  const chunkOffsets = new Float64Array(numChunks + 1);
  const numRecords = new Uint32Array(numChunks);
  const decodedSizes = new Uint32Array(numChunks);
  // Entries with a count or size of 2^32 or more (possible, never written in practice).
  const large: [number, FooterEntry][] = [];
  const { values, starts } = footer;
  for (let c = 0; c < numChunks; c++) {
    let pos = starts === undefined ? 0 : starts[c + 1]!;
    const end = starts === undefined ? values.length : starts[c + 2]!;
    // The C++ layout: tags 0x08, 0x10, 0x18 in order, each value a varint of at most 4 bytes.
    let got = 0;
    for (let tag = 0x08; tag <= 0x18 && pos < end; tag += 8) {
      if (values[pos] !== tag) break;
      pos++;
      let value = 0;
      let shift = 0;
      let b = 0x80;
      while (pos < end && shift < 28) {
        b = values[pos++]!;
        value |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      if (b >= 0x80) break;
      if (tag === 0x08) chunkOffsets[c] = value >>> 0;
      else if (tag === 0x10) decodedSizes[c] = value;
      else numRecords[c] = value;
      got++;
    }
    if (got !== 3 || pos !== end) {
      const entry = decodeFooterEntry(recordAt(footer, c + 1), c, fileOffset);
      chunkOffsets[c] = entry.chunkOffset;
      decodedSizes[c] = entry.decodedDataSize;
      numRecords[c] = entry.numRecords;
      if (entry.decodedDataSize >= 2 ** 32 || entry.numRecords >= 2 ** 32) large.push([c, entry]);
    }
  }
  if (large.length === 0) return { chunkOffsets, numRecords, decodedSizes };
  const sizes = Float64Array.from(decodedSizes);
  const counts = Float64Array.from(numRecords);
  for (const [c, entry] of large) {
    sizes[c] = entry.decodedDataSize;
    counts[c] = entry.numRecords;
  }
  return { chunkOffsets, numRecords: counts, decodedSizes: sizes };
}

function decodeFooterEntrySlow(record: Uint8Array, index: number, fileOffset: number): FooterEntry {
  let chunkOffset: number | undefined;
  const entry: FooterEntry = { chunkOffset: 0, decodedDataSize: 0, numRecords: 0 };
  for (const f of fields(record, fileOffset)) {
    if (f.wireType !== WIRE_VARINT) continue;
    if (f.number === 1) chunkOffset = f.value;
    else if (f.number === 2) entry.decodedDataSize = f.value;
    else if (f.number === 3) entry.numRecords = f.value;
  }
  if (chunkOffset === undefined) fail(`invalid footer at index ${index}: no chunk_offset`, fileOffset);
  entry.chunkOffset = chunkOffset;
  return entry;
}

/** Parses a postscript record and returns the footer offset; CORRUPT without a valid magic. */
export function decodePostscript(record: Uint8Array, fileOffset: number): number {
  let footerOffset: number | undefined;
  let magicOk: boolean | undefined;
  for (const f of fields(record, fileOffset, 2)) {
    if (f.number === 1 && f.wireType === WIRE_VARINT) footerOffset = f.value;
    else if (f.number === 2 && f.wireType === WIRE_VARINT) magicOk = equalBytes(f.bytes, MAGIC_VARINT);
  }
  if (footerOffset === undefined) fail("invalid postscript: no footer_offset", fileOffset);
  if (magicOk === undefined) fail("invalid postscript: no magic", fileOffset);
  if (!magicOk) fail("invalid postscript: wrong magic", fileOffset);
  return footerOffset;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Encodes footer record 0 for the given metadata. */
export function encodeFooterMetadata(meta: FooterMetadata): Uint8Array {
  const options = new TextEncoder().encode(meta.writerOptions);
  const innerSize =
    1 + varintSize(meta.version) + 1 + varintSize(meta.numChunks) + 1 + varintSize(meta.numRecords) + 1 + varintSize(options.length) + options.length;
  const out = new Uint8Array(1 + varintSize(innerSize) + innerSize);
  let pos = writeVarint(out, 0, (1 << 3) | WIRE_LEN);
  pos = writeVarint(out, pos, innerSize);
  pos = writeVarintField(out, pos, 1, meta.version);
  pos = writeVarintField(out, pos, 2, meta.numChunks);
  pos = writeVarintField(out, pos, 3, meta.numRecords);
  pos = writeVarint(out, pos, (4 << 3) | WIRE_LEN);
  pos = writeVarint(out, pos, options.length);
  out.set(options, pos);
  return out;
}

/** Encodes one footer entry. Fields are always present, zeros included, as C++ writes them. */
export function encodeFooterEntry(entry: FooterEntry): Uint8Array {
  const out = new Uint8Array(3 + varintSize(entry.chunkOffset) + varintSize(entry.decodedDataSize) + varintSize(entry.numRecords));
  let pos = writeVarintField(out, 0, 1, entry.chunkOffset);
  pos = writeVarintField(out, pos, 2, entry.decodedDataSize);
  writeVarintField(out, pos, 3, entry.numRecords);
  return out;
}

/** Encodes a postscript record pointing at `footerOffset`. */
export function encodePostscript(footerOffset: number): Uint8Array {
  const out = new Uint8Array(1 + varintSize(footerOffset) + 1 + MAGIC_VARINT.length);
  const pos = writeVarintField(out, 0, 1, footerOffset);
  out[pos] = (2 << 3) | WIRE_VARINT;
  out.set(MAGIC_VARINT, pos + 1);
  return out;
}

function writeVarintField(out: Uint8Array, pos: number, number: number, value: number): number {
  out[pos] = (number << 3) | WIRE_VARINT;
  return writeVarint(out, pos + 1, value);
}
