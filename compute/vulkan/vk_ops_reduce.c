/* Kernels along axes and rows: sum, mean, max and argmax reductions,
 * softmax and log-softmax, L2 normalisation and its gradient. */
#include "vk_op_common.h"
#include "vk_ops.h"

/* ---- reductions (p.kind: enum hue_reduce_kind) ---- */

typedef struct {
    int32_t out_shape[4], stride[4], count[4];
    int32_t off_x, off_y;
    uint32_t n;
    float scale;
} reduce_push;

static int record_reduce(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->out];
    reduce_push push = {.off_x = (int32_t)hue_tensor_bind_offset(g, n->in[0]),
                        .off_y = (int32_t)hue_tensor_bind_offset(g, n->out),
                        .n = (uint32_t)hue_tensor_numel(g, n->out)};
    int64_t count = 1;
    for (int i = 0; i < 4; i++) {
        push.out_shape[i] = (int32_t)y->shape[i];
        push.stride[i] = (int32_t)x->stride[i];
        push.count[i] = y->shape[i] == x->shape[i] ? 1 : (int32_t)x->shape[i];
        count *= push.count[i];
    }
    push.scale = (float)(1.0 / (double)count);
    return record_unary_kernel(g, "reduce", (uint32_t)n->p.kind, n->in[0], n->out, &push, sizeof push, push.n);
}

/* ---- softmax, log-softmax ---- */

typedef struct {
    int32_t len, inner, off_x, off_y;
    uint32_t rows;
} softmax_push;

static int record_softmax(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]];
    int a = n->p.axis;
    softmax_push push = {(int32_t)x->shape[a], (int32_t)x->stride[a], (int32_t)hue_tensor_bind_offset(g, n->in[0]),
                         (int32_t)hue_tensor_bind_offset(g, n->out),
                         (uint32_t)(hue_tensor_numel(g, n->in[0]) / x->shape[a])};
    return record_unary_kernel(g, "softmax", (uint32_t)n->p.log, n->in[0], n->out, &push, sizeof push, push.rows);
}

/* ---- L2 normalisation: the backward recomputes the norm from x ---- */

typedef struct {
    int32_t len, inner, off_x, off_g, off_y;
    uint32_t rows;
    float eps;
} l2_push;

/* x, and G for the backward (else x again), into y. */
static int record_rows(hue_graph *g, const hue_node *n, hue_tensor x, hue_tensor G, int bwd)
{
    const hue_tensor_desc *d = &g->t[x];
    int a = n->p.axis;
    l2_push push = {(int32_t)d->shape[a], 1, (int32_t)hue_tensor_bind_offset(g, x),
                    (int32_t)hue_tensor_bind_offset(g, G), (int32_t)hue_tensor_bind_offset(g, n->out),
                    (uint32_t)(hue_tensor_numel(g, x) / d->shape[a]), n->p.eps};
    for (int i = a + 1; i < HUE_MAX_DIMS; i++)
        push.inner *= (int32_t)d->shape[i];
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, push.rows, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = "l2_normalize", .n_bindings = 3,
                            .kinds = {HUE_BIND_TEXEL1, HUE_BIND_TEXEL1, HUE_BIND_STORAGE}, .n_spec = 2,
                            .spec = {ls, (uint32_t)bwd}, .push_size = sizeof push};
    hue_binding b[3] = {{x, HUE_BIND_TEXEL1, 0}, {G, HUE_BIND_TEXEL1, 0}, {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

static int record_l2(hue_graph *g, const hue_node *n) { return record_rows(g, n, n->in[0], n->in[0], 0); }
static int record_l2_grad(hue_graph *g, const hue_node *n) { return record_rows(g, n, n->in[0], n->in[1], 1); }

const hue_vk_op hue_vk_ops_reduce[] = {
    {"reduce_sum", record_reduce},
    {"reduce_mean", record_reduce},
    {"reduce_max", record_reduce},
    {"argmax", record_reduce},
    {"softmax", record_softmax},
    {"log_softmax", record_softmax},
    {"l2_normalize", record_l2},
    {"l2_normalize_grad", record_l2_grad},
    {NULL, NULL},
};
