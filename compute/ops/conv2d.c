/* 2-D convolution as GEMM: weights [O, C*kh*kw] times the image's patch
 * columns [C*kh*kw, outH*outW], bias fused into the GEMM. Columns are built
 * by shaders/im2col.comp a chunk of images at a time, so the scratch stays
 * bounded; a 1x1, stride-1, unpadded conv multiplies the input directly. */
#include "gemm.h"
#include "op_common.h"

#define SCRATCH_FLOATS (16ll << 20)  /* 64 MiB of columns per chunk at most */

typedef struct {
    int32_t H, W, OW, kh, kw, sh, sw, ph, pw, dh, dw, K, P, off_x, image_stride, off_col;
    uint32_t n;
} im2col_push;

static int pointwise(const hue_op_params *p)
{
    return p->kernel[0] == 1 && p->kernel[1] == 1 && p->stride[0] == 1 && p->stride[1] == 1 && p->pad[0] == 0 &&
           p->pad[1] == 0;
}

static int record(hue_graph *g, const hue_node *n)
{
    const hue_op_params *p = &n->p;
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->out];
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    int64_t O = y->shape[1], OH = y->shape[2], OW = y->shape[3];
    int64_t K = C * p->kernel[0] * p->kernel[1], P = OH * OW;
    hue_gemm_args a = {
        .a = n->in[1], .b = n->in[0], .c = n->out, .bias = p->has_bias ? n->in[2] : -1,
        .M = O, .N = P, .K = K, .lda = K, .ldb = P, .ldc = P,
        .batch_c = O * P,
    };
    if (pointwise(p)) {
        a.batch = N;
        a.batch_b = C * H * W;
        return hue_record_gemm(g, &a);
    }
    int64_t chunk = g->t[n->scratch].shape[3] / (K * P);
    uint32_t ls = hue_graph_local_size(g);
    for (int64_t first = 0; first < N; first += chunk) {
        int64_t count = N - first < chunk ? N - first : chunk;
        im2col_push push = {
            (int32_t)H, (int32_t)W, (int32_t)OW, p->kernel[0], p->kernel[1], p->stride[0], p->stride[1],
            p->pad[0], p->pad[1], p->dilation[0], p->dilation[1], (int32_t)K, (int32_t)P,
            (int32_t)(hue_tensor_bind_offset(g, n->in[0]) + first * C * H * W), (int32_t)(C * H * W),
            (int32_t)hue_tensor_bind_offset(g, n->scratch), (uint32_t)(count * K * P),
        };
        hue_binding b[2] = {{n->in[0], HUE_BIND_TEXEL1, 0}, {n->scratch, HUE_BIND_STORAGE, 1}};
        int vec_out = OW % 4 == 0 && P % 4 == 0 && push.off_col % 4 == 0;
        hue_pipeline_key key = {.shader = "im2col", .n_bindings = 2, .kinds = {HUE_BIND_TEXEL1, HUE_BIND_STORAGE},
                                .n_spec = 2, .spec = {ls, (uint32_t)vec_out}, .push_size = sizeof push};
        uint32_t quads = (uint32_t)((OW + 3) / 4);
        int rc = hue_record_dispatch(g, &key, b, &push, (quads + ls - 1) / ls, (uint32_t)OH,
                                     (uint32_t)(count * C * p->kernel[0]));
        if (rc)
            return rc;
        a.b = n->scratch;
        a.batch = count;
        a.batch_b = K * P;
        a.off_c = first * O * P;
        if ((rc = hue_record_gemm(g, &a)))
            return rc;
    }
    return 0;
}

static const hue_op_impl impl = {"conv2d", record, NULL};

hue_tensor hue_conv2d_ex(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias, const int stride[2],
                         const int pad[2], const int dilation[2])
{
    hue_tensor in[3] = {x, w, bias};
    int n_in = bias >= 0 ? 3 : 2;
    if (hue_graph_check_inputs(g, "conv2d", n_in, in))
        return g->error;
    const hue_tensor_desc *dx = &g->t[x], *dw = &g->t[w];
    if (dx->ndim != 4 || dw->ndim != 4)
        return hue_graph_fail(g, HUE_EINVAL, "conv2d: input %s and weight %s must be 4-D (NCHW, OIHW)", dx->name,
                              dw->name);
    if (dw->shape[1] != dx->shape[1])
        return hue_graph_fail(g, HUE_EINVAL, "conv2d: weight %s expects %lld input channels, %s has %lld", dw->name,
                              (long long)dw->shape[1], dx->name, (long long)dx->shape[1]);
    if (bias >= 0 && hue_tensor_numel(g, bias) != dw->shape[0])
        return hue_graph_fail(g, HUE_EINVAL, "conv2d: bias %s has %lld values for %lld filters", g->t[bias].name,
                              (long long)hue_tensor_numel(g, bias), (long long)dw->shape[0]);
    for (int i = 0; i < 2; i++)
        if (stride[i] < 1 || pad[i] < 0 || dilation[i] < 1)
            return hue_graph_fail(g, HUE_EINVAL, "conv2d: stride %d, pad %d, dilation %d (need >= 1, >= 0, >= 1)",
                                  stride[i], pad[i], dilation[i]);
    for (int k = 0; k < n_in; k++)
        if (!hue_tensor_is_contiguous(g, in[k]))
            return hue_graph_fail(g, HUE_EINVAL, "conv2d: %s is not contiguous", g->t[in[k]].name);
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
    hue_tensor y = hue_graph_new_tensor(g, 4, out, "conv2d");
    if (y < 0 || check_int32(g, "conv2d", y) || check_int32(g, "conv2d", x))
        return g->error;
    hue_graph_add_node(g, &impl, n_in, in, y, &p);
    if (!pointwise(&p)) {
        int64_t per_image = dx->shape[1] * p.kernel[0] * p.kernel[1] * out[2] * out[3];
        int64_t limit = SCRATCH_FLOATS;
        if ((int64_t)g->ctx->info.max_storage_buffer_range / 4 < limit)
            limit = g->ctx->info.max_storage_buffer_range / 4;
        if (per_image > limit)
            return hue_graph_fail(g, HUE_ELIMIT,
                                  "conv2d: the patch columns of one image of %s (%lld MiB) exceed the %lld MiB "
                                  "hue allows per dispatch on this device",
                                  dx->name, (long long)(per_image >> 18), (long long)(limit >> 18));
        int64_t chunk = limit / per_image < dx->shape[0] ? limit / per_image : dx->shape[0];
        /* im2col's grid has one z per (image, channel, ky): keep it within the device limit */
        int64_t kk = dx->shape[1] * p.kernel[0];
        if (chunk * kk > g->ctx->info.max_workgroup_count[2])
            chunk = g->ctx->info.max_workgroup_count[2] / kk;
        if (chunk < 1)
            return hue_graph_fail(g, HUE_ELIMIT, "conv2d: %lld input channels x %dx%d kernel exceed the device's grid",
                                  (long long)dx->shape[1], p.kernel[0], p.kernel[1]);
        if (hue_graph_scratch(g, chunk * per_image) < 0)
            return g->error;
    }
    return y;
}

hue_tensor hue_conv2d(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias, int stride, int pad, int dilation)
{
    int s[2] = {stride, stride}, p[2] = {pad, pad}, d[2] = {dilation, dilation};
    return hue_conv2d_ex(g, x, w, bias, s, p, d);
}

/* ---- plain-C reference ---- */

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0], *w = &in[1];
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3], O = w->shape[0];
    int kh = (int)w->shape[2], kw = (int)w->shape[3];
    int64_t OH = (H + 2 * p->pad[0] - (int64_t)p->dilation[0] * (kh - 1) - 1) / p->stride[0] + 1;
    int64_t OW = (W + 2 * p->pad[1] - (int64_t)p->dilation[1] * (kw - 1) - 1) / p->stride[1] + 1;
    int64_t shape[4] = {N, O, OH, OW};
    if (hue_host_alloc(out, 4, shape))
        return HUE_ENOMEM;
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < O; o++)
            for (int64_t oy = 0; oy < OH; oy++)
                for (int64_t ox = 0; ox < OW; ox++) {
                    double s = p->has_bias ? in[2].data[o] : 0;
                    for (int64_t c = 0; c < C; c++)
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++) {
                                int64_t iy = oy * p->stride[0] - p->pad[0] + ky * p->dilation[0];
                                int64_t ix = ox * p->stride[1] - p->pad[1] + kx * p->dilation[1];
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                    continue;
                                s += (double)x->data[((n * C + c) * H + iy) * W + ix] *
                                     w->data[((o * C + c) * kh + ky) * kw + kx];
                            }
                    out->data[((n * O + o) * OH + oy) * OW + ox] = s;
                }
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int cases[][12] = {
        /* N, C, H, W, O, kh, kw, stride, pad, dilation, bias, stride_w */
        {1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1}, {2, 3, 9, 7, 5, 3, 3, 1, 1, 1, 1, 1},
        {1, 4, 13, 11, 6, 3, 3, 2, 1, 1, 1, 2}, {2, 5, 10, 10, 7, 1, 1, 1, 0, 1, 1, 1},
        {1, 3, 17, 15, 4, 5, 3, 1, 2, 1, 1, 1}, {1, 2, 12, 12, 3, 3, 3, 1, 2, 2, 0, 1},
        {3, 7, 8, 9, 9, 7, 7, 2, 3, 1, 1, 1},   {2, 16, 21, 19, 24, 3, 3, 1, 1, 1, 1, 1},
        {1, 3, 64, 64, 16, 7, 7, 2, 3, 1, 0, 2}, {4, 32, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1},
        {2, 8, 15, 15, 8, 1, 1, 2, 0, 1, 1, 2},
    };
    const int *k = cases[i];
    c->ndim[0] = 4, c->shape[0][0] = k[0], c->shape[0][1] = k[1], c->shape[0][2] = k[2], c->shape[0][3] = k[3];
    c->ndim[1] = 4, c->shape[1][0] = k[4], c->shape[1][1] = k[1], c->shape[1][2] = k[5], c->shape[1][3] = k[6];
    c->ndim[2] = 1, c->shape[2][0] = k[4];
    c->p.stride[0] = k[7], c->p.stride[1] = k[11];
    c->p.pad[0] = c->p.pad[1] = k[8];
    c->p.dilation[0] = c->p.dilation[1] = k[9];
    c->p.has_bias = k[10];
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_conv2d_ex(g, in[0], in[1], p->has_bias ? in[2] : -1, p->stride, p->pad, p->dilation);
}

const hue_op_entry hue_op_conv2d = {.name = "conv2d", .n_in = 3, .n_cases = 11, .make_case = make_case, .build = build, .reference = reference, .input_lo = -1, .input_hi = 1, .tolerance = 1e-5};
