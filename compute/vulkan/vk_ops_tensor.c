/* Copies and views: reshape (no dispatch), permute, and concat and slice
 * as copies of row blocks (shaders/concat.comp). */
#include "vk_op_common.h"
#include "vk_ops.h"

/* A reshape shares its input's bytes: nothing to record. */
static int record_nothing(hue_graph *g, const hue_node *n)
{
    (void)g, (void)n;
    return 0;
}

/* ---- permute ---- */

typedef struct {
    int32_t shape[4], stride[4], off_x, off_y;
    uint32_t n;
    uint32_t magic[3][3];  /* fastdiv of shape[3], shape[2], shape[1] */
} permute_push;

static int record_permute(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->out];
    int lead = HUE_MAX_DIMS - x->ndim;
    permute_push push = {.off_x = (int32_t)hue_tensor_bind_offset(g, n->in[0]),
                         .off_y = (int32_t)hue_tensor_bind_offset(g, n->out),
                         .n = (uint32_t)hue_tensor_numel(g, n->out)};
    for (int i = 0; i < 4; i++) {
        push.shape[i] = (int32_t)y->shape[i];
        push.stride[i] = i < lead ? 0 : (int32_t)x->stride[lead + n->p.perm[i - lead]];
    }
    for (int k = 0; k < 3; k++)
        hue_fastdiv((uint32_t)y->shape[3 - k], push.magic[k]);
    return record_unary_kernel(g, "permute", 0, n->in[0], n->out, &push, sizeof push, push.n);
}

/* ---- concat and slice: with a tensor seen as [outer, axis, inner], a piece
 * along the axis is, per outer row, a contiguous run of (length * inner)
 * values; slice's gradient is the same copy with zeros around it ---- */

typedef struct {
    int32_t rows, cols, src_off, src_ld, src_cols, shift, dst_off, dst_ld, chunk;
} concat_push;

#define UNITS_PER_LANE 32  /* a workgroup copies a contiguous chunk of this many columns a lane */

static int record_copy(hue_graph *g, hue_tensor src, hue_tensor dst, concat_push *push)
{
    uint32_t ls = hue_graph_local_size(g);
    const hue_device_info *info = &g->ctx->info;
    uint32_t max_x = info->max_workgroup_count[0] < 65535 ? info->max_workgroup_count[0] : 65535;
    uint64_t chunk = (uint64_t)ls * UNITS_PER_LANE, gx = ((uint64_t)push->cols + chunk - 1) / chunk;
    if (gx > max_x) {
        chunk = ((uint64_t)push->cols + max_x - 1) / max_x;
        chunk = (chunk + ls - 1) / ls * ls;
        gx = ((uint64_t)push->cols + chunk - 1) / chunk;
    }
    push->chunk = (int32_t)chunk;
    uint32_t max_y = info->max_workgroup_count[1] < 65535 ? info->max_workgroup_count[1] : 65535;
    uint32_t gy = (uint32_t)push->rows < max_y ? (uint32_t)push->rows : max_y;
    uint32_t gz = (uint32_t)(((uint64_t)push->rows + gy - 1) / gy);
    hue_pipeline_key key = {.shader = "concat", .n_bindings = 2, .kinds = {HUE_BIND_TEXEL1, HUE_BIND_STORAGE},
                            .n_spec = 1, .spec = {ls}, .push_size = sizeof *push};
    hue_binding b[2] = {{src, HUE_BIND_TEXEL1, 0}, {dst, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, push, (uint32_t)gx, gy, gz);
}

static int record_concat(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *y = &g->t[n->out];
    int a = n->p.axis;
    int64_t outer, inner, start = 0;
    outer_inner(y->shape, a, &outer, &inner);
    for (int k = 0; k < n->n_in; k++) {
        int64_t len = g->t[n->in[k]].shape[a];
        concat_push push = {
            .rows = (int32_t)outer, .cols = (int32_t)(len * inner),
            .src_off = (int32_t)hue_tensor_bind_offset(g, n->in[k]), .src_ld = (int32_t)(len * inner),
            .src_cols = (int32_t)(len * inner), .shift = 0,
            .dst_off = (int32_t)(hue_tensor_bind_offset(g, n->out) + start * inner),
            .dst_ld = (int32_t)(y->shape[a] * inner),
        };
        int rc = record_copy(g, n->in[k], n->out, &push);
        if (rc)
            return rc;
        start += len;
    }
    return 0;
}

static int record_slice(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]];
    int a = n->p.axis;
    int64_t outer, inner;
    outer_inner(x->shape, a, &outer, &inner);
    int64_t cols = n->p.length * inner;
    concat_push push = {
        .rows = (int32_t)outer, .cols = (int32_t)cols,
        .src_off = (int32_t)(hue_tensor_bind_offset(g, n->in[0]) + n->p.start * inner),
        .src_ld = (int32_t)(x->shape[a] * inner), .src_cols = (int32_t)cols, .shift = 0,
        .dst_off = (int32_t)hue_tensor_bind_offset(g, n->out), .dst_ld = (int32_t)cols,
    };
    return record_copy(g, n->in[0], n->out, &push);
}

static int record_slice_grad(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *dx = &g->t[n->out];
    int a = n->p.axis;
    int64_t outer, inner;
    outer_inner(dx->shape, a, &outer, &inner);
    concat_push push = {
        .rows = (int32_t)outer, .cols = (int32_t)(dx->shape[a] * inner),
        .src_off = (int32_t)hue_tensor_bind_offset(g, n->in[0]), .src_ld = (int32_t)(n->p.length * inner),
        .src_cols = (int32_t)(n->p.length * inner), .shift = (int32_t)(n->p.start * inner),
        .dst_off = (int32_t)hue_tensor_bind_offset(g, n->out), .dst_ld = (int32_t)(dx->shape[a] * inner),
    };
    return record_copy(g, n->in[0], n->out, &push);
}

const hue_vk_op hue_vk_ops_tensor[] = {
    {"reshape", record_nothing},
    {"stop_gradient", record_nothing},
    {"permute", record_permute},
    {"concat", record_concat},
    {"slice", record_slice},
    {"slice_grad", record_slice_grad},
    {NULL, NULL},
};
