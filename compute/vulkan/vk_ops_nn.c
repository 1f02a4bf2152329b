/* Batch normalisation's passes (see compute/graph/ops/batch_norm.c): the
 * per-channel statistics (shaders/batch_norm_stats.comp), the gradient's
 * per-channel sums (shaders/batch_norm_grad.comp), and y = A u (+ B v) + D
 * for both the forward and dx (shaders/batch_norm_apply.comp). */
#include "batch_norm_internal.h"
#include "vk_op_common.h"
#include "vk_ops.h"

enum { MODE_TRAIN, MODE_EVAL };  /* batch_norm_stats.comp */

typedef struct {
    int32_t N, C, HWu, off_x, off_gamma, off_beta, off_rm, off_rv, off_stats, step_n, step_h;
    float eps, momentum, count;
} stats_push;

typedef struct {
    int32_t N, C, HWu, off_x, off_g, off_y, off_stats, off_coef, step_n, step_h;
    float count;
} grad_push;

typedef struct {
    int32_t C, HWu, units, chunk, off_u, off_v, off_m, off_y, off_a, off_b, off_d, step_h, step_c;
} apply_push;

#define UNITS_PER_LANE 32  /* batch_norm_apply.comp: a workgroup's chunk is this many units per lane */

/* x as [N, C, HW]. */
static void dims(const hue_graph *g, hue_tensor x, int64_t *N, int64_t *C, int64_t *HW)
{
    *N = hue_tensor_dim(g, x, 0);
    *C = hue_tensor_dim(g, x, 1);
    *HW = hue_tensor_numel(g, x) / (*N * *C);
}

/* Planes are fetched as vec4 when each holds whole vec4s that start on
 * 16-byte boundaries. */
static int vec_ok(const hue_graph *g, int64_t HW, int n, const hue_tensor *ts)
{
    if (HW % 4)
        return 0;
    for (int i = 0; i < n; i++)
        if (hue_tensor_bind_offset(g, ts[i]) % 4)
            return 0;
    return 1;
}

/* in = {x, gamma, beta, running_mean, running_var} (x where absent); the
 * output stats stands in for absent storage operands. */
static int record_stats(hue_graph *g, const hue_node *n)
{
    int flags = n->p.kind, affine = flags & BN_AFFINE, running = flags & BN_RUNNING;
    int mode = flags & BN_TRAIN ? MODE_TRAIN : MODE_EVAL, update = mode == MODE_TRAIN && running;
    hue_tensor x = n->in[0], stats = n->out;
    int64_t N, C, HW;
    dims(g, x, &N, &C, &HW);
    int vec = mode == MODE_TRAIN && vec_ok(g, HW, 1, &x);
    int64_t HWu = vec ? HW / 4 : HW, unit = vec ? 4 : 1;
    uint32_t ls = hue_graph_local_size(g);
    hue_tensor gamma = affine ? n->in[1] : stats, beta = affine ? n->in[2] : stats;
    hue_tensor rm = running ? n->in[3] : stats, rv = running ? n->in[4] : stats;
    stats_push push = {
        (int32_t)N, (int32_t)C, (int32_t)HWu, (int32_t)(hue_tensor_bind_offset(g, x) / unit),
        (int32_t)hue_tensor_bind_offset(g, gamma), (int32_t)hue_tensor_bind_offset(g, beta),
        (int32_t)hue_tensor_bind_offset(g, rm), (int32_t)hue_tensor_bind_offset(g, rv),
        (int32_t)hue_tensor_bind_offset(g, stats), (int32_t)(ls / HWu), (int32_t)(ls % HWu),
        n->p.eps, n->p.momentum, (float)(N * HW),
    };
    unsigned char kind = vec ? HUE_BIND_TEXEL4 : HUE_BIND_TEXEL1;
    hue_pipeline_key key = {.shader = "batch_norm_stats", .n_bindings = 6, .kinds = {kind}, .n_spec = 5,
                            .spec = {ls, (uint32_t)mode, (uint32_t)vec, (uint32_t)!!affine, (uint32_t)update},
                            .push_size = sizeof push};
    hue_binding b[6] = {
        {x, kind, 0},
        {gamma, HUE_BIND_STORAGE, 0},
        {beta, HUE_BIND_STORAGE, 0},
        {rm, HUE_BIND_STORAGE, (unsigned char)update},
        {rv, HUE_BIND_STORAGE, (unsigned char)update},
        {stats, HUE_BIND_STORAGE, 1},
    };
    uint32_t groups = mode == MODE_EVAL ? (uint32_t)((C + ls - 1) / ls) : (uint32_t)C;
    return hue_record_dispatch(g, &key, b, &push, groups, 1, 1);
}

/* in = {G, x, stats, [y when fused with ReLU]} */
static int record_grad_stats(hue_graph *g, const hue_node *n)
{
    int train = n->p.kind & BN_TRAIN, mask = n->p.kind & BN_RELU;
    hue_tensor G = n->in[0], x = n->in[1], stats = n->in[2], y = mask ? n->in[3] : x;
    int64_t N, C, HW;
    dims(g, x, &N, &C, &HW);
    hue_tensor ts[3] = {x, G, y};
    int vec = vec_ok(g, HW, 3, ts);
    int64_t HWu = vec ? HW / 4 : HW, unit = vec ? 4 : 1;
    uint32_t ls = hue_graph_local_size(g);
    grad_push push = {
        (int32_t)N, (int32_t)C, (int32_t)HWu, (int32_t)(hue_tensor_bind_offset(g, x) / unit),
        (int32_t)(hue_tensor_bind_offset(g, G) / unit), (int32_t)(hue_tensor_bind_offset(g, y) / unit),
        (int32_t)hue_tensor_bind_offset(g, stats), (int32_t)hue_tensor_bind_offset(g, n->out),
        (int32_t)(ls / HWu), (int32_t)(ls % HWu), (float)(N * HW),
    };
    unsigned char kind = vec ? HUE_BIND_TEXEL4 : HUE_BIND_TEXEL1;
    hue_pipeline_key key = {.shader = "batch_norm_grad", .n_bindings = 5, .kinds = {kind, kind, kind}, .n_spec = 4,
                            .spec = {ls, (uint32_t)!!train, (uint32_t)vec, (uint32_t)!!mask},
                            .push_size = sizeof push};
    hue_binding b[5] = {{x, kind, 0}, {G, kind, 0}, {y, kind, 0}, {stats, HUE_BIND_STORAGE, 0},
                        {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, (uint32_t)C, 1, 1);
}

/* One batch_norm_apply.comp dispatch: y = A u (+ B v) + D, rows of coef;
 * relu: then max(y, 0); m >= 0: u counts only where m > 0. */
static int record_apply_kernel(hue_graph *g, hue_tensor u, hue_tensor v, int has_v, hue_tensor m, hue_tensor coef,
                               int row_a, int row_b, int row_d, int relu, hue_tensor y)
{
    int64_t N, C, HW;
    dims(g, u, &N, &C, &HW);
    hue_tensor ts[4] = {u, v, y, m >= 0 ? m : u};
    int vec = vec_ok(g, HW, 4, ts);
    int64_t HWu = vec ? HW / 4 : HW, unit = vec ? 4 : 1, units = N * C * HWu;
    int64_t off_c = hue_tensor_bind_offset(g, coef), ls = hue_graph_local_size(g);
    int64_t chunk = ls * UNITS_PER_LANE, groups = (units + chunk - 1) / chunk;
    apply_push push = {(int32_t)C, (int32_t)HWu, (int32_t)units, (int32_t)chunk,
                       (int32_t)(hue_tensor_bind_offset(g, u) / unit), (int32_t)(hue_tensor_bind_offset(g, v) / unit),
                       (int32_t)(hue_tensor_bind_offset(g, ts[3]) / unit), (int32_t)hue_tensor_bind_offset(g, y),
                       (int32_t)(off_c + row_a * C), (int32_t)(off_c + row_b * C), (int32_t)(off_c + row_d * C),
                       (int32_t)(ls % HWu), (int32_t)((ls / HWu) % C)};
    uint32_t gx, gy;
    hue_grid_1d(g, (uint64_t)groups, 1, &gx, &gy);
    unsigned char kind = vec ? HUE_BIND_TEXEL4 : HUE_BIND_TEXEL1;
    hue_pipeline_key key = {.shader = "batch_norm_apply", .n_bindings = 5, .kinds = {kind, kind, kind}, .n_spec = 5,
                            .spec = {(uint32_t)ls, (uint32_t)vec, (uint32_t)!!has_v, (uint32_t)!!relu,
                                     (uint32_t)(m >= 0)},
                            .push_size = sizeof push};
    hue_binding b[5] = {{u, kind, 0}, {v, kind, 0}, {ts[3], kind, 0}, {coef, HUE_BIND_STORAGE, 0},
                        {y, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

/* in = {x, stats, [gamma, beta]} */
static int record_apply(hue_graph *g, const hue_node *n)
{
    return record_apply_kernel(g, n->in[0], n->in[0], 0, -1, n->in[1], 2, 2, 3, n->p.kind & BN_RELU, n->out);
}

/* in = {G, x, coef, [y when fused with ReLU]} */
static int record_dx(hue_graph *g, const hue_node *n)
{
    hue_tensor mask = n->p.kind & BN_RELU ? n->in[3] : -1;
    return record_apply_kernel(g, n->in[0], n->in[1], n->p.kind & BN_TRAIN, mask, n->in[2], 0, 1, 2, 0, n->out);
}

/* dgamma and dbeta are views of coef's rows: nothing to record. */
/* dgamma and dbeta are views of coef's rows: nothing to record. */
static int record_nothing(hue_graph *g, const hue_node *n)
{
    (void)g, (void)n;
    return 0;
}

const hue_vk_op hue_vk_ops_nn[] = {
    {"batch_norm_stats", record_stats},
    {"batch_norm", record_apply},
    {"batch_norm_relu", record_apply},
    {"batch_norm_grad_stats", record_grad_stats},
    {"batch_norm_dx", record_dx},
    {"batch_norm_grad_row", record_nothing},
    {NULL, NULL},
};
