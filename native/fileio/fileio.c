/*
 * Local-file reads as N-API functions: a positional read into a caller's buffer and a read-only
 * view of a whole file mapped into memory. Node's fs.readSync costs ~0.9-1.6 us of CPU per 1.4 KB
 * read here (argument checks, a request object, libuv's sync path); a bare pread through N-API
 * ~0.7 us; a view into a mapping ~0.03 us.
 *
 * preadInto(fd: number, target: Uint8Array, position: number): number
 *   Fills target from byte `position` of the file open as fd, retrying short reads and EINTR;
 *   returns the bytes read (fewer only at the end of the file). Throws an Error on a failed read.
 *
 * mapFile(fd: number, length: number): ArrayBuffer
 *   Maps the first `length` bytes of the file open as fd (MAP_PRIVATE, readable and writable:
 *   writes to a view change private pages of this process, never the file, and never fault). The
 *   mapping lives as long as the ArrayBuffer (unmapped when it is collected), independently of
 *   fd. A process that touches a page of the mapping after another process truncated the file
 *   below it gets SIGBUS: callers opt in knowing that.
 */
#include <node_api.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int get_fd(napi_env env, napi_value v, int32_t* fd) {
  return napi_get_value_int32(env, v, fd) == napi_ok && *fd >= 0;
}

/* A byte position or length: a non-negative integer a double holds exactly. */
static int get_size(napi_env env, napi_value v, double* out) {
  return napi_get_value_double(env, v, out) == napi_ok && *out >= 0 && *out <= 9007199254740991.0 && floor(*out) == *out;
}

static void throw_errno(napi_env env, const char* what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, message);
}

static napi_value pread_into(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_value result;
  int32_t fd;
  double position;
  uint8_t* data;
  size_t length, offset;
  napi_typedarray_type type;
  napi_value buffer;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || !get_fd(env, argv[0], &fd) ||
      napi_get_typedarray_info(env, argv[1], &type, &length, (void**)&data, &buffer, &offset) != napi_ok || type != napi_uint8_array ||
      !get_size(env, argv[2], &position)) {
    napi_throw_type_error(env, NULL, "preadInto(fd: number, target: Uint8Array, position: number)");
    return NULL;
  }
  size_t done = 0;
  while (done < length) {
    ssize_t n = pread(fd, data + done, length - done, (off_t)position + (off_t)done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(env, "pread", errno);
      return NULL;
    }
    if (n == 0) break;
    done += (size_t)n;
  }
  napi_create_double(env, (double)done, &result);
  return result;
}

static void unmap(napi_env env, void* data, void* hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

static napi_value map_file(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value result;
  int32_t fd;
  double length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || !get_fd(env, argv[0], &fd) ||
      !get_size(env, argv[1], &length)) {
    napi_throw_type_error(env, NULL, "mapFile(fd: number, length: number)");
    return NULL;
  }
  size_t n = (size_t)length;
  if (n == 0) {
    void* unused;
    napi_create_arraybuffer(env, 0, &unused, &result);
    return result;
  }
  void* p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    throw_errno(env, "mmap", errno);
    return NULL;
  }
  if (napi_create_external_arraybuffer(env, p, n, unmap, (void*)(uintptr_t)n, &result) != napi_ok) {
    munmap(p, n);
    napi_throw_error(env, NULL, "mmap: this runtime does not accept external array buffers");
    return NULL;
  }
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "preadInto", NAPI_AUTO_LENGTH, pread_into, NULL, &fn);
  napi_set_named_property(env, exports, "preadInto", fn);
  napi_create_function(env, "mapFile", NAPI_AUTO_LENGTH, map_file, NULL, &fn);
  napi_set_named_property(env, exports, "mapFile", fn);
  return exports;
}
