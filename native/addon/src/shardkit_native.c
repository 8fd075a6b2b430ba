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

 *     Returns how many records passed the framing checks: fewer than `count`
 *     means record <return value> does not fit (the caller reports it). The
 *     same checks as scanRecordsJs in src/log/storage/record-scan.ts.
 */
#include <node_api.h>
#include <isa-l/crc.h>
#include <stdint.h>
#include <string.h>

#define THROW_TYPE(env, msg)                 \
  do {                                       \
    napi_throw_type_error((env), NULL, msg); \
    return NULL;                             \
  } while (0)

static int bytes_of(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, &ab, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = (uint8_t *)p;
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
  int64_t start, end;
  if (napi_get_value_int64(env, argv[1], &start) != napi_ok || napi_get_value_int64(env, argv[2], &end) != napi_ok) {
    THROW_TYPE(env, "crc32cRange: start and end must be numbers");
  }
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
  int64_t start, end, count, out_at;
  if (napi_get_value_int64(env, argv[1], &start) != napi_ok || napi_get_value_int64(env, argv[2], &end) != napi_ok ||
      napi_get_value_int64(env, argv[3], &count) != napi_ok || napi_get_value_int64(env, argv[5], &out_at) != napi_ok) {
    THROW_TYPE(env, "scanRecords: start, end, count and outAt must be numbers");
  }
  bool is_ta = false;
  napi_typedarray_type type;
  size_t out_len;
  void *out;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, argv[4], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[4], &type, &out_len, &out, &ab, &offset) != napi_ok || type != napi_int32_array) {
    THROW_TYPE(env, "scanRecords: out must be an Int32Array");
  }
  if (start < 0 || end < start || (uint64_t)end > len || end > INT32_MAX || count < 0 || count > INT32_MAX || out_at < 0 ||
      (uint64_t)out_at + (uint64_t)count * 4 > out_len) {
    napi_throw_range_error(env, NULL, "scanRecords: need 0 <= start <= end <= min(bytes.length, 2^31 - 1), 0 <= count, 0 <= outAt, outAt + 4 * count <= out.length");
    return NULL;
  }
  napi_value r;
  napi_create_int64(env, scan(data, start, end, count, (int32_t *)out + out_at), &r);
  return r;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"crc32c", NULL, js_crc32c, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32cRange", NULL, js_crc32c_range, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scanRecords", NULL, js_scan_records, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
