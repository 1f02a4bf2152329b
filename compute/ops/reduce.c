/* Sum, mean and max over chosen axes, keeping them as size 1. */
#include "op_common.h"

typedef struct {
    int32_t out_shape[4], stride[4], count[4];
    int32_t off_x, off_y;
    uint32_t n;
    float scale;
} reduce_push;

static int record(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->out];
    reduce_push push = {.off_x = (int32_t)hue_tensor_bind_offset(g, n->in[0]),
                        .off_y = (int32_t)hue_tensor_bind_offset(g, n->out),
                        .n = (uint32_t)hue_tensor_numel(g, n->out)};
    int64_t count = 1;
    for (int i = 0; i < 4; i++) {
        push.out_shape[i] = (int32_t)y->shape[i];
        push.stride[i] = (int32_t)x->stride[i];
        push.count[i] = y->shape[i] == x->shape[i] ? 1 : (int32_t)x->shape[i];
        count *= push.count[i];
    }
    push.scale = (float)(1.0 / (double)count);
    return record_unary_kernel(g, "reduce", (uint32_t)n->p.kind, n->in[0], n->out, &push, sizeof push, push.n);
}

static const hue_op_impl impls[] = {{"reduce_sum", record}, {"reduce_mean", record}, {"reduce_max", record}};

hue_tensor hue_reduce(hue_graph *g, int kind, hue_tensor x, unsigned axes)
{
    if (kind < HUE_REDUCE_SUM || kind > HUE_REDUCE_MAX)
        return hue_graph_fail(g, HUE_EINVAL, "reduce: kind %d does not exist", kind);
    if (hue_graph_check_inputs(g, impls[kind].name, 1, &x))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
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
    for (int64_t i = 0; i < n; i++)
        acc[i] = p->kind == HUE_REDUCE_MAX ? -INFINITY : 0;
    for (int64_t a = 0; a < xs[0]; a++)
        for (int64_t b = 0; b < xs[1]; b++)
            for (int64_t c = 0; c < xs[2]; c++)
                for (int64_t d = 0; d < xs[3]; d++) {
                    int64_t o = (shape[0] == 1 ? 0 : a) * os[0] + (shape[1] == 1 ? 0 : b) * os[1] +
                                (shape[2] == 1 ? 0 : c) * os[2] + (shape[3] == 1 ? 0 : d) * os[3];
                    double v = x->data[a * xst[0] + b * xst[1] + c * xst[2] + d * xst[3]];
                    acc[o] = p->kind == HUE_REDUCE_MAX ? (v > acc[o] ? v : acc[o]) : acc[o] + v;
                }
    double count = (double)hue_host_numel(x) / (double)n;
    for (int64_t i = 0; i < n; i++)
        out->data[i] = (float)(p->kind == HUE_REDUCE_MEAN ? acc[i] / count : acc[i]);
    free(acc);
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
    const hue_op_entry hue_op_##op = {#op, 1, 7, op##_case, build, reference, -2, 2, tol, 0};
ENTRY(reduce_sum, HUE_REDUCE_SUM, 1e-5)
ENTRY(reduce_mean, HUE_REDUCE_MEAN, 1e-5)
ENTRY(reduce_max, HUE_REDUCE_MAX, 0)
