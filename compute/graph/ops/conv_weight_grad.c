/* A convolution's weight gradient: dW [O, K] (+)= dy [O, N*P] x rows, with
 * rows [N*P, K] the patch of every output pixel (shaders/patch_rows.comp),
 * a chunk of images at a time so the scratch stays bounded. One long
 * reduction over images and pixels together; dy comes wide (images side by
 * side, conv_internal.h). Rows rather than im2col's columns keep the GEMM
 * plain: columns would be B transposed, which gathers 8 rows per lane. */
#include "conv_internal.h"
#include "vk_gemm.h"
#include "op_common.h"

typedef struct {
    int32_t H, W, sh, sw, ph, pw, dh, dw, K, off_x, image_stride, off_rows, row_stride;
    uint32_t n;
} patch_rows_push;

/* vec4s one patch_rows invocation writes: 4 channels of a 3x3 kernel */
#define RUN 9

/* Output pixels a chunk covers, at most: the chunk's rows are written and at
 * once read back from cache, and the GEMM's strips of them stay cached
 * (2048 took conv2d_dw from ~1000 to ~880 ms per step of hue bench train
 * against whole-batch chunks; single images are far slower). */
#define CHUNK_PIXELS 2048

/* A patch row's length: K rounded up to whole vec4s. */
static int64_t row_stride(int64_t K) { return (K + 3) & ~(int64_t)3; }

/* The patch rows of images [first, first + count) of x, for an output of
 * out_size, into rows. */
static int record_patch_rows(hue_graph *g, hue_tensor x, hue_tensor rows, const hue_op_params *p, int64_t first,
                             int64_t count)
{
    const hue_tensor_desc *d = &g->t[x];
    int64_t C = d->shape[1], H = d->shape[2], W = d->shape[3];
    int64_t taps = (int64_t)p->kernel[0] * p->kernel[1], K = C * taps, stride = row_stride(K);
    int64_t P = (int64_t)p->out_size[0] * p->out_size[1], vec4s = stride / 4;
    uint32_t run = vec4s < RUN ? (uint32_t)vec4s : RUN, runs = (uint32_t)((vec4s + run - 1) / run);
    patch_rows_push push = {
        (int32_t)H, (int32_t)W, p->stride[0], p->stride[1], p->pad[0], p->pad[1], p->dilation[0], p->dilation[1],
        (int32_t)K, (int32_t)(hue_tensor_bind_offset(g, x) + first * C * H * W), (int32_t)(C * H * W),
        (int32_t)hue_tensor_bind_offset(g, rows), (int32_t)stride, (uint32_t)(count * P * runs),
    };
    if (push.off_rows % 4)
        return hue_graph_fail(g, HUE_EINVAL, "conv2d_dw: patch rows must start 16-byte aligned");
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_binding b[2] = {{x, HUE_BIND_TEXEL1, 0}, {rows, HUE_BIND_STORAGE, 1}};
    hue_pipeline_key key = {.shader = "patch_rows", .n_bindings = 2, .kinds = {HUE_BIND_TEXEL1, HUE_BIND_STORAGE},
                            .n_spec = 7,
                            .spec = {ls, run, runs, (uint32_t)p->out_size[1], (uint32_t)P, (uint32_t)taps,
                                     (uint32_t)p->kernel[1]},
                            .push_size = sizeof push};
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

static int record(hue_graph *g, const hue_node *n)
{
    const hue_op_params *p = &n->p;
    hue_tensor x = n->in[0], dy = n->in[1];
    int64_t N = g->t[x].shape[0], C = g->t[x].shape[1], O = g->t[n->out].shape[0];
    int64_t K = C * p->kernel[0] * p->kernel[1], P = (int64_t)p->out_size[0] * p->out_size[1];
    int64_t chunk = hue_tensor_numel(g, n->scratch) / (P * row_stride(K));
    for (int64_t first = 0; first < N; first += chunk) {
        int64_t count = N - first < chunk ? N - first : chunk;
        int rc = record_patch_rows(g, x, n->scratch, p, first, count);
        if (rc)
            return rc;
        /* dW [O, K] (+)= dy[:, chunk] [O, count*P] x rows [count*P, K] */
        hue_gemm_args a = {
            .a = dy, .b = n->scratch, .c = n->out, .bias = -1,
            .M = O, .N = K, .K = count * P, .batch = 1,
            .lda = N * P, .ldb = row_stride(K), .ldc = K, .off_a = first * P,
            .accumulate = first > 0,
        };
        if ((rc = hue_record_gemm(g, &a)))
            return rc;
    }
    return 0;
}

static const hue_op_impl impl = {"conv2d_dw", record, NULL};

hue_tensor hue_conv2d_weight_grad(hue_graph *g, hue_tensor x, hue_tensor dy_wide, const int64_t *shape,
                                  const hue_op_params *p)
{
    int64_t w_shape[4];  /* a copy: shape may point into g->t, which new tensors move */
    memcpy(w_shape, shape, sizeof w_shape);
    hue_tensor in[2] = {x, dy_wide};
    if (hue_graph_check_inputs(g, "conv2d_dw", 2, in))
        return g->error;
    int64_t N = g->t[x].shape[0], C = g->t[x].shape[1], P = (int64_t)p->out_size[0] * p->out_size[1];
    if (hue_tensor_numel(g, dy_wide) != w_shape[0] * N * P || w_shape[1] != C)
        return hue_graph_fail(g, HUE_EINVAL, "conv2d_dw: gradient %s does not match %s", g->t[dy_wide].name,
                              g->t[x].name);
    hue_tensor dw = hue_graph_new_tensor(g, 4, w_shape, "conv2d_dw");
    if (dw < 0)
        return dw;
    hue_graph_add_node(g, &impl, 2, in, dw, p);
    int64_t per_image = P * row_stride(C * p->kernel[0] * p->kernel[1]);
    int64_t chunk = hue_conv_chunk(g, "conv2d_dw", x, per_image, 0);
    if (chunk > 1 && chunk * P > CHUNK_PIXELS)
        chunk = CHUNK_PIXELS / P > 1 ? CHUNK_PIXELS / P : 1;
    if (chunk < 0 || hue_graph_scratch(g, chunk * per_image) < 0)
        return g->error;
    return dw;
}
