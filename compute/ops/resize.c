/* Bilinear resize of NCHW planes (align_corners = false). */
#include "op_common.h"

typedef struct {
    int32_t H, W, OH, OW;
    float scale_h, scale_w;
    int32_t off_x, off_y;
    uint32_t n;
} resize_push;

static int record(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->out];
    resize_push push = {(int32_t)x->shape[2], (int32_t)x->shape[3], (int32_t)y->shape[2], (int32_t)y->shape[3],
                        (float)x->shape[2] / (float)y->shape[2], (float)x->shape[3] / (float)y->shape[3],
                        (int32_t)hue_tensor_bind_offset(g, n->in[0]), (int32_t)hue_tensor_bind_offset(g, n->out),
                        (uint32_t)hue_tensor_numel(g, n->out)};
    return record_unary_kernel(g, "resize", 0, n->in[0], n->out, &push, sizeof push, push.n);
}

static const hue_op_impl impl = {"resize_bilinear", record, NULL};

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
                double sy = ((double)oy + 0.5) * H / OH - 0.5, sx = ((double)ox + 0.5) * W / OW - 0.5;
                sy = sy < 0 ? 0 : sy;
                sx = sx < 0 ? 0 : sx;
                int64_t y0 = (int64_t)sy < H - 1 ? (int64_t)sy : H - 1, x0 = (int64_t)sx < W - 1 ? (int64_t)sx : W - 1;
                int64_t y1 = y0 + 1 < H ? y0 + 1 : H - 1, x1 = x0 + 1 < W ? x0 + 1 : W - 1;
                double ly = sy - y0, lx = sx - x0;
                const double *v = x->data + c * H * W;
                double top = v[y0 * W + x0] * (1 - lx) + v[y0 * W + x1] * lx;
                double bottom = v[y1 * W + x0] * (1 - lx) + v[y1 * W + x1] * lx;
                out->data[(c * OH + oy) * OW + ox] = top * (1 - ly) + bottom * ly;
            }
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int64_t cases[][6] = {
        /* N, C, H, W, out_h, out_w */
        {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 5, 3}, {2, 3, 8, 8, 16, 16}, {1, 2, 13, 7, 5, 11},
        {2, 4, 30, 40, 60, 80}, {1, 3, 60, 107, 480, 854},
    };
    const int64_t *k = cases[i];
    set_case_shape(c, 0, 4, k);
    c->p.out_size[0] = k[4];
    c->p.out_size[1] = k[5];
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_resize_bilinear(g, in[0], p->out_size[0], p->out_size[1]);
}

/* The kernel maps coordinates in fp32 (as PyTorch does for fp32): 1e-4. */
const hue_op_entry hue_op_resize_bilinear = {.name = "resize_bilinear", .n_in = 1, .n_cases = 6, .make_case = make_case, .build = build, .reference = reference, .input_lo = -2, .input_hi = 2, .tolerance = 1e-4};
