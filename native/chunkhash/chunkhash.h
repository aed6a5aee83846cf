/*
 * What chunkhash.c shares with chunkdecode.c and chunkencode.c (x86-64 with GCC or Clang only:
 * their code is compiled out elsewhere).
 */
#ifndef ARRAYRECORD_CHUNKHASH_H
#define ARRAYRECORD_CHUNKHASH_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCK_SIZE 65536u
#define BLOCK_HEADER_SIZE 24u
#define USABLE_BLOCK_SIZE (BLOCK_SIZE - BLOCK_HEADER_SIZE)
#define CHUNK_HEADER_SIZE 40u
#define CHUNK_TYPE_SIMPLE 0x72u

/* Block arithmetic as src/format/riegeli/blocks.ts does it (positions below 2^53). */
static inline uint64_t remaining_in_block(uint64_t p) {
  uint64_t offset = p % BLOCK_SIZE;
  return offset == 0 ? 0 : BLOCK_SIZE - offset;
}
static inline uint64_t add_with_overhead(uint64_t begin, uint64_t n) {
  return begin + n + BLOCK_HEADER_SIZE * ((n + (begin + USABLE_BLOCK_SIZE - 1) % BLOCK_SIZE) / USABLE_BLOCK_SIZE);
}
static inline uint64_t round_up_to_boundary(uint64_t p) {
  uint64_t room = remaining_in_block(p);
  return room > USABLE_BLOCK_SIZE - 1 ? p + room - (USABLE_BLOCK_SIZE - 1) : p;
}
/* Where the chunk beginning at begin ends: its bytes, stretched to span at least `records` positions. */
static inline uint64_t chunk_end(uint64_t begin, uint64_t header_and_data, uint64_t records) {
  uint64_t end = add_with_overhead(begin, header_and_data);
  uint64_t stretched = round_up_to_boundary(begin + records);
  return stretched > end ? stretched : end;
}

/* Per thread (N-API environment), made on first use: the zstd contexts and scratch buffers of
   chunkdecode.c and chunkencode.c (each makes its own parts when it first needs them). */
struct ZSTD_DCtx_s;
struct ZSTD_CCtx_s;
typedef struct {
  struct ZSTD_DCtx_s* dctx;
  uint8_t* sizes; /* decoded sizes streams */
  size_t sizes_capacity;
  uint8_t* gathered; /* a chunk's header and data gathered across block headers */
  size_t gathered_capacity;
  struct ZSTD_CCtx_s* cctx;
  uint8_t* data; /* encoded chunk data */
  size_t data_capacity;
} thread_state;
/* This thread's state, or NULL (out of memory). */
thread_state* thread_state_of(napi_env env);
/* Grows *buffer to at least n bytes; 0 when out of memory (the buffer is then unchanged). */
int grow_buffer(uint8_t** buffer, size_t* capacity, size_t n);

/* The Riegeli HighwayHash-64 of data[0..n) under the 32-byte key. */
uint64_t riegeli_hash(const uint8_t* key, const uint8_t* data, size_t n);

/* The Riegeli HighwayHash-64 of data given in pieces: init, update with each piece, final. */
typedef struct {
  _Alignas(32) uint8_t state[128];
  uint8_t carry[32];
  size_t carried;
} riegeli_hasher;
void riegeli_hasher_init(riegeli_hasher* h, const uint8_t* key);
void riegeli_hasher_update(riegeli_hasher* h, const uint8_t* data, size_t n);
uint64_t riegeli_hasher_final(riegeli_hasher* h);

/* The little-endian u64 at p. */
uint64_t load64(const uint8_t* p);
/* The chunk header at file position offset when its header and data lie inside one block and inside bytes; else NULL. */
const uint8_t* chunk_in_block(const uint8_t* bytes, size_t length, uint64_t start, double offset);
/* 1 when the header hash (of header[8..40), stored at 0) and the data hash (of the data_size bytes
   at data, stored at 16) match: data follows the header in the file, here or gathered elsewhere. */
int chunk_hashes_match(const uint8_t* key, const uint8_t* header, const uint8_t* data);
/* 1 when that chunk's header and data hashes match (chunk_in_block first). */
int chunk_verified(const uint8_t* key, const uint8_t* bytes, size_t length, uint64_t start, double offset);
/* 1 when v is a typed array of type want (its data and length stored). */
int typed_bytes(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length);
/* A file position: a non-negative integer a double holds exactly. */
int is_position(double v);
/* The arguments verifyChunks, sealChunks and decodeChunks share: (key, bytes, start, offsets, count). */
typedef struct {
  uint8_t *key, *bytes;
  size_t length;
  uint64_t start;
  double* offsets;
  size_t count;
} chunk_args;
/* Reads the shared arguments from argv[0..5); 0 unless they are valid (count within offsets and `room`). */
int read_chunk_args(napi_env env, napi_value* argv, size_t room, chunk_args* a);
/* Throws TypeError(usage); returns NULL. */
napi_value throw_usage(napi_env env, const char* usage);
/* A function `name` calling fn with a copy of the 32-byte key argv[0] as its data (chunkVerifier, chunkDecoder). */
napi_value key_bound_function(napi_env env, napi_callback_info info, const char* usage, const char* name, napi_callback fn);
/* exports[name] = fn. */
void export_function(napi_env env, napi_value exports, const char* name, napi_callback fn);
/* Adds decodeChunks and chunkDecoder to exports (chunkdecode.c). */
void export_chunk_decoder(napi_env env, napi_value exports);
/* Adds encodeChunks to exports (chunkencode.c). */
void export_chunk_encoder(napi_env env, napi_value exports);

#endif
