/* Opening a checkpoint: the whole header is validated (length, JSON,
 * fields, dtypes, shapes, offsets, overlaps, holes) before any data is read,
 * so every read below stays inside the file and every allocation is bounded
 * by its size. */
#include "checkpoint_internal.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_json.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Safetensors dtypes: the ones read (converted to F32 where needed), and the
 * rest, known but refused as unsupported rather than as malformed. */
typedef enum { SRC_F32, SRC_I64, SRC_F64, SRC_F16, SRC_BF16, SRC_OTHER } src_dtype;

static const struct {
    const char *name;
    src_dtype src;
    size_t size;
} dtypes[] = {
    {"F32", SRC_F32, 4},      {"I64", SRC_I64, 8},      {"F64", SRC_F64, 8},
    {"F16", SRC_F16, 2},      {"BF16", SRC_BF16, 2},    {"BOOL", SRC_OTHER, 1},
    {"U8", SRC_OTHER, 1},     {"I8", SRC_OTHER, 1},     {"U16", SRC_OTHER, 2},
    {"I16", SRC_OTHER, 2},    {"U32", SRC_OTHER, 4},    {"I32", SRC_OTHER, 4},
    {"U64", SRC_OTHER, 8},    {"F8_E4M3", SRC_OTHER, 1}, {"F8_E5M2", SRC_OTHER, 1},
};

typedef struct {
    const char *name; /* points into the JSON tree */
    src_dtype src;
    size_t src_size;
    int ndim;
    int64_t shape[HUE_CKPT_MAX_DIMS];
    int64_t numel;
    int64_t begin, end;
} entry;

static int by_offset(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13); /* inf, nan */
    } else if (exp) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man) {
        /* Subnormal half: normalize into a float exponent. */
        int e = -1;
        do {
            man <<= 1, e++;
        } while (!(man & 0x400));
        bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ff) << 13);
    } else {
        bits = sign;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Converts n little-endian source elements to host F32 (or I64 unchanged). */
static void convert(const entry *e, const unsigned char *src, void *dst)
{
    size_t n = (size_t)e->numel;
    float *out = dst;
    switch (e->src) {
    case SRC_F32: hue_ckpt_copy_le(dst, src, 4, n); break;
    case SRC_I64: hue_ckpt_copy_le(dst, src, 8, n); break;
    case SRC_F64:
        for (size_t i = 0; i < n; i++) {
            double d;
            hue_ckpt_copy_le(&d, src + 8 * i, 8, 1);
            out[i] = (float)d;
        }
        break;
    case SRC_F16:
        for (size_t i = 0; i < n; i++)
            out[i] = half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
        break;
    case SRC_BF16:
        for (size_t i = 0; i < n; i++) {
            uint32_t bits = (uint32_t)(src[2 * i] | src[2 * i + 1] << 8) << 16;
            memcpy(&out[i], &bits, 4);
        }
        break;
    case SRC_OTHER: assert(0); break;
    }
}

/* A non-negative integer field, or a message. */
static int get_uint(const char *path, const char *name, const char *field, const hue_json *v,
                    int64_t *out)
{
    char nb[96];
    int rc = hue_json_int64(v, out);
    if (rc == HUE_ELIMIT || (!rc && *out < 0))
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': %s holds a %s", path, hue_ckpt_show(name, nb, sizeof nb),
                        field, rc ? "value too large" : "negative value");
    if (rc)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': %s holds a %s, expected an integer", path,
                        hue_ckpt_show(name, nb, sizeof nb), field,
                        hue_json_type_of(v) == HUE_JSON_NUMBER ? "non-integer number"
                                                               : hue_json_type_name(hue_json_type_of(v)));
    return 0;
}

/* Checks one tensor's header entry against the data section size. */
static int parse_entry(const char *path, const char *name, const hue_json *v, uint64_t data_size,
                       entry *e)
{
    char nb[96], sb[160];
    hue_ckpt_show(name, nb, sizeof nb);
    if (hue_json_type_of(v) != HUE_JSON_OBJECT)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s' is a JSON %s, expected an object", path, nb,
                        hue_json_type_name(hue_json_type_of(v)));
    const hue_json *dt = hue_json_get(v, "dtype"), *sh = hue_json_get(v, "shape"),
                   *off = hue_json_get(v, "data_offsets");
    if (!dt || !sh || !off)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s' has no \"%s\" field", path, nb,
                        !dt ? "dtype" : !sh ? "shape" : "data_offsets");
    const char *dts = hue_json_string(dt, NULL);
    if (!dts)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': dtype is a JSON %s, expected a string", path, nb,
                        hue_json_type_name(hue_json_type_of(dt)));
    size_t k = 0, nd = sizeof dtypes / sizeof dtypes[0];
    while (k < nd && strcmp(dtypes[k].name, dts))
        k++;
    if (k == nd)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': unknown dtype '%s'", path, nb, hue_ckpt_show(dts, sb, 32));
    if (dtypes[k].src == SRC_OTHER)
        return hue_fail(HUE_ENOTSUP, "%s: tensor '%s': dtype %s not supported (F32, F64, F16, BF16, I64 are)",
                        path, nb, dtypes[k].name);
    e->name = name;
    e->src = dtypes[k].src;
    e->src_size = dtypes[k].size;

    if (hue_json_type_of(sh) != HUE_JSON_ARRAY)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': shape is a JSON %s, expected an array", path, nb,
                        hue_json_type_name(hue_json_type_of(sh)));
    if (hue_json_count(sh) > HUE_CKPT_MAX_DIMS)
        return hue_fail(HUE_ENOTSUP, "%s: tensor '%s': %zu dimensions, at most %d supported", path, nb,
                        hue_json_count(sh), HUE_CKPT_MAX_DIMS);
    e->ndim = (int)hue_json_count(sh);
    for (int d = 0; d < e->ndim; d++) {
        int rc = get_uint(path, name, "shape", hue_json_at(sh, (size_t)d), &e->shape[d]);
        if (rc)
            return rc;
    }
    hue_ckpt_format_shape(sb, sizeof sb, e->ndim, e->shape);
    if (hue_ckpt_numel(e->ndim, e->shape, e->src_size, &e->numel))
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': shape %s overflows", path, nb, sb);

    if (hue_json_type_of(off) != HUE_JSON_ARRAY || hue_json_count(off) != 2)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': data_offsets must be an array of 2 integers", path, nb);
    int rc = get_uint(path, name, "data_offsets", hue_json_at(off, 0), &e->begin);
    if (!rc)
        rc = get_uint(path, name, "data_offsets", hue_json_at(off, 1), &e->end);
    if (rc)
        return rc;
    if (e->begin > e->end || (uint64_t)e->end > data_size)
        return hue_fail(HUE_EFORMAT,
                        "%s: tensor '%s': data_offsets [%" PRId64 ", %" PRId64
                        "] outside the data section (%" PRIu64 " bytes)",
                        path, nb, e->begin, e->end, data_size);
    uint64_t need = (uint64_t)e->numel * e->src_size;
    if ((uint64_t)(e->end - e->begin) != need)
        return hue_fail(HUE_EFORMAT,
                        "%s: tensor '%s': data_offsets [%" PRId64 ", %" PRId64 "] span %" PRId64
                        " bytes, but %s %s needs %" PRIu64,
                        path, nb, e->begin, e->end, e->end - e->begin, dtypes[k].name, sb, need);
    return 0;
}

static int parse_metadata(hue_checkpoint *ck, const char *path, const hue_json *m)
{
    char kb[96];
    if (hue_json_type_of(m) != HUE_JSON_OBJECT)
        return hue_fail(HUE_EFORMAT, "%s: __metadata__ is a JSON %s, expected an object", path,
                        hue_json_type_name(hue_json_type_of(m)));
    for (size_t i = 0; i < hue_json_count(m); i++) {
        size_t klen, vlen;
        const char *key = hue_json_key(m, i, &klen);
        const char *val = hue_json_string(hue_json_at(m, i), &vlen);
        if (!val)
            return hue_fail(HUE_EFORMAT, "%s: __metadata__ '%s' is a JSON %s, expected a string", path,
                            hue_ckpt_show(key, kb, sizeof kb), hue_json_type_name(hue_json_type_of(hue_json_at(m, i))));
        if (klen != strlen(key) || vlen != strlen(val))
            return hue_fail(HUE_EFORMAT, "%s: __metadata__ '%s' contains a NUL character", path,
                            hue_ckpt_show(key, kb, sizeof kb));
        int rc = hue_checkpoint_set_meta(ck, key, val);
        if (rc)
            return rc;
    }
    return 0;
}

/* Validates the parsed header, then reads every tensor's bytes. */
static int load(hue_checkpoint *ck, const char *path, FILE *f, const hue_json *root, uint64_t data_size)
{
    char nb[96], nb2[96];
    if (hue_json_type_of(root) != HUE_JSON_OBJECT)
        return hue_fail(HUE_EFORMAT, "%s: header is a JSON %s, expected an object", path,
                        hue_json_type_name(hue_json_type_of(root)));
    size_t n = hue_json_count(root);
    entry *es = calloc(n ? n : 1, sizeof *es);
    if (!es)
        return hue_fail(HUE_ENOMEM, "%s: out of memory reading header", path);
    size_t ne = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t klen;
        const char *key = hue_json_key(root, i, &klen);
        if (!strcmp(key, "__metadata__"))
            rc = parse_metadata(ck, path, hue_json_at(root, i));
        else if (!klen || klen != strlen(key))
            rc = hue_fail(HUE_EFORMAT, "%s: tensor name '%s' is empty or contains a NUL character", path,
                          hue_ckpt_show(key, nb, sizeof nb));
        else
            rc = parse_entry(path, key, hue_json_at(root, i), data_size, &es[ne++]);
    }
    /* The data must be covered exactly, without overlaps or holes, as the
     * safetensors library requires: no hidden bytes in a valid file. */
    if (!rc)
        qsort(es, ne, sizeof *es, by_offset);
    int64_t at = 0;
    for (size_t i = 0; i < ne && !rc; i++) {
        if (es[i].begin < at)
            rc = hue_fail(HUE_EFORMAT, "%s: tensor '%s' overlaps tensor '%s'", path,
                          hue_ckpt_show(es[i].name, nb, sizeof nb), hue_ckpt_show(es[i - 1].name, nb2, sizeof nb2));
        else if (es[i].begin > at)
            rc = hue_fail(HUE_EFORMAT, "%s: %" PRId64 " bytes before tensor '%s' belong to no tensor", path,
                          es[i].begin - at, hue_ckpt_show(es[i].name, nb, sizeof nb));
        at = es[i].end;
    }
    if (!rc && (uint64_t)at != data_size)
        rc = hue_fail(HUE_EFORMAT, "%s: %" PRIu64 " bytes after the last tensor belong to no tensor", path,
                      data_size - (uint64_t)at);

    /* Offsets are now known to lie inside the file and to be contiguous, so
     * every allocation below is bounded by the file's size. */
    unsigned char *scratch = NULL;
    size_t scratch_cap = 0;
    for (size_t i = 0; i < ne && !rc; i++) {
        const entry *e = &es[i];
        hue_ckpt_dtype dtype = e->src == SRC_I64 ? HUE_CKPT_I64 : HUE_CKPT_F32;
        size_t bytes = (size_t)(e->end - e->begin);
        ckpt_tensor *t;
        rc = hue_ckpt_push(ck, e->name, dtype, e->ndim, e->shape, e->numel, &t);
        if (rc)
            break;
        /* Same-size host-order data is read in place; the rest through scratch. */
        int direct = hue_ckpt_host_le() && (e->src == SRC_F32 || e->src == SRC_I64);
        unsigned char *buf = direct ? t->data : scratch;
        if (!direct && bytes > scratch_cap) {
            free(scratch);
            scratch = buf = malloc(bytes);
            scratch_cap = buf ? bytes : 0;
            if (!buf) {
                rc = hue_fail(HUE_ENOMEM, "%s: out of memory reading tensor '%s'", path,
                              hue_ckpt_show(e->name, nb, sizeof nb));
                break;
            }
        }
        if (bytes && fread(buf, 1, bytes, f) != bytes) {
            rc = hue_fail(HUE_EIO, "%s: file ended or failed while reading tensor '%s'", path,
                          hue_ckpt_show(e->name, nb, sizeof nb));
            break;
        }
        if (!direct)
            convert(e, buf, t->data);
    }
    free(scratch);
    free(es);
    return rc;
}

int hue_checkpoint_open(const char *path, hue_checkpoint **out)
{
    *out = NULL;
    FILE *f;
    int rc = hue_file_open_regular(path, &f);
    if (rc)
        return rc;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        rc = hue_fail(HUE_EIO, "%s: %s", path, strerror(errno));
        fclose(f);
        return rc;
    }
    uint64_t size = (uint64_t)st.st_size, hlen;
    unsigned char len8[8];
    if (size < 8 || fread(len8, 1, 8, f) != 8) {
        fclose(f);
        return hue_fail(HUE_EFORMAT, "%s: not a checkpoint: %" PRIu64 " bytes, too short for a safetensors header", path,
                        size);
    }
    hue_ckpt_copy_le(&hlen, len8, 8, 1);
    if (hlen > HUE_CKPT_MAX_HEADER) {
        fclose(f);
        return hue_fail(HUE_EFORMAT, "%s: not a checkpoint (hue reads safetensors files): the header length its "
                        "first 8 bytes give, %" PRIu64 ", exceeds the %u-byte limit", path, hlen, HUE_CKPT_MAX_HEADER);
    }
    if (hlen > size - 8) {
        fclose(f);
        return hue_fail(HUE_EFORMAT, "%s: not a checkpoint, or a cut-short one: header length %" PRIu64
                        " is larger than the file (%" PRIu64 " bytes)", path, hlen, size);
    }
    char *text = malloc(hlen ? hlen : 1);
    hue_checkpoint *ck = calloc(1, sizeof *ck);
    if (ck)
        ck->path = strdup(path);
    if (!text || !ck || !ck->path) {
        free(text);
        hue_checkpoint_destroy(ck);
        fclose(f);
        return hue_fail(HUE_ENOMEM, "%s: out of memory reading header", path);
    }
    hue_json *root = NULL;
    size_t got = fread(text, 1, hlen, f), lead = 0;
    while (lead < got && strchr(" \t\r\n", text[lead]) && text[lead])
        lead++;
    if (got != hlen) {
        rc = hue_fail(HUE_EIO, "%s: file ended or failed while reading the header", path);
    } else if ((rc = hue_json_parse_limited(text, hlen, HUE_CKPT_MAX_VALUES, &root))) {
        char why[512];
        snprintf(why, sizeof why, "%s", hue_error_message());
        if (lead < hlen && text[lead] != '{')  /* not even the start of a header: some other file */
            rc = hue_fail(HUE_EFORMAT, "%s: not a checkpoint (hue reads safetensors files: an 8-byte header "
                          "length, then a JSON object)", path);
        else if (rc == HUE_ELIMIT)
            rc = hue_fail(HUE_EFORMAT, "%s: header has too many entries: %s", path, why);
        else if (rc == HUE_ENOMEM)
            rc = hue_fail(rc, "%s: %s", path, why);
        else
            rc = hue_fail(rc, "%s: header is not valid JSON: %s", path, why);
    } else {
        rc = load(ck, path, f, root, size - 8 - hlen);
    }
    hue_json_destroy(root);
    free(text);
    fclose(f);
    if (rc) {
        hue_checkpoint_destroy(ck);
        return rc;
    }
    *out = ck;
    return 0;
}
