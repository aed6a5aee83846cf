import { constants as bufferConstants } from "node:buffer";
import { crc32c, crc32cExtendSmall, crc32cShift, crc32cSmall, maskCrc32c, unmaskCrc32c } from "./crc32c.js";
import { ArrayRecordError, isArrayRecordError } from "../errors.js";

/**
 * TFRecord framing. A TFRecord file is a plain concatenation of frames:
 *
 *     uint64 LE  length
 *     uint32 LE  masked CRC32C of the 8 length bytes
 *     byte[length] data
 *     uint32 LE  masked CRC32C of data
 *
 * (tensorflow/core/lib/io/record_writer.cc). There is no file header, footer or index.
 */

/** Bytes before a record's data: the length and its masked CRC. */
export const TFRECORD_HEADER_BYTES = 12;
/** Bytes after a record's data: its masked CRC. */
export const TFRECORD_FOOTER_BYTES = 4;
/** Framing bytes per record. */
export const TFRECORD_FRAME_OVERHEAD = TFRECORD_HEADER_BYTES + TFRECORD_FOOTER_BYTES;

/**
 * Largest record a reader accepts by default: 4 GiB, or less if this runtime cannot allocate a
 * buffer that large (records are returned as one contiguous `Uint8Array`). A fixed cap also
 * bounds what a forged length can make a compressed-stream reader buffer before it fails.
 */
export const DEFAULT_MAX_RECORD_BYTES: number = Math.min(bufferConstants.MAX_LENGTH, 2 ** 32);

/** Writes the 12-byte frame header for a record of `length` bytes at `out[pos]`; returns the position after it. */
export function writeFrameHeader(out: Uint8Array, pos: number, length: number): number {
  const lo = length >>> 0;
  const hi = Math.floor(length / 0x1_0000_0000);
  writeUint32LE(out, pos, lo);
  writeUint32LE(out, pos + 4, hi);
  writeUint32LE(out, pos + 8, maskCrc32c(crc32cSmall(out, pos, pos + 8)));
  return pos + TFRECORD_HEADER_BYTES;
}

/** Writes the 4-byte frame footer (masked CRC of `record`) at `out[pos]`; returns the position after it. */
export function writeFrameFooter(out: Uint8Array, pos: number, record: Uint8Array): number {
  writeUint32LE(out, pos, maskCrc32c(crc32c(record)));
  return pos + TFRECORD_FOOTER_BYTES;
}

/** One record framed as TFRecord bytes (header, data, footer) in a new buffer. */
export function encodeTFRecord(record: Uint8Array): Uint8Array {
  const out = new Uint8Array(record.length + TFRECORD_FRAME_OVERHEAD);
  const pos = writeFrameHeader(out, 0, record.length);
  out.set(record, pos);
  writeFrameFooter(out, pos + record.length, record);
  return out;
}

/** Records framed as a whole uncompressed TFRecord file, in one new buffer. */
export function encodeTFRecords(records: Iterable<Uint8Array>): Uint8Array {
  const list = Array.isArray(records) ? (records as readonly Uint8Array[]) : [...records];
  let total = 0;
  for (const r of list) total += r.length + TFRECORD_FRAME_OVERHEAD;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const r of list) {
    pos = writeFrameHeader(out, pos, r.length);
    out.set(r, pos);
    pos = writeFrameFooter(out, pos + r.length, r);
  }
  return out;
}

/** Options of a {@link TFRecordDeframer}. */
export interface DeframerOptions {
  /** File name for error messages. */
  file?: string | undefined;
  /**
   * Total length of the framed byte stream, when known in advance (an uncompressed file). Lets a
   * record whose length runs past the end fail as TRUNCATED at once, before its bytes are read.
   */
  streamBytes?: number | undefined;
  /** Records longer than this fail with UNSUPPORTED. Default {@link DEFAULT_MAX_RECORD_BYTES}. */
  maxRecordBytes?: number | undefined;
}

/**
 * Incremental TFRecord frame parser: feed it the byte stream in chunks of any size with
 * {@link push}, and it appends each complete, checksum-verified record to an output array.
 *
 * Records that lie wholly inside a chunk are returned as `subarray` views of that chunk (no copy),
 * so callers must hand in chunks they never overwrite. A record that straddles chunks is
 * assembled into a new buffer — from the bytes that actually arrived, so a forged length field
 * never causes an allocation larger than the data seen.
 */
export class TFRecordDeframer {
  private readonly file: string | undefined;
  private readonly streamBytes: number | undefined;
  private readonly maxRecordBytes: number;
  /** Stream offset of the first byte not yet returned as part of a record. */
  private offset = 0;
  /** Bytes of an incomplete frame carried over from earlier chunks. */
  private pieces: Uint8Array[] = [];
  private pieceBytes = 0;
  /** Full frame length of the carried-over frame once its header is parsed, else 0. */
  private frameBytes = 0;
  /** First error met; sticky, thrown by every later call. */
  private failure: ArrayRecordError | undefined;

  constructor(options: DeframerOptions = {}) {
    this.file = options.file;
    this.streamBytes = options.streamBytes;
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /** Stream offset up to which every record has been returned. */
  get position(): number {
    return this.offset;
  }

  /**
   * Parses `chunk` (the next bytes of the stream) and appends the records it completes to `out`.
   * When the chunk holds a bad frame, the good records before it are still appended and the
   * error is thrown by the next {@link push} or {@link end} — so callers see exactly the records
   * before the damage, however the stream was cut into chunks.
   */
  push(chunk: Uint8Array, out: Uint8Array[]): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      let pos = 0;
      if (this.pieceBytes > 0) {
        pos = this.continueCarried(chunk, out);
        if (this.pieceBytes > 0) return;
      }
      pos = this.scan(chunk, pos, out);
      if (pos < chunk.length) {
        this.pieces.push(chunk.subarray(pos));
        this.pieceBytes = chunk.length - pos;
        if (this.pieceBytes >= TFRECORD_HEADER_BYTES) {
          this.frameBytes = this.parseHeader(chunk, pos) + TFRECORD_FRAME_OVERHEAD;
        }
      }
    } catch (e) {
      if (!isArrayRecordError(e)) throw e;
      this.failure = e;
    }
  }

  /**
   * Copies the carried-over bytes of an incomplete frame out of the chunks they came from, so
   * the caller may overwrite those chunks (a reader reusing one read buffer calls this before
   * each read).
   */
  detach(): void {
    if (this.pieceBytes > 0) this.pieces = [joinPieces(this.pieces, this.pieceBytes, true)];
  }

  /** Declares the end of the stream; throws a deferred error, or TRUNCATED if it stops inside a frame. */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.pieceBytes === 0) return;
    const expected = this.frameBytes || TFRECORD_HEADER_BYTES;
    throw new ArrayRecordError(
      "TRUNCATED",
      this.frameBytes === 0
        ? `stream ends inside a record header (${this.pieceBytes} of ${TFRECORD_HEADER_BYTES} bytes)`
        : `stream ends inside a record (${this.pieceBytes} of ${expected} frame bytes)`,
      { file: this.file, offset: this.offset },
    );
  }

  /**
   * The hot loop: appends every whole frame in `chunk[pos..]` to `out` and returns where the first
   * partial frame starts.
   *
   * Data CRCs are checked in bulk: rather than one native CRC call per record (~150 ns of call
   * overhead each, more than the CRC of a 1 KB record itself), the loop predicts the CRC of the
   * whole run of frames from the stored per-record CRCs (CRC combination, see crc32c.ts) and
   * compares it with one native CRC over the run. A mismatch means some record is damaged, and
   * {@link locateBadRecord} rechecks them one by one. Any single damaged record always changes the
   * run's CRC; several damaged records cancel out with probability 2^-32.
   */
  private scan(chunk: Uint8Array, pos: number, out: Uint8Array[]): number {
    const n = chunk.length;
    const runStart = pos;
    const runOffset = this.offset;
    const outStart = out.length;
    // CRC32C of chunk[runStart, pos) as predicted from the bytes of the headers and footers and
    // the CRCs the writer stored for each record's data.
    let predicted = 0;
    let failure: unknown;
    try {
      while (n - pos >= TFRECORD_HEADER_BYTES) {
        const length = this.parseHeader(chunk, pos);
        const dataStart = pos + TFRECORD_HEADER_BYTES;
        const dataEnd = dataStart + length;
        const frameEnd = dataEnd + TFRECORD_FOOTER_BYTES;
        if (frameEnd > n) break;
        predicted = crc32cExtendSmall(predicted, chunk, pos, dataStart);
        predicted = (crc32cShift(predicted, length) ^ unmaskCrc32c(readUint32LE(chunk, dataEnd))) >>> 0;
        predicted = crc32cExtendSmall(predicted, chunk, dataEnd, frameEnd);
        out.push(chunk.subarray(dataStart, dataEnd));
        pos = frameEnd;
        this.offset += length + TFRECORD_FRAME_OVERHEAD;
      }
    } catch (e) {
      failure = e;
    }
    if (pos > runStart && crc32c(chunk.subarray(runStart, pos)) !== predicted) {
      this.locateBadRecord(chunk, runStart, pos, runOffset, out, outStart);
    }
    if (failure !== undefined) throw failure;
    return pos;
  }

  /**
   * After a bulk CRC mismatch over `chunk[start, end)`: finds the first record whose data CRC is
   * wrong, drops it and every later record of the run from `out`, and throws CORRUPT for it.
   */
  private locateBadRecord(chunk: Uint8Array, start: number, end: number, startOffset: number, out: Uint8Array[], outStart: number): never {
    let pos = start;
    let index = outStart;
    while (pos < end) {
      const length = readUint32LE(chunk, pos) + readUint32LE(chunk, pos + 4) * 0x1_0000_0000;
      const dataEnd = pos + TFRECORD_HEADER_BYTES + length;
      if (maskCrc32c(crc32c(chunk.subarray(pos + TFRECORD_HEADER_BYTES, dataEnd))) !== readUint32LE(chunk, dataEnd)) break;
      pos = dataEnd + TFRECORD_FOOTER_BYTES;
      index++;
    }
    out.length = index;
    this.offset = startOffset + (pos - start);
    this.dataCrcMismatch(pos < end ? readUint32LE(chunk, pos) : 0);
  }

  /** Feeds `chunk` to the carried-over frame; returns how many bytes of `chunk` it used. */
  private continueCarried(chunk: Uint8Array, out: Uint8Array[]): number {
    let pos = 0;
    for (;;) {
      const want = (this.frameBytes || TFRECORD_HEADER_BYTES) - this.pieceBytes;
      const take = Math.min(want, chunk.length - pos);
      if (take > 0) {
        this.pieces.push(chunk.subarray(pos, pos + take));
        this.pieceBytes += take;
        pos += take;
      }
      if (take < want) return pos;
      const joined = joinPieces(this.pieces, this.pieceBytes);
      if (this.frameBytes === 0) {
        this.frameBytes = this.parseHeader(joined, 0) + TFRECORD_FRAME_OVERHEAD;
        this.pieces = [joined];
        continue;
      }
      const dataEnd = this.frameBytes - TFRECORD_FOOTER_BYTES;
      const data = joined.subarray(TFRECORD_HEADER_BYTES, dataEnd);
      if (maskCrc32c(crc32c(data)) !== readUint32LE(joined, dataEnd)) this.dataCrcMismatch(data.length);
      out.push(data);
      this.offset += this.frameBytes;
      this.pieces = [];
      this.pieceBytes = 0;
      this.frameBytes = 0;
      return pos;
    }
  }

  /** Verifies the header at `bytes[pos]` (the frame at stream offset {@link offset}); returns the record length. */
  private parseHeader(bytes: Uint8Array, pos: number): number {
    const lo = readUint32LE(bytes, pos);
    const hi = readUint32LE(bytes, pos + 4);
    if (maskCrc32c(crc32cSmall(bytes, pos, pos + 8)) !== readUint32LE(bytes, pos + 8)) {
      throw new ArrayRecordError("CORRUPT", "TFRecord length checksum mismatch", {
        file: this.file,
        offset: this.offset,
      });
    }
    // The length's CRC matched, so the length is what the writer wrote; it can still be absurd.
    if (hi >= 0x20_0000) {
      throw new ArrayRecordError("CORRUPT", `TFRecord length 0x${hi.toString(16)}${lo.toString(16).padStart(8, "0")} exceeds 2^53 - 1`, {
        file: this.file,
        offset: this.offset,
      });
    }
    const length = hi * 0x1_0000_0000 + lo;
    if (this.streamBytes !== undefined && this.offset + length + TFRECORD_FRAME_OVERHEAD > this.streamBytes) {
      throw new ArrayRecordError(
        "TRUNCATED",
        `record of ${length} bytes runs past the end of the stream (${this.streamBytes - this.offset} bytes left)`,
        { file: this.file, offset: this.offset },
      );
    }
    if (length > this.maxRecordBytes) {
      throw new ArrayRecordError("UNSUPPORTED", `record of ${length} bytes exceeds the limit of ${this.maxRecordBytes}`, {
        file: this.file,
        offset: this.offset,
      });
    }
    return length;
  }

  private dataCrcMismatch(length: number): never {
    throw new ArrayRecordError("CORRUPT", `TFRecord data checksum mismatch (record of ${length} bytes)`, {
      file: this.file,
      offset: this.offset,
    });
  }
}

/**
 * Splits a whole uncompressed TFRecord stream held in memory into records, verifying every
 * checksum. Records are `subarray` views of `bytes` (no copies).
 */
export function deframeAll(bytes: Uint8Array, options: DeframerOptions = {}): Uint8Array[] {
  const deframer = new TFRecordDeframer({ ...options, streamBytes: bytes.length });
  const out: Uint8Array[] = [];
  deframer.push(bytes, out);
  deframer.end();
  return out;
}

function joinPieces(pieces: readonly Uint8Array[], total: number, copy = false): Uint8Array {
  if (pieces.length === 1 && !copy) return pieces[0]!;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of pieces) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

function readUint32LE(b: Uint8Array, pos: number): number {
  return (b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16) | (b[pos + 3]! << 24)) >>> 0;
}

function writeUint32LE(b: Uint8Array, pos: number, v: number): void {
  b[pos] = v;
  b[pos + 1] = v >>> 8;
  b[pos + 2] = v >>> 16;
  b[pos + 3] = v >>> 24;
}
