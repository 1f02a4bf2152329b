/* Max and average pooling over square or rectangular windows. */
#include "op_common.h"

typedef struct {
    int32_t H, W, OH, OW, kh, kw, sh, sw, ph, pw, off_x, off_y;
    uint32_t n;
} pool_push;

static int record(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->out];
    const hue_op_params *p = &n->p;
    pool_push push = {(int32_t)x->shape[2], (int32_t)x->shape[3], (int32_t)y->shape[2], (int32_t)y->shape[3],
                      p->kernel[0], p->kernel[1], p->stride[0], p->stride[1], p->pad[0], p->pad[1],
                      (int32_t)hue_tensor_bind_offset(g, n->in[0]), (int32_t)hue_tensor_bind_offset(g, n->out),
                      (uint32_t)hue_tensor_numel(g, n->out)};
    return record_unary_kernel(g, "pool", (uint32_t)(p->kind == HUE_POOL_AVG), n->in[0], n->out, &push, sizeof push,
                               push.n);
}

static const hue_op_impl impls[] = {{"max_pool", record, NULL}, {"avg_pool", record, NULL}};

static hue_tensor pool(hue_graph *g, int kind, hue_tensor x, const int kernel[2], const int stride[2],
                       const int pad[2])
{
    if (kind != HUE_POOL_MAX && kind != HUE_POOL_AVG)
        return hue_graph_fail(g, HUE_EINVAL, "pool: kind %d does not exist", kind);
    const char *name = impls[kind].name;
    if (hue_graph_check_inputs(g, name, 1, &x))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    if (d->ndim != 4)
        return hue_graph_fail(g, HUE_EINVAL, "%s: %s must be 4-D (NCHW)", name, d->name);
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "%s: %s is not contiguous", name, d->name);
    hue_op_params p = {.kind = kind};
    int64_t shape[4] = {d->shape[0], d->shape[1], 0, 0};
    for (int i = 0; i < 2; i++) {
        if (kernel[i] < 1 || stride[i] < 1 || pad[i] < 0 || pad[i] > kernel[i] / 2)
            return hue_graph_fail(g, HUE_EINVAL, "%s: kernel %d, stride %d, pad %d (need kernel, stride >= 1 and "
                                  "0 <= pad <= kernel/2)", name, kernel[i], stride[i], pad[i]);
        if (d->shape[2 + i] + 2 * pad[i] < kernel[i])
            return hue_graph_fail(g, HUE_EINVAL, "%s: a %d-wide window does not fit %s (size %lld, pad %d)", name,
                                  kernel[i], d->name, (long long)d->shape[2 + i], pad[i]);
        p.kernel[i] = kernel[i], p.stride[i] = stride[i], p.pad[i] = pad[i];
        shape[2 + i] = (d->shape[2 + i] + 2 * pad[i] - kernel[i]) / stride[i] + 1;
    }
    hue_tensor y = hue_graph_new_tensor(g, 4, shape, name);
    if (y < 0 || check_int32(g, name, x))
        return g->error;
    return hue_graph_add_node(g, &impls[kind], 1, &x, y, &p);
}

hue_tensor hue_pool2d(hue_graph *g, int kind, hue_tensor x, int kernel, int stride, int pad)
{
    int k[2] = {kernel, kernel}, s[2] = {stride, stride}, p[2] = {pad, pad};
    return pool(g, kind, x, k, s, p);
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0];
    int64_t H = x->shape[2], W = x->shape[3];
    int64_t OH = (H + 2 * p->pad[0] - p->kernel[0]) / p->stride[0] + 1;
    int64_t OW = (W + 2 * p->pad[1] - p->kernel[1]) / p->stride[1] + 1;
    int64_t shape[4] = {x->shape[0], x->shape[1], OH, OW};
    if (hue_host_alloc(out, 4, shape))
        return HUE_ENOMEM;
    int64_t planes = shape[0] * shape[1];
    for (int64_t c = 0; c < planes; c++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double acc = p->kind == HUE_POOL_AVG ? 0 : -INFINITY;
                for (int ky = 0; ky < p->kernel[0]; ky++)
                    for (int kx = 0; kx < p->kernel[1]; kx++) {
                        int64_t iy = oy * p->stride[0] - p->pad[0] + ky, ix = ox * p->stride[1] - p->pad[1] + kx;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                            continue;
                        double v = x->data[(c * H + iy) * W + ix];
                        acc = p->kind == HUE_POOL_AVG ? acc + v : (v > acc ? v : acc);
                    }
                out->data[(c * OH + oy) * OW + ox] =
                    p->kind == HUE_POOL_AVG ? acc / (p->kernel[0] * p->kernel[1]) : acc;
            }
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int cases[][7] = {
        /* N, C, H, W, kernel, stride, pad */
        {1, 1, 1, 1, 1, 1, 0}, {2, 3, 8, 8, 2, 2, 0}, {1, 4, 13, 11, 3, 2, 1},
        {2, 5, 7, 9, 3, 1, 1}, {1, 2, 17, 17, 5, 3, 2}, {8, 64, 56, 56, 3, 2, 1},
    };
    const int *k = cases[i];
    int64_t dims[4] = {k[0], k[1], k[2], k[3]};
    set_case_shape(c, 0, 4, dims);
    c->p.kernel[0] = c->p.kernel[1] = k[4];
    c->p.stride[0] = c->p.stride[1] = k[5];
    c->p.pad[0] = c->p.pad[1] = k[6];
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return pool(g, p->kind, in[0], p->kernel, p->stride, p->pad);
}

static void max_case(int i, hue_op_case *c) { make_case(i, c); c->p.kind = HUE_POOL_MAX; }
static void avg_case(int i, hue_op_case *c) { make_case(i, c); c->p.kind = HUE_POOL_AVG; }
const hue_op_entry hue_op_max_pool = {.name = "max_pool", .n_in = 1, .n_cases = 6, .make_case = max_case, .build = build, .reference = reference, .input_lo = -2, .input_hi = 2, .tolerance = 0};
const hue_op_entry hue_op_avg_pool = {.name = "avg_pool", .n_in = 1, .n_cases = 6, .make_case = avg_case, .build = build, .reference = reference, .input_lo = -2, .input_hi = 2, .tolerance = 1e-6};
