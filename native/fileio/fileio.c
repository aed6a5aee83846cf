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
 * preadCached(fd: number, target: Uint8Array, position: number): number
 *   Like preadInto, but reads only what the page cache holds (preadv2 with RWF_NOWAIT): never
 *   waits for the disk, so an event loop may call it. Returns the bytes read, from `position` on
 *   (fewer than target.length when the rest is not cached, at the end of the file, or on an error,
 *   which the caller's blocking read then meets), or -1 when the file or kernel does not support it.
 *
 * mapFile(fd: number, length: number): ArrayBuffer
 *   Maps the first `length` bytes of the file open as fd (MAP_PRIVATE, readable and writable:
 *   writes to a view change private pages of this process, never the file, and never fault). The
 *   mapping lives as long as the ArrayBuffer (unmapped when it is collected), independently of
 *   fd. Returns null when MAX_MAPPINGS mappings are alive (callers read with pread instead).
 *
 * A page of a file mapping beyond the file's end (another process truncated the file, or an I/O
 * error) raises SIGBUS when touched, which would kill the process. The first mapFile installs a
 * SIGBUS handler: a fault inside one of our live mappings (a registry of them, safe to read in a
 * signal handler) replaces the rest of that mapping, from the faulting page on, with zero pages
 * and returns, so the access reads zeros (chunk hashes then fail: CORRUPT errors, not a crash)
 * and the mapping is marked damaged. Faults elsewhere go to the handler that was installed before
 * (or the default action, which ends the process as it would have without us).
 *
 * mappingDamaged(buffer: ArrayBuffer): boolean
 *   Whether the SIGBUS handler (or releaseMapping) has replaced pages of this mapping with zeros.
 *
 * mapForReads(fd: number, length: number): number | null
 *   Maps the first `length` bytes of the file open as fd read-only for readMapped, advised
 *   MADV_RANDOM (a fault reads only the pages it needs, as a small pread would, instead of the
 *   kernel's read-around window); no JavaScript object views it. Returns the mapping's id, or null
 *   when MAX_MAPPINGS mappings are alive or the file cannot be mapped (callers pread instead).
 *
 * readMapped(id: number, target: Uint8Array, position: number): number
 *   Copies target.length bytes (fewer at the end of the mapping) from byte `position` of mapping
 *   `id` into target: a small read without a system call. Returns the bytes copied, or -1 when
 *   pages of the mapping were lost (truncated file, see below; the copy is then not to be used).
 *   Throws when id is not a live mapping of mapForReads.
 *
 * unmapForReads(id: number): boolean
 *   Unmaps mapping `id` now (nothing views it); false when it was not live.
 *
 * releaseMapping(buffer: ArrayBuffer): boolean
 *   Replaces the whole mapping with zero pages now, so it no longer holds the file (a deleted
 *   file's space is freed) while the ArrayBuffer waits for a garbage collection; the address range
 *   stays reserved (reads see zeros, nothing faults) until the finalizer unmaps it. For holders
 *   that know no view of the mapping is used any more (the decode workers' cached mapping).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_MAPPINGS 4096

/* Live mappings: start 0 = a free slot. Read by the signal handler, so only atomics. */
static struct {
  _Atomic(uintptr_t) start;
  _Atomic(size_t) length;
  atomic_int damaged;
  /* Bumped each time the slot is taken, so a stale mapForReads id never reaches a later mapping. */
  atomic_uint generation;
} mappings[MAX_MAPPINGS];

static struct sigaction previous_sigbus;
static atomic_int sigbus_installed;
static uintptr_t page_size;

static void on_sigbus(int sig, siginfo_t* info, void* context) {
  uintptr_t addr = (uintptr_t)info->si_addr;
  for (int i = 0; i < MAX_MAPPINGS; i++) {
    uintptr_t start = atomic_load(&mappings[i].start);
    size_t length = atomic_load(&mappings[i].length);
    if (start == 0 || addr < start || addr >= start + length) continue;
    uintptr_t from = addr & ~(page_size - 1);
    /* mmap is a plain system call here, safe in a handler; MAP_FIXED replaces the file pages. */
    if (mmap((void*)from, start + length - from, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
      atomic_store(&mappings[i].damaged, 1);
      return; /* the faulting access runs again and reads zeros */
    }
    break;
  }
  if ((previous_sigbus.sa_flags & SA_SIGINFO) && previous_sigbus.sa_sigaction != NULL) {
    previous_sigbus.sa_sigaction(sig, info, context);
  } else if (!(previous_sigbus.sa_flags & SA_SIGINFO) && previous_sigbus.sa_handler != SIG_DFL && previous_sigbus.sa_handler != SIG_IGN) {
    previous_sigbus.sa_handler(sig);
  } else {
    /* Not ours, no handler before us: restore the default; the access faults again and ends the process. */
    sigaction(SIGBUS, &previous_sigbus, NULL);
  }
}

static void install_sigbus_handler(void) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&sigbus_installed, &expected, 1)) return;
  page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, &previous_sigbus);
}

static int register_mapping(void* start, size_t length) {
  for (int i = 0; i < MAX_MAPPINGS; i++) {
    uintptr_t free_slot = 0;
    if (atomic_compare_exchange_strong(&mappings[i].start, &free_slot, (uintptr_t)1)) {
      atomic_store(&mappings[i].damaged, 0);
      atomic_fetch_add(&mappings[i].generation, 1);
      atomic_store(&mappings[i].length, length);
      atomic_store(&mappings[i].start, (uintptr_t)start);
      return i;
    }
  }
  return -1;
}

static int find_mapping(const void* start) {
  for (int i = 0; i < MAX_MAPPINGS; i++) {
    if (atomic_load(&mappings[i].start) == (uintptr_t)start) return i;
  }
  return -1;
}

/* Frees a registry slot (its mapping is gone or about to be unmapped). */
static void release_slot(int slot) {
  atomic_store(&mappings[slot].length, 0);
  atomic_store(&mappings[slot].start, 0);
}

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

/* A Uint8Array argument's bytes. */
static int get_target(napi_env env, napi_value v, uint8_t** data, size_t* length) {
  size_t offset;
  napi_typedarray_type type;
  napi_value buffer;
  return napi_get_typedarray_info(env, v, &type, length, (void**)data, &buffer, &offset) == napi_ok && type == napi_uint8_array;
}

/*
 * The (first, target: Uint8Array, position) arguments of preadInto, preadCached and readMapped,
 * `first` left to the caller to read; throws `usage` and returns 0 if the others are not.
 */
static int target_args(napi_env env, napi_callback_info info, const char* usage, napi_value* first, uint8_t** data, size_t* length, double* position) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || !get_target(env, argv[1], data, length) || !get_size(env, argv[2], position)) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  *first = argv[0];
  return 1;
}

/* The (fd, target: Uint8Array, position) arguments of preadInto and preadCached; throws `usage` and returns 0 if they are not. */
static int read_args(napi_env env, napi_callback_info info, const char* usage, int32_t* fd, uint8_t** data, size_t* length, double* position) {
  napi_value first;
  if (!target_args(env, info, usage, &first, data, length, position)) return 0;
  if (!get_fd(env, first, fd)) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

/*
 * Reads up to `length` bytes at `position` into `data`, retrying short reads and EINTR, with the
 * preadv2 `flags` (0: plain pread); stops at the end of the file or at the first failed read, whose
 * errno goes to *err (0 when none failed). Returns the bytes read.
 */
static size_t read_at(int fd, uint8_t* data, size_t length, double position, int flags, int* err) {
  size_t done = 0;
  *err = 0;
  while (done < length) {
    off_t at = (off_t)position + (off_t)done;
    ssize_t n;
#ifdef RWF_NOWAIT
    if (flags != 0) {
      struct iovec part = { data + done, length - done };
      n = preadv2(fd, &part, 1, at, flags);
    } else
#endif
      n = pread(fd, data + done, length - done, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      break;
    }
    if (n == 0) break;
    done += (size_t)n;
  }
  return done;
}

static napi_value pread_into(napi_env env, napi_callback_info info) {
  napi_value result;
  int32_t fd;
  double position;
  uint8_t* data;
  size_t length;
  if (!read_args(env, info, "preadInto(fd: number, target: Uint8Array, position: number)", &fd, &data, &length, &position)) return NULL;
  int err;
  size_t done = read_at(fd, data, length, position, 0, &err);
  if (err != 0) {
    throw_errno(env, "pread", err);
    return NULL;
  }
  napi_create_double(env, (double)done, &result);
  return result;
}

static napi_value pread_cached(napi_env env, napi_callback_info info) {
  napi_value result;
  int32_t fd;
  double position;
  uint8_t* data;
  size_t length;
  if (!read_args(env, info, "preadCached(fd: number, target: Uint8Array, position: number)", &fd, &data, &length, &position)) return NULL;
  int unsupported = 1;
  size_t done = 0;
#ifdef RWF_NOWAIT
  int err;
  done = read_at(fd, data, length, position, RWF_NOWAIT, &err);
  /* Not supported for this file (or kernel): say so, once, so the caller stops asking. EAGAIN (not
     cached) and real errors end the read short: the caller's blocking read takes over. */
  unsupported = done == 0 && (err == EOPNOTSUPP || err == EINVAL || err == ENOSYS);
#endif
  napi_create_double(env, unsupported ? -1 : (double)done, &result);
  return result;
}

static void unmap(napi_env env, void* data, void* hint) {
  (void)env;
  int slot = find_mapping(data);
  if (slot >= 0) release_slot(slot);
  munmap(data, (size_t)(uintptr_t)hint);
}

/* The (fd, length) arguments of mapFile and mapForReads; throws `usage` and returns 0 if they are not. */
static int map_args(napi_env env, napi_callback_info info, const char* usage, int32_t* fd, size_t* length) {
  size_t argc = 2;
  napi_value argv[2];
  double n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || !get_fd(env, argv[0], fd) || !get_size(env, argv[1], &n)) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  *length = (size_t)n;
  return 1;
}

static napi_value map_file(napi_env env, napi_callback_info info) {
  napi_value result;
  int32_t fd;
  size_t n;
  if (!map_args(env, info, "mapFile(fd: number, length: number)", &fd, &n)) return NULL;
  if (n == 0) {
    void* unused;
    napi_create_arraybuffer(env, 0, &unused, &result);
    return result;
  }
  install_sigbus_handler();
  void* p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    throw_errno(env, "mmap", errno);
    return NULL;
  }
  int slot = register_mapping(p, n);
  if (slot < 0) {
    munmap(p, n);
    napi_get_null(env, &result);
    return result;
  }
  if (napi_create_external_arraybuffer(env, p, n, unmap, (void*)(uintptr_t)n, &result) != napi_ok) {
    release_slot(slot);
    munmap(p, n);
    napi_throw_error(env, NULL, "mmap: this runtime does not accept external array buffers");
    return NULL;
  }
  return result;
}

/* The slot of a live mapForReads id (generation * MAX_MAPPINGS + slot), or -1. */
static int slot_of_id(napi_env env, napi_value v) {
  double id;
  if (!get_size(env, v, &id)) return -1;
  uint64_t n = (uint64_t)id;
  int slot = (int)(n % MAX_MAPPINGS);
  uint64_t generation = n / MAX_MAPPINGS;
  if (atomic_load(&mappings[slot].start) <= 1 || atomic_load(&mappings[slot].generation) != (unsigned)generation) return -1;
  return slot;
}

static napi_value map_for_reads(napi_env env, napi_callback_info info) {
  napi_value result;
  int32_t fd;
  size_t n;
  if (!map_args(env, info, "mapForReads(fd: number, length: number)", &fd, &n)) return NULL;
  napi_get_null(env, &result);
  if (n == 0) return result;
  install_sigbus_handler();
  void* p = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return result;
  madvise(p, n, MADV_RANDOM);
  int slot = register_mapping(p, n);
  if (slot < 0) {
    munmap(p, n);
    return result;
  }
  napi_create_double(env, (double)atomic_load(&mappings[slot].generation) * MAX_MAPPINGS + slot, &result);
  return result;
}

static napi_value read_mapped(napi_env env, napi_callback_info info) {
  napi_value result, id;
  double position;
  uint8_t* data;
  size_t length;
  if (!target_args(env, info, "readMapped(id: number, target: Uint8Array, position: number)", &id, &data, &length, &position)) return NULL;
  int slot = slot_of_id(env, id);
  if (slot < 0) {
    napi_throw_type_error(env, NULL, "readMapped: not a live mapping");
    return NULL;
  }
  uintptr_t start = atomic_load(&mappings[slot].start);
  size_t size = atomic_load(&mappings[slot].length);
  size_t from = position < (double)size ? (size_t)position : size;
  size_t n = length < size - from ? length : size - from;
  double copied = -1;
  if (!atomic_load(&mappings[slot].damaged)) {
    memcpy(data, (const void*)(start + from), n);
    /* A fault during the copy turned the rest of the mapping into zeros: report it, not the zeros. */
    if (!atomic_load(&mappings[slot].damaged)) copied = (double)n;
  }
  napi_create_double(env, copied, &result);
  return result;
}

static napi_value unmap_for_reads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  int slot = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1) slot = slot_of_id(env, argv[0]);
  if (slot >= 0) {
    uintptr_t start = atomic_load(&mappings[slot].start);
    size_t size = atomic_load(&mappings[slot].length);
    release_slot(slot);
    munmap((void*)start, size);
  }
  napi_get_boolean(env, slot >= 0, &result);
  return result;
}

/* The one ArrayBuffer argument of mappingDamaged and releaseMapping; throws `usage` and returns 0 if it is not one. */
static int arraybuffer_arg(napi_env env, napi_callback_info info, const char* usage, void** data, size_t* length) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_arraybuffer_info(env, argv[0], data, length) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

static napi_value mapping_damaged(napi_env env, napi_callback_info info) {
  napi_value result;
  void* data;
  size_t length;
  if (!arraybuffer_arg(env, info, "mappingDamaged(buffer: ArrayBuffer)", &data, &length)) return NULL;
  int slot = data == NULL ? -1 : find_mapping(data);
  napi_get_boolean(env, slot >= 0 && atomic_load(&mappings[slot].damaged), &result);
  return result;
}

static napi_value release_mapping(napi_env env, napi_callback_info info) {
  napi_value result;
  void* data;
  size_t length;
  if (!arraybuffer_arg(env, info, "releaseMapping(buffer: ArrayBuffer)", &data, &length)) return NULL;
  int slot = data == NULL ? -1 : find_mapping(data);
  int released = slot >= 0 && mmap(data, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED;
  if (released) atomic_store(&mappings[slot].damaged, 1);
  napi_get_boolean(env, released, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor functions[] = {
    { "preadInto", NULL, pread_into, NULL, NULL, NULL, napi_enumerable, NULL },
    { "preadCached", NULL, pread_cached, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mapFile", NULL, map_file, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mappingDamaged", NULL, mapping_damaged, NULL, NULL, NULL, napi_enumerable, NULL },
    { "releaseMapping", NULL, release_mapping, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mapForReads", NULL, map_for_reads, NULL, NULL, NULL, napi_enumerable, NULL },
    { "readMapped", NULL, read_mapped, NULL, NULL, NULL, napi_enumerable, NULL },
    { "unmapForReads", NULL, unmap_for_reads, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}
