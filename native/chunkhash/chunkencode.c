/*
 * encodeChunks: a writer's closed groups of records encoded as simple chunks and laid out as file
 * bytes in one N-API call. Per group_size:1 record the TypeScript path builds the chunk data, calls
 * the codec, lays the chunk out and records its hashes for later, ~3.5 us of JavaScript around a
 * ~3.3 us Snappy compression (~11 us zstd) here (session 14's profile of the bench's writes). The
 * bytes are the TypeScript writer's exactly (src/format/riegeli/simple-chunk.ts
 * encodeSimpleChunkData, codecs.ts StreamCompressor, chunk-writer.ts writeChunk), which the tests
 * check: zstd is the library's own compressor, compiled from the sources zstd-napi ships
 * (binding.gyp), with the settings codecs.ts gives it; Snappy is our codec (../snappy/snappy-codec.c),
 * which is also what the Snappy addon compresses with.
 *
 * encodeChunks(key: Uint8Array(32), codec: number, level: number, windowLog: number,
 *              sizes: Uint8Array, values: Uint8Array, groups: Float64Array, from: number,
 *              to: number, out: Uint8Array, outAt: number, position: number,
 *              begins: Float64Array): number
 *   codec: 0 uncompressed, 1 zstd (at `level`; windowLog 0 for zstd's choice, else 10..31, set
 *   for streams longer than 2^windowLog as codecs.ts does), 2 Snappy. groups holds flat triples
 *   (sizes end, values end, records) as simple-chunk.ts RecordGroups: group g has the varint sizes
 *   sizes[groups[3g - 3], groups[3g]) and the records values[groups[3g - 2], groups[3g + 1]) (0
 *   before group 0). Groups from..to-1 become simple chunks, the first beginning at file position
 *   `position` (a valid chunk boundary), which is out[outAt]; each chunk's bytes (header, data,
 *   zero padding to its end, a block header at every 64 KiB boundary inside) follow the last's.
 *   Stops before a group whose chunk might not fit in out after outAt. begins[k] is the begin of
 *   chunk from + k and begins[done] the end of the last; returns done (groups encoded). Throws
 *   TypeError on bad arguments, Error if the codec fails (out of memory; Snappy input of 4 GiB or more).
 *
 * encodeChunksPacked(key, codec, level, windowLog, sizes, values, groups, from, to, out: Uint8Array,
 *                    outAt: number, ends: Float64Array): number
 *   The encode workers' side, as encode-groups.ts lays a job out: each group's chunk as its
 *   40-byte header and data back to back from out[outAt] (no positions, block headers or
 *   padding: the writer places them later); ends[k] is where chunk from + k ends, counted from
 *   outAt. Stops before a chunk that might not fit; returns how many were encoded.
 *
 * layOutChunks(key, chunks: Uint8Array, count: number, out: Uint8Array, outAt: number,
 *              position: number, begins: Float64Array): number
 *   The writer's side of a worker's job: the first count chunks of chunks (each its 40-byte
 *   header, hashes included, then the data_size bytes its header gives) laid out from file
 *   position `position` at out[outAt] as encodeChunks lays chunks out, stopping before one that
 *   does not fit; begins as encodeChunks. Throws TypeError if a chunk runs past chunks.
 */
#include <stdlib.h>
#include <string.h>

#include "chunkhash.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "snappy-codec.h"
#include "zstd.h"

enum { CODEC_NONE = 0, CODEC_ZSTD = 1, CODEC_SNAPPY = 2 };
static const uint8_t COMPRESSION_BYTE[] = {0x00, 0x7a, 0x73};
/* Streams of at most this many bytes are one raw zstd block (codecs.ts ZSTD_RAW_LIMIT: libzstd stores them so). */
#define ZSTD_RAW_LIMIT 8u

typedef struct {
  int codec, level, window_log;
} settings;

static size_t put_varint(uint8_t* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

static void put_u64(uint8_t* p, uint64_t v) { memcpy(p, &v, 8); }

/* The most bytes write_stream writes for n input bytes. */
static size_t stream_bound(int codec, size_t n) {
  switch (codec) {
    case CODEC_NONE:
      return n;
    case CODEC_ZSTD:
      return 10 + (n <= ZSTD_RAW_LIMIT ? 9 + n : ZSTD_compressBound(n));
    default:
      return 10 + 32 + n + n / 6;
  }
}

/*
 * Writes src[0..n) as a chunk stream at dst (stream_bound bytes of room): itself when uncompressed,
 * else varint(n) and the compressed bytes as StreamCompressor.encodeInto writes them. Returns its
 * length, or SIZE_MAX when the codec fails (zstd out of memory, Snappy input of 4 GiB or more).
 */
static size_t write_stream(ZSTD_CCtx* cctx, const settings* s, const uint8_t* src, size_t n, uint8_t* dst, size_t cap) {
  if (s->codec == CODEC_NONE) {
    memcpy(dst, src, n);
    return n;
  }
  size_t at = put_varint(dst, n);
  if (s->codec == CODEC_SNAPPY) {
    int64_t written = snappy_compress(src, n, dst + at, cap - at);
    return written < 0 ? SIZE_MAX : at + (size_t)written;
  }
  if (n <= ZSTD_RAW_LIMIT) {
    /* One raw block, single segment, 1-byte content size: zstd-small.ts writeZstdRawFrame. */
    static const uint8_t magic[] = {0x28, 0xb5, 0x2f, 0xfd, 0x20};
    memcpy(dst + at, magic, 5);
    dst[at + 5] = (uint8_t)n;
    dst[at + 6] = (uint8_t)((n << 3) | 1);
    dst[at + 7] = 0;
    dst[at + 8] = 0;
    memcpy(dst + at + 9, src, n);
    return at + 9 + n;
  }
  /* codecs.ts keeps a context with the level alone, and one with the window log too for streams
     longer than the window; 0 restores zstd's own choice, so one context serves both. */
  int window = s->window_log != 0 && (uint64_t)n > ((uint64_t)1 << s->window_log) ? s->window_log : 0;
  if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, s->level)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window))) {
    return SIZE_MAX;
  }
  size_t written = ZSTD_compress2(cctx, dst + at, cap - at, src, n);
  return ZSTD_isError(written) ? SIZE_MAX : at + written;
}

/* The chunk's logical bytes [from, from + count) (header, data, then zeros) at dst. */
static void copy_logical(uint8_t* dst, const uint8_t* header, const uint8_t* data, size_t data_size, size_t from, size_t count) {
  while (count > 0) {
    size_t n;
    if (from < CHUNK_HEADER_SIZE) {
      n = CHUNK_HEADER_SIZE - from < count ? CHUNK_HEADER_SIZE - from : count;
      memcpy(dst, header + from, n);
    } else if (from - CHUNK_HEADER_SIZE < data_size) {
      size_t at = from - CHUNK_HEADER_SIZE;
      n = data_size - at < count ? data_size - at : count;
      memcpy(dst, data + at, n);
    } else {
      n = count;
      memset(dst, 0, n);
    }
    dst += n;
    from += n;
    count -= n;
  }
}

/* Lays the chunk [begin, end) out at dst as chunk-writer.ts writeChunk does. */
static void lay_out(const uint8_t* key, uint8_t* dst, uint64_t begin, uint64_t end, const uint8_t* header, const uint8_t* data, size_t data_size) {
  uint64_t position = begin;
  size_t logical = 0;
  while (position < end) {
    uint64_t room = remaining_in_block(position);
    if (room == 0) {
      uint8_t* block_header = dst + (position - begin);
      put_u64(block_header + 8, position - begin);
      put_u64(block_header + 16, end - position);
      put_u64(block_header, riegeli_hash(key, block_header + 8, BLOCK_HEADER_SIZE - 8));
      position += BLOCK_HEADER_SIZE;
      continue;
    }
    size_t count = (size_t)(room < end - position ? room : end - position);
    copy_logical(dst + (position - begin), header, data, data_size, logical, count);
    logical += count;
    position += count;
  }
}

/* The arguments, checked. */
typedef struct {
  uint8_t* key;
  settings s;
  uint8_t *sizes, *values, *out;
  size_t sizes_length, values_length, out_length, groups_length, marks_length;
  double *groups, *marks; /* marks: begins (laid out) or ends (packed) */
  size_t from, to, out_at;
  uint64_t position; /* laid out only */
} encode_args;

static int read_index(napi_env env, napi_value v, size_t limit, size_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= (double)limit) || (double)(size_t)d != d) return 0;
  *out = (size_t)d;
  return 1;
}

static int read_int(napi_env env, napi_value v, int lo, int hi, int* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= lo && d <= hi) || (double)(int)d != d) return 0;
  *out = (int)d;
  return 1;
}

/* Group g's bounds in sizes and values and its record count; 0 unless they are consistent. */
static int group_bounds(const encode_args* a, size_t g, size_t* sizes_from, size_t* sizes_to, size_t* values_from, size_t* values_to, uint64_t* records) {
  double sf = g == 0 ? 0 : a->groups[3 * g - 3], vf = g == 0 ? 0 : a->groups[3 * g - 2];
  double st = a->groups[3 * g], vt = a->groups[3 * g + 1], n = a->groups[3 * g + 2];
  if (!(sf >= 0 && sf <= st && st <= (double)a->sizes_length && vf >= 0 && vf <= vt && vt <= (double)a->values_length && is_position(n))) return 0;
  if ((double)(size_t)sf != sf || (double)(size_t)st != st || (double)(size_t)vf != vf || (double)(size_t)vt != vt) return 0;
  *sizes_from = (size_t)sf;
  *sizes_to = (size_t)st;
  *values_from = (size_t)vf;
  *values_to = (size_t)vt;
  *records = (uint64_t)n;
  return 1;
}

/* Reads argv[0..11) (key .. outAt), then position and begins (laid out) or ends (packed). */
static int read_encode_args(napi_env env, napi_value* argv, int packed, encode_args* a) {
  size_t key_length;
  if (!typed_bytes(env, argv[0], napi_uint8_array, (void**)&a->key, &key_length) || key_length != 32 ||
      !read_int(env, argv[1], CODEC_NONE, CODEC_SNAPPY, &a->s.codec) || !read_int(env, argv[2], ZSTD_minCLevel(), ZSTD_maxCLevel(), &a->s.level) ||
      !read_int(env, argv[3], 0, 31, &a->s.window_log) || (a->s.window_log != 0 && a->s.window_log < 10) ||
      !typed_bytes(env, argv[4], napi_uint8_array, (void**)&a->sizes, &a->sizes_length) ||
      !typed_bytes(env, argv[5], napi_uint8_array, (void**)&a->values, &a->values_length) ||
      !typed_bytes(env, argv[6], napi_float64_array, (void**)&a->groups, &a->groups_length) ||
      !read_index(env, argv[7], a->groups_length / 3, &a->from) || !read_index(env, argv[8], a->groups_length / 3, &a->to) || a->from > a->to ||
      !typed_bytes(env, argv[9], napi_uint8_array, (void**)&a->out, &a->out_length) || !read_index(env, argv[10], a->out_length, &a->out_at)) {
    return 0;
  }
  a->position = 0;
  if (!packed) {
    double position;
    if (napi_get_value_double(env, argv[11], &position) != napi_ok || !is_position(position) || remaining_in_block((uint64_t)position) >= USABLE_BLOCK_SIZE) return 0;
    a->position = (uint64_t)position;
  }
  if (!typed_bytes(env, argv[packed ? 11 : 12], napi_float64_array, (void**)&a->marks, &a->marks_length) || a->marks_length < a->to - a->from + 1) return 0;
  for (size_t g = a->from; g < a->to; g++) {
    size_t sf, st, vf, vt;
    uint64_t records;
    if (!group_bounds(a, g, &sf, &st, &vf, &vt, &records)) return 0;
  }
  return 1;
}

/*
 * Writes the data of the chunk of a group (sizes[sf, st), values[vf, vt)) at data, which has
 * `bound` bytes (encode_bound); returns its length, or SIZE_MAX when the codec fails. Data:
 * compression byte, varint(length of the sizes stream), sizes stream, values stream; the sizes
 * stream is written after room for the longest varint, then moved up to it.
 */
static size_t encode_data(ZSTD_CCtx* cctx, const encode_args* a, size_t sf, size_t st, size_t vf, size_t vt, uint8_t* data, size_t bound) {
  size_t sizes_bound = stream_bound(a->s.codec, st - sf);
  data[0] = COMPRESSION_BYTE[a->s.codec];
  size_t sizes_stream = write_stream(cctx, &a->s, a->sizes + sf, st - sf, data + 11, sizes_bound);
  if (sizes_stream == SIZE_MAX) return SIZE_MAX;
  size_t at = 1 + put_varint(data + 1, sizes_stream);
  memmove(data + at, data + 11, sizes_stream);
  at += sizes_stream;
  size_t values_stream = write_stream(cctx, &a->s, a->values + vf, vt - vf, data + at, bound - at);
  return values_stream == SIZE_MAX ? SIZE_MAX : at + values_stream;
}

/* The most bytes encode_data writes for the group. */
static size_t encode_bound(int codec, size_t sizes_n, size_t values_n) { return 1 + 10 + stream_bound(codec, sizes_n) + stream_bound(codec, values_n); }

/* The 40-byte header of a simple chunk of `records` records decoding to `decoded` bytes, with data[0..data_size). */
static void write_header(const uint8_t* key, uint8_t* header, const uint8_t* data, size_t data_size, uint64_t records, uint64_t decoded) {
  put_u64(header + 8, data_size);
  put_u64(header + 16, riegeli_hash(key, data, data_size));
  put_u64(header + 24, CHUNK_TYPE_SIMPLE | records << 8);
  put_u64(header + 32, decoded);
  put_u64(header, riegeli_hash(key, header + 8, CHUNK_HEADER_SIZE - 8));
}

static napi_value throw_codec_failure(napi_env env) {
  napi_throw_error(env, NULL, "encodeChunks: the codec failed (out of memory, or a Snappy stream of 4 GiB or more)");
  return NULL;
}

/* This thread's state with a compression context when the codec needs one; NULL after throwing. */
static thread_state* encoder_of(napi_env env, int codec) {
  thread_state* state = thread_state_of(env);
  if (state != NULL && codec == CODEC_ZSTD && state->cctx == NULL) state->cctx = ZSTD_createCCtx();
  if (state == NULL || (codec == CODEC_ZSTD && state->cctx == NULL)) {
    napi_throw_error(env, NULL, "cannot make a zstd compressor");
    return NULL;
  }
  return state;
}

/* encodeChunks (packed 0) and encodeChunksPacked (packed 1), as the header comment says. */
static napi_value encode(napi_env env, napi_callback_info info, int packed, const char* usage) {
  size_t argc = 13;
  napi_value argv[13];
  encode_args a;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < (size_t)(packed ? 12 : 13) || !read_encode_args(env, argv, packed, &a)) {
    return throw_usage(env, usage);
  }
  thread_state* state = encoder_of(env, a.s.codec);
  if (state == NULL) return NULL;
  uint64_t begin = a.position; /* laid out: the file position of out + cursor */
  size_t cursor = a.out_at, done = 0;
  uint8_t header[CHUNK_HEADER_SIZE];
  for (size_t g = a.from; g < a.to; g++, done++) {
    size_t sf, st, vf, vt;
    uint64_t records;
    group_bounds(&a, g, &sf, &st, &vf, &vt, &records);
    size_t bound = encode_bound(a.s.codec, st - sf, vt - vf);
    /* Room for the chunk at its largest, checked before any work on it. */
    uint64_t most = packed ? CHUNK_HEADER_SIZE + bound : chunk_end(begin, CHUNK_HEADER_SIZE + bound, records) - begin;
    if (most > a.out_length - cursor) break;
    if (packed) {
      /* Straight into out: header, then data. */
      uint8_t* data = a.out + cursor + CHUNK_HEADER_SIZE;
      size_t data_size = encode_data(state->cctx, &a, sf, st, vf, vt, data, bound);
      if (data_size == SIZE_MAX) return throw_codec_failure(env);
      write_header(a.key, a.out + cursor, data, data_size, records, vt - vf);
      cursor += CHUNK_HEADER_SIZE + data_size;
      a.marks[done] = (double)(cursor - a.out_at);
      continue;
    }
    if (!grow_buffer(&state->data, &state->data_capacity, bound)) {
      napi_throw_error(env, NULL, "out of memory");
      return NULL;
    }
    size_t data_size = encode_data(state->cctx, &a, sf, st, vf, vt, state->data, bound);
    if (data_size == SIZE_MAX) return throw_codec_failure(env);
    write_header(a.key, header, state->data, data_size, records, vt - vf);
    uint64_t end = chunk_end(begin, CHUNK_HEADER_SIZE + data_size, records);
    lay_out(a.key, a.out + cursor, begin, end, header, state->data, data_size);
    a.marks[done] = (double)begin;
    cursor += (size_t)(end - begin);
    begin = end;
  }
  if (!packed) a.marks[done] = (double)begin;
  napi_value result;
  napi_create_double(env, (double)done, &result);
  return result;
}

static napi_value encode_chunks(napi_env env, napi_callback_info info) {
  return encode(env, info, 0,
                "encodeChunks(key: Uint8Array(32), codec: 0 | 1 | 2, level: number, windowLog: number, sizes: Uint8Array, values: Uint8Array, "
                "groups: Float64Array, from: number, to: number, out: Uint8Array, outAt: number, position: number, begins: Float64Array)");
}

static napi_value encode_chunks_packed(napi_env env, napi_callback_info info) {
  return encode(env, info, 1,
                "encodeChunksPacked(key: Uint8Array(32), codec: 0 | 1 | 2, level: number, windowLog: number, sizes: Uint8Array, values: Uint8Array, "
                "groups: Float64Array, from: number, to: number, out: Uint8Array, outAt: number, ends: Float64Array)");
}

static napi_value lay_out_chunks(napi_env env, napi_callback_info info) {
  const char* usage =
      "layOutChunks(key: Uint8Array(32), chunks: Uint8Array, count: number, out: Uint8Array, outAt: number, position: number, begins: Float64Array): "
      "every chunk a 40-byte header and its data inside chunks";
  size_t argc = 7;
  napi_value argv[7];
  uint8_t *key, *chunks, *out;
  double *begins, position;
  size_t key_length, chunks_length, out_length, begins_length, count, out_at;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 7 ||
      !typed_bytes(env, argv[0], napi_uint8_array, (void**)&key, &key_length) || key_length != 32 ||
      !typed_bytes(env, argv[1], napi_uint8_array, (void**)&chunks, &chunks_length) || !read_index(env, argv[2], chunks_length, &count) ||
      !typed_bytes(env, argv[3], napi_uint8_array, (void**)&out, &out_length) || !read_index(env, argv[4], out_length, &out_at) ||
      napi_get_value_double(env, argv[5], &position) != napi_ok || !is_position(position) || remaining_in_block((uint64_t)position) >= USABLE_BLOCK_SIZE ||
      !typed_bytes(env, argv[6], napi_float64_array, (void**)&begins, &begins_length) || begins_length < count + 1) {
    return throw_usage(env, usage);
  }
  /* Every chunk inside chunks, checked before anything is written. */
  size_t at = 0;
  for (size_t k = 0; k < count; k++) {
    if (chunks_length - at < CHUNK_HEADER_SIZE || load64(chunks + at + 8) > chunks_length - at - CHUNK_HEADER_SIZE) return throw_usage(env, usage);
    at += CHUNK_HEADER_SIZE + (size_t)load64(chunks + at + 8);
  }
  uint64_t begin = (uint64_t)position;
  size_t cursor = out_at, done = 0;
  for (at = 0; done < count; done++) {
    const uint8_t* header = chunks + at;
    size_t data_size = (size_t)load64(header + 8);
    uint64_t end = chunk_end(begin, CHUNK_HEADER_SIZE + data_size, load64(header + 24) >> 8);
    if (end - begin > out_length - cursor) break;
    lay_out(key, out + cursor, begin, end, header, header + CHUNK_HEADER_SIZE, data_size);
    begins[done] = (double)begin;
    cursor += (size_t)(end - begin);
    begin = end;
    at += CHUNK_HEADER_SIZE + data_size;
  }
  begins[done] = (double)begin;
  napi_value result;
  napi_create_double(env, (double)done, &result);
  return result;
}

void export_chunk_encoder(napi_env env, napi_value exports) {
  export_function(env, exports, "layOutChunks", lay_out_chunks);
  export_function(env, exports, "encodeChunks", encode_chunks);
  export_function(env, exports, "encodeChunksPacked", encode_chunks_packed);
}

#endif
