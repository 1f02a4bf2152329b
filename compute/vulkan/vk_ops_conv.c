/* Convolutions as GEMMs (vk_gemm.c) between layout kernels: the forward
 * from im2col columns (shaders/im2col.comp), per image or with a chunk's
 * images side by side then put back per image (shaders/conv_layout.comp);
 * the input gradient as w^T x dy then shaders/col2im.comp; the weight
 * gradient as dy x patch rows (shaders/patch_rows.comp); the flipped
 * weights; and dy widened to images side by side and back. A chunk is as
 * many images as the node's scratch holds (conv_internal.h). */
#include "conv_internal.h"
#include "vk_gemm.h"
#include "vk_op_common.h"
#include "vk_ops.h"

typedef struct {
    int32_t H, W, OW, kh, sh, ph, pw, dh, off_x, image_stride, off_col, col_image, col_row;
    uint32_t n;
} im2col_push;

typedef struct {
    int32_t B, P, off_x, off_y, off_bias;
    uint32_t n;
} layout_push;

typedef struct {
    int32_t W, OH, OW, kh, kw, ph, pw, dh, dw, off_col, col_image, col_row, off_y, off_bias;
    uint32_t n;
} col2im_push;

typedef struct {
    int32_t H, W, sh, sw, ph, pw, dh, dw, K, off_x, image_stride, off_rows, row_stride;
    uint32_t n;
} patch_rows_push;

/* vec4s one patch_rows invocation writes: 4 channels of a 3x3 kernel */
#define RUN 9

/* ---- conv2d ---- */

/* Columns of images [first, first + count) of x for an output of OH x OW,
 * per image ([z][K][P]) or side by side ([K][z][P], wide). */
static int record_im2col(hue_graph *g, hue_tensor x, hue_tensor cols, const hue_op_params *p, int64_t OH,
                         int64_t OW, int64_t first, int64_t count, int wide)
{
    const hue_tensor_desc *d = &g->t[x];
    int64_t C = d->shape[1], H = d->shape[2], W = d->shape[3];
    int64_t K = C * p->kernel[0] * p->kernel[1], P = OH * OW, quads = (OW + 3) / 4;
    im2col_push push = {
        (int32_t)H, (int32_t)W, (int32_t)OW, p->kernel[0], p->stride[0], p->pad[0], p->pad[1], p->dilation[0],
        (int32_t)(hue_tensor_bind_offset(g, x) + first * C * H * W), (int32_t)(C * H * W),
        (int32_t)hue_tensor_bind_offset(g, cols), (int32_t)(wide ? P : K * P), (int32_t)(wide ? count * P : P),
        (uint32_t)(count * C * OH * quads),
    };
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    int vec_out = OW % 4 == 0 && push.col_image % 4 == 0 && push.col_row % 4 == 0 && push.off_col % 4 == 0;
    hue_binding b[2] = {{x, HUE_BIND_TEXEL1, 0}, {cols, HUE_BIND_STORAGE, 1}};
    hue_pipeline_key key = {.shader = "im2col", .n_bindings = 2, .kinds = {HUE_BIND_TEXEL1, HUE_BIND_STORAGE},
                            .n_spec = 8,
                            .spec = {ls, (uint32_t)vec_out, (uint32_t)quads, (uint32_t)OH, (uint32_t)C,
                                     (uint32_t)p->kernel[1], (uint32_t)p->stride[1], (uint32_t)p->dilation[1]},
                            .push_size = sizeof push};
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

/* out[b][a][p] = in[a][b][p] (+ bias[a]) for in [A][B][P] at element offsets
 * off_in, off_out within the bound tensors (shaders/conv_layout.comp). */
static int record_conv_layout(hue_graph *g, hue_tensor in, int64_t off_in, hue_tensor out, int64_t off_out,
                              hue_tensor bias, int64_t A, int64_t B, int64_t P)
{
    int64_t quads = (P + 3) / 4;
    layout_push push = {(int32_t)B, (int32_t)P, (int32_t)(hue_tensor_bind_offset(g, in) + off_in),
                        (int32_t)(hue_tensor_bind_offset(g, out) + off_out),
                        bias >= 0 ? (int32_t)hue_tensor_bind_offset(g, bias) : 0, (uint32_t)(A * B * quads)};
    int vec = P % 4 == 0 && push.off_x % 4 == 0 && push.off_y % 4 == 0;
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_binding b[3] = {{in, vec ? HUE_BIND_TEXEL4 : HUE_BIND_TEXEL1, 0},
                        {bias >= 0 ? bias : out, HUE_BIND_STORAGE, 0},
                        {out, HUE_BIND_STORAGE, 1}};
    hue_pipeline_key key = {.shader = "conv_layout", .n_bindings = 3,
                            .kinds = {b[0].kind, HUE_BIND_STORAGE, HUE_BIND_STORAGE}, .n_spec = 5,
                            .spec = {ls, (uint32_t)A, (uint32_t)quads, (uint32_t)vec, (uint32_t)(bias >= 0)},
                            .push_size = sizeof push};
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

static int record_conv2d(hue_graph *g, const hue_node *n)
{
    const hue_op_params *p = &n->p;
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->out];
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    int64_t O = y->shape[1], OH = y->shape[2], OW = y->shape[3];
    int64_t K = C * p->kernel[0] * p->kernel[1], P = OH * OW;
    hue_tensor bias = p->has_bias ? n->in[2] : -1;
    int mode = hue_conv_forward_mode(g, n->in[0], n->out, p);
    hue_gemm_args a = {
        .a = n->in[1], .b = n->in[0], .c = n->out, .bias = bias,
        .M = O, .N = P, .K = K, .lda = K, .ldb = P, .ldc = P,
        .batch_c = O * P,
    };
    if (mode == HUE_CONV_DIRECT) {
        a.batch = N;
        a.batch_b = C * H * W;
        return hue_record_gemm(g, &a);
    }
    int64_t chunk = hue_tensor_numel(g, n->scratch) / ((K + (mode == HUE_CONV_WIDE ? O : 0)) * P);
    for (int64_t first = 0; first < N; first += chunk) {
        int64_t count = N - first < chunk ? N - first : chunk;
        int rc = record_im2col(g, n->in[0], n->scratch, p, OH, OW, first, count, mode == HUE_CONV_WIDE);
        if (rc)
            return rc;
        a.b = n->scratch;
        if (mode == HUE_CONV_WIDE) {
            /* [O, count*P] after the columns, then per image with the bias */
            int64_t tmp = chunk * K * P;
            hue_gemm_args w = {.a = n->in[1], .b = n->scratch, .c = n->scratch, .bias = -1, .M = O,
                               .N = count * P, .K = K, .lda = K, .ldb = count * P, .ldc = count * P,
                               .off_c = tmp, .batch = 1};
            if ((rc = hue_record_gemm(g, &w)) ||
                (rc = record_conv_layout(g, n->scratch, tmp, n->out, first * O * P, bias, O, count, P)))
                return rc;
            continue;
        }
        a.batch = count;
        a.batch_b = K * P;
        a.off_c = first * O * P;
        if ((rc = hue_record_gemm(g, &a)))
            return rc;
    }
    return 0;
}

/* dy [N, O, P] side by side as [O, N*P]. */
static int record_widen(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *d = &g->t[n->in[0]];
    return record_conv_layout(g, n->in[0], 0, n->out, 0, -1, d->shape[0], d->shape[1], d->shape[2] * d->shape[3]);
}

/* The way back, [O, N*P] to [N, O, P]: out is shaped like the per-image tensor. */
static int record_narrow(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *d = &g->t[n->out];
    return record_conv_layout(g, n->in[0], 0, n->out, 0, -1, d->shape[1], d->shape[0], d->shape[2] * d->shape[3]);
}

/* ---- conv2d_dx: the input gradient, and the transposed convolution ---- */

static int record_conv2d_dx(hue_graph *g, const hue_node *n)
{
    const hue_op_params *p = &n->p;
    int wide = p->kind;
    hue_tensor dy = n->in[0], w = n->in[1], bias = p->has_bias ? n->in[2] : -1;
    const hue_tensor_desc *x = &g->t[n->out];
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3], O = g->t[w].shape[0];
    int64_t OH = p->out_size[0], OW = p->out_size[1], K = C * p->kernel[0] * p->kernel[1], P = OH * OW;
    /* columns [K, P] = w^T [K, O] x dy [O, P] */
    hue_gemm_args a = {.a = w, .b = dy, .bias = -1, .trans_a = 1, .M = K, .K = O, .lda = K};
    if (hue_conv_dx_direct(g, n)) {
        a.c = n->out, a.bias = bias;
        a.N = P, a.ldb = P, a.ldc = P, a.batch = N, a.batch_b = O * P, a.batch_c = C * P;
        return hue_record_gemm(g, &a);
    }
    int64_t chunk = hue_tensor_numel(g, n->scratch) / (K * P);
    uint32_t ls = hue_graph_local_size(g);
    for (int64_t first = 0; first < N; first += chunk) {
        int64_t count = N - first < chunk ? N - first : chunk;
        a.c = n->scratch;
        if (wide) {
            a.N = count * P, a.ldb = N * P, a.off_b = first * P, a.ldc = count * P, a.batch = 1;
        } else {
            a.N = P, a.ldb = P, a.off_b = first * O * P, a.batch_b = O * P, a.ldc = P, a.batch_c = K * P;
            a.batch = count;
        }
        int rc = hue_record_gemm(g, &a);
        if (rc)
            return rc;
        col2im_push push = {
            (int32_t)W, (int32_t)OH, (int32_t)OW, p->kernel[0], p->kernel[1], p->pad[0], p->pad[1],
            p->dilation[0], p->dilation[1], (int32_t)hue_tensor_bind_offset(g, n->scratch),
            (int32_t)(wide ? P : K * P), (int32_t)(wide ? count * P : P),
            (int32_t)(hue_tensor_bind_offset(g, n->out) + first * C * H * W),
            bias >= 0 ? (int32_t)hue_tensor_bind_offset(g, bias) : 0, (uint32_t)(count * C * H * ((W + 3) / 4)),
        };
        int vec_out = W % 4 == 0 && push.off_y % 4 == 0;
        hue_binding b[3] = {{n->scratch, HUE_BIND_TEXEL1, 0},
                            {bias >= 0 ? bias : n->out, HUE_BIND_STORAGE, 0},
                            {n->out, HUE_BIND_STORAGE, 1}};
        hue_pipeline_key key = {.shader = "col2im", .n_bindings = 3,
                                .kinds = {HUE_BIND_TEXEL1, HUE_BIND_STORAGE, HUE_BIND_STORAGE}, .n_spec = 8,
                                .spec = {ls, (uint32_t)p->stride[0], (uint32_t)p->stride[1], (uint32_t)vec_out,
                                         (uint32_t)(bias >= 0), (uint32_t)((W + 3) / 4), (uint32_t)H, (uint32_t)C},
                                .push_size = sizeof push};
        uint32_t gx, gy;
        hue_grid_1d(g, push.n, ls, &gx, &gy);
        if ((rc = hue_record_dispatch(g, &key, b, &push, gx, gy, 1)))
            return rc;
    }
    return 0;
}

/* ---- conv2d_dw: the weight gradient, from dy wide ---- */

/* The patch rows of images [first, first + count) of x, for an output of
 * out_size, into rows. */
static int record_patch_rows(hue_graph *g, hue_tensor x, hue_tensor rows, const hue_op_params *p, int64_t first,
                             int64_t count)
{
    const hue_tensor_desc *d = &g->t[x];
    int64_t C = d->shape[1], H = d->shape[2], W = d->shape[3];
    int64_t taps = (int64_t)p->kernel[0] * p->kernel[1], K = C * taps, stride = hue_conv_row_stride(K);
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

static int record_conv2d_dw(hue_graph *g, const hue_node *n)
{
    const hue_op_params *p = &n->p;
    hue_tensor x = n->in[0], dy = n->in[1];
    int64_t N = g->t[x].shape[0], C = g->t[x].shape[1], O = g->t[n->out].shape[0];
    int64_t K = C * p->kernel[0] * p->kernel[1], P = (int64_t)p->out_size[0] * p->out_size[1];
    int64_t chunk = hue_tensor_numel(g, n->scratch) / (P * hue_conv_row_stride(K));
    for (int64_t first = 0; first < N; first += chunk) {
        int64_t count = N - first < chunk ? N - first : chunk;
        int rc = record_patch_rows(g, x, n->scratch, p, first, count);
        if (rc)
            return rc;
        /* dW [O, K] (+)= dy[:, chunk] [O, count*P] x rows [count*P, K] */
        hue_gemm_args a = {
            .a = dy, .b = n->scratch, .c = n->out, .bias = -1,
            .M = O, .N = K, .K = count * P, .batch = 1,
            .lda = N * P, .ldb = hue_conv_row_stride(K), .ldc = K, .off_a = first * P,
            .accumulate = first > 0,
        };
        if ((rc = hue_record_gemm(g, &a)))
            return rc;
    }
    return 0;
}

/* ---- conv_weight_flip ---- */

typedef struct {
    int32_t C, off_x, off_y;
    uint32_t n;
} flip_push;

static int record_flip(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *w = &g->t[n->in[0]];
    int64_t O = w->shape[0], C = w->shape[1], T = w->shape[2] * w->shape[3];
    flip_push push = {(int32_t)C, (int32_t)hue_tensor_bind_offset(g, n->in[0]),
                      (int32_t)hue_tensor_bind_offset(g, n->out), (uint32_t)(C * O)};
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = "conv_flip", .n_bindings = 2, .kinds = {HUE_BIND_TEXEL1, HUE_BIND_STORAGE},
                            .n_spec = 3, .spec = {ls, (uint32_t)O, (uint32_t)T}, .push_size = sizeof push};
    hue_binding b[2] = {{n->in[0], HUE_BIND_TEXEL1, 0}, {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

const hue_vk_op hue_vk_ops_conv[] = {
    {"conv2d", record_conv2d},
    {"conv2d_dx", record_conv2d_dx},
    {"conv2d_dw", record_conv2d_dw},
    {"conv_weight_flip", record_flip},
    {"conv2d_widen", record_widen},
    {"conv2d_narrow", record_narrow},
    {NULL, NULL},
};
