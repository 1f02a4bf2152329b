/* InfoNCE's kernels (compute/graph/ops/info_nce.c): each query's loss and
 * log-sum-exp (shaders/info_nce.comp), the query and key gradients
 * (shaders/info_nce_grad.comp). Work is split in blocks of rows sized by
 * compute/graph/ops/info_nce_internal.h, with the blocks' partial results
 * in the node's scratch. */
#include "info_nce_internal.h"
#include "vk_op_common.h"
#include "vk_ops.h"

typedef struct {
    int32_t N, K, D, self, block, blocks;
    int32_t off_q, off_k, off_p, off_s, off_y;
    float inv_tau;
} rows_push;

typedef struct {
    int32_t N, K, D, self, block, blocks;
    int32_t off_g, off_q, off_k, off_p, off_l, off_y, off_z;
    float inv_tau;
} grad_push;

static int32_t off(const hue_graph *g, hue_tensor t) { return (int32_t)hue_tensor_bind_offset(g, t); }

/* in = {q, k, pos}: partial sums per (row, key block) into the scratch,
 * then the rows' losses; in = {q, k, pos, rows}: the rows' lse. */
static int record_rows(hue_graph *g, const hue_node *n)
{
    int lse = n->n_in == 4;
    hue_tensor q = n->in[0], k = n->in[1], pos = n->in[2], s = lse ? n->in[3] : n->scratch;
    const hue_tensor_desc *dq = &g->t[q], *dk = &g->t[k];
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    int64_t D = dq->shape[3], block = hue_info_nce_key_block(ls, D);
    rows_push push = {(int32_t)dq->shape[2], (int32_t)dk->shape[2], (int32_t)D, n->p.kind & 1, (int32_t)block,
                      (int32_t)hue_info_nce_blocks(dk->shape[2], block), off(g, q), off(g, k), off(g, pos),
                      off(g, s), off(g, n->out), 1.0f / n->p.temperature};
    hue_binding b[5] = {{q, HUE_BIND_STORAGE, 0},
                        {k, HUE_BIND_STORAGE, 0},
                        {pos, HUE_BIND_STORAGE, 0},
                        {s, HUE_BIND_STORAGE, !lse},
                        {n->out, HUE_BIND_STORAGE, 1}};
    hue_pipeline_key key = {.shader = "info_nce", .n_bindings = 5, .n_spec = 2, .push_size = sizeof push};
    key.spec[0] = ls;
    if (!lse) {
        key.spec[1] = 0;
        hue_grid_1d(g, (uint64_t)push.N * (uint64_t)push.blocks, 1, &gx, &gy);
        int rc = hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
        if (rc)
            return rc;
        b[3].write = 0;
    }
    key.spec[1] = lse ? 2 : 1;
    hue_grid_1d(g, (uint64_t)push.N, ls, &gx, &gy);
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

/* in = {G, q, k, pos, lse}: the query gradient (keys = 0) or the keys'. */
static int record_grad(hue_graph *g, const hue_node *n, int keys)
{
    hue_tensor G = n->in[0], q = n->in[1], k = n->in[2], pos = n->in[3], lse = n->in[4];
    const hue_tensor_desc *dq = &g->t[q], *dk = &g->t[k];
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    int64_t N = dq->shape[2], K = dk->shape[2], D = dq->shape[3], rows = keys ? K : N, others = keys ? N : K;
    int64_t block = hue_info_nce_other_block(ls, D), blocks = hue_info_nce_blocks(others, block);
    hue_tensor part = blocks > 1 ? n->scratch : n->out;
    grad_push push = {(int32_t)N,      (int32_t)K,   (int32_t)D,    n->p.kind & 1, (int32_t)block,
                      (int32_t)blocks, off(g, G),    off(g, q),     off(g, k),     off(g, pos),
                      off(g, lse),     off(g, part), off(g, n->out), 1.0f / n->p.temperature};
    hue_binding b[7] = {{G, HUE_BIND_STORAGE, 0},   {q, HUE_BIND_STORAGE, 0},    {k, HUE_BIND_STORAGE, 0},
                        {pos, HUE_BIND_STORAGE, 0}, {lse, HUE_BIND_STORAGE, 0},  {part, HUE_BIND_STORAGE, 1},
                        {n->out, HUE_BIND_STORAGE, 1}};
    hue_pipeline_key key = {.shader = "info_nce_grad", .n_bindings = 7, .n_spec = 3,
                            .spec = {ls, (uint32_t)keys, 0}, .push_size = sizeof push};
    hue_grid_1d(g, (uint64_t)(rows * blocks), 1, &gx, &gy);
    int rc = hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
    if (rc || blocks == 1)
        return rc;
    b[5].write = 0;
    key.spec[2] = 1;
    hue_grid_1d(g, (uint64_t)(rows * D), ls, &gx, &gy);
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

static int record_grad_q(hue_graph *g, const hue_node *n) { return record_grad(g, n, 0); }
static int record_grad_k(hue_graph *g, const hue_node *n) { return record_grad(g, n, 1); }

const hue_vk_op hue_vk_ops_contrastive[] = {
    {"info_nce", record_rows},
    {"info_nce_lse", record_rows},
    {"info_nce_grad_q", record_grad_q},
    {"info_nce_grad_k", record_grad_k},
    {NULL, NULL},
};
