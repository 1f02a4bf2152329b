/* Persistent tensors: parameters, state and constants. They keep their
 * bytes across runs (the plan never shares them), and the host reads and
 * writes them outside runs: directly where the arena is mapped, else
 * through the backend's copy. */
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"
#include "hue_error.h"

static hue_tensor persistent(hue_graph *g, const char *name, int ndim, const int64_t *shape, int role)
{
    hue_tensor t = hue_graph_new_tensor(g, ndim, shape, name);
    if (t >= 0)
        g->t[t].role = role;
    return t;
}

hue_tensor hue_graph_param(hue_graph *g, const char *name, int ndim, const int64_t *shape)
{
    return persistent(g, name ? name : "param", ndim, shape, HUE_ROLE_PARAM);
}

hue_tensor hue_graph_state(hue_graph *g, const char *name, int ndim, const int64_t *shape)
{
    return persistent(g, name ? name : "state", ndim, shape, HUE_ROLE_STATE);
}

hue_tensor hue_graph_constant(hue_graph *g, const char *name, int ndim, const int64_t *shape, const float *values)
{
    hue_tensor t = persistent(g, name ? name : "constant", ndim, shape, HUE_ROLE_CONSTANT);
    if (t < 0)
        return t;
    size_t n = (size_t)hue_tensor_numel(g, t);
    if (!(g->t[t].constant = malloc(n * sizeof(float))))
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    memcpy(g->t[t].constant, values, n * sizeof(float));
    return t;
}

int hue_graph_freeze(hue_graph *g, hue_tensor param)
{
    if (hue_graph_check_inputs(g, "freeze", 1, &param))
        return g->error;
    if (g->t[param].role != HUE_ROLE_PARAM)
        return hue_graph_fail(g, HUE_EINVAL, "freeze: %s is not a parameter", g->t[param].name);
    g->t[param].frozen = 1;
    return 0;
}

/* Copies between host memory and a persistent tensor's bytes. */
/* Copies a contiguous tensor's values between the arena and host memory. */
static int transfer(hue_graph *g, hue_tensor t, float *host, size_t count, int to_device)
{
    const hue_tensor_desc *d = &g->t[t], *base = &g->t[d->base];
    if ((int64_t)count != hue_tensor_numel(g, t))
        return hue_fail(HUE_EINVAL, "tensor %s holds %lld values, not %zu", d->name,
                        (long long)hue_tensor_numel(g, t), count);
    size_t bytes = count * sizeof(float);
    uint64_t off = base->arena_offset + (uint64_t)d->offset * 4;
    if (to_device)
        g->persistent_writes++;
    if (!g->host_arena)
        return g->ctx->ops->copy(g, off, host, bytes, to_device);
    char *p = g->host_arena + off;
    if (to_device)
        memcpy(p, host, bytes);
    else
        memcpy(host, p, bytes);
    return 0;
}

int hue_graph_transfer(hue_graph *g, hue_tensor t, float *host, size_t count, int to_device)
{
    if (!g->compiled)
        return hue_fail(HUE_EINVAL, "graph is not compiled");
    if (t < 0 || t >= g->n_t)
        return hue_fail(HUE_EINVAL, "tensor %d is not in this graph", t);
    if (!hue_role_persistent(g->t[g->t[t].base].role))
        return hue_fail(HUE_EINVAL, "tensor %s is not persistent (a parameter, state or constant)", g->t[t].name);
    return transfer(g, t, host, count, to_device);
}

int hue_graph_host_copy(hue_graph *g, hue_tensor t, float *host, size_t count, int to_device)
{
    if (!g->compiled || t < 0 || t >= g->n_t)
        return hue_fail(HUE_EINVAL, "host copy of tensor %d outside a compiled graph", t);
    if (!hue_tensor_is_contiguous(g, t) || g->t[t].dtype != HUE_F32)
        return hue_fail(HUE_EINVAL, "tensor %s: a host step copies contiguous float tensors only", g->t[t].name);
    return transfer(g, t, host, count, to_device);
}

int hue_graph_write(hue_graph *g, hue_tensor t, const float *data, size_t count)
{
    return hue_graph_transfer(g, t, (float *)data, count, 1);
}

int hue_graph_init_persistent(hue_graph *g)
{
    for (int i = 0; i < g->n_t; i++) {
        hue_tensor_desc *d = &g->t[i];
        if (d->base != i || (d->role != HUE_ROLE_STATE && d->role != HUE_ROLE_CONSTANT && d->role != HUE_ROLE_PARAM))
            continue;
        size_t n = (size_t)hue_tensor_numel(g, i);
        float *zeros = d->constant ? d->constant : calloc(n, sizeof(float));
        if (!zeros)
            return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
        int rc = hue_graph_transfer(g, i, zeros, n, 1);
        if (!d->constant)
            free(zeros);
        if (rc)
            return hue_graph_fail(g, rc, "%s", hue_error_message());
    }
    return 0;
}

const char *hue_tensor_name(const hue_graph *g, hue_tensor t) { return g->t[t].name; }
