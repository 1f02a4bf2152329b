/* Sum, mean and max over chosen axes, keeping them as size 1. */
#include "op_common.h"

/* The gradient spreads back over the reduced axes: as is for sum, divided by
 * the count for mean, and to the positions that held the maximum for max. */
static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor x = n->in[0];
    if (n->p.kind == HUE_REDUCE_MAX) {
        hue_tensor mask = hue_binary(g, HUE_EQUAL, x, n->out, 0);
        return hue_grad_accumulate(g, x, hue_mul(g, mask, G));
    }
    double count = (double)hue_tensor_numel(g, x) / (double)hue_tensor_numel(g, n->out);
    float alpha = n->p.kind == HUE_REDUCE_MEAN ? (float)(1.0 / count) : 1.0f;
    return hue_grad_accumulate(g, x, hue_scale(g, G, alpha, x));
}

static const hue_op_impl impls[] = {{"reduce_sum", backward},
                                    {"reduce_mean", backward},
                                    {"reduce_max", backward},
                                    {"argmax", NULL}};

hue_tensor hue_reduce(hue_graph *g, int kind, hue_tensor x, unsigned axes)
{
    if (kind < HUE_REDUCE_SUM || kind > HUE_REDUCE_ARGMAX)
        return hue_graph_fail(g, HUE_EINVAL, "reduce: kind %d does not exist", kind);
    if (hue_graph_check_inputs(g, impls[kind].name, 1, &x))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    if (kind == HUE_REDUCE_ARGMAX && (axes & (axes - 1)))
        return hue_graph_fail(g, HUE_EINVAL, "argmax: one axis at a time (mask 0x%x)", axes);
    if (axes == 0 || axes >> d->ndim)
        return hue_graph_fail(g, HUE_EINVAL, "%s: axes mask 0x%x does not fit %s's %d dimensions", impls[kind].name,
                              axes, d->name, d->ndim);
    int64_t shape[4];
    for (int i = 0; i < 4; i++) {
        int user = i - (HUE_MAX_DIMS - d->ndim);
        shape[i] = user >= 0 && (axes >> user & 1) ? 1 : d->shape[i];
    }
    hue_tensor y = new_like(g, x, shape, impls[kind].name);
    if (y < 0 || check_int32(g, impls[kind].name, x))
        return g->error;
    hue_op_params p = {.kind = kind, .axes = axes};
    return hue_graph_add_node(g, &impls[kind], 1, &x, y, &p);
}

hue_tensor hue_argmax(hue_graph *g, hue_tensor x, int axis)
{
    if (hue_graph_check_inputs(g, "argmax", 1, &x))
        return g->error;
    int nd = g->t[x].ndim;
    if (axis < 0)
        axis += nd;
    if (axis < 0 || axis >= nd)
        return hue_graph_fail(g, HUE_EINVAL, "argmax: axis %d out of range for %s (%d dimensions)", axis,
                              g->t[x].name, nd);
    return hue_reduce(g, HUE_REDUCE_ARGMAX, x, 1u << axis);
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0];
    int64_t shape[4], xs[4], os[4], xst[4];
    for (int i = 0; i < 4; i++) {
        xs[i] = host_dim4(x, i);
        int user = i - (HUE_MAX_DIMS - x->ndim);
        shape[i] = user >= 0 && (p->axes >> user & 1) ? 1 : xs[i];
    }
    if (hue_host_alloc(out, x->ndim, shape + 4 - x->ndim))
        return HUE_ENOMEM;
    strides4(shape, os);
    strides4(xs, xst);
    int64_t n = hue_host_numel(out);
    double *acc = malloc(sizeof *acc * (size_t)n);
    if (!acc)
        return HUE_ENOMEM;
    double *best = calloc((size_t)n, sizeof *best);  /* argmax: index of the first maximum */
    int64_t *seen = calloc((size_t)n, sizeof *seen);
    if (!best || !seen) {
        free(acc), free(best), free(seen);
        return HUE_ENOMEM;
    }
    for (int64_t i = 0; i < n; i++)
        acc[i] = p->kind >= HUE_REDUCE_MAX ? -INFINITY : 0;
    for (int64_t a = 0; a < xs[0]; a++)
        for (int64_t b = 0; b < xs[1]; b++)
            for (int64_t c = 0; c < xs[2]; c++)
                for (int64_t d = 0; d < xs[3]; d++) {
                    int64_t o = (shape[0] == 1 ? 0 : a) * os[0] + (shape[1] == 1 ? 0 : b) * os[1] +
                                (shape[2] == 1 ? 0 : c) * os[2] + (shape[3] == 1 ? 0 : d) * os[3];
                    double v = x->data[a * xst[0] + b * xst[1] + c * xst[2] + d * xst[3]];
                    if (p->kind == HUE_REDUCE_ARGMAX && v > acc[o])
                        best[o] = (double)seen[o];
                    seen[o]++;
                    acc[o] = p->kind >= HUE_REDUCE_MAX ? (v > acc[o] ? v : acc[o]) : acc[o] + v;
                }
    double count = (double)hue_host_numel(x) / (double)n;
    for (int64_t i = 0; i < n; i++)
        out->data[i] = p->kind == HUE_REDUCE_ARGMAX ? best[i] : p->kind == HUE_REDUCE_MEAN ? acc[i] / count : acc[i];
    free(acc), free(best), free(seen);
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0];
    hue_host_tensor y = {0};
    if (reference(in, p, &y))
        return HUE_ENOMEM;
    if (hue_host_alloc(&grad_in[0], x->ndim, x->shape)) {
        free(y.data);
        return HUE_ENOMEM;
    }
    int64_t xs[4], ys[4], yst[4];
    for (int i = 0; i < 4; i++)
        xs[i] = host_dim4(x, i), ys[i] = host_dim4(&y, i);
    strides4(ys, yst);
    double count = (double)hue_host_numel(x) / (double)hue_host_numel(&y);
    int64_t k = 0;
    for (int64_t a = 0; a < xs[0]; a++)
        for (int64_t b = 0; b < xs[1]; b++)
            for (int64_t c = 0; c < xs[2]; c++)
                for (int64_t d = 0; d < xs[3]; d++, k++) {
                    int64_t o = (ys[0] == 1 ? 0 : a) * yst[0] + (ys[1] == 1 ? 0 : b) * yst[1] +
                                (ys[2] == 1 ? 0 : c) * yst[2] + (ys[3] == 1 ? 0 : d) * yst[3];
                    double G = grad_out->data[o];
                    grad_in[0].data[k] = p->kind == HUE_REDUCE_SUM    ? G
                                         : p->kind == HUE_REDUCE_MEAN ? G / count
                                         : x->data[k] == y.data[o]    ? G
                                                                      : 0;
                }
    free(y.data);
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {2, 3, 5, 7}, {4, 9, 1, 13},
                                        {2, 3, 5, 7}, {1, 1, 1, 4097}, {8, 64, 33, 31}};
    static const unsigned axes[] = {1, 0x2, 0xc, 0x5, 0xf, 0x8, 0xd};
    set_case_shape(c, 0, 4, shapes[i]);
    c->p.axes = axes[i];
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_reduce(g, p->kind, in[0], p->axes);
}

#define ENTRY(op, k, tol) \
    static void op##_case(int i, hue_op_case *c) { make_case(i, c); c->p.kind = k; } \
    const hue_op_entry hue_op_##op = {.name = #op, .n_in = 1, .n_cases = 7, .make_case = op##_case, .build = build, .reference = reference, .input_lo = -2, .input_hi = 2, .tolerance = tol, .grad_mask = 1, .reference_backward = reference_backward, .grad_tolerance = 1e-6};
/* The sum's bound is wider: case 5 adds 4097 values of up to 2 in float,
 * whose rounding (up to ~n * 6e-8 * 2 = 5e-4 in the worst case, 8e-5 seen
 * over 40 HUE_SWEEP_SEED draws) is not small next to a sum that cancels
 * to ~0.2; the sweep divides errors by max(1, |reference|). */
ENTRY(reduce_sum, HUE_REDUCE_SUM, 2e-4)
ENTRY(reduce_mean, HUE_REDUCE_MEAN, 1e-5)
ENTRY(reduce_max, HUE_REDUCE_MAX, 0)

/* argmax along one axis: the cases that reduce a single axis */
static void argmax_case(int i, hue_op_case *c)
{
    static const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {4, 9, 1, 13}, {1, 5, 48, 85}};
    static const unsigned axes[] = {1, 0x2, 0x8, 0x2};
    set_case_shape(c, 0, 4, shapes[i]);
    c->p.axes = axes[i];
    c->p.kind = HUE_REDUCE_ARGMAX;
}
const hue_op_entry hue_op_argmax = {.name = "argmax", .n_in = 1, .n_cases = 4, .make_case = argmax_case,
                                    .build = build, .reference = reference, .input_lo = -2, .input_hi = 2,
                                    .tolerance = 0};
