/* 2-D convolution as GEMM: weights [O, C*kh*kw] times the image's patch
 * columns [C*kh*kw, outH*outW], bias fused into the GEMM. Columns are built
 * by shaders/im2col.comp a chunk of images at a time, so the scratch stays
 * bounded; a 1x1, stride-1, unpadded conv multiplies the input directly.
 * Where an image has too few pixels to fill the GEMM's workgroups (deep
 * layers), a chunk's columns go side by side and one GEMM covers them all,
 * and shaders/conv_layout.comp puts the result back per image (+ bias).
 * Backward: d_bias sums dy; d_weight is conv_weight_grad.c; d_input is,
 * for stride 1, this convolution again, of dy by the flipped weights
 * (conv_flip.c), else col2im.c. */
#include "conv_internal.h"
#include "op_common.h"

static int pointwise(const hue_op_params *p)
{
    return p->kernel[0] == 1 && p->kernel[1] == 1 && p->stride[0] == 1 && p->stride[1] == 1 && p->pad[0] == 0 &&
           p->pad[1] == 0;
}

int hue_conv_per_image_ok(const hue_graph *g, int64_t P)
{
    /* gemm.comp: 8 columns per invocation, 8 invocations a workgroup on
     * lavapipe; idle lanes in at most 1/16 of the work cost less than the
     * layout pass that side by side needs */
    int64_t cols = 8 * (g->ctx->info.type == HUE_DEVICE_CPU ? 8 : hue_graph_local_size(g));
    return P % cols == 0 || P >= 16 * cols;
}

int hue_conv_forward_mode(const hue_graph *g, hue_tensor x, hue_tensor y, const hue_op_params *p)
{
    const hue_tensor_desc *dx = &g->t[x], *dy = &g->t[y];
    int wide = dx->shape[0] > 1 && !hue_conv_per_image_ok(g, dy->shape[2] * dy->shape[3]);
    if (!wide && pointwise(p) && dx->shape[2] == dy->shape[2] && dx->shape[3] == dy->shape[3])
        return HUE_CONV_DIRECT;
    return wide ? HUE_CONV_WIDE : HUE_CONV_PER_IMAGE;
}

/* Whether the input gradient is better had as the convolution of dy by the
 * flipped weights (conv_flip.c): for stride 1 with pads no wider than the
 * kernel's reach, where that convolution runs per image. There it costs what
 * the forward costs; col2im's GEMM (a short reduction over O into kh*kw
 * times the pixels) and its gather cost ~1.3x that. 1x1 convs keep their
 * direct GEMM. */
static int input_grad_as_conv(const hue_graph *g, hue_tensor x, const hue_op_params *p)
{
    if (pointwise(p))
        return 0;
    for (int i = 0; i < 2; i++)
        if (p->stride[i] != 1 || p->pad[i] > p->dilation[i] * (p->kernel[i] - 1))
            return 0;
    return hue_conv_per_image_ok(g, g->t[x].shape[2] * g->t[x].shape[3]);
}

/* d_bias = dy summed over N, H, W; d_weight from the wide dy; d_input as a
 * convolution (above) or by col2im, from the wide dy when it exists (it has
 * to for d_weight). */
static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor x = n->in[0], w = n->in[1], bias = n->p.has_bias ? n->in[2] : -1;
    hue_op_params p = n->p;
    p.out_size[0] = g->t[n->out].shape[2];
    p.out_size[1] = g->t[n->out].shape[3];
    if (bias >= 0 && hue_tensor_needs_grad(g, bias))
        hue_grad_accumulate(g, bias, hue_reduce(g, HUE_REDUCE_SUM, G, 0xd));
    if (g->ctx->backend == HUE_BACKEND_CPU) {
        /* oneDNN has both gradients as primitives on plain NCHW: no reshuffling */
        if (hue_tensor_needs_grad(g, w))
            hue_grad_accumulate(g, w, hue_conv2d_weight_grad(g, x, G, g->t[w].shape, &p));
        if (hue_tensor_needs_grad(g, x))
            hue_grad_accumulate(g, x, hue_conv2d_input_grad(g, G, 0, w, -1, g->t[x].shape, &p, "conv2d_dx"));
        return g->error;
    }
    int dx_as_conv = hue_tensor_needs_grad(g, x) && input_grad_as_conv(g, x, &p);
    /* dy side by side: always for d_weight, and for col2im where one image's
     * pixels would leave GEMM lanes idle */
    const hue_tensor_desc *y = &g->t[n->out];
    int spread = y->shape[0] > 1 && !hue_conv_per_image_ok(g, y->shape[2] * y->shape[3]);
    hue_tensor wide = -1;
    if (hue_tensor_needs_grad(g, w) || (hue_tensor_needs_grad(g, x) && spread && !dx_as_conv))
        wide = hue_conv_widen(g, G);
    if (hue_tensor_needs_grad(g, w))
        hue_grad_accumulate(g, w, hue_conv2d_weight_grad(g, x, wide, g->t[w].shape, &p));
    if (dx_as_conv) {
        int one[2] = {1, 1}, pad[2];
        for (int i = 0; i < 2; i++)
            pad[i] = p.dilation[i] * (p.kernel[i] - 1) - p.pad[i];
        hue_grad_accumulate(g, x, hue_conv2d_ex(g, G, hue_conv_weight_flip(g, w), -1, one, pad, p.dilation));
    } else if (hue_tensor_needs_grad(g, x)) {
        int use_wide = wide >= 0 && hue_conv_forward_mode(g, x, n->out, &p) != HUE_CONV_DIRECT;
        hue_grad_accumulate(g, x, hue_conv2d_input_grad(g, use_wide ? wide : G, use_wide, w, -1, g->t[x].shape, &p,
                                                        "conv2d_dx"));
    }
    return g->error;
}

static const hue_op_impl impl = {"conv2d", backward};

int64_t hue_conv_chunk(hue_graph *g, const char *op, hue_tensor x, int64_t per_image, int64_t cols_per_image)
{
    const hue_device_info *info = &g->ctx->info;
    int64_t limit = HUE_CONV_SCRATCH_FLOATS;
    if ((int64_t)info->max_storage_buffer_range / 4 < limit)
        limit = info->max_storage_buffer_range / 4;
    if (per_image > limit)
        return hue_graph_fail(g, HUE_ELIMIT,
                              "%s: the patch columns of one image of %s (%lld MiB) exceed the %lld MiB hue allows "
                              "per dispatch on this device",
                              op, g->t[x].name, (long long)(per_image >> 18), (long long)(limit >> 18));
    int64_t chunk = limit / per_image < g->t[x].shape[0] ? limit / per_image : g->t[x].shape[0];
    /* gemm.comp covers 8 columns per invocation, 8 or more per workgroup */
    if (cols_per_image && chunk * cols_per_image > (int64_t)info->max_workgroup_count[0] * 64)
        chunk = (int64_t)info->max_workgroup_count[0] * 64 / cols_per_image;
    if (!cols_per_image && chunk > info->max_workgroup_count[2])
        chunk = info->max_workgroup_count[2];
    if (chunk < 1)
        return hue_graph_fail(g, HUE_ELIMIT, "%s: one image of %s exceeds the device's grid", op, g->t[x].name);
    return chunk;
}

/* Adds the node for y = conv(x, w) (+ bias) of output shape out and its
 * column scratch. */
static hue_tensor add_conv_node(hue_graph *g, int n_in, const hue_tensor *in, const hue_op_params *p,
                                const int64_t *out)
{
    hue_tensor x = in[0];
    hue_tensor y = hue_graph_new_tensor(g, 4, out, "conv2d");
    if (y < 0 || check_int32(g, "conv2d", y) || check_int32(g, "conv2d", x))
        return g->error;
    hue_graph_add_node(g, &impl, n_in, in, y, p);
    int mode = hue_conv_forward_mode(g, x, y, p);
    if (mode != HUE_CONV_DIRECT) {
        int64_t P = out[2] * out[3];
        int64_t K = g->t[x].shape[1] * p->kernel[0] * p->kernel[1];
        int64_t per_image = (K + (mode == HUE_CONV_WIDE ? out[1] : 0)) * P;
        int64_t chunk = hue_conv_chunk(g, "conv2d", x, per_image, mode == HUE_CONV_WIDE ? P : 0);
        if (chunk < 0 || hue_graph_scratch(g, chunk * per_image) < 0)
            return g->error;
    }
    return y;
}

static int check_conv_operands(hue_graph *g, int n_in, const hue_tensor *in)
{
    if (hue_graph_check_inputs(g, "conv2d", n_in, in))
        return g->error;
    const hue_tensor_desc *dx = &g->t[in[0]], *dw = &g->t[in[1]];
    if (dx->ndim != 4 || dw->ndim != 4)
        return hue_graph_fail(g, HUE_EINVAL, "conv2d: input %s and weight %s must be 4-D (NCHW, OIHW)", dx->name,
                              dw->name);
    if (dw->shape[1] != dx->shape[1])
        return hue_graph_fail(g, HUE_EINVAL, "conv2d: weight %s expects %lld input channels, %s has %lld", dw->name,
                              (long long)dw->shape[1], dx->name, (long long)dx->shape[1]);
    for (int k = 0; k < n_in; k++)
        if (!hue_tensor_is_contiguous(g, in[k]))
            return hue_graph_fail(g, HUE_EINVAL, "conv2d: %s is not contiguous", g->t[in[k]].name);
    return 0;
}

hue_tensor hue_conv2d_ex(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias, const int stride[2],
                         const int pad[2], const int dilation[2])
{
    hue_tensor in[3] = {x, w, bias};
    int n_in = bias >= 0 ? 3 : 2;
    if (check_conv_operands(g, n_in, in))
        return g->error;
    const hue_tensor_desc *dx = &g->t[x], *dw = &g->t[w];
    if (bias >= 0 && hue_tensor_numel(g, bias) != dw->shape[0])
        return hue_graph_fail(g, HUE_EINVAL, "conv2d: bias %s has %lld values for %lld filters", g->t[bias].name,
                              (long long)hue_tensor_numel(g, bias), (long long)dw->shape[0]);
    for (int i = 0; i < 2; i++)
        if (stride[i] < 1 || pad[i] < 0 || dilation[i] < 1)
            return hue_graph_fail(g, HUE_EINVAL, "conv2d: stride %d, pad %d, dilation %d (need >= 1, >= 0, >= 1)",
                                  stride[i], pad[i], dilation[i]);
    hue_op_params p = {.has_bias = bias >= 0};
    int64_t out[4] = {dx->shape[0], dw->shape[0], 0, 0};
    for (int i = 0; i < 2; i++) {
        p.kernel[i] = (int)dw->shape[2 + i];
        p.stride[i] = stride[i], p.pad[i] = pad[i], p.dilation[i] = dilation[i];
        int64_t span = (int64_t)dilation[i] * (dw->shape[2 + i] - 1) + 1;
        out[2 + i] = (dx->shape[2 + i] + 2 * pad[i] - span) / stride[i] + 1;
        if (dx->shape[2 + i] + 2 * pad[i] < span)
            return hue_graph_fail(g, HUE_EINVAL, "conv2d: a kernel spanning %lld does not fit %s (size %lld, pad %d)",
                                  (long long)span, dx->name, (long long)dx->shape[2 + i], pad[i]);
    }
    return add_conv_node(g, n_in, in, &p, out);
}

hue_tensor hue_conv2d(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias, int stride, int pad, int dilation)
{
    int s[2] = {stride, stride}, p[2] = {pad, pad}, d[2] = {dilation, dilation};
    return hue_conv2d_ex(g, x, w, bias, s, p, d);
}

hue_tensor hue_conv2d_sized(hue_graph *g, hue_tensor x, hue_tensor w, const hue_op_params *p)
{
    hue_tensor in[2] = {x, w};
    if (check_conv_operands(g, 2, in))
        return g->error;
    hue_op_params q = *p;
    q.has_bias = 0;
    int64_t out[4] = {g->t[x].shape[0], g->t[w].shape[0], p->out_size[0], p->out_size[1]};
    for (int i = 0; i < 2; i++) {
        int64_t span = (int64_t)p->dilation[i] * (p->kernel[i] - 1) + 1;
        int64_t natural = (g->t[x].shape[2 + i] + 2 * p->pad[i] - span) / p->stride[i] + 1;
        if (p->out_size[i] < 1 || p->out_size[i] > natural || g->t[x].shape[2 + i] + 2 * p->pad[i] < span)
            return hue_graph_fail(g, HUE_EINVAL, "conv2d: output size %lld does not fit %s (size %lld)",
                                  (long long)p->out_size[i], g->t[x].name, (long long)g->t[x].shape[2 + i]);
    }
    return add_conv_node(g, 2, in, &q, out);
}

static const hue_op_impl narrow_impl = {"conv2d_narrow", NULL};

static int backward_widen(hue_graph *g, const hue_node *n, hue_tensor G)
{
    int64_t shape[4];  /* a copy: new tensors move g->t */
    memcpy(shape, g->t[n->in[0]].shape, sizeof shape);
    hue_tensor d = hue_graph_new_tensor(g, 4, shape, "conv2d_narrow");
    if (d < 0)
        return d;
    hue_graph_add_node(g, &narrow_impl, 1, &G, d, NULL);
    return hue_grad_accumulate(g, n->in[0], d);
}

static const hue_op_impl widen_impl = {"conv2d_widen", backward_widen};

hue_tensor hue_conv_widen(hue_graph *g, hue_tensor dy)
{
    if (hue_graph_check_inputs(g, "conv2d", 1, &dy))
        return g->error;
    const hue_tensor_desc *d = &g->t[dy];
    int64_t N = d->shape[0], O = d->shape[1], P = d->shape[2] * d->shape[3];
    int64_t wide[2] = {O, N * P};
    if (N == 1)  /* already side by side */
        return hue_reshape(g, dy, 2, wide);
    if (!hue_tensor_is_contiguous(g, dy))
        return hue_graph_fail(g, HUE_EINVAL, "conv2d: gradient %s is not contiguous", d->name);
    hue_tensor t = hue_graph_new_tensor(g, 2, wide, "conv2d_widen");
    if (t < 0 || check_int32(g, "conv2d", t))
        return g->error;
    return hue_graph_add_node(g, &widen_impl, 1, &dy, t, NULL);
}

/* ---- plain-C reference ---- */

typedef struct {
    int64_t N, C, H, W, O, OH, OW;
    int kh, kw;
} conv_dims;

static conv_dims dims_of(const hue_host_tensor *in, const hue_op_params *p)
{
    const hue_host_tensor *x = &in[0], *w = &in[1];
    conv_dims d = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], w->shape[0], 0, 0,
                   (int)w->shape[2], (int)w->shape[3]};
    d.OH = (d.H + 2 * p->pad[0] - (int64_t)p->dilation[0] * (d.kh - 1) - 1) / p->stride[0] + 1;
    d.OW = (d.W + 2 * p->pad[1] - (int64_t)p->dilation[1] * (d.kw - 1) - 1) / p->stride[1] + 1;
    return d;
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0], *w = &in[1];
    conv_dims d = dims_of(in, p);
    int64_t shape[4] = {d.N, d.O, d.OH, d.OW};
    if (hue_host_alloc(out, 4, shape))
        return HUE_ENOMEM;
    for (int64_t n = 0; n < d.N; n++)
        for (int64_t o = 0; o < d.O; o++)
            for (int64_t oy = 0; oy < d.OH; oy++)
                for (int64_t ox = 0; ox < d.OW; ox++) {
                    double s = p->has_bias ? in[2].data[o] : 0;
                    for (int64_t c = 0; c < d.C; c++)
                        for (int ky = 0; ky < d.kh; ky++)
                            for (int kx = 0; kx < d.kw; kx++) {
                                int64_t iy = oy * p->stride[0] - p->pad[0] + ky * p->dilation[0];
                                int64_t ix = ox * p->stride[1] - p->pad[1] + kx * p->dilation[1];
                                if (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W)
                                    continue;
                                s += x->data[((n * d.C + c) * d.H + iy) * d.W + ix] *
                                     w->data[((o * d.C + c) * d.kh + ky) * d.kw + kx];
                            }
                    out->data[((n * d.O + o) * d.OH + oy) * d.OW + ox] = s;
                }
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0], *w = &in[1];
    conv_dims d = dims_of(in, p);
    for (int k = 0; k < 3; k++) {
        if (hue_host_alloc(&grad_in[k], in[k].ndim, in[k].shape))
            return HUE_ENOMEM;
        memset(grad_in[k].data, 0, sizeof(double) * (size_t)hue_host_numel(&in[k]));
    }
    double *dx = grad_in[0].data, *dw = grad_in[1].data, *db = grad_in[2].data;
    for (int64_t n = 0; n < d.N; n++)
        for (int64_t o = 0; o < d.O; o++)
            for (int64_t oy = 0; oy < d.OH; oy++)
                for (int64_t ox = 0; ox < d.OW; ox++) {
                    double G = grad_out->data[((n * d.O + o) * d.OH + oy) * d.OW + ox];
                    if (p->has_bias)
                        db[o] += G;
                    for (int64_t c = 0; c < d.C; c++)
                        for (int ky = 0; ky < d.kh; ky++)
                            for (int kx = 0; kx < d.kw; kx++) {
                                int64_t iy = oy * p->stride[0] - p->pad[0] + ky * p->dilation[0];
                                int64_t ix = ox * p->stride[1] - p->pad[1] + kx * p->dilation[1];
                                if (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W)
                                    continue;
                                int64_t xi = ((n * d.C + c) * d.H + iy) * d.W + ix;
                                int64_t wi = ((o * d.C + c) * d.kh + ky) * d.kw + kx;
                                dx[xi] += G * w->data[wi];
                                dw[wi] += G * x->data[xi];
                            }
                }
    return 0;
}

/* Sizes not divisible by 4 or 8, size-1 dimensions, strided, dilated,
 * rectangular kernels, pads and strides, 1x1 ones, two large ones (the
 * largest past the sweep's size for central differences, to keep it fast),
 * and stride-1 ones with 1024 pixels, whose input gradient is a convolution
 * by the flipped weights (dilated, and with pads of 0 and 2). */
static void make_case(int i, hue_op_case *c)
{
    static const int cases[][14] = {
        /* N, C, H, W, O, kh, kw, stride, pad, dilation, bias, stride_w, pad_w, dilation_w */
        {1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1},    {2, 3, 9, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 4, 13, 11, 6, 3, 3, 2, 1, 1, 1, 2, 1, 1},  {2, 5, 10, 10, 7, 1, 1, 1, 0, 1, 1, 1, 0, 1},
        {1, 3, 17, 15, 4, 5, 3, 1, 2, 1, 1, 1, 2, 1},  {1, 2, 12, 12, 3, 3, 3, 1, 2, 2, 0, 1, 2, 2},
        {3, 7, 8, 9, 9, 7, 7, 2, 3, 1, 1, 1, 3, 1},    {2, 16, 21, 19, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 3, 64, 64, 16, 7, 7, 2, 3, 1, 0, 2, 3, 1}, {4, 16, 32, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 8, 15, 15, 8, 1, 1, 2, 0, 1, 1, 2, 0, 1},  {2, 3, 19, 14, 5, 3, 3, 2, 2, 2, 1, 2, 2, 2},
        {3, 4, 11, 13, 6, 3, 2, 2, 1, 2, 1, 1, 0, 3},  {5, 6, 9, 9, 7, 1, 1, 1, 0, 1, 0, 1, 0, 1},
        {2, 2, 1, 9, 3, 1, 3, 1, 0, 1, 1, 2, 1, 1}, {3, 4, 8, 8, 5, 1, 1, 1, 0, 1, 1, 1, 0, 1},
        {2, 3, 32, 32, 4, 3, 5, 1, 2, 2, 1, 1, 1, 1}, {2, 2, 16, 64, 3, 3, 3, 1, 0, 1, 0, 1, 2, 1},
    };
    const int *k = cases[i];
    c->ndim[0] = 4, c->shape[0][0] = k[0], c->shape[0][1] = k[1], c->shape[0][2] = k[2], c->shape[0][3] = k[3];
    c->ndim[1] = 4, c->shape[1][0] = k[4], c->shape[1][1] = k[1], c->shape[1][2] = k[5], c->shape[1][3] = k[6];
    c->ndim[2] = 1, c->shape[2][0] = k[4];
    c->p.stride[0] = k[7], c->p.stride[1] = k[11];
    c->p.pad[0] = k[8], c->p.pad[1] = k[12];
    c->p.dilation[0] = k[9], c->p.dilation[1] = k[13];
    c->p.has_bias = k[10];
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_conv2d_ex(g, in[0], in[1], p->has_bias ? in[2] : -1, p->stride, p->pad, p->dilation);
}

const hue_op_entry hue_op_conv2d = {.name = "conv2d", .n_in = 3, .n_cases = 18, .make_case = make_case,
                                    .build = build, .reference = reference, .input_lo = -1, .input_hi = 1,
                                    .tolerance = 1e-5, .grad_mask = 7, .reference_backward = reference_backward,
                                    .grad_tolerance = 1e-5};
