/**
 * Groups of records encoded as position-independent simple chunks (40-byte header, then data, back
 * to back): what an encode worker does with a job (encode-worker.ts), and what the writer's own
 * thread does with a job it keeps when its workers are busy (encoder.ts).
 */
import { StreamCompressor } from "../riegeli/codecs.js";
import type { Compression } from "../riegeli/compressor-options.js";
import { CHUNK_HEADER_SIZE, ChunkType, encodeChunkHeader } from "../riegeli/chunk-header.js";
import { encodeSimpleChunkData, type RecordGroups } from "../riegeli/simple-chunk.js";
import { grownKeeping, ownedBytes } from "../bytes/slab.js";
import { encodeGroupsPacked, mostChunkBytes, nativeCodecFor, type NativeCodec } from "../riegeli/native-chunk-encoder.js";

/** One compressor per distinct (compression, window log) on this thread: zstd contexts are reused across chunks. */
const compressors = new Map<string, StreamCompressor>();

function compressorFor(compression: Compression, windowLog: number | undefined): StreamCompressor {
  const key = `${JSON.stringify(compression)}/${windowLog}`;
  let compressor = compressors.get(key);
  if (compressor === undefined) {
    compressor = new StreamCompressor(compression, windowLog);
    compressors.set(key, compressor);
  }
  return compressor;
}

/**
 * Where a job's chunks are laid out, reused: the codec writes up to its bound (about the group's
 * size), so a fresh buffer per chunk had the compressor fault in and zero ~333 KB per
 * group_size:256 chunk, which made zstd ~35% slower in a worker than on the writer's thread; and
 * at group_size:1 an allocation per ~1 KB chunk cost the workers more than Snappy did. The job's
 * chunks are copied out once, at their compressed size.
 */
let scratch: Uint8Array = new Uint8Array(0);

/**
 * Each group's chunk (40-byte header, then data), back to back in one fresh (transferable) buffer,
 * and their lengths: natively where the chunk encoder applies (the same bytes), else here.
 */
export function encodeGroups(batch: RecordGroups, compression: Compression, windowLog: number | undefined): { chunks: Uint8Array; lengths: number[] } {
  const codec = nativeCodecFor(compression, windowLog);
  return codec === undefined ? encodeGroupsHere(batch, compression, windowLog) : encodeGroupsNativelyPacked(codec, batch);
}

/** {@link encodeGroups} by the native chunk encoder, into the scratch buffer, then copied out. */
function encodeGroupsNativelyPacked(codec: NativeCodec, batch: RecordGroups): { chunks: Uint8Array; lengths: number[] } {
  const flat = Float64Array.from(batch.groups);
  const count = flat.length / 3;
  const ends = new Float64Array(count + 1);
  const lengths: number[] = [];
  let at = 0;
  for (let from = 0; from < count; ) {
    scratch = grownKeeping(scratch, at + mostChunkBytes(flat, from, count), at);
    const done = encodeGroupsPacked(codec, batch, flat, from, count, scratch, at, ends);
    if (done === 0) throw new RangeError("native chunk encoder encoded nothing");
    for (let k = 0; k < done; k++) lengths.push(ends[k]! - (k === 0 ? 0 : ends[k - 1]!));
    at += ends[done - 1]!;
    from += done;
  }
  const chunks = ownedBytes(at);
  chunks.set(scratch.subarray(0, at));
  return { chunks, lengths };
}

/** {@link encodeGroups} in TypeScript. */
function encodeGroupsHere(batch: RecordGroups, compression: Compression, windowLog: number | undefined): { chunks: Uint8Array; lengths: number[] } {
  const { sizes, values, groups } = batch;
  const compressor = compressorFor(compression, windowLog);
  const lengths: number[] = [];
  let at = 0;
  for (let g = 0; g < groups.length; g += 3) {
    const sizesFrom = g === 0 ? 0 : groups[g - 3]!;
    const valuesFrom = g === 0 ? 0 : groups[g - 2]!;
    const valuesTo = groups[g + 1]!;
    const dataAt = at + CHUNK_HEADER_SIZE;
    const data = encodeSimpleChunkData(compressor, sizes.subarray(sizesFrom, groups[g]!), values.subarray(valuesFrom, valuesTo), (length) =>
      (scratch = grownKeeping(scratch, dataAt + length, at)).subarray(dataAt, dataAt + length),
    );
    const fields = { chunkType: ChunkType.SIMPLE, dataSize: data.length, numRecords: groups[g + 2]!, decodedDataSize: valuesTo - valuesFrom };
    encodeChunkHeader(scratch, at, fields, data);
    lengths.push(CHUNK_HEADER_SIZE + data.length);
    at = dataAt + data.length;
  }
  const chunks = ownedBytes(at);
  chunks.set(scratch.subarray(0, at));
  return { chunks, lengths };
}
