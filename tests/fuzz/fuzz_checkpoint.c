/* Fuzz target: opening a safetensors checkpoint (compute/checkpoint_open.c)
 * and the architecture in its metadata (ssl/model_io.c). A file that opens
 * must read back consistently, save, and reopen to the same tensors and
 * metadata. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "hue_checkpoint.h"
#include "hue_model_io.h"

static size_t elem_size(const hue_checkpoint *ck, int i) { return hue_checkpoint_dtype(ck, i) == HUE_CKPT_I64 ? 8 : 4; }

static const void *data_of(const hue_checkpoint *ck, int i)
{
    return hue_checkpoint_dtype(ck, i) == HUE_CKPT_I64 ? (const void *)hue_checkpoint_data_i64(ck, i)
                                                       : (const void *)hue_checkpoint_data(ck, i);
}

/* Every accessor agrees with itself; each tensor reads back by name. */
static void check(const hue_checkpoint *ck)
{
    for (int i = 0; i < hue_checkpoint_count(ck); i++) {
        const char *name = hue_checkpoint_name(ck, i);
        int64_t shape[HUE_CKPT_MAX_DIMS], numel = 1;
        int nd = hue_checkpoint_shape(ck, i, shape);
        if (!name || hue_checkpoint_find(ck, name) != i || nd < 0 || nd > HUE_CKPT_MAX_DIMS || !data_of(ck, i))
            abort();
        for (int d = 0; d < nd; d++)
            numel *= shape[d];
        if (numel != hue_checkpoint_numel(ck, i))
            abort();
        void *copy = malloc((size_t)numel * 8 + 1);
        if (!copy)
            return;
        int rc = hue_checkpoint_dtype(ck, i) == HUE_CKPT_I64 ? hue_checkpoint_read_i64(ck, name, nd, shape, copy)
                                                              : hue_checkpoint_read(ck, name, nd, shape, copy);
        if (rc || memcmp(copy, data_of(ck, i), (size_t)numel * elem_size(ck, i)))
            abort();
        free(copy);
    }
    for (int i = 0; i < hue_checkpoint_meta_count(ck); i++) {
        const char *key = hue_checkpoint_meta_key(ck, i);
        if (!key || hue_checkpoint_meta(ck, key) != hue_checkpoint_meta_value(ck, i))
            abort();
    }
}

/* a and b hold the same tensors (same order: both are in data order, and
 * saving writes data in name order, so compare by name) and metadata. */
static void same(const hue_checkpoint *a, const hue_checkpoint *b)
{
    if (hue_checkpoint_count(a) != hue_checkpoint_count(b) || hue_checkpoint_meta_count(a) != hue_checkpoint_meta_count(b))
        abort();
    for (int i = 0; i < hue_checkpoint_count(a); i++) {
        int j = hue_checkpoint_find(b, hue_checkpoint_name(a, i));
        int64_t sa[HUE_CKPT_MAX_DIMS], sb[HUE_CKPT_MAX_DIMS];
        int na = hue_checkpoint_shape(a, i, sa);
        if (j < 0 || hue_checkpoint_dtype(a, i) != hue_checkpoint_dtype(b, j) || na != hue_checkpoint_shape(b, j, sb) ||
            memcmp(sa, sb, sizeof *sa * (size_t)na) ||
            memcmp(data_of(a, i), data_of(b, j), (size_t)hue_checkpoint_numel(a, i) * elem_size(a, i)))
            abort();
    }
    for (int i = 0; i < hue_checkpoint_meta_count(a); i++)
        if (strcmp(hue_checkpoint_meta_key(a, i), hue_checkpoint_meta_key(b, i)) ||
            strcmp(hue_checkpoint_meta_value(a, i), hue_checkpoint_meta_value(b, i)))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    hue_checkpoint *ck, *back;
    if (hue_checkpoint_open(path, &ck) == 0) {
        check(ck);
        hue_resnet_config cfg;
        hue_resnet_arch_parse(hue_checkpoint_meta(ck, "architecture"), path, &cfg);
        const char *out = fuzz_scratch_file();
        if (hue_checkpoint_save(ck, out, 1) || hue_checkpoint_open(out, &back))
            abort();
        same(ck, back);
        hue_checkpoint_destroy(back);
        hue_checkpoint_destroy(ck);
    }
    close(fd);
    return 0;
}
