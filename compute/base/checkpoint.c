/* Checkpoints (see hue_checkpoint.h): the in-memory table of tensors and
 * metadata that saving writes and opening fills. */
#include "checkpoint_internal.h"
#include "hue_error.h"
#include "hue_json.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *where(const hue_checkpoint *ck) { return ck->path ? ck->path : "checkpoint"; }

const char *hue_ckpt_show(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (; s[n] && n + 4 < cap; n++)
        buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
    if (s[n]) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = 0;
    return buf;
}

void hue_ckpt_format_shape(char *buf, size_t cap, int ndim, const int64_t *shape)
{
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%" PRId64, i ? ", " : "", shape[i]);
    if (n < cap)
        snprintf(buf + n, cap - n, "]");
}

int hue_checkpoint_create(hue_checkpoint **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : hue_fail(HUE_ENOMEM, "out of memory creating a checkpoint");
}

void hue_checkpoint_destroy(hue_checkpoint *ck)
{
    if (!ck)
        return;
    for (int i = 0; i < ck->count; i++) {
        free(ck->tensors[i].name);
        free(ck->tensors[i].data);
    }
    for (int i = 0; i < ck->meta_count; i++) {
        free(ck->meta[i].key);
        free(ck->meta[i].value);
    }
    free(ck->tensors);
    free(ck->meta);
    free(ck->path);
    free(ck);
}

/* Linear: checkpoints hold hundreds of tensors, and opened files are
 * checked for duplicates by the JSON parser. */
int hue_checkpoint_find(const hue_checkpoint *ck, const char *name)
{
    for (int i = 0; i < ck->count; i++)
        if (!strcmp(ck->tensors[i].name, name))
            return i;
    return -1;
}

int hue_ckpt_numel(int ndim, const int64_t *shape, size_t elem, int64_t *numel)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return HUE_EINVAL;
        if (shape[i] && n > INT64_MAX / shape[i])
            return HUE_ELIMIT;
        n *= shape[i];
    }
    if (n > INT64_MAX / (int64_t)elem || (uint64_t)n * elem > SIZE_MAX)
        return HUE_ELIMIT;
    *numel = n;
    return 0;
}

int hue_ckpt_push(hue_checkpoint *ck, const char *name, hue_ckpt_dtype dtype, int ndim,
                       const int64_t *shape, int64_t numel, ckpt_tensor **out)
{
    if (ck->count == ck->cap) {
        int nc = ck->cap ? ck->cap * 2 : 16;
        ckpt_tensor *t = realloc(ck->tensors, (size_t)nc * sizeof *t);
        if (!t)
            return hue_fail(HUE_ENOMEM, "out of memory adding tensor");
        ck->tensors = t;
        ck->cap = nc;
    }
    ckpt_tensor *t = &ck->tensors[ck->count];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    size_t bytes = (size_t)numel * hue_ckpt_dtype_size(dtype);
    t->data = malloc(bytes ? bytes : 1);
    if (!t->name || !t->data) {
        free(t->name);
        free(t->data);
        return hue_fail(HUE_ENOMEM, "out of memory for tensor (%zu bytes)", bytes);
    }
    t->dtype = dtype;
    t->ndim = ndim;
    if (ndim)
        memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->numel = numel;
    ck->count++;
    *out = t;
    return 0;
}

static int add_tensor(hue_checkpoint *ck, const char *name, hue_ckpt_dtype dtype, int ndim,
                      const int64_t *shape, const void *data)
{
    char nb[96], sb[160];
    assert(ck && name && (ndim == 0 || shape));
    if (!name[0] || !hue_json_utf8_valid(name, strlen(name)) || !strcmp(name, "__metadata__"))
        return hue_fail(HUE_EINVAL, "invalid tensor name '%s' (must be non-empty UTF-8, not __metadata__)",
                        hue_ckpt_show(name, nb, sizeof nb));
    if (ndim < 0 || ndim > HUE_CKPT_MAX_DIMS)
        return hue_fail(HUE_EINVAL, "tensor '%s': %d dimensions (0 to %d allowed)",
                        hue_ckpt_show(name, nb, sizeof nb), ndim, HUE_CKPT_MAX_DIMS);
    int64_t numel;
    if (hue_ckpt_numel(ndim, shape, hue_ckpt_dtype_size(dtype), &numel)) {
        hue_ckpt_format_shape(sb, sizeof sb, ndim, shape);
        return hue_fail(HUE_EINVAL, "tensor '%s': invalid shape %s", hue_ckpt_show(name, nb, sizeof nb), sb);
    }
    if (hue_checkpoint_find(ck, name) >= 0)
        return hue_fail(HUE_EINVAL, "tensor '%s' added twice", hue_ckpt_show(name, nb, sizeof nb));
    assert(numel == 0 || data);
    ckpt_tensor *t;
    int rc = hue_ckpt_push(ck, name, dtype, ndim, shape, numel, &t);
    if (rc)
        return rc;
    if (numel)
        memcpy(t->data, data, (size_t)numel * hue_ckpt_dtype_size(dtype));
    return 0;
}

int hue_checkpoint_add(hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                       const float *data)
{
    return add_tensor(ck, name, HUE_CKPT_F32, ndim, shape, data);
}

int hue_checkpoint_add_i64(hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                           const int64_t *data)
{
    return add_tensor(ck, name, HUE_CKPT_I64, ndim, shape, data);
}

/* Index where key is or would be inserted in the sorted metadata. */
static int meta_slot(const hue_checkpoint *ck, const char *key, int *found)
{
    int lo = 0, hi = ck->meta_count;
    *found = 0;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(ck->meta[mid].key, key);
        if (!c) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int hue_checkpoint_set_meta(hue_checkpoint *ck, const char *key, const char *value)
{
    char kb[96];
    assert(ck && key && value);
    if (!hue_json_utf8_valid(key, strlen(key)) || !hue_json_utf8_valid(value, strlen(value)))
        return hue_fail(HUE_EINVAL, "metadata '%s': key and value must be UTF-8", hue_ckpt_show(key, kb, sizeof kb));
    char *v = strdup(value);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of memory setting metadata");
    int found, i = meta_slot(ck, key, &found);
    if (found) {
        free(ck->meta[i].value);
        ck->meta[i].value = v;
        return 0;
    }
    if (ck->meta_count == ck->meta_cap) {
        int nc = ck->meta_cap ? ck->meta_cap * 2 : 8;
        ckpt_meta *m = realloc(ck->meta, (size_t)nc * sizeof *m);
        if (!m) {
            free(v);
            return hue_fail(HUE_ENOMEM, "out of memory setting metadata");
        }
        ck->meta = m;
        ck->meta_cap = nc;
    }
    char *k = strdup(key);
    if (!k) {
        free(v);
        return hue_fail(HUE_ENOMEM, "out of memory setting metadata");
    }
    memmove(&ck->meta[i + 1], &ck->meta[i], (size_t)(ck->meta_count - i) * sizeof *ck->meta);
    ck->meta[i] = (ckpt_meta){k, v};
    ck->meta_count++;
    return 0;
}

int hue_checkpoint_count(const hue_checkpoint *ck) { return ck->count; }

const char *hue_checkpoint_name(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].name;
}

hue_ckpt_dtype hue_checkpoint_dtype(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].dtype;
}

int hue_checkpoint_shape(const hue_checkpoint *ck, int i, int64_t *shape)
{
    assert(i >= 0 && i < ck->count);
    const ckpt_tensor *t = &ck->tensors[i];
    if (shape && t->ndim)
        memcpy(shape, t->shape, (size_t)t->ndim * sizeof *shape);
    return t->ndim;
}

int64_t hue_checkpoint_numel(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].numel;
}

const float *hue_checkpoint_data(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].dtype == HUE_CKPT_F32 ? ck->tensors[i].data : NULL;
}

const int64_t *hue_checkpoint_data_i64(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].dtype == HUE_CKPT_I64 ? ck->tensors[i].data : NULL;
}

/* Copy-out shared by the F32 and I64 readers. */
static int read_checked(const hue_checkpoint *ck, const char *name, hue_ckpt_dtype dtype, int ndim,
                        const int64_t *shape, void *dst)
{
    char nb[96], want[160], have[160];
    int i = hue_checkpoint_find(ck, name);
    if (i < 0)
        return hue_fail(HUE_EFORMAT, "%s: no tensor '%s'", where(ck), hue_ckpt_show(name, nb, sizeof nb));
    const ckpt_tensor *t = &ck->tensors[i];
    if (t->dtype != dtype)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s' is %s, expected %s", where(ck),
                        hue_ckpt_show(name, nb, sizeof nb), hue_ckpt_dtype_name(t->dtype),
                        hue_ckpt_dtype_name(dtype));
    int same = t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++)
        same = t->shape[d] == shape[d];
    if (!same) {
        hue_ckpt_format_shape(want, sizeof want, ndim, shape);
        hue_ckpt_format_shape(have, sizeof have, t->ndim, t->shape);
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s' has shape %s, expected %s", where(ck),
                        hue_ckpt_show(name, nb, sizeof nb), have, want);
    }
    if (t->numel)
        memcpy(dst, t->data, (size_t)t->numel * hue_ckpt_dtype_size(dtype));
    return 0;
}

int hue_checkpoint_read(const hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                        float *dst)
{
    return read_checked(ck, name, HUE_CKPT_F32, ndim, shape, dst);
}

int hue_checkpoint_read_i64(const hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                            int64_t *dst)
{
    return read_checked(ck, name, HUE_CKPT_I64, ndim, shape, dst);
}

const char *hue_checkpoint_meta(const hue_checkpoint *ck, const char *key)
{
    int found, i = meta_slot(ck, key, &found);
    return found ? ck->meta[i].value : NULL;
}

int hue_checkpoint_meta_count(const hue_checkpoint *ck) { return ck->meta_count; }

const char *hue_checkpoint_meta_key(const hue_checkpoint *ck, int i)
{
    return i >= 0 && i < ck->meta_count ? ck->meta[i].key : NULL;
}

const char *hue_checkpoint_meta_value(const hue_checkpoint *ck, int i)
{
    return i >= 0 && i < ck->meta_count ? ck->meta[i].value : NULL;
}
