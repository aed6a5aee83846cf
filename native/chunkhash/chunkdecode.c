/*
 * decodeChunks: the simple zstd and Snappy chunks of a span verified and decoded in one N-API
 * call, for the reader's span paths (the visits, the owned span reads and the decode workers). A
 * group_size:1 chunk is ~500 bytes decoding to ~1.3 KB: per chunk, zstd-napi's call costs ~0.6 us
 * more than zstd's own loop and our TypeScript parse of the chunk and its streams another ~1 us
 * (measured in session 13; see the README), of a ~7 us zstd read. A group_size:256 chunk (~80 KB
 * of zstd data) crosses block headers: gathered and checked here it spares the TypeScript parse,
 * the copy and the codec call from JavaScript (session 15: 0-15% of a pass in one-process A/Bs). zstd is the library's own
 * decoder, compiled from the sources zstd-napi ships (binding.gyp); Snappy is our codec
 * (../snappy/snappy-codec.c); the chunk layout is parsed here as src/format/riegeli/simple-chunk.ts
 * parses it.
 *
 * decodeChunks(key: Uint8Array(32), bytes: Uint8Array, start: number, offsets: Float64Array,
 *              count: number, numRecords: Float64Array, decodedSizes: Float64Array,
 *              out: Uint8Array, outAt: number, bounds: Float64Array, boundsAt: number,
 *              decoded: Uint8Array, stored: 0 | 1 | 2): number
 *   For k < count, chunk k begins at file position offsets[k] and its footer range ends at
 *   offsets[k + 1]; bytes[0] is at file position start. Chunk k's slot is the numRecords[k] pairs
 *   of bounds after those of the chunks before it (from boundsAt) and the decodedSizes[k] bytes of
 *   out after theirs (from outAt). decoded[k] = 1 when the chunk was decoded into its slot: it
 *   begins at a chunk boundary and lies inside bytes up to its end, which is within its footer
 *   range; its header and data hashes verify, and so does every block header at a boundary from
 *   its begin up to its end, pointing back to its begin and on to its end (as the parser's
 *   BlockSplicer checks them; a chunk crossing block headers is gathered into scratch memory
 *   first, up to MAX_GATHERED_BYTES of data); it is a simple chunk agreeing with the footer's
 *   record count and decoded size, compressed with zstd or Snappy (or, with stored 1 or 2, not
 *   compressed), and its sizes and values streams decode exactly as decodeSimpleChunk requires;
 *   then record i is out[bounds[2i], bounds[2i + 1]) of its slot. With stored 2 (in place), out
 *   must begin with bytes (the same memory) and the slots lie after them: an uncompressed
 *   chunk's records between two block headers are left where they lie, record i then
 *   out[bounds[2i], bounds[2i + 1]) inside bytes, and only those split by a block header are
 *   copied into the slot. (With stored 0, uncompressed chunks are left: records of their own
 *   view them where they were read, which costs no copy.)
 *   Else decoded[k] = 0 and the slot holds garbage: the caller decodes that chunk itself, and
 *   reports what is wrong. Returns how many were decoded. Throws TypeError if the slots do not fit.
 *
 * chunkDecoder(key: Uint8Array(32)): (bytes: Uint8Array, start: number, begin: number,
 *                                     limit: number, out: Uint8Array) => boolean
 *   A function bound to a copy of key that decodes the one chunk at file position begin (its
 *   footer range ending at limit) as decodeChunks would, as a chunk of one record decoding to
 *   exactly out.length bytes, into out: a random read's chunk, with one typed array argument fewer
 *   per call than decodeChunks' eight. True when decoded; else out holds garbage.
 */
#include <stdlib.h>
#include <string.h>

#include "chunkhash.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "snappy-codec.h"
#include "zstd.h"

#define COMPRESSION_ZSTD 0x7au
#define COMPRESSION_SNAPPY 0x73u
#define MAX_SAFE_INTEGER 9007199254740991ull
/* Largest sizes stream decoded here (10 bytes per record at most); larger ones go to the caller. */
#define MAX_SIZES_BYTES (16u << 20)

/* This thread's state with its decoding context, or NULL (out of memory). */
static thread_state* decoder_of(napi_env env) {
  thread_state* s = thread_state_of(env);
  if (s == NULL) return NULL;
  if (s->dctx == NULL) {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    /* As codecs.ts's context: every window a writer may choose (window_log up to 31). */
    if (dctx == NULL || ZSTD_isError(ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 31))) {
      ZSTD_freeDCtx(dctx);
      return NULL;
    }
    s->dctx = dctx;
  }
  return s;
}

/* A varint at *p before end as readVarint (src/format/varint.ts) accepts it: at most 10 bytes, the
   tenth 0 or 1, the value at most 2^53 - 1. */
static int read_varint(const uint8_t** p, const uint8_t* end, uint64_t* value) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 10; i++) {
    if (*p >= end) return 0;
    uint8_t b = *(*p)++;
    if (i == 9 && b > 1) return 0;
    v |= (uint64_t)(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      *value = v;
      return v <= MAX_SAFE_INTEGER;
    }
  }
  return 0;
}

/* A stream [p, end) compressed as `compression` says, decoding to exactly n bytes at dst. */
static int decodes_exactly(thread_state* d, uint8_t compression, uint8_t* dst, uint64_t n, const uint8_t* p, const uint8_t* end) {
  if (compression == COMPRESSION_SNAPPY) return snappy_decode(p, (size_t)(end - p), dst, (size_t)n) == (int64_t)n;
  size_t got = ZSTD_decompressDCtx(d->dctx, dst, (size_t)n, p, (size_t)(end - p));
  return !ZSTD_isError(got) && got == n;
}

/* Largest chunk data gathered across block headers here (bounded also by the window); larger ones go to the caller. */
#define MAX_GATHERED_BYTES (16u << 20)

/* The chunk header fields decodeChunks checks against the footer: a simple chunk of `records` records decoding to decoded_size bytes. */
static int simple_as_footer_says(const uint8_t* header, uint64_t records, uint64_t decoded_size) {
  uint64_t type_and_records = load64(header + 24);
  return (type_and_records & 0xff) == CHUNK_TYPE_SIMPLE && type_and_records >> 8 == records && load64(header + 32) == decoded_size;
}

/* 1 when the chunk's data (data_size bytes at data) is zstd or Snappy (the compression byte at data[0]) and its hashes match. */
static int compressed_and_verified(const uint8_t* key, const uint8_t* header, const uint8_t* data, uint64_t data_size) {
  if (data_size == 0 || (data[0] != COMPRESSION_ZSTD && data[0] != COMPRESSION_SNAPPY)) return 0;
  return chunk_hashes_match(key, header, data);
}

/* Where chunk bytes continue from file position `position`: past the block header when it is at a block boundary. */
static uint64_t past_block_header(uint64_t position) { return position % BLOCK_SIZE == 0 ? position + BLOCK_HEADER_SIZE : position; }

/* The next piece of n chunk bytes from *position (at most to the next block boundary) in the window; moves *position past it. */
static const uint8_t* next_piece(const chunk_args* a, uint64_t* position, uint64_t n, uint64_t* count) {
  uint64_t at = past_block_header(*position);
  uint64_t room = remaining_in_block(at);
  *count = room < n ? room : n;
  *position = at + *count;
  return a->bytes + (at - a->start);
}

/* Copies the n chunk bytes from file position `position` to dst, skipping the block headers among them
   (the caller checked that add_with_overhead(position, n) lies inside the window); returns the position after them. */
static uint64_t gather(const chunk_args* a, uint64_t position, uint64_t n, uint8_t* dst) {
  while (n > 0) {
    uint64_t count;
    const uint8_t* piece = next_piece(a, &position, n, &count);
    memcpy(dst, piece, (size_t)count);
    dst += count;
    n -= count;
  }
  return position;
}

/* The hash of the n chunk bytes from file position `position`, read where they lie, between the block headers (as gather). */
static uint64_t hash_between_headers(const chunk_args* a, uint64_t position, uint64_t n) {
  riegeli_hasher h;
  riegeli_hasher_init(&h, a->key);
  while (n > 0) {
    uint64_t count;
    const uint8_t* piece = next_piece(a, &position, n, &count);
    riegeli_hasher_update(&h, piece, (size_t)count);
    n -= count;
  }
  return riegeli_hasher_final(&h);
}

/* 1 when every block header at a boundary in [begin, end) verifies and points back to begin and on to end, as
   the parser's BlockSplicer checks them (src/format/riegeli/chunk-reader.ts); end lies inside the window. */
static int block_headers_verified(const chunk_args* a, uint64_t begin, uint64_t end) {
  uint64_t window_end = a->start + a->length;
  for (uint64_t boundary = (begin + BLOCK_SIZE - 1) / BLOCK_SIZE * BLOCK_SIZE; boundary < end; boundary += BLOCK_SIZE) {
    if (boundary + BLOCK_HEADER_SIZE > window_end) return 0;
    const uint8_t* h = a->bytes + (boundary - a->start);
    if (riegeli_hash(a->key, h + 8, BLOCK_HEADER_SIZE - 8) != load64(h) || load64(h + 8) != boundary - begin || load64(h + 16) != end - boundary) return 0;
  }
  return 1;
}

/* Where chunk k lies: its header (in place, or gathered into head), its begin, data size and
   the file position of its data (a block boundary when the header fills its block: the data
   follows that block header); in_block when header and data lie inside one block. */
typedef struct {
  const uint8_t* header;
  uint8_t head[CHUNK_HEADER_SIZE];
  uint64_t begin, data_size, data_position;
  int in_block;
} chunk_place;

/*
 * 1 when chunk k is a simple chunk agreeing with the footer that lies inside the window and its
 * footer range, every block header inside it verified (one stretched past its block by its record
 * count holds block headers in its padding); its hashes are not checked yet. A chunk crossing
 * block headers has at most MAX_GATHERED_BYTES of data.
 */
static int chunk_placed(const chunk_args* a, size_t k, uint64_t records, uint64_t decoded_size, chunk_place* c) {
  double offset = a->offsets[k], limit = a->offsets[k + 1];
  if (!is_position(offset) || offset < (double)a->start) return 0;
  uint64_t begin = (uint64_t)offset; /* a position at or after start */
  uint64_t room = remaining_in_block(begin);
  if (room >= USABLE_BLOCK_SIZE) return 0; /* not a chunk boundary: the parser says so */
  uint64_t window_end = a->start + a->length;
  c->begin = begin;
  c->data_position = add_with_overhead(begin, CHUNK_HEADER_SIZE);
  c->header = chunk_in_block(a->bytes, a->length, a->start, offset);
  c->in_block = c->header != NULL;
  if (c->in_block) {
    c->data_size = load64(c->header + 8);
    if (!simple_as_footer_says(c->header, records, decoded_size)) return 0;
    uint64_t end = chunk_end(begin, CHUNK_HEADER_SIZE + c->data_size, records);
    return (double)end <= limit && (end <= begin + room || (end <= window_end && block_headers_verified(a, begin, end)));
  }
  if (begin > window_end || add_with_overhead(begin, CHUNK_HEADER_SIZE) > window_end) return 0;
  gather(a, begin, CHUNK_HEADER_SIZE, c->head);
  c->header = c->head;
  c->data_size = load64(c->head + 8);
  if (!simple_as_footer_says(c->head, records, decoded_size) || c->data_size > MAX_GATHERED_BYTES || c->data_size > window_end - begin) return 0;
  uint64_t end = chunk_end(begin, CHUNK_HEADER_SIZE + c->data_size, records);
  return end <= window_end && (double)end <= limit && block_headers_verified(a, begin, end);
}

/*
 * The data of chunk k (placed as chunk_placed says) when it is zstd or Snappy and its hashes
 * verify, or NULL: read where it is inside one block, or gathered into this thread's scratch
 * first (group_size:256 chunks are ~80 KB). The hashes last: a span of other chunks costs a look
 * at each header, not a hash.
 */
static const uint8_t* compressed_data(thread_state* d, const chunk_args* a, const chunk_place* c) {
  if (c->in_block) return compressed_and_verified(a->key, c->header, c->header + CHUNK_HEADER_SIZE, c->data_size) ? c->header + CHUNK_HEADER_SIZE : NULL;
  if (!grow_buffer(&d->gathered, &d->gathered_capacity, (size_t)(CHUNK_HEADER_SIZE + c->data_size))) return NULL;
  gather(a, c->begin, CHUNK_HEADER_SIZE + c->data_size, d->gathered);
  return compressed_and_verified(a->key, d->gathered, d->gathered + CHUNK_HEADER_SIZE, c->data_size) ? d->gathered + CHUNK_HEADER_SIZE : NULL;
}

/* Record bounds from `records` varints of sizes[0..sizes_size) summing to exactly decoded_size, from `at`; 0 unless they do. */
static int bounds_from_sizes(const uint8_t* sizes, uint64_t sizes_size, uint64_t records, uint64_t decoded_size, uint64_t at, double* bounds) {
  const uint8_t* q = sizes;
  const uint8_t* q_end = q + sizes_size;
  uint64_t total = 0;
  for (uint64_t i = 0; i < records; i++) {
    uint64_t size;
    if (!read_varint(&q, q_end, &size) || size > decoded_size - total) return 0;
    bounds[2 * i] = (double)(at + total);
    total += size;
    bounds[2 * i + 1] = (double)(at + total);
  }
  return total == decoded_size && q == q_end;
}

/* Decodes the zstd or Snappy chunk placed at c into out[at..] and its record bounds into bounds[0..]; 0 where the caller must decode it. */
static int decode_compressed(thread_state* d, const chunk_args* a, const chunk_place* c, uint64_t records, uint64_t decoded_size, uint8_t* out, uint64_t at, double* bounds) {
  const uint8_t* data = compressed_data(d, a, c);
  if (data == NULL) return 0;
  const uint8_t* data_end = data + c->data_size;
  const uint8_t compression = data[0];
  const uint8_t* p = data + 1;
  uint64_t sizes_length, sizes_size, values_size;
  if (!read_varint(&p, data_end, &sizes_length) || sizes_length > (uint64_t)(data_end - p)) return 0;
  const uint8_t* sizes_end = p + sizes_length;
  if (!read_varint(&p, sizes_end, &sizes_size) || sizes_size == 0 || sizes_size > 10 * records || sizes_size > MAX_SIZES_BYTES) return 0;
  if (!grow_buffer(&d->sizes, &d->sizes_capacity, (size_t)sizes_size)) return 0;
  if (!decodes_exactly(d, compression, d->sizes, sizes_size, p, sizes_end)) return 0;
  p = sizes_end;
  if (!read_varint(&p, data_end, &values_size) || values_size != decoded_size || !decodes_exactly(d, compression, out + at, decoded_size, p, data_end)) return 0;
  return bounds_from_sizes(d->sizes, sizes_size, records, decoded_size, at, bounds);
}

/* How decodeChunks takes uncompressed chunks (its `stored` argument). */
enum { STORED_NO = 0, STORED_COPY = 1, STORED_IN_PLACE = 2, STORED_VIEW = 3 };

/*
 * The values of an uncompressed chunk from file position `position` on, whose bounds hold their
 * slot offsets, left where they lie (out begins with the window's bytes): a record between two
 * block headers gets bounds in the window, one split by a block header is gathered into its
 * place in the slot. Only those few bytes are copied.
 */
static void place_in_window(const chunk_args* a, uint64_t position, uint64_t records, uint8_t* out, double* bounds) {
  for (uint64_t i = 0; i < records; i++) {
    uint64_t from = (uint64_t)bounds[2 * i], size = (uint64_t)bounds[2 * i + 1] - from;
    position = past_block_header(position);
    if (size <= remaining_in_block(position)) {
      bounds[2 * i] = (double)(position - a->start);
      bounds[2 * i + 1] = (double)(position - a->start + size);
      position += size;
    } else {
      position = gather(a, position, size, out + from);
    }
  }
}

/*
 * Decodes the uncompressed chunk placed at c (compression byte 0: the sizes varints, then the
 * values, stored) into out[at..]: its data hashed where it lies between block headers, its sizes
 * gathered into this thread's scratch, and its values copied straight into their slot (one copy,
 * as the TypeScript parser's reassembly in place is one; but no copy of shared memory from
 * JavaScript, ~5x slower per byte, and no parse or hash call per chunk), or with STORED_IN_PLACE
 * left where they lie but the records split by a block header (place_in_window). With
 * STORED_VIEW nothing is written: the bounds are where the values lie in the window once the
 * chunk's data is contiguous from its first byte, and 2 (not 1) says that its data crosses a block
 * header, so view_chunks must reassemble it there. prefix holds the first prefix_size bytes of its
 * data, as decode_chunk gathered them. 0 where the caller must decode it.
 */
static int decode_uncompressed(thread_state* d, const chunk_args* a, const chunk_place* c, const uint8_t* prefix, uint64_t prefix_size, uint64_t records,
                               uint64_t decoded_size, uint8_t* out, uint64_t at, double* bounds, int stored) {
  uint64_t data_size = c->data_size;
  const uint8_t* p = prefix + 1; /* prefix[0] is 0: decode_chunk looked */
  uint64_t sizes_length;
  if (!read_varint(&p, prefix + prefix_size, &sizes_length)) return 0;
  uint64_t used = (uint64_t)(p - prefix);
  if (sizes_length > 10 * records || sizes_length > MAX_SIZES_BYTES || sizes_length > data_size - used ||
      data_size - used - sizes_length != decoded_size) {
    return 0;
  }
  if (riegeli_hash(a->key, c->header + 8, CHUNK_HEADER_SIZE - 8) != load64(c->header) ||
      hash_between_headers(a, c->data_position, data_size) != load64(c->header + 16)) {
    return 0;
  }
  if (!grow_buffer(&d->sizes, &d->sizes_capacity, (size_t)sizes_length)) return 0;
  uint64_t position = gather(a, add_with_overhead(c->data_position, used), sizes_length, d->sizes);
  uint64_t data_start = past_block_header(c->data_position);
  if (stored == STORED_VIEW) at = data_start - a->start + used + sizes_length;
  if (!bounds_from_sizes(d->sizes, sizes_length, records, decoded_size, at, bounds)) return 0;
  if (stored == STORED_VIEW) return data_size > remaining_in_block(data_start) ? 2 : 1;
  if (stored == STORED_IN_PLACE) {
    place_in_window(a, position, records, out, bounds);
  } else {
    gather(a, position, decoded_size, out + at);
  }
  return 1;
}

/* Decodes chunk k into out[at..] and its record bounds into bounds[0..] (uncompressed chunks as `stored` says; with STORED_VIEW those only, see decode_uncompressed); 0 where the caller must decode it. */
static int decode_chunk(thread_state* d, const chunk_args* a, size_t k, uint64_t records, uint64_t decoded_size, uint8_t* out, uint64_t at, double* bounds, int stored) {
  chunk_place c;
  if (records == 0 || decoded_size == 0 || !chunk_placed(a, k, records, decoded_size, &c)) return 0;
  if (stored != STORED_NO && c.data_size > 0) {
    /* The compression byte and the sizes length (a varint of at most 10 bytes). */
    uint8_t prefix[11];
    uint64_t prefix_size = c.data_size < sizeof prefix ? c.data_size : sizeof prefix;
    gather(a, c.data_position, prefix_size, prefix);
    if (prefix[0] == 0) return decode_uncompressed(d, a, &c, prefix, prefix_size, records, decoded_size, out, at, bounds, stored);
  }
  return stored == STORED_VIEW ? 0 : decode_compressed(d, a, &c, records, decoded_size, out, at, bounds);
}

/* Moves the pieces of the data of the chunk placed at c (checked by decode_chunk with STORED_VIEW) left over the block headers among them, so its data is contiguous from its first byte, as the TypeScript parser's in-place reassembly does. */
static void reassemble_in_place(const chunk_args* a, const chunk_place* c) {
  uint64_t position = past_block_header(c->data_position);
  uint64_t n = c->data_size;
  uint8_t* to = a->bytes + (position - a->start);
  while (n > 0) {
    uint64_t count;
    const uint8_t* piece = next_piece(a, &position, n, &count);
    if (piece != to) memmove(to, piece, (size_t)count);
    to += count;
    n -= count;
  }
}

/*
 * STORED_VIEW: every chunk checked first (decode_chunk, which takes only uncompressed ones then),
 * then those crossing block headers reassembled in place; or, if any chunk is not taken, none is
 * decoded and the window is left as it was (the caller's parser then takes the span, and reports
 * what is wrong).
 */
static size_t view_chunks(thread_state* d, const chunk_args* a, const double* num_records, const double* decoded_sizes, double* bounds, uint8_t* decoded) {
  uint64_t r = 0;
  for (size_t k = 0; k < a->count; k++) {
    uint64_t records = (uint64_t)num_records[k];
    int taken = decode_chunk(d, a, k, records, (uint64_t)decoded_sizes[k], NULL, 0, bounds + r, STORED_VIEW);
    if (!taken) {
      memset(decoded, 0, a->count);
      return 0;
    }
    decoded[k] = (uint8_t)taken;
    r += 2 * records;
  }
  for (size_t k = 0; k < a->count; k++) {
    chunk_place c;
    if (decoded[k] != 2) continue;
    /* Placed as decode_chunk placed it: nothing before it moved bytes it reads. */
    chunk_placed(a, k, (uint64_t)num_records[k], (uint64_t)decoded_sizes[k], &c);
    reassemble_in_place(a, &c);
    decoded[k] = 1;
  }
  return a->count;
}

static napi_value decode_chunks(napi_env env, napi_callback_info info) {
  const char* usage =
      "decodeChunks(key: Uint8Array(32), bytes: Uint8Array, start: number, offsets: Float64Array(count + 1), count: number, "
      "numRecords: Float64Array, decodedSizes: Float64Array, out: Uint8Array, outAt: number, bounds: Float64Array, boundsAt: number, "
      "decoded: Uint8Array, stored: 0 | 1 | 2 | 3): every slot inside out (but with stored 3) and bounds, and with stored 2 out "
      "beginning with bytes and outAt at or after its end";
  size_t argc = 13;
  napi_value argv[13];
  uint32_t stored;
  chunk_args a;
  double *num_records, *decoded_sizes, *bounds, out_at, bounds_at;
  uint8_t *out, *decoded;
  size_t num_records_length, decoded_sizes_length, out_length, bounds_length, decoded_length, offsets_length;
  void* offsets_data;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 13 ||
      !typed_bytes(env, argv[3], napi_float64_array, &offsets_data, &offsets_length) || offsets_length == 0 ||
      !read_chunk_args(env, argv, offsets_length - 1, &a) ||
      !typed_bytes(env, argv[5], napi_float64_array, (void**)&num_records, &num_records_length) || num_records_length < a.count ||
      !typed_bytes(env, argv[6], napi_float64_array, (void**)&decoded_sizes, &decoded_sizes_length) || decoded_sizes_length < a.count ||
      !typed_bytes(env, argv[7], napi_uint8_array, (void**)&out, &out_length) || napi_get_value_double(env, argv[8], &out_at) != napi_ok ||
      !typed_bytes(env, argv[9], napi_float64_array, (void**)&bounds, &bounds_length) ||
      napi_get_value_double(env, argv[10], &bounds_at) != napi_ok ||
      !typed_bytes(env, argv[11], napi_uint8_array, (void**)&decoded, &decoded_length) || decoded_length < a.count ||
      napi_get_value_uint32(env, argv[12], &stored) != napi_ok || stored > STORED_VIEW || !is_position(out_at) || !is_position(bounds_at) ||
      (stored == STORED_IN_PLACE && (out != a.bytes || out_at < (double)a.length))) {
    return throw_usage(env, usage);
  }
  /* Every slot must fit before anything is written. */
  double out_end = out_at, bounds_end = bounds_at;
  for (size_t k = 0; k < a.count; k++) {
    if (!is_position(num_records[k]) || !is_position(decoded_sizes[k])) return throw_usage(env, usage);
    out_end += decoded_sizes[k];
    bounds_end += 2 * num_records[k];
  }
  if (!(stored == STORED_VIEW || out_end <= (double)out_length) || !(bounds_end <= (double)bounds_length)) return throw_usage(env, usage);
  thread_state* d = decoder_of(env);
  if (d == NULL) {
    napi_throw_error(env, NULL, "cannot make a zstd decoder");
    return NULL;
  }
  uint64_t at = (uint64_t)out_at, r = (uint64_t)bounds_at;
  size_t done = 0;
  if (stored == STORED_VIEW) done = view_chunks(d, &a, num_records, decoded_sizes, bounds + r, decoded);
  for (size_t k = 0; stored != STORED_VIEW && k < a.count; k++) {
    uint64_t records = (uint64_t)num_records[k], size = (uint64_t)decoded_sizes[k];
    decoded[k] = (uint8_t)decode_chunk(d, &a, k, records, size, out, at, bounds + r, stored);
    done += decoded[k];
    at += size;
    r += 2 * records;
  }
  napi_value result;
  napi_create_double(env, (double)done, &result);
  return result;
}

static napi_value decode_one_chunk(napi_env env, napi_callback_info info) {
  const char* usage = "decoder(bytes: Uint8Array, start: number, begin: number, limit: number, out: Uint8Array)";
  size_t argc = 5;
  napi_value argv[5];
  void* key;
  double start, limits[2];
  uint8_t* out;
  size_t out_length;
  chunk_args a;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &key) != napi_ok || argc < 5 ||
      !typed_bytes(env, argv[0], napi_uint8_array, (void**)&a.bytes, &a.length) || napi_get_value_double(env, argv[1], &start) != napi_ok ||
      napi_get_value_double(env, argv[2], &limits[0]) != napi_ok || napi_get_value_double(env, argv[3], &limits[1]) != napi_ok ||
      !typed_bytes(env, argv[4], napi_uint8_array, (void**)&out, &out_length) || !is_position(start)) {
    return throw_usage(env, usage);
  }
  thread_state* d = decoder_of(env);
  if (d == NULL) {
    napi_throw_error(env, NULL, "cannot make a zstd decoder");
    return NULL;
  }
  a.key = key;
  a.start = (uint64_t)start;
  a.offsets = limits;
  a.count = 1;
  double bounds[2];
  napi_value result;
  napi_get_boolean(env, decode_chunk(d, &a, 0, 1, out_length, out, 0, bounds, 0), &result);
  return result;
}

static napi_value chunk_decoder(napi_env env, napi_callback_info info) {
  return key_bound_function(env, info, "chunkDecoder(key: Uint8Array(32))", "decodeChunk", decode_one_chunk);
}

void export_chunk_decoder(napi_env env, napi_value exports) {
  export_function(env, exports, "decodeChunks", decode_chunks);
  export_function(env, exports, "chunkDecoder", chunk_decoder);
}

#endif
