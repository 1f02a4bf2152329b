/* Bilinear resize of NCHW planes (align_corners = false), and its input
 * gradient (shaders/resize_grad.comp). */
#include "op_common.h"

static const hue_op_impl grad_impl = {"resize_bilinear_grad", NULL};

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor x = n->in[0];
    int64_t shape[4];  /* a copy: new tensors move g->t */
    memcpy(shape, g->t[x].shape, sizeof shape);
    hue_tensor dx = new_like(g, x, shape, "resize_grad");
    if (dx < 0)
        return dx;
    hue_graph_add_node(g, &grad_impl, 1, &G, dx, &n->p);
    return hue_grad_accumulate(g, x, dx);
}

static const hue_op_impl impl = {"resize_bilinear", backward};

hue_tensor hue_resize_bilinear(hue_graph *g, hue_tensor x, int64_t out_h, int64_t out_w)
{
    if (hue_graph_check_inputs(g, "resize_bilinear", 1, &x))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    if (d->ndim < 2)
        return hue_graph_fail(g, HUE_EINVAL, "resize_bilinear: %s needs at least 2 dimensions (..., H, W)", d->name);
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "resize_bilinear: %s is not contiguous", d->name);
    if (out_h < 1 || out_w < 1)
        return hue_graph_fail(g, HUE_EINVAL, "resize_bilinear: output size %lldx%lld (must be >= 1)",
                              (long long)out_h, (long long)out_w);
    int64_t shape[4] = {d->shape[0], d->shape[1], out_h, out_w};
    hue_tensor y = new_like(g, x, shape, "resize_bilinear");
    if (y < 0 || check_int32(g, "resize_bilinear", y) || check_int32(g, "resize_bilinear", x))
        return g->error;
    hue_op_params p = {.out_size = {out_h, out_w}};
    return hue_graph_add_node(g, &impl, 1, &x, y, &p);
}

/* Where output (oy, ox) reads: rows y0, y1 with weights 1 - ly, ly, and
 * likewise columns; shared by the reference and its gradient. */
typedef struct {
    int64_t y0, y1, x0, x1;
    double ly, lx;
} taps;

static taps taps_of(int64_t oy, int64_t ox, int64_t H, int64_t W, int64_t OH, int64_t OW)
{
    taps t;
    double sy = ((double)oy + 0.5) * H / OH - 0.5, sx = ((double)ox + 0.5) * W / OW - 0.5;
    sy = sy < 0 ? 0 : sy;
    sx = sx < 0 ? 0 : sx;
    t.y0 = (int64_t)sy < H - 1 ? (int64_t)sy : H - 1, t.x0 = (int64_t)sx < W - 1 ? (int64_t)sx : W - 1;
    t.y1 = t.y0 + 1 < H ? t.y0 + 1 : H - 1, t.x1 = t.x0 + 1 < W ? t.x0 + 1 : W - 1;
    t.ly = sy - t.y0, t.lx = sx - t.x0;
    return t;
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0];
    int64_t H = host_dim4(x, 2), W = host_dim4(x, 3), OH = p->out_size[0], OW = p->out_size[1];
    int64_t shape[4] = {host_dim4(x, 0), host_dim4(x, 1), OH, OW};
    if (hue_host_alloc(out, x->ndim, shape + 4 - x->ndim))
        return HUE_ENOMEM;
    int64_t planes = shape[0] * shape[1];
    for (int64_t c = 0; c < planes; c++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                taps t = taps_of(oy, ox, H, W, OH, OW);
                const double *v = x->data + c * H * W;
                double top = v[t.y0 * W + t.x0] * (1 - t.lx) + v[t.y0 * W + t.x1] * t.lx;
                double bottom = v[t.y1 * W + t.x0] * (1 - t.lx) + v[t.y1 * W + t.x1] * t.lx;
                out->data[(c * OH + oy) * OW + ox] = top * (1 - t.ly) + bottom * t.ly;
            }
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0];
    int64_t H = host_dim4(x, 2), W = host_dim4(x, 3), OH = p->out_size[0], OW = p->out_size[1];
    if (hue_host_alloc(&grad_in[0], x->ndim, x->shape))
        return HUE_ENOMEM;
    memset(grad_in[0].data, 0, sizeof(double) * (size_t)hue_host_numel(x));
    int64_t planes = host_dim4(x, 0) * host_dim4(x, 1);
    for (int64_t c = 0; c < planes; c++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                taps t = taps_of(oy, ox, H, W, OH, OW);
                double G = grad_out->data[(c * OH + oy) * OW + ox], *d = grad_in[0].data + c * H * W;
                d[t.y0 * W + t.x0] += G * (1 - t.ly) * (1 - t.lx);
                d[t.y0 * W + t.x1] += G * (1 - t.ly) * t.lx;
                d[t.y1 * W + t.x0] += G * t.ly * (1 - t.lx);
                d[t.y1 * W + t.x1] += G * t.ly * t.lx;
            }
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int64_t cases[][6] = {
        /* N, C, H, W, out_h, out_w */
        {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 5, 3}, {2, 3, 8, 8, 16, 16}, {1, 2, 13, 7, 5, 11},
        {2, 4, 30, 40, 60, 80}, {1, 3, 60, 107, 480, 854}, {2, 3, 37, 29, 9, 6}, {1, 2, 6, 6, 6, 6},
        {1, 1, 9, 1, 4, 3}, {1, 3, 5, 17, 1, 1}, {1, 2, 7, 5, 23, 3},
    };
    const int64_t *k = cases[i];
    set_case_shape(c, 0, 4, k);
    if (i == 10)  /* a 3-D tensor: the leading axis is its planes */
        set_case_shape(c, 0, 3, k + 1);
    c->p.out_size[0] = k[4];
    c->p.out_size[1] = k[5];
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_resize_bilinear(g, in[0], p->out_size[0], p->out_size[1]);
}

/* The kernel maps coordinates in fp32 (as PyTorch does for fp32): 1e-4. */
const hue_op_entry hue_op_resize_bilinear = {.name = "resize_bilinear", .n_in = 1, .n_cases = 11,
                                             .make_case = make_case, .build = build, .reference = reference,
                                             .input_lo = -2, .input_hi = 2, .tolerance = 1e-4, .grad_mask = 1,
                                             .reference_backward = reference_backward, .grad_tolerance = 1e-4};
