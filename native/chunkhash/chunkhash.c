/*
 * HighwayHash-64 with AVX2, written from the algorithm as our TypeScript engines implement it
 * (src/format/riegeli/highwayhash-portable.ts), no other project's code, and loops that verify
 * (reader) or write (writer) the header and data hashes of many Riegeli chunks in one N-API call.
 * One call verifying a 1.3 KB chunk costs ~134 ns here against ~330 ns for the WebAssembly
 * engine's two hashes, most of it N-API's per-call work: hashing a span's (or a writer's flush's)
 * chunks in one call is what makes a native hash pay most for small chunks.
 *
 * Only the hash functions use 256-bit registers, and none takes or returns a 256-bit value (the
 * streaming hasher keeps its state in memory), so the compiler ends each with vzeroupper: code that left the upper halves dirty made every later call into Node (and
 * Node's own SSE code after the return) slower: a first chunkVerifier that passed the key in a
 * register cost ~0.3 us more per random read than verifyChunks.
 *
 * Exports exist only on x86-64 CPUs with AVX2 (the module is empty elsewhere, and callers keep
 * their WebAssembly engine):
 *
 * hash(key: Uint8Array(32), data: Uint8Array, out: Uint8Array(8)): void
 *   Writes the HighwayHash-64 of data under key (four little-endian u64) to out, little-endian.
 *
 * verifyChunks(key, bytes: Uint8Array, start: number, offsets: Float64Array, count: number,
 *              verified: Uint8Array): number
 *   For k < count, chunk k begins at file position offsets[k]; bytes[0] is at file position start.
 *   verified[k] = 1 when the chunk's 40-byte header and its data lie inside one 64 KiB block and
 *   inside bytes, the header hash (of header bytes 8..40, stored at 0..8) matches and the data hash
 *   (of the data_size bytes after the header, stored at 16..24) matches; else 0 (the caller's own
 *   parser then decides, and reports the error). Returns how many were verified.
 *
 * chunkVerifier(key: Uint8Array(32)): (bytes: Uint8Array, start: number, begin: number) => boolean
 *   A function bound to a copy of key that checks the one chunk at file position begin as
 *   verifyChunks does (true when verified): a random read's chunk. Each typed array an N-API call
 *   takes costs ~40 ns here, so taking the key once and no offsets or flags arrays cuts a call from
 *   ~0.22 us to ~0.09 us before any hashing (verifyChunks for no chunk, against this for a chunk
 *   outside its block, in a loop).
 *
 * sealChunks(key, bytes: Uint8Array, start: number, offsets: Float64Array, count: number): void
 *   The writer's side: for k < count, the chunk at file position offsets[k] has every header field
 *   but its two hashes written, and lies inside one block and inside bytes; writes its data hash
 *   (at 16..24) and then its header hash (at 0..8). Throws TypeError, writing nothing, if a chunk
 *   does not lie so.
 */
#include <stdlib.h>
#include <string.h>

#include "chunkhash.h"


#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "zstd.h"

#define AVX2 __attribute__((target("avx2")))

typedef struct {
  __m256i v0, v1, mul0, mul1;
} hh_state;

uint64_t load64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

AVX2 static inline void hh_update(hh_state* s, __m256i packet) {
  /* The zipper merge of each lane pair as one byte permutation per 128-bit half (as in our
     WebAssembly engine): bytes of the low lane a and high lane b, from least significant. */
  const __m256i zipper = _mm256_setr_epi8(3, 12, 2, 5, 14, 1, 15, 0, 11, 4, 10, 13, 9, 6, 8, 7,
                                          3, 12, 2, 5, 14, 1, 15, 0, 11, 4, 10, 13, 9, 6, 8, 7);
  s->v1 = _mm256_add_epi64(s->v1, _mm256_add_epi64(s->mul0, packet));
  s->mul0 = _mm256_xor_si256(s->mul0, _mm256_mul_epu32(s->v1, _mm256_srli_epi64(s->v0, 32)));
  s->v0 = _mm256_add_epi64(s->v0, s->mul1);
  s->mul1 = _mm256_xor_si256(s->mul1, _mm256_mul_epu32(s->v0, _mm256_srli_epi64(s->v1, 32)));
  s->v0 = _mm256_add_epi64(s->v0, _mm256_shuffle_epi8(s->v1, zipper));
  s->v1 = _mm256_add_epi64(s->v1, _mm256_shuffle_epi8(s->v0, zipper));
}

/* Swaps the 32-bit halves of every 64-bit lane. */
AVX2 static inline __m256i swap32(__m256i x) { return _mm256_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1)); }

/*
 * The key is loaded here, not passed in a register: a function with no 256-bit argument or result
 * gets a vzeroupper before it returns (checked with objdump), so no caller goes back to Node's
 * SSE code with the upper halves dirty, which cost ~0.3 us per call afterwards here. The state
 * lives in memory between the streaming calls below for the same reason.
 */
AVX2 static void hh_init(hh_state* s, const uint8_t* key_bytes) {
  const __m256i key = _mm256_loadu_si256((const __m256i*)key_bytes);
  s->mul0 = _mm256_setr_epi64x((long long)0xdbe6d5d5fe4cce2full, (long long)0xa4093822299f31d0ull, (long long)0x13198a2e03707344ull,
                               (long long)0x243f6a8885a308d3ull);
  s->mul1 = _mm256_setr_epi64x((long long)0x3bd39e10cb0ef593ull, (long long)0xc0acf169b5f18a8cull, (long long)0xbe5466cf34e90c6cull,
                               (long long)0x452821e638d01377ull);
  s->v0 = _mm256_xor_si256(s->mul0, key);
  s->v1 = _mm256_xor_si256(s->mul1, swap32(key));
}

/* The whole 32-byte packets of data[0..n) (n a multiple of 32). */
AVX2 static void hh_packets(hh_state* s, const uint8_t* data, size_t n) {
  hh_state t = *s;
  for (size_t i = 0; i < n; i += 32) hh_update(&t, _mm256_loadu_si256((const __m256i*)(data + i)));
  *s = t;
}

/* The last r < 32 bytes at tail, then the finalization rounds: the hash. */
AVX2 static uint64_t hh_finish(hh_state* state, const uint8_t* tail, size_t r) {
  hh_state s = *state;
  if (r != 0) {
    /* The final partial packet: v0 += (r << 32) + r; both halves of every v1 lane rotated left by r;
       the packet holds the r & ~3 whole bytes, then the last 4 bytes at 28 (r >= 16) or the first,
       middle and last of the r & 3 odd bytes at 16. */
    s.v0 = _mm256_add_epi64(s.v0, _mm256_set1_epi64x((long long)(((uint64_t)r << 32) + r)));
    __m128i left = _mm_cvtsi32_si128((int)r), right = _mm_cvtsi32_si128((int)(32 - r));
    s.v1 = _mm256_or_si256(_mm256_sll_epi32(s.v1, left), _mm256_srl_epi32(s.v1, right));
    uint8_t packet[32] = {0};
    size_t whole = r & ~(size_t)3, odd = r & 3;
    memcpy(packet, tail, whole);
    if (r & 16) {
      memcpy(packet + 28, tail + r - 4, 4);
    } else if (odd != 0) {
      packet[16] = tail[whole];
      packet[17] = tail[whole + (odd >> 1)];
      packet[18] = tail[r - 1];
    }
    hh_update(&s, _mm256_loadu_si256((const __m256i*)packet));
  }
  for (int round = 0; round < 4; round++) {
    /* The packet [swap32(v0[2]), swap32(v0[3]), swap32(v0[0]), swap32(v0[1])]. */
    hh_update(&s, swap32(_mm256_permute4x64_epi64(s.v0, _MM_SHUFFLE(1, 0, 3, 2))));
  }
  __m256i sum = _mm256_add_epi64(_mm256_add_epi64(s.v0, s.v1), _mm256_add_epi64(s.mul0, s.mul1));
  return (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(sum));
}

AVX2 static uint64_t hh_hash64(const uint8_t* key, const uint8_t* data, size_t n) {
  hh_state s;
  hh_init(&s, key);
  size_t full = n & ~(size_t)31;
  hh_packets(&s, data, full);
  return hh_finish(&s, data + full, n & 31);
}

_Static_assert(sizeof(hh_state) <= sizeof(((riegeli_hasher*)0)->state), "riegeli_hasher holds an hh_state");

void riegeli_hasher_init(riegeli_hasher* h, const uint8_t* key) {
  hh_init((hh_state*)h->state, key);
  h->carried = 0;
}

void riegeli_hasher_update(riegeli_hasher* h, const uint8_t* data, size_t n) {
  hh_state* s = (hh_state*)h->state;
  if (h->carried > 0) {
    size_t take = 32 - h->carried < n ? 32 - h->carried : n;
    memcpy(h->carry + h->carried, data, take);
    h->carried += take;
    data += take;
    n -= take;
    if (h->carried < 32) return;
    hh_packets(s, h->carry, 32);
    h->carried = 0;
  }
  size_t full = n & ~(size_t)31;
  hh_packets(s, data, full);
  memcpy(h->carry, data + full, n - full);
  h->carried = n - full;
}

uint64_t riegeli_hasher_final(riegeli_hasher* h) { return hh_finish((hh_state*)h->state, h->carry, h->carried); }

uint64_t riegeli_hash(const uint8_t* key, const uint8_t* data, size_t n) { return hh_hash64(key, data, n); }

static void free_thread_state(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  thread_state* s = data;
  ZSTD_freeDCtx(s->dctx);
  ZSTD_freeCCtx(s->cctx);
  free(s->sizes);
  free(s->gathered);
  free(s->data);
  free(s);
}

thread_state* thread_state_of(napi_env env) {
  void* data = NULL;
  if (napi_get_instance_data(env, &data) == napi_ok && data != NULL) return data;
  thread_state* s = calloc(1, sizeof(thread_state));
  if (s == NULL) return NULL;
  if (napi_set_instance_data(env, s, free_thread_state, NULL) != napi_ok) {
    free(s);
    return NULL;
  }
  return s;
}

int grow_buffer(uint8_t** buffer, size_t* capacity, size_t n) {
  if (n <= *capacity) return 1;
  uint8_t* grown = realloc(*buffer, n);
  if (grown == NULL) return 0;
  *buffer = grown;
  *capacity = n;
  return 1;
}

/*
 * The header of the chunk beginning at file position `offset` when the chunk's header and data
 * (data_size from the header) lie inside one 64 KiB block and inside bytes (bytes[0] at file
 * position start); else NULL. All arithmetic in u64: sizes come from the file.
 */
const uint8_t* chunk_in_block(const uint8_t* bytes, size_t length, uint64_t start, double offset) {
  if (!(offset >= (double)start) || offset > 9007199254740991.0) return NULL;
  uint64_t begin = (uint64_t)offset;
  if ((double)begin != offset || begin % BLOCK_SIZE == 0) return NULL;
  uint64_t room = (begin / BLOCK_SIZE + 1) * BLOCK_SIZE - begin; /* bytes to the next block boundary */
  uint64_t at = begin - start;
  if (room < CHUNK_HEADER_SIZE || at > length || length - at < CHUNK_HEADER_SIZE) return NULL;
  const uint8_t* header = bytes + at;
  uint64_t data_size = load64(header + 8);
  if (data_size > room - CHUNK_HEADER_SIZE || data_size > length - at - CHUNK_HEADER_SIZE) return NULL;
  return header;
}

int chunk_hashes_match(const uint8_t* key, const uint8_t* header, const uint8_t* data) {
  if (hh_hash64(key, header + 8, CHUNK_HEADER_SIZE - 8) != load64(header)) return 0;
  return hh_hash64(key, data, (size_t)load64(header + 8)) == load64(header + 16);
}

/* Chunk k verified as the header comment says. */
int chunk_verified(const uint8_t* key, const uint8_t* bytes, size_t length, uint64_t start, double offset) {
  const uint8_t* header = chunk_in_block(bytes, length, start, offset);
  return header != NULL && chunk_hashes_match(key, header, header + CHUNK_HEADER_SIZE);
}

int typed_bytes(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok) return 0;
  return type == want;
}

napi_value throw_usage(napi_env env, const char* usage) {
  napi_throw_type_error(env, NULL, usage);
  return NULL;
}

static napi_value hash(napi_env env, napi_callback_info info) {
  const char* usage = "hash(key: Uint8Array(32), data: Uint8Array, out: Uint8Array(8))";
  size_t argc = 3;
  napi_value argv[3];
  uint8_t *key, *data, *out;
  size_t key_length, n, out_length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
      !typed_bytes(env, argv[0], napi_uint8_array, (void**)&key, &key_length) || key_length != 32 ||
      !typed_bytes(env, argv[1], napi_uint8_array, (void**)&data, &n) ||
      !typed_bytes(env, argv[2], napi_uint8_array, (void**)&out, &out_length) || out_length != 8) {
    return throw_usage(env, usage);
  }
  uint64_t h = hh_hash64(key, data, n);
  memcpy(out, &h, 8);
  return NULL;
}

int is_position(double v) { return v >= 0 && v <= 9007199254740991.0 && (double)(uint64_t)v == v; }

/* Reads the shared arguments from argv[0..5); 0 unless they are valid (count within offsets and `room`). */
int read_chunk_args(napi_env env, napi_value* argv, size_t room, chunk_args* a) {
  size_t key_length, offsets_length;
  double start, count;
  if (!typed_bytes(env, argv[0], napi_uint8_array, (void**)&a->key, &key_length) || key_length != 32 ||
      !typed_bytes(env, argv[1], napi_uint8_array, (void**)&a->bytes, &a->length) ||
      napi_get_value_double(env, argv[2], &start) != napi_ok ||
      !typed_bytes(env, argv[3], napi_float64_array, (void**)&a->offsets, &offsets_length) ||
      napi_get_value_double(env, argv[4], &count) != napi_ok ||
      !is_position(start) ||
      !(count >= 0 && count <= (double)offsets_length && count <= (double)room && (double)(size_t)count == count)) {
    return 0;
  }
  a->start = (uint64_t)start;
  a->count = (size_t)count;
  return 1;
}

static napi_value verify_chunks(napi_env env, napi_callback_info info) {
  const char* usage =
      "verifyChunks(key: Uint8Array(32), bytes: Uint8Array, start: number, offsets: Float64Array, count: number, verified: Uint8Array)";
  size_t argc = 6;
  napi_value argv[6];
  chunk_args a;
  uint8_t* verified;
  size_t verified_length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6 ||
      !typed_bytes(env, argv[5], napi_uint8_array, (void**)&verified, &verified_length) || !read_chunk_args(env, argv, verified_length, &a)) {
    return throw_usage(env, usage);
  }
  const uint8_t* k = a.key;
  size_t ok = 0;
  for (size_t i = 0; i < a.count; i++) {
    verified[i] = (uint8_t)chunk_verified(k, a.bytes, a.length, a.start, a.offsets[i]);
    ok += verified[i];
  }
  napi_value result;
  napi_create_double(env, (double)ok, &result);
  return result;
}

static napi_value seal_chunks(napi_env env, napi_callback_info info) {
  const char* usage =
      "sealChunks(key: Uint8Array(32), bytes: Uint8Array, start: number, offsets: Float64Array, count: number): every chunk inside one block and inside bytes";
  size_t argc = 5;
  napi_value argv[5];
  chunk_args a;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 || !read_chunk_args(env, argv, SIZE_MAX, &a)) {
    return throw_usage(env, usage);
  }
  const uint8_t* k = a.key;
  /* Check every chunk before writing any hash, so a bad call changes nothing. */
  for (size_t i = 0; i < a.count; i++) {
    if (chunk_in_block(a.bytes, a.length, a.start, a.offsets[i]) == NULL) return throw_usage(env, usage);
  }
  for (size_t i = 0; i < a.count; i++) {
    uint8_t* header = (uint8_t*)chunk_in_block(a.bytes, a.length, a.start, a.offsets[i]);
    uint64_t data_hash = hh_hash64(k, header + CHUNK_HEADER_SIZE, (size_t)load64(header + 8));
    memcpy(header + 16, &data_hash, 8);
    uint64_t header_hash = hh_hash64(k, header + 8, CHUNK_HEADER_SIZE - 8);
    memcpy(header, &header_hash, 8);
  }
  return NULL;
}

static napi_value verify_one_chunk(napi_env env, napi_callback_info info) {
  const char* usage = "verifier(bytes: Uint8Array, start: number, begin: number)";
  size_t argc = 3;
  napi_value argv[3];
  void* key;
  uint8_t* bytes;
  size_t length;
  double start, begin;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &key) != napi_ok || argc < 3 ||
      !typed_bytes(env, argv[0], napi_uint8_array, (void**)&bytes, &length) ||
      napi_get_value_double(env, argv[1], &start) != napi_ok || napi_get_value_double(env, argv[2], &begin) != napi_ok || !is_position(start)) {
    return throw_usage(env, usage);
  }
  napi_value result;
  napi_get_boolean(env, chunk_verified(key, bytes, length, (uint64_t)start, begin), &result);
  return result;
}

static void free_key(napi_env env, void* key, void* hint) {
  (void)env;
  (void)hint;
  free(key);
}

napi_value key_bound_function(napi_env env, napi_callback_info info, const char* usage, const char* name, napi_callback fn) {
  size_t argc = 1;
  napi_value argv[1];
  uint8_t* key;
  size_t key_length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      !typed_bytes(env, argv[0], napi_uint8_array, (void**)&key, &key_length) || key_length != 32) {
    return throw_usage(env, usage);
  }
  void* copy = malloc(32);
  if (copy == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  memcpy(copy, key, 32);
  napi_value bound;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, copy, &bound) != napi_ok ||
      napi_add_finalizer(env, bound, copy, free_key, NULL, NULL) != napi_ok) {
    free(copy);
    napi_throw_error(env, NULL, "cannot make the bound function");
    return NULL;
  }
  return bound;
}

static napi_value chunk_verifier(napi_env env, napi_callback_info info) {
  return key_bound_function(env, info, "chunkVerifier(key: Uint8Array(32))", "verifyChunk", verify_one_chunk);
}

void export_function(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value value;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value);
  napi_set_named_property(env, exports, name, value);
}

NAPI_MODULE_INIT() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) {
    export_function(env, exports, "hash", hash);
    export_function(env, exports, "verifyChunks", verify_chunks);
    export_function(env, exports, "chunkVerifier", chunk_verifier);
    export_function(env, exports, "sealChunks", seal_chunks);
    export_chunk_decoder(env, exports);
    export_chunk_encoder(env, exports);
  }
  return exports;
}

#else

NAPI_MODULE_INIT() { return exports; } /* no AVX2 engine here: callers keep their own */

#endif
