/* Building a graph: tensors, nodes, shapes, and the first error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"
#include "hue_error.h"

/* No tensor may exceed this many elements: keeps byte counts far from
 * overflowing and well above any device's memory. */
#define HUE_MAX_NUMEL (1ll << 40)

int hue_graph_create(hue_ctx *ctx, hue_graph **out)
{
    hue_graph *g = calloc(1, sizeof *g);
    if (!g)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    g->ctx = ctx;
    const char *profile = getenv("HUE_PROFILE");
    g->profile = profile && *profile && strcmp(profile, "0") != 0 && ctx->info.timestamps;
    *out = g;
    return 0;
}

int hue_graph_fail(hue_graph *g, int code, const char *fmt, ...)
{
    if (g->error)
        return g->error;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->error_message, sizeof g->error_message, fmt, ap);
    va_end(ap);
    g->error = code;
    return hue_fail(code, "%s", g->error_message);
}

int hue_graph_status(const hue_graph *g) { return g->error; }
const char *hue_graph_error_message(const hue_graph *g) { return g->error ? g->error_message : "no error"; }

static void *grow(void *v, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return v;
    int n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *r = realloc(v, (size_t)n * elem);
    if (r)
        *cap = n;
    return r;
}

hue_tensor hue_graph_new_tensor(hue_graph *g, int ndim, const int64_t *shape_in, const char *name_in)
{
    /* Callers often pass the shape or name of another tensor of this graph,
     * i.e. pointers into g->t, which grow() below may move: copy both first. */
    int64_t shape[HUE_MAX_DIMS];
    char name[sizeof g->t->name];
    snprintf(name, sizeof name, "%s", name_in ? name_in : "tensor");
    if (g->error)
        return g->error;
    if (g->compiled)
        return hue_graph_fail(g, HUE_EINVAL, "graph is already compiled: no tensor can be added");
    if (ndim < 1 || ndim > HUE_MAX_DIMS)
        return hue_graph_fail(g, HUE_EINVAL, "%s: %d dimensions (hue tensors have 1 to %d)", name, ndim,
                              HUE_MAX_DIMS);
    memcpy(shape, shape_in, sizeof *shape * (size_t)ndim);
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] <= 0)
            return hue_graph_fail(g, HUE_EINVAL, "%s: dimension %d has size %lld (sizes must be >= 1)", name, i,
                                  (long long)shape[i]);
        if (shape[i] > HUE_MAX_NUMEL || numel > HUE_MAX_NUMEL / shape[i])
            return hue_graph_fail(g, HUE_EINVAL, "%s: shape overflows (more than 2^40 elements)", name);
        numel *= shape[i];
    }
    hue_tensor_desc *t = grow(g->t, &g->cap_t, g->n_t + 1, sizeof *g->t);
    if (!t)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    g->t = t;
    hue_tensor id = g->n_t++;
    hue_tensor_desc *d = &g->t[id];
    memset(d, 0, sizeof *d);
    d->ndim = ndim;
    int lead = HUE_MAX_DIMS - ndim;
    for (int i = 0; i < HUE_MAX_DIMS; i++)
        d->shape[i] = i < lead ? 1 : shape[i - lead];
    int64_t s = 1;
    for (int i = HUE_MAX_DIMS - 1; i >= 0; i--) {
        d->stride[i] = s;
        s *= d->shape[i];
    }
    d->base = id;
    d->grad = -1;
    d->first = d->last = -1;
    d->bytes = (uint64_t)numel * 4;
    snprintf(d->name, sizeof d->name, "%s", name);
    return id;
}

hue_tensor hue_graph_input(hue_graph *g, const char *name, int ndim, const int64_t *shape)
{
    hue_tensor t = hue_graph_new_tensor(g, ndim, shape, name ? name : "input");
    if (t >= 0)
        g->t[t].role = HUE_ROLE_INPUT;
    return t;
}

hue_tensor hue_graph_input_u8(hue_graph *g, const char *name, int ndim, const int64_t *shape)
{
    hue_tensor t = hue_graph_input(g, name, ndim, shape);
    if (t >= 0) {
        g->t[t].dtype = HUE_U8;
        g->t[t].bytes /= 4;
    }
    return t;
}

int hue_tensor_dtype(const hue_graph *g, hue_tensor t) { return g->t[t].dtype; }

int hue_graph_check_inputs(hue_graph *g, const char *op, int n, const hue_tensor *in)
{
    if (g->error)
        return g->error;
    for (int i = 0; i < n; i++)
        if (in[i] < 0 || in[i] >= g->n_t)
            return hue_graph_fail(g, HUE_EINVAL, "%s: operand %d is not a tensor of this graph", op, i);
        else if (g->t[in[i]].dtype != HUE_F32)
            return hue_graph_fail(g, HUE_EINVAL, "%s: operand %s holds bytes, and %s takes floats", op,
                                  g->t[in[i]].name, op);
    return 0;
}

int hue_graph_output(hue_graph *g, hue_tensor t)
{
    if (hue_graph_check_inputs(g, "output", 1, &t))
        return g->error;
    g->t[g->t[t].base].is_output = 1;
    g->t[t].is_output = 1;
    return 0;
}

hue_tensor hue_graph_add_node(hue_graph *g, const hue_op_impl *impl, int n_in, const hue_tensor *in_ptr,
                              hue_tensor out, const hue_op_params *p_ptr)
{
    if (g->error)
        return g->error;
    /* `in` or `p` may point into g->nodes, which grow() may move: copy first. */
    hue_tensor in[sizeof g->nodes->in / sizeof *g->nodes->in];
    if (n_in < 0 || n_in > (int)(sizeof in / sizeof *in))
        return hue_graph_fail(g, HUE_EINVAL, "%s: %d operands (at most %d)", impl->name, n_in,
                              (int)(sizeof in / sizeof *in));
    memcpy(in, in_ptr, sizeof *in * (size_t)n_in);
    hue_op_params params;
    if (p_ptr)
        params = *p_ptr;
    const hue_op_params *p = p_ptr ? &params : NULL;
    hue_node *nodes = grow(g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *g->nodes);
    if (!nodes)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    g->nodes = nodes;
    hue_node *n = &g->nodes[g->n_nodes++];
    memset(n, 0, sizeof *n);
    n->impl = impl;
    n->n_in = n_in;
    memcpy(n->in, in, sizeof *in * (size_t)n_in);
    n->out = out;
    n->scratch = -1;
    if (p)
        n->p = *p;
    return out;
}

hue_tensor hue_graph_scratch(hue_graph *g, int64_t count)
{
    if (g->ctx->backend == HUE_BACKEND_CPU)
        return g->error;  /* scratch is how Vulkan kernels split work; CPU kernels hold their own */
    int64_t shape[1] = {count};
    hue_tensor t = hue_graph_new_tensor(g, 1, shape, "scratch");
    if (t >= 0 && g->n_nodes > 0)
        g->nodes[g->n_nodes - 1].scratch = t;
    return t;
}

int hue_tensor_ndim(const hue_graph *g, hue_tensor t) { return g->t[t].ndim; }

int64_t hue_tensor_dim(const hue_graph *g, hue_tensor t, int axis)
{
    const hue_tensor_desc *d = &g->t[t];
    if (axis < 0)
        axis += d->ndim;
    return d->shape[HUE_MAX_DIMS - d->ndim + axis];
}

int64_t hue_tensor_numel(const hue_graph *g, hue_tensor t)
{
    const hue_tensor_desc *d = &g->t[t];
    return d->shape[0] * d->shape[1] * d->shape[2] * d->shape[3];
}

int hue_tensor_is_contiguous(const hue_graph *g, hue_tensor t)
{
    const hue_tensor_desc *d = &g->t[t];
    int64_t s = 1;
    for (int i = HUE_MAX_DIMS - 1; i >= 0; i--) {
        if (d->shape[i] > 1 && d->stride[i] != s)
            return 0;
        s *= d->shape[i];
    }
    return 1;
}

int64_t hue_tensor_bind_offset(const hue_graph *g, hue_tensor t) { return g->t[t].offset; }

uint32_t hue_graph_local_size(const hue_graph *g)
{
    uint32_t s = g->ctx->info.subgroup_size ? g->ctx->info.subgroup_size : 32;
    if (g->ctx->info.type != HUE_DEVICE_CPU && s < 64)
        s = 64;
    if (s < 8)
        s = 8;
    if (s > g->ctx->info.max_workgroup_invocations)
        s = g->ctx->info.max_workgroup_invocations;
    return s;
}

size_t hue_graph_arena_bytes(const hue_graph *g) { return (size_t)g->arena_bytes; }
size_t hue_graph_unshared_bytes(const hue_graph *g) { return (size_t)g->unshared_bytes; }
