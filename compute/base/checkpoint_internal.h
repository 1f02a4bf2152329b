/* Inside of hue_checkpoint, shared by checkpoint.c (the table),
 * checkpoint_save.c (the writer) and checkpoint_open.c (the reader). */
#ifndef HUE_CHECKPOINT_INTERNAL_H
#define HUE_CHECKPOINT_INTERNAL_H

#include "hue_checkpoint.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    char *name;
    hue_ckpt_dtype dtype;
    int ndim;
    int64_t shape[HUE_CKPT_MAX_DIMS];
    int64_t numel;
    void *data; /* float or int64_t, numel elements (at least 1 byte allocated) */
} ckpt_tensor;

typedef struct {
    char *key;
    char *value;
} ckpt_meta;

struct hue_checkpoint {
    char *path; /* file it was opened from, for messages; NULL when created */
    ckpt_tensor *tensors;
    int count, cap;
    ckpt_meta *meta; /* sorted by key */
    int meta_count, meta_cap;
};

static inline int hue_ckpt_host_le(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* Copies n elements of size elem between little-endian bytes and host order
 * (the same operation both ways). */
static inline void hue_ckpt_copy_le(void *dst, const void *src, size_t elem, size_t n)
{
    if (hue_ckpt_host_le()) {
        memcpy(dst, src, elem * n);
        return;
    }
    const unsigned char *s = src;
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < elem; b++)
            d[i * elem + b] = s[i * elem + elem - 1 - b];
}

static inline const char *hue_ckpt_dtype_name(hue_ckpt_dtype t) { return t == HUE_CKPT_I64 ? "I64" : "F32"; }
static inline size_t hue_ckpt_dtype_size(hue_ckpt_dtype t) { return t == HUE_CKPT_I64 ? 8 : 4; }

/* A name made safe for a one-line message: control bytes become '?', long
 * names are cut. Returns buf. */
const char *hue_ckpt_show(const char *s, char *buf, size_t cap);
/* "[a, b, c]" */
void hue_ckpt_format_shape(char *buf, size_t cap, int ndim, const int64_t *shape);
/* Product of dims with overflow checks (elements, and bytes at elem each):
 * 0, HUE_EINVAL for a negative dim, HUE_ELIMIT on overflow. No message. */
int hue_ckpt_numel(int ndim, const int64_t *shape, size_t elem, int64_t *numel);
/* Appends a tensor slot: name copied, data allocated (not filled). */
int hue_ckpt_push(hue_checkpoint *ck, const char *name, hue_ckpt_dtype dtype, int ndim,
                  const int64_t *shape, int64_t numel, ckpt_tensor **out);

#endif
