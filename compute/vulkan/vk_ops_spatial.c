/* Windows over image planes: max and average pooling and their input
 * gradient (max pooling's from each window's argmax, kept in the node's
 * scratch), and bilinear resizing and its input gradient. */
#include "vk_op_common.h"
#include "vk_ops.h"

/* ---- pooling ---- */

/* The forward, argmax and gradient kernels all take 4 neighbouring outputs
 * (or input pixels) of a row per invocation. */
typedef struct {
    int32_t H, W, OW, ph, pw, off_x, off_y;
    uint32_t n;
} pool_push;

typedef struct {
    int32_t W, OH, OW, ph, pw, off_a, off_g, off_dx;
    uint32_t n;
} pool_grad_push;

static uint32_t quads(int64_t width) { return (uint32_t)((width + 3) / 4); }

/* Forward (argmax = 0) or the argmax step of max pooling's gradient, from x
 * into out (the output or the argmax scratch). */
static int record_windows(hue_graph *g, const hue_node *n, hue_tensor out, int argmax)
{
    const hue_tensor_desc *x = &g->t[n->in[0]];
    const hue_op_params *p = &n->p;
    int64_t OH = (x->shape[2] + 2 * p->pad[0] - p->kernel[0]) / p->stride[0] + 1;
    int64_t OW = (x->shape[3] + 2 * p->pad[1] - p->kernel[1]) / p->stride[1] + 1;
    pool_push push = {(int32_t)x->shape[2], (int32_t)x->shape[3], (int32_t)OW, p->pad[0], p->pad[1],
                      (int32_t)hue_tensor_bind_offset(g, n->in[0]), (int32_t)hue_tensor_bind_offset(g, out),
                      (uint32_t)(x->shape[0] * x->shape[1] * OH) * quads(OW)};
    uint32_t vec_out = OW % 4 == 0 && push.off_y % 4 == 0;
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    /* the same constant ids in both shaders (pool_argmax has no AVG) */
    hue_pipeline_key key = {.shader = argmax ? "pool_argmax" : "pool", .n_bindings = 2,
                            .kinds = {HUE_BIND_TEXEL1, HUE_BIND_STORAGE}, .n_spec = 9,
                            .spec = {ls, (uint32_t)(p->kind == HUE_POOL_AVG), quads(OW), (uint32_t)OH,
                                     (uint32_t)p->kernel[0], (uint32_t)p->kernel[1], (uint32_t)p->stride[0],
                                     (uint32_t)p->stride[1], vec_out},
                            .push_size = sizeof push};
    hue_binding b[2] = {{n->in[0], HUE_BIND_TEXEL1, 0}, {out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

static int record_pool(hue_graph *g, const hue_node *n) { return record_windows(g, n, n->out, 0); }

/* Inputs: (G) for average pooling, (x, G) for max pooling, whose scratch
 * holds each window's argmax. */
static int record_pool_grad(hue_graph *g, const hue_node *n)
{
    const hue_op_params *p = &n->p;
    int avg = p->kind == HUE_POOL_AVG;
    hue_tensor G = n->in[avg ? 0 : 1];
    const hue_tensor_desc *dx = &g->t[n->out], *dg = &g->t[G];
    int rc;
    if (!avg && (rc = record_windows(g, n, n->scratch, 1)))
        return rc;
    int64_t W = dx->shape[3];
    pool_grad_push push = {(int32_t)W, (int32_t)dg->shape[2], (int32_t)dg->shape[3], p->pad[0], p->pad[1],
                           avg ? 0 : (int32_t)hue_tensor_bind_offset(g, n->scratch),
                           (int32_t)hue_tensor_bind_offset(g, G), (int32_t)hue_tensor_bind_offset(g, n->out),
                           (uint32_t)(dx->shape[0] * dx->shape[1] * dx->shape[2]) * quads(W)};
    uint32_t vec_out = W % 4 == 0 && push.off_dx % 4 == 0;
    hue_binding b[3] = {{avg ? G : n->scratch, HUE_BIND_TEXEL1, 0}, {G, HUE_BIND_TEXEL1, 0},
                        {n->out, HUE_BIND_STORAGE, 1}};
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_pipeline_key key = {.shader = "pool_grad", .n_bindings = 3,
                            .kinds = {HUE_BIND_TEXEL1, HUE_BIND_TEXEL1, HUE_BIND_STORAGE}, .n_spec = 9,
                            .spec = {ls, (uint32_t)avg, (uint32_t)p->stride[0], (uint32_t)p->stride[1], quads(W),
                                     (uint32_t)dx->shape[2], (uint32_t)p->kernel[0], (uint32_t)p->kernel[1],
                                     vec_out},
                            .push_size = sizeof push};
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

/* ---- bilinear resize ---- */

typedef struct {
    int32_t H, W, OH, OW;
    float scale_h, scale_w;
    int32_t off_x, off_y;
    uint32_t n;
} resize_push;

static int record_resize(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->out];
    resize_push push = {(int32_t)x->shape[2], (int32_t)x->shape[3], (int32_t)y->shape[2], (int32_t)y->shape[3],
                        (float)x->shape[2] / (float)y->shape[2], (float)x->shape[3] / (float)y->shape[3],
                        (int32_t)hue_tensor_bind_offset(g, n->in[0]), (int32_t)hue_tensor_bind_offset(g, n->out),
                        (uint32_t)hue_tensor_numel(g, n->out)};
    return record_unary_kernel(g, "resize", 0, n->in[0], n->out, &push, sizeof push, push.n);
}

typedef struct {
    int32_t OH, OW;
    float scale_h, scale_w;
    int32_t off_g, off_dx;
    uint32_t n;
} resize_grad_push;

/* in[0] = G (the output's gradient), out = dx shaped like the input. */
static int record_resize_grad(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *dx = &g->t[n->out], *dg = &g->t[n->in[0]];
    resize_grad_push push = {(int32_t)dg->shape[2], (int32_t)dg->shape[3], (float)dx->shape[2] / (float)dg->shape[2],
                             (float)dx->shape[3] / (float)dg->shape[3], (int32_t)hue_tensor_bind_offset(g, n->in[0]),
                             (int32_t)hue_tensor_bind_offset(g, n->out), (uint32_t)hue_tensor_numel(g, n->out)};
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_binding b[2] = {{n->in[0], HUE_BIND_TEXEL1, 0}, {n->out, HUE_BIND_STORAGE, 1}};
    hue_pipeline_key key = {.shader = "resize_grad", .n_bindings = 2, .kinds = {HUE_BIND_TEXEL1, HUE_BIND_STORAGE},
                            .n_spec = 3, .spec = {ls, (uint32_t)dx->shape[3], (uint32_t)dx->shape[2]},
                            .push_size = sizeof push};
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

const hue_vk_op hue_vk_ops_spatial[] = {
    {"max_pool", record_pool},
    {"avg_pool", record_pool},
    {"pool_grad", record_pool_grad},
    {"resize_bilinear", record_resize},
    {"resize_bilinear_grad", record_resize_grad},
    {NULL, NULL},
};
