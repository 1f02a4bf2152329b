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

#endif

/* The magic numbers of shaders/fastdiv.glsl for divisor d >= 1:
 * l = ceil(log2 d), m = floor(2^32 (2^l - d) / d) + 1, shifts min(l, 1)
 * and max(l - 1, 0) (Granlund and Montgomery's round-up method). */
static inline void hue_fastdiv(uint32_t d, uint32_t magic[3])
{
    uint32_t l = 0;
    while (l < 32 && ((uint64_t)1 << l) < d)
        l++;
    magic[0] = (uint32_t)((((uint64_t)1 << 32) * ((((uint64_t)1 << l) - d)) / d) + 1);
    magic[1] = l < 1 ? l : 1;
    magic[2] = l > 0 ? l - 1 : 0;
}

/* One dispatch of a one-in, one-out kernel over n invocations; the shader
 * takes its local size from constant 0 and `spec` as constant 1. */
static inline int record_unary_kernel(hue_graph *g, const char *shader, uint32_t spec, hue_tensor x, hue_tensor y,
                                      const void *push, uint32_t push_size, uint64_t n)
{
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, n, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = shader, .n_bindings = 2, .n_spec = 2, .spec = {ls, spec},
                            .push_size = push_size};
    hue_binding b[2] = {{x, HUE_BIND_STORAGE, 0}, {y, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, push, gx, gy, 1);
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
