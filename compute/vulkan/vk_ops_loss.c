/* Losses as two dispatches: per-workgroup partial sums (shaders/loss.comp)
 * into the node's scratch, then one workgroup adding them
 * (shaders/loss_sum.comp); their gradients from shaders/loss_grad.comp,
 * elementwise or per position. */
#include "loss_internal.h"
#include "vk_op_common.h"
#include "vk_ops.h"

typedef struct {
    int32_t n, chunk, C, HW, off_a, off_b, off_w, off_part, ignore_index;
} loss_push;

typedef struct {
    int32_t groups, off_part, off_y;
    float scale;
} sum_push;

typedef struct {
    int32_t n, chunk, C, HW, off_a, off_b, off_w, off_g, off_t, off_y, ignore_index;
    float scale;
} grad_push;

/* Elementwise terms go four at a time when the count and every offset are
 * whole vec4s. */
static int vec_ok(const hue_graph *g, int64_t count, int n, const hue_tensor *ts)
{
    if (count % 4)
        return 0;
    for (int i = 0; i < n; i++)
        if (hue_tensor_bind_offset(g, ts[i]) % 4)
            return 0;
    return 1;
}

/* Both stages: the sum of `kind` over the units into y[off_y]. */
static int record_sum(hue_graph *g, const hue_node *n, int kind, hue_tensor y, int64_t off_y, float scale,
                      int divide)
{
    /* absent class weights: a small placeholder (a large one may exceed maxStorageBufferRange) */
    hue_tensor a = n->in[0], b = n->in[1], part = n->scratch, w = n->p.has_bias ? n->in[2] : part;
    int64_t C, HW, units;
    hue_loss_geometry(g, a, hue_loss_is_ce(kind), &C, &HW, &units);
    hue_tensor ab[2] = {a, b};
    int vec = !hue_loss_is_ce(kind) && vec_ok(g, units, 2, ab);
    int64_t unit = vec ? 4 : 1;
    units /= unit;
    int64_t chunk, groups = hue_loss_groups(g, units, &chunk);
    uint32_t ls = hue_graph_local_size(g);
    loss_push lp = {(int32_t)units, (int32_t)chunk, (int32_t)C, (int32_t)HW,
                    (int32_t)(hue_tensor_bind_offset(g, a) / unit), (int32_t)(hue_tensor_bind_offset(g, b) / unit),
                    (int32_t)hue_tensor_bind_offset(g, w), (int32_t)hue_tensor_bind_offset(g, part), n->p.ignore_index};
    unsigned char texel = vec ? HUE_BIND_TEXEL4 : HUE_BIND_TEXEL1;
    hue_pipeline_key k1 = {.shader = "loss", .n_bindings = 4, .kinds = {texel, texel, HUE_BIND_STORAGE, HUE_BIND_STORAGE},
                           .n_spec = 4, .spec = {ls, (uint32_t)kind, (uint32_t)n->p.has_bias, (uint32_t)vec},
                           .push_size = sizeof lp};
    hue_binding b1[4] = {{a, texel, 0}, {b, texel, 0}, {w, HUE_BIND_STORAGE, 0}, {part, HUE_BIND_STORAGE, 1}};
    int rc = hue_record_dispatch(g, &k1, b1, &lp, (uint32_t)groups, 1, 1);
    if (rc)
        return rc;
    sum_push sp = {(int32_t)groups, lp.off_part, (int32_t)(hue_tensor_bind_offset(g, y) + off_y), scale};
    hue_pipeline_key k2 = {.shader = "loss_sum", .n_bindings = 2, .n_spec = 2, .spec = {ls, (uint32_t)divide},
                           .push_size = sizeof sp};
    hue_binding b2[2] = {{part, HUE_BIND_STORAGE, 0}, {y, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &k2, b2, &sp, 1, 1, 1);
}

static int record_loss(hue_graph *g, const hue_node *n)
{
    int64_t C, HW, units;
    hue_loss_geometry(g, n->in[0], hue_loss_is_ce(n->p.kind), &C, &HW, &units);
    return record_sum(g, n, n->p.kind, n->out, 0, (float)(1.0 / (double)units), n->p.kind == LOSS_CE);
}

/* ---- backward ---- */

/* in = {G, a, b, [weight]}; p.kind = GRAD_*, p.alpha = the host's scale. */
static int record_loss_grad(hue_graph *g, const hue_node *n)
{
    hue_tensor G = n->in[0], a = n->in[1], b = n->in[2], w = n->p.has_bias ? n->in[3] : G;
    int kind = n->p.kind, per_position = kind >= GRAD_CE;
    int64_t C, HW, units;
    hue_loss_geometry(g, a, per_position, &C, &HW, &units);
    hue_tensor total = G;
    int64_t off_t = 0;
    if (kind == GRAD_CE) {
        /* the total weight of counted targets, into the end of the scratch */
        hue_node sum = *n;
        sum.in[0] = a, sum.in[1] = b, sum.in[2] = w;
        off_t = 2 * hue_loss_groups(g, units, NULL);
        int rc = record_sum(g, &sum, LOSS_CE_WEIGHTS, n->scratch, off_t, 1.0f, 0);
        if (rc)
            return rc;
        total = n->scratch;
    }
    hue_tensor abo[3] = {a, b, n->out};
    int vec = !per_position && vec_ok(g, units, 3, abo);
    int64_t unit = vec ? 4 : 1;
    units /= unit;
    /* a contiguous chunk per workgroup: 32 units a lane, fewer when a unit is a row of C classes */
    int64_t ls = hue_graph_local_size(g), per_lane = per_position ? 256 / C : 32;
    int64_t chunk = ls * (per_lane < 1 ? 1 : per_lane > 32 ? 32 : per_lane);
    grad_push push = {(int32_t)units, (int32_t)chunk, (int32_t)C, (int32_t)HW,
                      (int32_t)(hue_tensor_bind_offset(g, a) / unit), (int32_t)(hue_tensor_bind_offset(g, b) / unit),
                      (int32_t)hue_tensor_bind_offset(g, w),
                      (int32_t)hue_tensor_bind_offset(g, G), (int32_t)(hue_tensor_bind_offset(g, total) + off_t),
                      (int32_t)hue_tensor_bind_offset(g, n->out), n->p.ignore_index, n->p.alpha};
    uint32_t gx, gy;
    hue_grid_1d(g, (uint64_t)((units + chunk - 1) / chunk), 1, &gx, &gy);
    unsigned char texel = vec ? HUE_BIND_TEXEL4 : HUE_BIND_TEXEL1;
    hue_pipeline_key key = {.shader = "loss_grad", .n_bindings = 6,
                            .kinds = {texel, texel, HUE_BIND_STORAGE, HUE_BIND_STORAGE, HUE_BIND_STORAGE,
                                      HUE_BIND_STORAGE},
                            .n_spec = 4, .spec = {(uint32_t)ls, (uint32_t)kind, (uint32_t)n->p.has_bias, (uint32_t)vec},
                            .push_size = sizeof push};
    hue_binding bind[6] = {{a, texel, 0},               {b, texel, 0},
                           {w, HUE_BIND_STORAGE, 0},     {G, HUE_BIND_STORAGE, 0},
                           {total, HUE_BIND_STORAGE, 0}, {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, bind, &push, gx, gy, 1);
}

const hue_vk_op hue_vk_ops_loss[] = {
    {"mse", record_loss},
    {"bce_with_logits", record_loss},
    {"cross_entropy", record_loss},
    {"cross_entropy_soft", record_loss},
    {"mse_grad", record_loss_grad},
    {"bce_with_logits_grad", record_loss_grad},
    {"cross_entropy_grad", record_loss_grad},
    {"cross_entropy_soft_grad", record_loss_grad},
    {NULL, NULL},
};
