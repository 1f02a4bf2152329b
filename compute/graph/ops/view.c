/* Reshape: a view of a contiguous tensor with another shape and the same
 * bytes. Its node computes nothing; it exists so the memory plan keeps
 * the bytes alive and the backward pass can reshape the gradient back. */
#include "op_common.h"

static int backward(hue_graph *g, const hue_node *n, hue_tensor grad)
{
    return hue_grad_accumulate(g, n->in[0], grad);
}

static const hue_op_impl impl = {"reshape", backward};

hue_tensor hue_reshape(hue_graph *g, hue_tensor x, int ndim, const int64_t *shape)
{
    if (hue_graph_check_inputs(g, "reshape", 1, &x))
        return g->error;
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "reshape: %s is not contiguous", g->t[x].name);
    hue_tensor y = hue_graph_new_tensor(g, ndim, shape, g->t[x].name);
    if (y < 0)
        return y;
    if (hue_tensor_numel(g, y) != hue_tensor_numel(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "reshape: %s has %lld values, the new shape %lld", g->t[x].name,
                              (long long)hue_tensor_numel(g, x), (long long)hue_tensor_numel(g, y));
    g->t[y].base = g->t[x].base;
    g->t[y].offset = g->t[x].offset;
    g->t[y].role = HUE_ROLE_INTERMEDIATE;
    return hue_graph_add_node(g, &impl, 1, &x, y, NULL);
}

hue_tensor hue_reshape_like(hue_graph *g, hue_tensor x, hue_tensor like)
{
    if (hue_graph_check_inputs(g, "reshape", 1, &like))
        return g->error;
    const hue_tensor_desc *d = &g->t[like], *dx = &g->t[x];
    if (d->ndim == dx->ndim && memcmp(d->shape, dx->shape, sizeof d->shape) == 0)
        return x;
    return hue_reshape(g, x, d->ndim, d->shape + HUE_MAX_DIMS - d->ndim);
}

/* Stop-gradient: the same bytes as x, and no gradient back to x. A graph
 * that trains two networks against each other (a generator and its
 * discriminator) uses it so each loss reaches only its own network. */
static int no_backward(hue_graph *g, const hue_node *n, hue_tensor grad)
{
    (void)g, (void)n, (void)grad;
    return 0;
}

static const hue_op_impl stop_impl = {"stop_gradient", no_backward};

hue_tensor hue_stop_gradient(hue_graph *g, hue_tensor x)
{
    if (hue_graph_check_inputs(g, "stop_gradient", 1, &x))
        return g->error;
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "stop_gradient: %s is not contiguous", g->t[x].name);
    const hue_tensor_desc *d = &g->t[x];
    int64_t shape[HUE_MAX_DIMS];
    int nd = d->ndim;
    memcpy(shape, d->shape + HUE_MAX_DIMS - nd, sizeof *shape * (size_t)nd);
    char name[sizeof d->name];
    memcpy(name, d->name, sizeof name);
    hue_tensor y = hue_graph_new_tensor(g, nd, shape, name);
    if (y < 0)
        return y;
    g->t[y].base = g->t[x].base;
    g->t[y].offset = g->t[x].offset;
    g->t[y].role = HUE_ROLE_INTERMEDIATE;
    return hue_graph_add_node(g, &stop_impl, 1, &x, y, NULL);
}
