/* Max and average pooling over square or rectangular windows, their
 * input gradients (shaders/pool_grad.comp), and global average pooling. */
#include "op_common.h"

static const hue_op_impl grad_impl = {"pool_grad", NULL};

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor x = n->in[0];
    int64_t shape[4];  /* a copy: new tensors move g->t */
    memcpy(shape, g->t[x].shape, sizeof shape);
    hue_tensor dx = hue_graph_new_tensor(g, 4, shape, "pool_grad");
    if (dx < 0)
        return dx;
    hue_tensor in[2] = {x, G};
    int avg = n->p.kind == HUE_POOL_AVG;
    hue_graph_add_node(g, &grad_impl, avg ? 1 : 2, avg ? in + 1 : in, dx, &n->p);
    if (!avg && hue_graph_scratch(g, hue_tensor_numel(g, G)) < 0)
        return g->error;
    return hue_grad_accumulate(g, x, dx);
}

static const hue_op_impl impls[] = {{"max_pool", backward}, {"avg_pool", backward}};

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

/* The gradient as the forward's transpose: each window's dy goes to its
 * first maximum (max) or spreads over the whole window (average). */
static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0];
    int64_t H = x->shape[2], W = x->shape[3], OH = grad_out->shape[2], OW = grad_out->shape[3];
    if (hue_host_alloc(&grad_in[0], 4, x->shape))
        return HUE_ENOMEM;
    double *dx = grad_in[0].data;
    memset(dx, 0, sizeof(double) * (size_t)hue_host_numel(x));
    int64_t planes = x->shape[0] * x->shape[1];
    for (int64_t c = 0; c < planes; c++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double G = grad_out->data[(c * OH + oy) * OW + ox], best = 0;
                int64_t at = -1;
                for (int ky = 0; ky < p->kernel[0]; ky++)
                    for (int kx = 0; kx < p->kernel[1]; kx++) {
                        int64_t iy = oy * p->stride[0] - p->pad[0] + ky, ix = ox * p->stride[1] - p->pad[1] + kx;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                            continue;
                        int64_t i = (c * H + iy) * W + ix;
                        if (p->kind == HUE_POOL_AVG)
                            dx[i] += G / (p->kernel[0] * p->kernel[1]);
                        else if (at < 0 || x->data[i] > best)
                            best = x->data[i], at = i;
                    }
                if (p->kind == HUE_POOL_MAX)
                    dx[at] += G;
            }
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int cases[][9] = {
        /* N, C, H, W, kernel, stride, pad, (kernel_w, stride_w: 0 = same); the
         * last has strides past the window (pixels in no window) */
        {1, 1, 1, 1, 1, 1, 0}, {2, 3, 8, 8, 2, 2, 0}, {1, 4, 13, 11, 3, 2, 1},
        {2, 5, 7, 9, 3, 1, 1}, {1, 2, 17, 17, 5, 3, 2}, {8, 64, 56, 56, 3, 2, 1},
        {2, 3, 10, 11, 3, 2, 1, 2, 3}, {3, 2, 1, 12, 1, 1, 0, 4, 3}, {2, 3, 11, 14, 2, 3, 0},
    };
    const int *k = cases[i];
    int64_t dims[4] = {k[0], k[1], k[2], k[3]};
    set_case_shape(c, 0, 4, dims);
    c->p.kernel[0] = k[4], c->p.kernel[1] = k[7] ? k[7] : k[4];
    c->p.stride[0] = k[5], c->p.stride[1] = k[8] ? k[8] : k[5];
    c->p.pad[0] = k[6], c->p.pad[1] = k[7] ? k[7] / 2 : k[6];
    /* The large case draws from 17 levels, so windows hold ties (first
     * maximum wins); its output is past the sweep's size for central
     * differences, which ties would break. */
    if (i == 5)
        c->p.alpha = 0.25f;
}

/* Rounds inputs to multiples of p->alpha where a case asks for ties. */
static void fill_ties(int k, hue_host_tensor *in, const hue_op_params *p)
{
    if (p->alpha > 0)
        for (int64_t i = 0; i < hue_host_numel(&in[k]); i++)
            in[k].data[i] = p->alpha * round(in[k].data[i] / p->alpha);
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return pool(g, p->kind, in[0], p->kernel, p->stride, p->pad);
}

static void max_case(int i, hue_op_case *c) { make_case(i, c); c->p.kind = HUE_POOL_MAX; }
static void avg_case(int i, hue_op_case *c) { make_case(i, c); c->p.kind = HUE_POOL_AVG; }
const hue_op_entry hue_op_max_pool = {.name = "max_pool", .n_in = 1, .n_cases = 9, .make_case = max_case, .build = build,
                                      .reference = reference, .input_lo = -2, .input_hi = 2, .tolerance = 0,
                                      .grad_mask = 1, .reference_backward = reference_backward,
                                      .grad_tolerance = 1e-6, .fill_input = fill_ties};
const hue_op_entry hue_op_avg_pool = {.name = "avg_pool", .n_in = 1, .n_cases = 9, .make_case = avg_case, .build = build,
                                      .reference = reference, .input_lo = -2, .input_hi = 2, .tolerance = 1e-6,
                                      .grad_mask = 1, .reference_backward = reference_backward,
                                      .grad_tolerance = 1e-6, .fill_input = fill_ties};

hue_tensor hue_global_avg_pool(hue_graph *g, hue_tensor x)
{
    if (hue_graph_check_inputs(g, "global_avg_pool", 1, &x))
        return g->error;
    if (g->t[x].ndim != 4)
        return hue_graph_fail(g, HUE_EINVAL, "global_avg_pool: %s must be 4-D (NCHW)", g->t[x].name);
    int64_t shape[2] = {g->t[x].shape[0], g->t[x].shape[1]};
    return hue_reshape(g, hue_reduce(g, HUE_REDUCE_MEAN, x, 0xc), 2, shape);
}

static int global_reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    (void)p;
    const hue_host_tensor *x = &in[0];
    int64_t shape[2] = {x->shape[0], x->shape[1]}, hw = x->shape[2] * x->shape[3];
    if (hue_host_alloc(out, 2, shape))
        return HUE_ENOMEM;
    for (int64_t c = 0; c < shape[0] * shape[1]; c++) {
        double s = 0;
        for (int64_t i = 0; i < hw; i++)
            s += x->data[c * hw + i];
        out->data[c] = s / (double)hw;
    }
    return 0;
}

static int global_reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out,
                                     const hue_op_params *p, hue_host_tensor *grad_in)
{
    (void)p;
    const hue_host_tensor *x = &in[0];
    int64_t hw = x->shape[2] * x->shape[3];
    if (hue_host_alloc(&grad_in[0], 4, x->shape))
        return HUE_ENOMEM;
    for (int64_t i = 0; i < hue_host_numel(x); i++)
        grad_in[0].data[i] = grad_out->data[i / hw] / (double)hw;
    return 0;
}

static void global_case(int i, hue_op_case *c)
{
    static const int64_t cases[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {4, 9, 1, 13}, {3, 2, 8, 8}, {64, 512, 2, 2},
                                       {8, 64, 56, 56}};
    set_case_shape(c, 0, 4, cases[i]);
}

static hue_tensor global_build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    (void)p;
    return hue_global_avg_pool(g, in[0]);
}

const hue_op_entry hue_op_global_avg_pool = {.name = "global_avg_pool", .n_in = 1, .n_cases = 6,
                                             .make_case = global_case, .build = global_build,
                                             .reference = global_reference, .input_lo = -2, .input_hi = 2,
                                             .tolerance = 1e-5, .grad_mask = 1,
                                             .reference_backward = global_reference_backward,
                                             .grad_tolerance = 1e-6};
