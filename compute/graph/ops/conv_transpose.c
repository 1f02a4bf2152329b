/* Transposed convolution: the input gradient of a conv2d used as a layer,
 * built from the same col2im node (col2im.c), which also carries its
 * backward; inputs with few pixels per image go in wide, side by side. */
#include "conv_internal.h"
#include "op_common.h"

static int64_t out_size(int64_t in, int k, int stride, int pad, int output_padding, int dilation)
{
    return (in - 1) * stride - 2 * (int64_t)pad + (int64_t)dilation * (k - 1) + output_padding + 1;
}

hue_tensor hue_conv_transpose2d(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias, int stride, int pad,
                                int output_padding, int dilation)
{
    const char *op = "conv_transpose2d";
    hue_tensor in[3] = {x, w, bias};
    int n_in = bias >= 0 ? 3 : 2;
    if (hue_graph_check_inputs(g, op, n_in, in))
        return g->error;
    const hue_tensor_desc *dx = &g->t[x], *dw = &g->t[w];
    if (dx->ndim != 4 || dw->ndim != 4)
        return hue_graph_fail(g, HUE_EINVAL, "%s: input %s and weight %s must be 4-D (NCHW, [C, O, kh, kw])", op,
                              dx->name, dw->name);
    if (dw->shape[0] != dx->shape[1])
        return hue_graph_fail(g, HUE_EINVAL, "%s: weight %s expects %lld input channels, %s has %lld", op, dw->name,
                              (long long)dw->shape[0], dx->name, (long long)dx->shape[1]);
    if (bias >= 0 && hue_tensor_numel(g, bias) != dw->shape[1])
        return hue_graph_fail(g, HUE_EINVAL, "%s: bias %s has %lld values for %lld output channels", op,
                              g->t[bias].name, (long long)hue_tensor_numel(g, bias), (long long)dw->shape[1]);
    if (stride < 1 || pad < 0 || dilation < 1)
        return hue_graph_fail(g, HUE_EINVAL, "%s: stride %d, pad %d, dilation %d (need >= 1, >= 0, >= 1)", op,
                              stride, pad, dilation);
    if (output_padding < 0 || (output_padding >= stride && output_padding >= dilation))
        return hue_graph_fail(g, HUE_EINVAL, "%s: output_padding %d must be >= 0 and below the stride (%d) or the "
                              "dilation (%d)", op, output_padding, stride, dilation);
    for (int k = 0; k < n_in; k++)
        if (!hue_tensor_is_contiguous(g, in[k]))
            return hue_graph_fail(g, HUE_EINVAL, "%s: %s is not contiguous", op, g->t[in[k]].name);
    /* the conv2d whose input gradient this is: x is its output */
    hue_op_params p = {0};
    int64_t shape[4] = {dx->shape[0], dw->shape[1], 0, 0};
    for (int i = 0; i < 2; i++) {
        p.kernel[i] = (int)dw->shape[2 + i];
        p.stride[i] = stride, p.pad[i] = pad, p.dilation[i] = dilation;
        p.out_size[i] = dx->shape[2 + i];
        shape[2 + i] = out_size(dx->shape[2 + i], p.kernel[i], stride, pad, output_padding, dilation);
        if (shape[2 + i] < 1)
            return hue_graph_fail(g, HUE_EINVAL, "%s: output size %lld along axis %d of %s (pad %d too large)", op,
                                  (long long)shape[2 + i], 2 + i, dx->name, pad);
    }
    /* few pixels per image: one GEMM over the images side by side */
    int wide = shape[0] > 1 && !hue_conv_per_image_ok(g, p.out_size[0] * p.out_size[1]);
    return hue_conv2d_input_grad(g, wide ? hue_conv_widen(g, x) : x, wide, w, bias, shape, &p, op);
}

/* ---- plain-C reference ---- */

/* Cases carry the output size in p->out_size; output_padding follows. */
static int output_padding_of(const hue_host_tensor *x, const hue_host_tensor *w, const hue_op_params *p)
{
    return (int)(p->out_size[0] - out_size(x->shape[2], (int)w->shape[2], p->stride[0], p->pad[0], 0,
                                           p->dilation[0]));
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0], *w = &in[1];
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3], O = w->shape[1];
    int kh = (int)w->shape[2], kw = (int)w->shape[3], s = p->stride[0], pd = p->pad[0], d = p->dilation[0];
    int op = output_padding_of(x, w, p);
    int64_t OH = out_size(H, kh, s, pd, op, d), OW = out_size(W, kw, s, pd, op, d);
    int64_t shape[4] = {N, O, OH, OW};
    if (hue_host_alloc(out, 4, shape))
        return HUE_ENOMEM;
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < O; o++)
            for (int64_t i = 0; i < OH * OW; i++)
                out->data[(n * O + o) * OH * OW + i] = p->has_bias ? in[2].data[o] : 0;
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t iy = 0; iy < H; iy++)
                for (int64_t ix = 0; ix < W; ix++) {
                    double v = x->data[((n * C + c) * H + iy) * W + ix];
                    for (int64_t o = 0; o < O; o++)
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++) {
                                int64_t oy = iy * s - pd + ky * d, ox = ix * s - pd + kx * d;
                                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW)
                                    continue;
                                out->data[((n * O + o) * OH + oy) * OW + ox] +=
                                    v * w->data[((c * O + o) * kh + ky) * kw + kx];
                            }
                }
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0], *w = &in[1];
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3], O = w->shape[1];
    int kh = (int)w->shape[2], kw = (int)w->shape[3], s = p->stride[0], pd = p->pad[0], d = p->dilation[0];
    int op = output_padding_of(x, w, p);
    int64_t OH = out_size(H, kh, s, pd, op, d), OW = out_size(W, kw, s, pd, op, d);
    for (int k = 0; k < 3; k++) {
        if (hue_host_alloc(&grad_in[k], in[k].ndim, in[k].shape))
            return HUE_ENOMEM;
        memset(grad_in[k].data, 0, sizeof(double) * (size_t)hue_host_numel(&in[k]));
    }
    const double *G = grad_out->data;
    if (p->has_bias)
        for (int64_t n = 0; n < N; n++)
            for (int64_t o = 0; o < O; o++)
                for (int64_t i = 0; i < OH * OW; i++)
                    grad_in[2].data[o] += G[(n * O + o) * OH * OW + i];
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t iy = 0; iy < H; iy++)
                for (int64_t ix = 0; ix < W; ix++) {
                    int64_t xi = ((n * C + c) * H + iy) * W + ix;
                    for (int64_t o = 0; o < O; o++)
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++) {
                                int64_t oy = iy * s - pd + ky * d, ox = ix * s - pd + kx * d;
                                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW)
                                    continue;
                                int64_t wi = ((c * O + o) * kh + ky) * kw + kx;
                                double g = G[((n * O + o) * OH + oy) * OW + ox];
                                grad_in[0].data[xi] += g * w->data[wi];
                                grad_in[1].data[wi] += g * x->data[xi];
                            }
                }
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int cases[][11] = {
        /* N, C, H, W, O, k, stride, pad, output_padding, dilation, bias */
        {1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0}, {2, 3, 5, 4, 4, 3, 2, 1, 0, 1, 1},  {1, 4, 7, 6, 3, 4, 2, 1, 1, 1, 1},
        {2, 5, 4, 5, 6, 3, 1, 1, 0, 2, 1}, {1, 3, 6, 7, 5, 3, 3, 0, 2, 1, 0},  {2, 2, 5, 5, 3, 3, 1, 2, 1, 3, 1},
        {2, 2, 6, 6, 4, 1, 1, 0, 0, 1, 1}, {1, 2, 3, 3, 2, 1, 1, 0, 1, 2, 1},  {2, 3, 1, 5, 2, 3, 2, 0, 1, 1, 1},
        {4, 32, 14, 14, 16, 4, 2, 1, 0, 1, 1}, {1, 3, 4, 5, 2, 1, 1, 0, 0, 1, 1},
    };
    const int *k = cases[i];
    c->ndim[0] = 4, c->shape[0][0] = k[0], c->shape[0][1] = k[1], c->shape[0][2] = k[2], c->shape[0][3] = k[3];
    c->ndim[1] = 4, c->shape[1][0] = k[1], c->shape[1][1] = k[4], c->shape[1][2] = k[5], c->shape[1][3] = k[5];
    c->ndim[2] = 1, c->shape[2][0] = k[4];
    c->p.stride[0] = c->p.stride[1] = k[6];
    c->p.pad[0] = c->p.pad[1] = k[7];
    c->p.dilation[0] = c->p.dilation[1] = k[9];
    c->p.has_bias = k[10];
    for (int a = 0; a < 2; a++)
        c->p.out_size[a] = out_size(k[2 + a], k[5], k[6], k[7], k[8], k[9]);
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    int op = (int)(p->out_size[0] - out_size(hue_tensor_dim(g, in[0], 2), (int)hue_tensor_dim(g, in[1], 2),
                                             p->stride[0], p->pad[0], 0, p->dilation[0]));
    return hue_conv_transpose2d(g, in[0], in[1], p->has_bias ? in[2] : -1, p->stride[0], p->pad[0], op,
                                p->dilation[0]);
}

const hue_op_entry hue_op_conv_transpose2d = {.name = "conv_transpose2d", .n_in = 3, .n_cases = 11,
                                              .make_case = make_case, .build = build, .reference = reference,
                                              .input_lo = -1, .input_hi = 1, .tolerance = 1e-5, .grad_mask = 7,
                                              .reference_backward = reference_backward, .grad_tolerance = 1e-5};
