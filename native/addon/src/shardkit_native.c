/*
 * shardkit's optional native hot paths, as a Node-API addon.
 *
 * CRC-32C (Castagnoli) for Node.js through Intel ISA-L's crc32_iscsi, which
 * picks the fastest kernel the CPU has at load time (PCLMULQDQ folding,
 * VPCLMULQDQ on AVX-512 machines). Exposes:
 *
 *   crc32c(bytes: Uint8Array, previous?: number): number
 *     the standard CRC-32C of `bytes` (check value of "123456789":
 *     0xE3069283); `previous` continues a running CRC as in @node-rs/crc32.
 *
 *   crc32cRange(bytes: Uint8Array, start: number, end: number): number
 *     the CRC-32C of bytes[start, end), without making a subarray.
 *
 *   scanRecords(bytes: Uint8Array, start: number, end: number, count: number,
 *               out: Int32Array, outAt: number): number
 *     walks up to `count` records of a shardkit record batch (framing in
 *     src/log/storage/record-batch.ts) from `start`, none past `end`, and
 *     writes for record i, at o = outAt + 4i: out[o] = its start, out[o+1] =
 *     its offset delta (u32 bits), out[o+2] = key length, out[o+3] = value
 *     length (-1: null).
 *
 *   readAheadSubmit(fd: number, buffer: Uint8Array, position: number,
 *                   length: number): object
 *     queues a read of `length` bytes at `position` of the file into
 *     `buffer` for the read-ahead thread (one per process). The descriptor
 *     is duplicated, so closing `fd` afterwards is safe; the buffer is kept
 *     alive, and must not be touched, until readAheadWait returns.
 *
 *   readAheadWait(job: object, cancelIfQueued?: boolean): number
 *     the bytes read (fewer than asked at the end of the file), after
 *     waiting for the read if it is running. With cancelIfQueued (default
 *     true), -1 if the thread had not started it yet: the job is cancelled,
 *     since reading now in the caller is quicker than waiting for a thread
 *     the scheduler has not run. Throws the read's error, if any.

 *     Returns how many records passed the framing checks: fewer than `count`
 *     means record <return value> does not fit (the caller reports it). The
 *     same checks as scanRecordsJs in src/log/storage/record-scan.ts.
 */
#include <node_api.h>
#include <isa-l/crc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <time.h>

#define THROW_TYPE(env, msg)                 \
  do {                                       \
    napi_throw_type_error((env), NULL, msg); \
    return NULL;                             \
  } while (0)

/* The data and element count of `v` if it is a typed array of type `want`. */
static int typed_of(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, len, data, &ab, &offset) != napi_ok) return 0;
  return type == want;
}

static int bytes_of(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  return typed_of(env, v, napi_uint8_array, (void **)data, len);
}

/* argv[which[k]] as integers into dst[k]; 0 if one is not a number. */
static int int64_args(napi_env env, const napi_value *argv, const int *which, int n, int64_t *dst) {
  for (int k = 0; k < n; k++) {
    if (napi_get_value_int64(env, argv[which[k]], &dst[k]) != napi_ok) return 0;
  }
  return 1;
}

static napi_value make_u32(napi_env env, uint32_t x) {
  napi_value r;
  napi_create_uint32(env, x, &r);
  return r;
}

static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *data;
  size_t len;
  if (argc < 1 || !bytes_of(env, argv[0], &data, &len)) THROW_TYPE(env, "crc32c: bytes must be a Uint8Array or Buffer");
  uint32_t prev = 0;
  if (argc >= 2) {
    napi_valuetype t;
    napi_typeof(env, argv[1], &t);
    if (t != napi_undefined) {
      if (t != napi_number) THROW_TYPE(env, "crc32c: previous must be a number (a CRC-32C from 0 to 2^32-1)");
      napi_get_value_uint32(env, argv[1], &prev);
    }
  }
  return make_u32(env, ~crc32_iscsi(data, (int)len, ~prev));
}

static napi_value js_crc32c_range(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *data;
  size_t len;
  if (argc < 3 || !bytes_of(env, argv[0], &data, &len)) THROW_TYPE(env, "crc32cRange: bytes must be a Uint8Array or Buffer");
  static const int which[] = {1, 2};
  int64_t v[2];
  if (!int64_args(env, argv, which, 2, v)) THROW_TYPE(env, "crc32cRange: start and end must be numbers");
  int64_t start = v[0], end = v[1];
  if (start < 0 || end < start || (uint64_t)end > len) {
    napi_throw_range_error(env, NULL, "crc32cRange: need 0 <= start <= end <= bytes.length");
    return NULL;
  }
  return make_u32(env, ~crc32_iscsi(data + start, (int)(end - start), 0xFFFFFFFFu));
}

static inline uint32_t u32le(const uint8_t *b) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint32_t v;
  memcpy(&v, b, 4);
  return v;
#else
  return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
#endif
}

/* Check the record at p (none of it past end); on success write its index
 * entry and return where it ends, else return -1. */
static inline int64_t scan_one(const uint8_t *b, int64_t p, int64_t end, int32_t *o) {
  if (p + 28 > end) return -1;
  int64_t len = u32le(b + p);
  int64_t rec_end = p + 4 + len;
  if (len < 24 || rec_end > end) return -1;
  int32_t kl = (int32_t)u32le(b + p + 16);
  if (kl < -1) return -1;
  int64_t v_at = p + 20 + (kl > 0 ? kl : 0);
  if (v_at + 8 > rec_end) return -1;
  int32_t vl = (int32_t)u32le(b + v_at);
  if (vl < -1) return -1;
  int64_t h_at = v_at + 4 + (vl > 0 ? vl : 0);
  if (h_at + 4 > rec_end) return -1;
  uint32_t hc = u32le(b + h_at);
  int64_t q = h_at + 4;
  for (uint32_t j = 0; j < hc; j++) {
    if (q + 4 > rec_end) return -1;
    q += 4 + (int64_t)u32le(b + q);
    if (q + 4 > rec_end) return -1;
    q += 4 + (int64_t)u32le(b + q);
  }
  if (q != rec_end) return -1;
  o[0] = (int32_t)p;
  o[1] = (int32_t)u32le(b + p + 4);
  o[2] = kl;
  o[3] = vl;
  return rec_end;
}

static int64_t scan(const uint8_t *b, int64_t p, int64_t end, int64_t count, int32_t *out) {
  int64_t i;
  for (i = 0; i < count; i++) {
    /* Each record's position depends on the length read from the one before,
     * so the walk cannot run ahead of memory on its own: fetch a few records
     * ahead (a prefetch past the end is harmless). */
    __builtin_prefetch(b + p + 1024);
    int64_t next = scan_one(b, p, end, out + 4 * i);
    if (next < 0) break;
    p = next;
  }
  return i;
}

static napi_value js_scan_records(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *data;
  size_t len;
  if (argc < 6 || !bytes_of(env, argv[0], &data, &len)) THROW_TYPE(env, "scanRecords: bytes must be a Uint8Array or Buffer");
  static const int which[] = {1, 2, 3, 5};
  int64_t v[4];
  if (!int64_args(env, argv, which, 4, v)) THROW_TYPE(env, "scanRecords: start, end, count and outAt must be numbers");
  int64_t start = v[0], end = v[1], count = v[2], out_at = v[3];
  size_t out_len;
  void *out;
  if (!typed_of(env, argv[4], napi_int32_array, &out, &out_len)) THROW_TYPE(env, "scanRecords: out must be an Int32Array");
  if (start < 0 || end < start || (uint64_t)end > len || end > INT32_MAX || count < 0 || count > INT32_MAX || out_at < 0 ||
      (uint64_t)out_at + (uint64_t)count * 4 > out_len) {
    napi_throw_range_error(env, NULL, "scanRecords: need 0 <= start <= end <= min(bytes.length, 2^31 - 1), 0 <= count, 0 <= outAt, outAt + 4 * count <= out.length");
    return NULL;
  }
  napi_value r;
  napi_create_int64(env, scan(data, start, end, count, (int32_t *)out + out_at), &r);
  return r;
}

/* ---- read-ahead: one helper thread per process, a FIFO of jobs ---- */

typedef struct ra_job {
  int fd; /* a dup, closed by the helper */
  int64_t pos;
  int64_t len;
  uint8_t *buf;
  napi_ref ref; /* keeps the buffer alive until the result is collected */
  int started; /* taken off the queue by the helper */
  int done;
  int cancelled;
  int collected;
  int64_t bytes_read; /* or -errno */
  struct ra_job *next;
} ra_job;

static pthread_mutex_t ra_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ra_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t ra_done = PTHREAD_COND_INITIALIZER;
static ra_job *ra_head = NULL;
static ra_job *ra_tail = NULL;
static int64_t ra_pending = 0; /* queued or running */
static pthread_once_t ra_once = PTHREAD_ONCE_INIT;
static int ra_thread_ok = 0;

static void ra_run(ra_job *j) {
  int64_t got = 0;
  while (got < j->len) {
    ssize_t n = pread(j->fd, j->buf + got, (size_t)(j->len - got), (off_t)(j->pos + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      got = -(int64_t)errno;
      break;
    }
    if (n == 0) break;
    got += n;
  }
  close(j->fd);
  j->bytes_read = got;
}

/* Waking a sleeping thread costs tens of microseconds on a virtual machine,
 * as long as reading a window: each side spins this long for the other
 * before it sleeps. */
#define RA_SPIN_NS 200000LL

static int64_t ra_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline void ra_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Spin until *flag is non-zero (or non-NULL) or RA_SPIN_NS passed. The spin
 * yields the CPU now and then: if both threads were put on one core, the
 * other one must get to run. */
static void ra_spin(void *const *ptr, const int *flag) {
  int64_t deadline = 0;
  for (unsigned i = 1;; i++) {
    if (ptr != NULL ? __atomic_load_n(ptr, __ATOMIC_ACQUIRE) != NULL : __atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0) return;
    ra_relax();
    if ((i & 63) == 0) sched_yield();
    if ((i & 255) == 0) {
      int64_t t = ra_now_ns();
      if (deadline == 0) deadline = t + RA_SPIN_NS;
      else if (t > deadline) return;
    }
  }
}

static void *ra_main(void *arg) {
  (void)arg;
  for (;;) {
    ra_spin((void *const *)&ra_head, NULL);
    pthread_mutex_lock(&ra_mu);
    while (ra_head == NULL) pthread_cond_wait(&ra_work, &ra_mu);
    ra_job *j = ra_head;
    __atomic_store_n(&ra_head, j->next, __ATOMIC_RELEASE);
    if (ra_head == NULL) ra_tail = NULL;
    j->started = 1;
    pthread_mutex_unlock(&ra_mu);
    ra_run(j);
    pthread_mutex_lock(&ra_mu);
    __atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
    ra_pending--;
    pthread_cond_broadcast(&ra_done);
    pthread_mutex_unlock(&ra_mu);
  }
  return NULL;
}

static void ra_start(void) {
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  ra_thread_ok = pthread_create(&t, &attr, ra_main, NULL) == 0;
  pthread_attr_destroy(&attr);
}

static void ra_wait_done(ra_job *j) {
  ra_spin(NULL, &j->done);
  pthread_mutex_lock(&ra_mu);
  while (!j->done) pthread_cond_wait(&ra_done, &ra_mu);
  pthread_mutex_unlock(&ra_mu);
}

/* Take `j` off the queue if the helper has not started it. */
static int ra_cancel_if_queued(ra_job *j) {
  int cancelled = 0;
  pthread_mutex_lock(&ra_mu);
  if (!j->started && !j->done) {
    ra_job *prev = NULL;
    for (ra_job *q = ra_head; q != NULL; prev = q, q = q->next) {
      if (q != j) continue;
      if (prev == NULL) __atomic_store_n(&ra_head, j->next, __ATOMIC_RELEASE);
      else prev->next = j->next;
      if (ra_tail == j) ra_tail = prev;
      j->next = NULL;
      close(j->fd);
      j->cancelled = 1;
      __atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
      ra_pending--;
      pthread_cond_broadcast(&ra_done);
      cancelled = 1;
      break;
    }
  }
  pthread_mutex_unlock(&ra_mu);
  return cancelled;
}

/* The job's handle was collected: wait for the job if it still runs (it
 * writes into the buffer), then let the buffer go and free the job. */
static void ra_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  ra_job *j = (ra_job *)data;
  if (!ra_cancel_if_queued(j)) ra_wait_done(j);
  if (!j->collected && j->ref != NULL) napi_delete_reference(env, j->ref);
  free(j);
}

/* At environment teardown no job may still be writing into its memory. */
static void ra_cleanup(void *arg) {
  (void)arg;
  pthread_mutex_lock(&ra_mu);
  while (ra_pending > 0) pthread_cond_wait(&ra_done, &ra_mu);
  pthread_mutex_unlock(&ra_mu);
}

static napi_value js_read_ahead_submit(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *data;
  size_t len;
  static const int which[] = {0, 2, 3};
  int64_t v[3];
  if (argc < 4 || !bytes_of(env, argv[1], &data, &len)) THROW_TYPE(env, "readAheadSubmit: buffer must be a Uint8Array or Buffer");
  if (!int64_args(env, argv, which, 3, v)) THROW_TYPE(env, "readAheadSubmit: fd, position and length must be numbers");
  int64_t fd = v[0], pos = v[1], want = v[2];
  if (fd < 0 || fd > INT32_MAX || pos < 0 || want < 0 || (uint64_t)want > len || want > INT32_MAX) {
    napi_throw_range_error(env, NULL, "readAheadSubmit: need fd >= 0, position >= 0, 0 <= length <= min(buffer.length, 2^31 - 1)");
    return NULL;
  }
  pthread_once(&ra_once, ra_start);
  if (!ra_thread_ok) {
    napi_throw_error(env, NULL, "readAheadSubmit: the read-ahead thread could not be started");
    return NULL;
  }
  int dfd = dup((int)fd);
  if (dfd < 0) {
    napi_throw_error(env, NULL, "readAheadSubmit: the file descriptor could not be duplicated");
    return NULL;
  }
  ra_job *j = (ra_job *)calloc(1, sizeof(ra_job));
  if (j == NULL) {
    close(dfd);
    napi_throw_error(env, NULL, "readAheadSubmit: out of memory");
    return NULL;
  }
  j->fd = dfd;
  j->pos = pos;
  j->len = want;
  j->buf = data;
  napi_value handle;
  if (napi_create_reference(env, argv[1], 1, &j->ref) != napi_ok ||
      napi_create_external(env, j, ra_finalize, NULL, &handle) != napi_ok) {
    close(dfd);
    if (j->ref != NULL) napi_delete_reference(env, j->ref);
    free(j);
    napi_throw_error(env, NULL, "readAheadSubmit: could not create the job");
    return NULL;
  }
  pthread_mutex_lock(&ra_mu);
  if (ra_tail != NULL) ra_tail->next = j;
  else __atomic_store_n(&ra_head, j, __ATOMIC_RELEASE);
  ra_tail = j;
  ra_pending++;
  pthread_cond_signal(&ra_work);
  pthread_mutex_unlock(&ra_mu);
  return handle;
}

static napi_value js_read_ahead_wait(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_external) THROW_TYPE(env, "readAheadWait: job must come from readAheadSubmit");
  bool cancel = true;
  if (argc >= 2) {
    napi_valuetype ct;
    napi_typeof(env, argv[1], &ct);
    if (ct != napi_undefined && napi_get_value_bool(env, argv[1], &cancel) != napi_ok) THROW_TYPE(env, "readAheadWait: cancelIfQueued must be a boolean");
  }
  ra_job *j;
  napi_get_value_external(env, argv[0], (void **)&j);
  if (!(cancel && ra_cancel_if_queued(j))) ra_wait_done(j);
  if (!j->collected) {
    j->collected = 1;
    napi_delete_reference(env, j->ref);
    j->ref = NULL;
  }
  if (j->cancelled) {
    napi_value r;
    napi_create_int64(env, -1, &r);
    return r;
  }
  if (j->bytes_read < 0) {
    char msg[96];
    snprintf(msg, sizeof msg, "read-ahead read failed: errno %lld", (long long)-j->bytes_read);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  napi_value r;
  napi_create_int64(env, j->bytes_read, &r);
  return r;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"crc32c", NULL, js_crc32c, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32cRange", NULL, js_crc32c_range, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scanRecords", NULL, js_scan_records, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readAheadSubmit", NULL, js_read_ahead_submit, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readAheadWait", NULL, js_read_ahead_wait, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  napi_add_env_cleanup_hook(env, ra_cleanup, NULL);
  return exports;
}
