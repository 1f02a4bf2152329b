/* Permute (and transpose): a contiguous copy with reordered axes. */
#include "op_common.h"

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    int inverse[HUE_MAX_DIMS];
    for (int i = 0; i < g->t[n->in[0]].ndim; i++)
        inverse[n->p.perm[i]] = i;
    return hue_grad_accumulate(g, n->in[0], hue_permute(g, G, inverse));
}

static const hue_op_impl impl = {"permute", backward};

hue_tensor hue_permute(hue_graph *g, hue_tensor x, const int *perm)
{
    if (hue_graph_check_inputs(g, "permute", 1, &x))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    int seen = 0;
    hue_op_params p = {0};
    int64_t shape[4] = {1, 1, 1, 1};
    int lead = HUE_MAX_DIMS - d->ndim;
    for (int i = 0; i < d->ndim; i++) {
        if (perm[i] < 0 || perm[i] >= d->ndim || (seen >> perm[i] & 1))
            return hue_graph_fail(g, HUE_EINVAL, "permute: the order given for %s is not a permutation of 0..%d",
                                  d->name, d->ndim - 1);
        seen |= 1 << perm[i];
        p.perm[i] = perm[i];
        shape[lead + i] = d->shape[lead + perm[i]];
    }
    hue_tensor y = new_like(g, x, shape, "permute");
    if (y < 0 || check_int32(g, "permute", x))
        return g->error;
    return hue_graph_add_node(g, &impl, 1, &x, y, &p);
}

hue_tensor hue_transpose(hue_graph *g, hue_tensor x, int axis0, int axis1)
{
    if (hue_graph_check_inputs(g, "transpose", 1, &x))
        return g->error;
    int nd = g->t[x].ndim, perm[HUE_MAX_DIMS];
    if (axis0 < 0)
        axis0 += nd;
    if (axis1 < 0)
        axis1 += nd;
    if (axis0 < 0 || axis0 >= nd || axis1 < 0 || axis1 >= nd)
        return hue_graph_fail(g, HUE_EINVAL, "transpose: axes %d, %d out of range for %s (%d dimensions)", axis0,
                              axis1, g->t[x].name, nd);
    for (int i = 0; i < nd; i++)
        perm[i] = i;
    perm[axis0] = axis1;
    perm[axis1] = axis0;
    return hue_permute(g, x, perm);
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0];
    int nd = x->ndim;
    int64_t shape[HUE_MAX_DIMS], xst[HUE_MAX_DIMS], s = 1;
    for (int i = nd - 1; i >= 0; i--)
        xst[i] = s, s *= x->shape[i];
    for (int i = 0; i < nd; i++)
        shape[i] = x->shape[p->perm[i]];
    if (hue_host_alloc(out, nd, shape))
        return HUE_ENOMEM;
    int64_t n = hue_host_numel(out);
    for (int64_t o = 0; o < n; o++) {
        int64_t r = o, src = 0;
        for (int i = nd - 1; i >= 0; i--) {
            src += (r % shape[i]) * xst[p->perm[i]];
            r /= shape[i];
        }
        out->data[o] = x->data[src];
    }
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    hue_op_params q = *p;
    for (int i = 0; i < in[0].ndim; i++)
        q.perm[p->perm[i]] = i;
    return reference(grad_out, &q, &grad_in[0]);
}

static void make_case(int i, hue_op_case *c)
{
    static const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {2, 3, 5, 7}, {17, 33, 1, 1},
                                        {4, 1, 9, 1}, {8, 64, 30, 31}};
    static const int perms[][4] = {{0, 1, 2, 3}, {0, 2, 3, 1}, {3, 2, 1, 0}, {1, 0, 0, 0}, {2, 0, 3, 1}, {0, 3, 1, 2}};
    int nd = i == 3 ? 2 : 4;
    set_case_shape(c, 0, nd, shapes[i]);
    memcpy(c->p.perm, perms[i], sizeof c->p.perm);
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_permute(g, in[0], p->perm);
}

const hue_op_entry hue_op_permute = {.name = "permute", .n_in = 1, .n_cases = 6, .make_case = make_case, .build = build, .reference = reference, .input_lo = -2, .input_hi = 2, .tolerance = 0, .grad_mask = 1, .reference_backward = reference_backward, .grad_tolerance = 0};
