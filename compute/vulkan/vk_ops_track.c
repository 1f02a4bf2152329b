/* Label propagation's passes (CRW's inference; see
 * compute/graph/ops/propagate.c): ring writes into padded rows, then per
 * target frame the queries regrouped by blocks of 4x2 (shaders/prop_qt.comp),
 * window scores of frame 0 a chunk of query rows at a time and of the ring a
 * group of slots at a time (shaders/prop_window.comp), each merged into the
 * running top-k (shaders/prop_topk.comp), then softmax and the weighted sum
 * of labels (shaders/prop_gather.comp), all within the node's scratch as
 * propagate_internal.h splits it. */
#include "propagate_internal.h"
#include "vk_op_common.h"
#include "vk_ops.h"

/* ---- ring write ---- */

typedef struct {
    int32_t C, h, w, W, P, S, off_x, off_slot, off_ring;
    uint32_t n;
} ring_push;

static int record_ring(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]], *r = &g->t[n->out];
    ring_push push = {(int32_t)x->shape[1], (int32_t)x->shape[2], (int32_t)x->shape[3], (int32_t)r->shape[3],
                      (int32_t)n->p.pad[0], (int32_t)r->shape[0], (int32_t)hue_tensor_bind_offset(g, n->in[0]),
                      (int32_t)hue_tensor_bind_offset(g, n->in[1]), (int32_t)hue_tensor_bind_offset(g, n->out),
                      (uint32_t)(x->shape[1] * x->shape[2] * r->shape[3])};
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = "ring_write", .n_bindings = 3,
                            .kinds = {HUE_BIND_STORAGE, HUE_BIND_STORAGE, HUE_BIND_IMAGE1}, .n_spec = 1,
                            .spec = {ls}, .push_size = sizeof push};
    hue_binding b[3] = {{n->in[0], HUE_BIND_STORAGE, 0}, {n->in[1], HUE_BIND_STORAGE, 0},
                        {n->out, HUE_BIND_IMAGE1, 1}};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

/* ---- propagation ---- */

typedef struct {
    int32_t C, h, w, bxs, off_q, off_qt;
} qt_push;

typedef struct {
    int32_t C, h, w, W, bxs, U, R, P, slot0, off_qt, off_ring, off_scores;
} window_push;

typedef struct {
    int32_t h, w, K, bxs, U, R, W, slot0, slots, off_scores, off_v, off_i;
} topk_push;

typedef struct {
    int32_t h, w, K, L, off_v, off_i, off_l0, off_lr, off_out;
    float inv_t;
} gather_push;

static int record_prop(hue_graph *g, const hue_node *n)
{
    const hue_op_params *pp = &n->p;
    hue_tensor q = n->in[0], f0 = n->in[1], lab0 = n->in[2], ring = n->in[3], labr = n->in[4], s = n->scratch;
    const hue_tensor_desc *dq = &g->t[q], *dr = &g->t[ring], *dl = &g->t[lab0];
    int64_t C = dq->shape[1], h = dq->shape[2], w = dq->shape[3], S = dr->shape[0], W = dr->shape[3];
    int K = pp->topk, R = pp->radius;
    hue_propagate_split pl;
    int rc = hue_propagate_plan(g, C, h, w, S, K, R, &pl);
    if (rc)
        return rc;
    int64_t s_off = hue_tensor_bind_offset(g, s);
    if (s_off % 4)
        return hue_graph_fail(g, HUE_EINVAL, "propagate: scratch %s is not 16-byte aligned", g->t[s].name);
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    int32_t off_v = (int32_t)(s_off + pl.topv), off_i = (int32_t)(s_off + pl.topi);

    /* the queries regrouped by blocks of 4x2, frame 0 with rows padded to texels */
    qt_push qp = {(int32_t)C, (int32_t)h, (int32_t)w, (int32_t)pl.bxs, (int32_t)hue_tensor_bind_offset(g, q),
                  (int32_t)(s_off + pl.qt)};
    hue_pipeline_key qkey = {.shader = "prop_qt", .n_bindings = 2, .n_spec = 2, .spec = {ls, 0}, .push_size = sizeof qp};
    hue_binding qb[2] = {{q, HUE_BIND_STORAGE, 0}, {s, HUE_BIND_STORAGE, 1}};
    if ((rc = hue_record_dispatch(g, &qkey, qb, &qp, (uint32_t)((C * 8 + ls - 1) / ls), (uint32_t)(pl.bys * pl.bxs), 1)))
        return rc;
    qt_push fp = {(int32_t)C, (int32_t)h, (int32_t)w, (int32_t)pl.Wf, (int32_t)hue_tensor_bind_offset(g, f0),
                  (int32_t)(s_off + pl.f0p)};
    hue_pipeline_key fkey = {.shader = "prop_qt", .n_bindings = 2, .n_spec = 2, .spec = {ls, 1}, .push_size = sizeof fp};
    hue_binding fb[2] = {{f0, HUE_BIND_STORAGE, 0}, {s, HUE_BIND_STORAGE, 1}};
    if ((rc = hue_record_dispatch(g, &fkey, fb, &fp, (uint32_t)((pl.Wf + ls - 1) / ls), (uint32_t)h, (uint32_t)C)))
        return rc;

    /* window scores of frame 0 (FULL: every position) or of a group of ring
     * slots, each followed by its top-k merge */
    hue_pipeline_key wkey = {.shader = "prop_window", .n_bindings = 3,
                             .kinds = {HUE_BIND_TEXEL4, HUE_BIND_TEXEL4, HUE_BIND_STORAGE}, .n_spec = 2,
                             .spec = {8, 1}, .push_size = sizeof(window_push)};
    hue_pipeline_key tkey = {.shader = "prop_topk", .n_bindings = 3,
                             .kinds = {HUE_BIND_TEXEL4, HUE_BIND_STORAGE, HUE_BIND_STORAGE}, .n_spec = 2,
                             .spec = {8, 1}, .push_size = sizeof(topk_push)};
    hue_binding tb[3] = {{s, HUE_BIND_TEXEL4, 0}, {s, HUE_BIND_STORAGE, 1}, {s, HUE_BIND_STORAGE, 1}};
    int32_t off_scores4 = (int32_t)((s_off + pl.scores) / 4);
    for (int64_t r0 = 0; r0 < pl.bys && !rc; r0 += pl.rows_per_chunk) {
        int64_t nr = pl.bys - r0 < pl.rows_per_chunk ? pl.bys - r0 : pl.rows_per_chunk;
        window_push wp = {(int32_t)C, (int32_t)h, (int32_t)w, (int32_t)pl.Wf, (int32_t)pl.bxs, (int32_t)pl.U0,
                          R, 0, (int32_t)r0, (int32_t)((s_off + pl.qt) / 4), (int32_t)(s_off + pl.f0p), off_scores4};
        hue_binding wb[3] = {{s, HUE_BIND_TEXEL4, 0}, {s, HUE_BIND_TEXEL4, 0}, {s, HUE_BIND_STORAGE, 1}};
        if ((rc = hue_record_dispatch(g, &wkey, wb, &wp, (uint32_t)pl.bxs, (uint32_t)nr, 1)))
            break;
        topk_push tp = {(int32_t)h, (int32_t)w, K, (int32_t)pl.bxs, (int32_t)pl.U0, R, (int32_t)pl.Wf, (int32_t)r0, 1,
                        off_scores4, off_v, off_i};
        rc = hue_record_dispatch(g, &tkey, tb, &tp, (uint32_t)pl.bxs, (uint32_t)nr, 1);
    }
    wkey.spec[1] = tkey.spec[1] = 0;
    for (int64_t s0 = 0; s0 < S && !rc; s0 += pl.slots_per_group) {
        int64_t ns = S - s0 < pl.slots_per_group ? S - s0 : pl.slots_per_group;
        window_push wp = {(int32_t)C, (int32_t)h, (int32_t)w, (int32_t)W, (int32_t)pl.bxs, (int32_t)pl.U, R,
                          (int32_t)hue_ring_pad(R), (int32_t)s0, (int32_t)((s_off + pl.qt) / 4),
                          (int32_t)hue_tensor_bind_offset(g, ring), off_scores4};
        hue_binding wb[3] = {{s, HUE_BIND_TEXEL4, 0}, {ring, HUE_BIND_TEXEL4, 0}, {s, HUE_BIND_STORAGE, 1}};
        if ((rc = hue_record_dispatch(g, &wkey, wb, &wp, (uint32_t)pl.bxs, (uint32_t)pl.bys, (uint32_t)ns)))
            break;
        topk_push tp = {(int32_t)h, (int32_t)w, K, (int32_t)pl.bxs, (int32_t)pl.U, R, (int32_t)W, (int32_t)s0,
                        (int32_t)ns, off_scores4, off_v, off_i};
        rc = hue_record_dispatch(g, &tkey, tb, &tp, (uint32_t)pl.bxs, (uint32_t)pl.bys, 1);
    }
    if (rc)
        return rc;
    /* softmax and weighted sum of labels */
    gather_push gp = {(int32_t)h, (int32_t)w, K, (int32_t)dl->shape[1], off_v, off_i,
                      (int32_t)hue_tensor_bind_offset(g, lab0), (int32_t)hue_tensor_bind_offset(g, labr),
                      (int32_t)hue_tensor_bind_offset(g, n->out), 1.0f / pp->temperature};
    hue_grid_1d(g, (uint64_t)pl.hw, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = "prop_gather", .n_bindings = 5, .n_spec = 1, .spec = {ls},
                            .push_size = sizeof gp};
    hue_binding b[5] = {{s, HUE_BIND_STORAGE, 0}, {s, HUE_BIND_STORAGE, 0}, {lab0, HUE_BIND_STORAGE, 0},
                        {labr, HUE_BIND_STORAGE, 0}, {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &gp, gx, gy, 1);
}

const hue_vk_op hue_vk_ops_track[] = {
    {"ring_write", record_ring},
    {"propagate", record_prop},
    {NULL, NULL},
};
