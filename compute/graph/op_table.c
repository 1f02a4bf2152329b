#include "hue_op_table.h"

#include <stdlib.h>

#include "hue_error.h"

/* The families, each a NULL-terminated list (compute/graph/ops/family_*.c). */
extern const hue_op_entry *const hue_family_core[], *const hue_family_spatial[], *const hue_family_nn[],
    *const hue_family_track[];
static const hue_op_entry *const *const families[] = {hue_family_core, hue_family_spatial, hue_family_nn,
                                                     hue_family_track};

int hue_op_count(void)
{
    int n = 0;
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const hue_op_entry *const *e = families[f]; *e; e++)
            n++;
    return n;
}

const hue_op_entry *hue_op_at(int i)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const hue_op_entry *const *e = families[f]; *e; e++)
            if (i-- == 0)
                return *e;
    return NULL;
}

int64_t hue_host_numel(const hue_host_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return n;
}

int hue_host_alloc(hue_host_tensor *t, int ndim, const int64_t *shape)
{
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->data = malloc(sizeof(double) * (size_t)(hue_host_numel(t) ? hue_host_numel(t) : 1));
    return t->data ? 0 : hue_fail(HUE_ENOMEM, "out of host memory");
}
