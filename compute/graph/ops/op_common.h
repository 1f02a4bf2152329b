/* Helpers shared by the op families' host sides and references. */
#ifndef HUE_OP_COMMON_H
#define HUE_OP_COMMON_H
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"
#include "hue_error.h"
#include "hue_op_table.h"

/* Dimension i of a host tensor, right-aligned to 4 dims. */
static inline int64_t host_dim4(const hue_host_tensor *t, int i)
{
    int lead = HUE_MAX_DIMS - t->ndim;
    return i < lead ? 1 : t->shape[i - lead];
}

/* Contiguous strides of a 4-D right-aligned shape. */
static inline void strides4(const int64_t *shape, int64_t *stride)
{
    int64_t s = 1;
    for (int i = HUE_MAX_DIMS - 1; i >= 0; i--) {
        stride[i] = s;
        s *= shape[i];
    }
}

/* Kernels index with 32-bit ints: refuse tensors they cannot address. */
static inline int check_int32(hue_graph *g, const char *op, hue_tensor t)
{
    if (hue_tensor_numel(g, t) > 0x7fffffff)
        return hue_graph_fail(g, HUE_ELIMIT, "%s: tensor %s has more than 2^31 elements", op, g->t[t].name);
    return 0;
}

/* The user's axis (negative counts from the end) as a 4-D axis, or -1. */
static inline int axis4(int ndim, int axis)
{
    if (axis < 0)
        axis += ndim;
    if (axis < 0 || axis >= ndim)
        return -1;
    return HUE_MAX_DIMS - ndim + axis;
}

/* Products of the 4-D dims before and after `axis`. */
static inline void outer_inner(const int64_t *shape, int axis, int64_t *outer, int64_t *inner)
{
    *outer = *inner = 1;
    for (int i = 0; i < HUE_MAX_DIMS; i++) {
        if (i < axis)
            *outer *= shape[i];
        else if (i > axis)
            *inner *= shape[i];
    }
}

/* A new tensor shaped like x's user-visible shape, with changes applied. */
static inline hue_tensor new_like(hue_graph *g, hue_tensor x, const int64_t *shape4, const char *name)
{
    int ndim = g->t[x].ndim;
    return hue_graph_new_tensor(g, ndim, shape4 + HUE_MAX_DIMS - ndim, name);
}

static inline void set_case_shape(hue_op_case *c, int k, int ndim, const int64_t *dims)
{
    c->ndim[k] = ndim;
    for (int i = 0; i < ndim; i++)
        c->shape[k][i] = dims[i];
}

#endif
