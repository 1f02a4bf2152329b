/* The optimizer's passes: per-tensor sums of squares into partials
 * (shaders/optim_sumsq*.comp, for clipping and LARS), their total
 * (shaders/optim_norms.comp), and one fused update per parameter
 * (shaders/optim_update*.comp); and the moving average of a momentum
 * encoder's weights (shaders/ema.comp). */
#include "hue_optim.h"
#include "optim_internal.h"
#include "vk_op_common.h"
#include "vk_ops.h"

/* Four elements per invocation where every bound offset allows vec4 access
 * (slots are padded to 256 bytes, so a last partial vec4 stays inside).
 * Tensors under 64 values take the one-element kernels: a workgroup or two
 * either way, and both variants stay exercised by small test problems. */
#define VEC4_MIN 64

static int vec4_ok(const hue_graph *g, const hue_tensor *t, int n)
{
    if (hue_tensor_numel(g, t[0]) < VEC4_MIN)
        return 0;
    for (int i = 0; i < n; i++)
        if (hue_tensor_bind_offset(g, t[i]) % 4)
            return 0;
    return 1;
}

static int record_sumsq(hue_graph *g, const hue_node *n)
{
    hue_tensor grad = n->in[0], w = n->in[1];
    int vec = vec4_ok(g, n->in, 2) ? 4 : 1;
    uint32_t ls = hue_graph_local_size(g), P = hue_optim_partials(g);
    uint64_t count = (uint64_t)hue_tensor_numel(g, grad), units = (count + vec - 1) / vec;
    uint64_t groups = (units + ls - 1) / ls;
    if (groups > HUE_OPTIM_MAX_GROUPS)
        groups = HUE_OPTIM_MAX_GROUPS;
    int has_w = (int)n->p.axes;
    struct {
        int32_t off_g, off_w;
        uint32_t n, stride;
        int32_t out_g, out_w;
        uint32_t n_floats;
    } push = {(int32_t)(hue_tensor_bind_offset(g, grad) / vec), (int32_t)(hue_tensor_bind_offset(g, w) / vec),
              (uint32_t)units, (uint32_t)groups * ls, (int32_t)((uint32_t)n->p.axis * P),
              (int32_t)((uint32_t)(n->p.axis + 1) * P), (uint32_t)count};
    hue_pipeline_key key = {.shader = vec == 4 ? "optim_sumsq4" : "optim_sumsq", .n_bindings = 3, .n_spec = 2,
                            .spec = {ls, (uint32_t)has_w}, .push_size = sizeof push};
    hue_binding b[3] = {{grad, HUE_BIND_STORAGE, 0}, {w, HUE_BIND_STORAGE, 0}, {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, (uint32_t)groups, 1, 1);
}

#define NORMS_LOCAL 64u

static int record_norms(hue_graph *g, const hue_node *n)
{
    struct {
        uint32_t rows, partials;
    } push = {(uint32_t)n->p.axis, hue_optim_partials(g)};
    uint32_t ls = NORMS_LOCAL <= g->ctx->info.max_workgroup_invocations ? NORMS_LOCAL : hue_graph_local_size(g);
    hue_pipeline_key key = {.shader = "optim_norms", .n_bindings = 2, .n_spec = 1, .spec = {ls},
                            .push_size = sizeof push};
    hue_binding b[2] = {{n->in[0], HUE_BIND_STORAGE, 0}, {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, 1, 1, 1);
}

/* in = {grad, hyper, m, v, norms, loss}; the ones a variant does not use
 * are the hyper tensor again (bound, never read). */
static int record_update(hue_graph *g, const hue_node *n)
{
    int kind = n->p.kind, flags = (int)n->p.axes;
    int has_m = kind == HUE_OPTIM_ADAMW || kind == HUE_OPTIM_LARS || (flags & F_MOMENTUM);
    int has_v = kind == HUE_OPTIM_ADAMW;
    hue_tensor vec_bound[4] = {n->out, n->in[0], n->in[2], n->in[3]};
    int vec = vec4_ok(g, vec_bound, 4) ? 4 : 1;
    uint64_t count = (uint64_t)hue_tensor_numel(g, n->out);
    struct {
        int32_t off_w, off_g, off_m, off_v, off_loss;
        uint32_t n;
        int32_t row;
        uint32_t n_floats;
    } push = {(int32_t)(hue_tensor_bind_offset(g, n->out) / vec), (int32_t)(hue_tensor_bind_offset(g, n->in[0]) / vec),
              (int32_t)(hue_tensor_bind_offset(g, n->in[2]) / vec), (int32_t)(hue_tensor_bind_offset(g, n->in[3]) / vec),
              (int32_t)hue_tensor_bind_offset(g, n->in[5]), (uint32_t)((count + vec - 1) / vec), n->p.axis,
              (uint32_t)count};
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = vec == 4 ? "optim_update4" : "optim_update", .n_bindings = 7, .n_spec = 3,
                            .spec = {ls, (uint32_t)kind, (uint32_t)flags}, .push_size = sizeof push};
    hue_binding b[7] = {
        {n->out, HUE_BIND_STORAGE, 1},      {n->in[0], HUE_BIND_STORAGE, 0},
        {n->in[1], HUE_BIND_STORAGE, 0},    {n->in[2], HUE_BIND_STORAGE, (unsigned char)has_m},
        {n->in[3], HUE_BIND_STORAGE, (unsigned char)has_v}, {n->in[4], HUE_BIND_STORAGE, 0},
        {n->in[5], HUE_BIND_STORAGE, 0},
    };
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

/* in = {source}; out = the target, moved towards it (hue_ema_update). */
static int record_ema(hue_graph *g, const hue_node *n)
{
    struct {
        int32_t off_s, off_t;
        uint32_t n;
        float m;
    } push = {(int32_t)hue_tensor_bind_offset(g, n->in[0]), (int32_t)hue_tensor_bind_offset(g, n->out),
              (uint32_t)hue_tensor_numel(g, n->out), n->p.momentum};
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = "ema", .n_bindings = 2, .n_spec = 1, .spec = {ls}, .push_size = sizeof push};
    hue_binding b[2] = {{n->in[0], HUE_BIND_STORAGE, 0}, {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

const hue_vk_op hue_vk_ops_optim[] = {
    {"ema_update", record_ema},
    {"optim_sumsq", record_sumsq},
    {"optim_norms", record_norms},
    {"optim_sgd", record_update},
    {"optim_adamw", record_update},
    {"optim_lars", record_update},
    {NULL, NULL},
};
