/*
 * Raw Snappy block decoding into a caller-sized buffer, as an N-API function, written from the
 * format description (varint preamble; literal and copy elements). The N-API binding of the
 * `snappy` package costs 4-8 us per call, most of a 1.3 KB record's decode; this costs well under
 * one. Only decoding lives here: compression stays with the `snappy` package.
 *
 * decodeInto(src: Uint8Array, dst: Uint8Array): number
 *   Decodes src (preamble included) into dst; returns the decoded length, or -1 if src is
 *   malformed or its preamble's length differs from dst.length. Never reads or writes out of bounds.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

static int64_t decode(const uint8_t* src, size_t n, uint8_t* dst, size_t cap) {
  size_t ip = 0;
  uint64_t declared = 0;
  for (int shift = 0;; shift += 7) {
    if (ip >= n || shift > 28) return -1;
    uint8_t b = src[ip++];
    declared |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  if (declared != cap) return -1;
  size_t op = 0;
  while (ip < n) {
    uint8_t tag = src[ip++];
    size_t len, offset;
    switch (tag & 3) {
      case 0: {
        len = tag >> 2;
        if (len >= 60) {
          size_t bytes = len - 59;
          if (n - ip < bytes) return -1;
          len = 0;
          for (size_t k = 0; k < bytes; k++) len |= (size_t)src[ip + k] << (8 * k);
          ip += bytes;
        }
        len += 1;
        if (n - ip < len || cap - op < len) return -1;
        memcpy(dst + op, src + ip, len);
        ip += len;
        op += len;
        continue;
      }
      case 1:
        if (ip >= n) return -1;
        len = ((tag >> 2) & 7) + 4;
        offset = ((size_t)(tag >> 5) << 8) | src[ip++];
        break;
      case 2:
        if (n - ip < 2) return -1;
        len = (tag >> 2) + 1;
        offset = (size_t)src[ip] | ((size_t)src[ip + 1] << 8);
        ip += 2;
        break;
      default:
        if (n - ip < 4) return -1;
        len = (tag >> 2) + 1;
        offset = (size_t)src[ip] | ((size_t)src[ip + 1] << 8) | ((size_t)src[ip + 2] << 16) | ((size_t)src[ip + 3] << 24);
        ip += 4;
        break;
    }
    if (offset == 0 || offset > op || cap - op < len) return -1;
    uint8_t* out = dst + op;
    const uint8_t* from = out - offset;
    if (offset >= len) {
      memcpy(out, from, len);
    } else {
      for (size_t k = 0; k < len; k++) out[k] = from[k]; /* overlapping: repeats the pattern */
    }
    op += len;
  }
  return op == cap ? (int64_t)op : -1;
}

static int bytes_of(napi_env env, napi_value v, uint8_t** data, size_t* length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, (void**)data, &buffer, &offset) != napi_ok) return 0;
  return type == napi_uint8_array;
}

static napi_value decode_into(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value result;
  uint8_t *src, *dst;
  size_t n, cap;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || !bytes_of(env, argv[0], &src, &n) ||
      !bytes_of(env, argv[1], &dst, &cap)) {
    napi_throw_type_error(env, NULL, "decodeInto(src: Uint8Array, dst: Uint8Array)");
    return NULL;
  }
  napi_create_double(env, (double)decode(src, n, dst, cap), &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "decodeInto", NAPI_AUTO_LENGTH, decode_into, NULL, &fn);
  napi_set_named_property(env, exports, "decodeInto", fn);
  return exports;
}
