/*
 * What chunkhash.c shares with chunkdecode.c (x86-64 with GCC or Clang only: both files are
 * empty elsewhere).
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

/* The little-endian u64 at p. */
uint64_t load64(const uint8_t* p);
/* The chunk header at file position offset when its header and data lie inside one block and inside bytes; else NULL. */
const uint8_t* chunk_in_block(const uint8_t* bytes, size_t length, uint64_t start, double offset);
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

#endif
