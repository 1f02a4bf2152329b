/* Reverse-mode differentiation on the static graph: hue_graph_backward walks
 * the forward nodes from last to first and lets each op append the nodes of
 * its backward, so forward, backward and (later) the optimizer update are
 * one graph, recorded once. Gradients are ordinary tensors; a tensor used by
 * several ops gets the sum of each use's contribution. */
#include "graph_internal.h"
#include "hue_error.h"

int hue_tensor_needs_grad(const hue_graph *g, hue_tensor t) { return g->t[t].requires_grad; }

hue_tensor hue_tensor_grad(const hue_graph *g, hue_tensor t)
{
    return t >= 0 && t < g->n_t ? g->t[t].grad : -1;
}

hue_tensor hue_reduce_to_shape(hue_graph *g, hue_tensor x, hue_tensor like)
{
    if (g->error)
        return g->error;
    const hue_tensor_desc *dx = &g->t[x], *dl = &g->t[like];
    unsigned axes = 0;
    for (int i = 0; i < HUE_MAX_DIMS; i++) {
        int user = i - (HUE_MAX_DIMS - dx->ndim);
        if (dx->shape[i] != dl->shape[i] && dl->shape[i] == 1 && user >= 0)
            axes |= 1u << user;
    }
    /* hue_reduce adds a tensor, which may move g->t: no dx or dl past here */
    hue_tensor r = axes ? hue_reduce(g, HUE_REDUCE_SUM, x, axes) : x;
    if (r < 0)
        return r;
    if (hue_tensor_numel(g, r) != hue_tensor_numel(g, like))
        return hue_graph_fail(g, HUE_EINVAL, "gradient of %s: shape of %s does not reduce to it", g->t[like].name,
                              g->t[x].name);
    return hue_reshape_like(g, r, like);
}

int hue_grad_accumulate(hue_graph *g, hue_tensor t, hue_tensor contribution)
{
    if (g->error)
        return g->error;
    if (contribution < 0)
        return contribution;
    if (!g->t[t].requires_grad)
        return 0;
    if (hue_tensor_numel(g, contribution) != hue_tensor_numel(g, t))
        return hue_graph_fail(g, HUE_EINVAL, "gradient of %s has %lld values, the tensor %lld", g->t[t].name,
                              (long long)hue_tensor_numel(g, contribution), (long long)hue_tensor_numel(g, t));
    hue_tensor c = hue_reshape_like(g, contribution, t);
    if (c < 0)
        return c;
    hue_tensor sum = g->t[t].grad < 0 ? c : hue_add(g, g->t[t].grad, c);
    if (sum < 0)
        return sum;
    g->t[t].grad = sum;
    return 0;
}

int hue_graph_backward(hue_graph *g, hue_tensor loss)
{
    if (hue_graph_check_inputs(g, "backward", 1, &loss))
        return g->error;
    if (hue_tensor_numel(g, loss) != 1)
        return hue_graph_fail(g, HUE_EINVAL, "backward: the loss %s has %lld values (needs one)", g->t[loss].name,
                              (long long)hue_tensor_numel(g, loss));
    int n_forward = g->n_nodes;
    for (int i = 0; i < g->n_t; i++)
        g->t[i].requires_grad = g->t[i].role == HUE_ROLE_PARAM && !g->t[i].frozen;
    for (int n = 0; n < n_forward; n++) {
        const hue_node *node = &g->nodes[n];
        for (int k = 0; k < node->n_in; k++)
            if (g->t[node->in[k]].requires_grad)
                g->t[node->out].requires_grad = 1;
    }
    if (!g->t[loss].requires_grad)
        return hue_graph_fail(g, HUE_EINVAL, "backward: %s does not depend on any trainable parameter",
                              g->t[loss].name);
    float one = 1.0f;
    int64_t shape[HUE_MAX_DIMS];
    for (int i = 0; i < g->t[loss].ndim; i++)
        shape[i] = 1;
    hue_tensor seed = hue_graph_constant(g, "d_loss", g->t[loss].ndim, shape, &one);
    if (seed < 0)
        return seed;
    g->t[loss].grad = seed;
    for (int n = n_forward - 1; n >= 0 && !g->error; n--) {
        hue_node node = g->nodes[n];  /* a copy: backward appends to g->nodes */
        hue_tensor grad = g->t[node.out].grad;
        int wanted = 0;
        for (int k = 0; k < node.n_in; k++)
            wanted |= g->t[node.in[k]].requires_grad;
        if (grad < 0 || !wanted)
            continue;
        if (!node.impl->backward)
            return hue_graph_fail(g, HUE_ENOTSUP, "backward: op %s has no gradient", node.impl->name);
        int rc = node.impl->backward(g, &node, grad);
        if (rc && !g->error)
            hue_graph_fail(g, rc, "backward of %s: %s", node.impl->name, hue_error_message());
    }
    return g->error;
}
