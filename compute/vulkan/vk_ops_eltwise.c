/* Elementwise kernels: the eltwise kinds with broadcasting (one kernel,
 * shaders/eltwise.comp, serves all), dropout, and the colour conversions. */
#include "dropout_internal.h"
#include "vk_op_common.h"
#include "vk_ops.h"

/* ---- eltwise ---- */

typedef struct {
    int32_t shape[4];
    int32_t sa[4], sb[4];   /* c shares b's strides (scale and bias) */
    int32_t off[4];
    uint32_t n;
    float alpha;
    uint32_t magic[3][3];   /* fastdiv of shape[3], shape[2], shape[1] */
} eltwise_push;

/* Same shape as the output and contiguous: the element index is the offset. */
static int plain(const hue_graph *g, hue_tensor t, const hue_tensor_desc *y)
{
    return memcmp(g->t[t].shape, y->shape, sizeof y->shape) == 0 && hue_tensor_is_contiguous(g, t);
}

static int record_eltwise(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *y = &g->t[n->out];
    eltwise_push push = {0};
    for (int i = 0; i < 4; i++)
        push.shape[i] = (int32_t)y->shape[i];
    hue_binding b[4];
    int n_ops = n->n_in, contig = n->p.kind != HUE_SCALE_BIAS;  /* operands: 1, 2, or 3 for scale_bias */
    for (int k = 0; k < 3; k++) {
        hue_tensor t = n->in[k < n_ops ? k : 0];
        const hue_tensor_desc *d = &g->t[t];
        if (k < 2 && k < n_ops) {
            int32_t *st = k == 0 ? push.sa : push.sb;
            for (int i = 0; i < 4; i++)
                st[i] = d->shape[i] == 1 && y->shape[i] != 1 ? 0 : (int32_t)d->stride[i];
            if (n->p.kind == HUE_SCALE_BIAS && k > 0) {
                /* scale and bias run along the channel axis (user axis 1) */
                memset(st, 0, sizeof push.sb);
                st[HUE_MAX_DIMS - y->ndim + 1] = 1;
            }
        }
        if (k < n_ops)
            contig &= plain(g, t, y);
        push.off[k] = (int32_t)hue_tensor_bind_offset(g, t);
        b[k] = (hue_binding){t, HUE_BIND_STORAGE, 0};
    }
    push.off[3] = (int32_t)hue_tensor_bind_offset(g, n->out);
    b[3] = (hue_binding){n->out, HUE_BIND_STORAGE, 1};
    uint64_t count = (uint64_t)hue_tensor_numel(g, n->out);
    int vec4 = contig && count % 4 == 0 && push.off[0] % 4 == 0 && push.off[1] % 4 == 0 && push.off[3] % 4 == 0;
    push.n = (uint32_t)(vec4 ? count / 4 : count);
    push.alpha = n->p.alpha;
    for (int k = 0; k < 3; k++)
        hue_fastdiv((uint32_t)y->shape[3 - k], push.magic[k]);

    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = "eltwise", .n_bindings = 4, .n_spec = 4,
                            .spec = {ls, (uint32_t)n->p.kind, (uint32_t)contig, (uint32_t)vec4},
                            .push_size = sizeof push};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

/* ---- dropout ---- */

typedef struct {
    int32_t off_x, off_s, off_y;
    uint32_t n, threshold;
    float scale;
    uint32_t chunk;
    uint32_t first;         /* the part's first index, mod 2^32 (the hash takes 32 bits) */
} dropout_push;

#define UNITS_PER_LANE 32  /* each workgroup walks a contiguous chunk of this many elements a lane */

static int record_dropout(hue_graph *g, const hue_node *n)
{
    dropout_push push = {(int32_t)hue_tensor_bind_offset(g, n->in[0]), (int32_t)hue_tensor_bind_offset(g, n->in[1]),
                         (int32_t)hue_tensor_bind_offset(g, n->out), (uint32_t)hue_tensor_numel(g, n->out),
                         hue_dropout_threshold(n->p.alpha), hue_dropout_scale(n->p.alpha), 0,
                         (uint32_t)n->p.start};
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    push.chunk = ls * UNITS_PER_LANE;
    hue_grid_1d(g, (push.n + (uint64_t)push.chunk - 1) / push.chunk, 1, &gx, &gy);
    hue_pipeline_key key = {.shader = "dropout", .n_bindings = 3,
                            .kinds = {HUE_BIND_TEXEL1, HUE_BIND_STORAGE, HUE_BIND_STORAGE}, .n_spec = 1,
                            .spec = {ls}, .push_size = sizeof push};
    hue_binding b[3] = {{n->in[0], HUE_BIND_TEXEL1, 0}, {n->in[1], HUE_BIND_STORAGE, 0},
                        {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

/* ---- colour: RGB8 to LAB (p.kind 0) and LAB to RGB (1) ---- */

typedef struct {
    int32_t H, W, OH, OW;
    float scale_h, scale_w;
    int32_t off_in, off_y;
    uint32_t n;
} lab_push;

static int record_lab(hue_graph *g, const hue_node *n)
{
    int inverse = n->p.kind;
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->out];
    int64_t H = inverse ? x->shape[2] : x->shape[1], W = inverse ? x->shape[3] : x->shape[2];
    int64_t off_in = hue_tensor_bind_offset(g, n->in[0]);
    lab_push push = {(int32_t)H, (int32_t)W, (int32_t)y->shape[2], (int32_t)y->shape[3],
                     (float)H / (float)y->shape[2], (float)W / (float)y->shape[3], (int32_t)off_in,
                     (int32_t)hue_tensor_bind_offset(g, n->out),
                     (uint32_t)(y->shape[0] * y->shape[2] * y->shape[3])};
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = "lab", .n_bindings = 3, .n_spec = 2, .spec = {ls, (uint32_t)inverse},
                            .push_size = sizeof push};
    hue_binding b[3] = {{n->in[0], HUE_BIND_STORAGE, 0}, {n->in[0], HUE_BIND_STORAGE, 0},
                        {n->out, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

const hue_vk_op hue_vk_ops_eltwise[] = {
    {"add", record_eltwise},
    {"sub", record_eltwise},
    {"mul", record_eltwise},
    {"relu", record_eltwise},
    {"leaky_relu", record_eltwise},
    {"sigmoid", record_eltwise},
    {"tanh", record_eltwise},
    {"exp", record_eltwise},
    {"log", record_eltwise},
    {"scale_bias", record_eltwise},
    {"div", record_eltwise},
    {"scale", record_eltwise},
    {"relu_bwd", record_eltwise},
    {"leaky_relu_bwd", record_eltwise},
    {"sigmoid_bwd", record_eltwise},
    {"tanh_bwd", record_eltwise},
    {"equal", record_eltwise},
    {"dropout", record_dropout},
    {"rgb8_to_lab", record_lab},
    {"lab_to_rgb", record_lab},
    {NULL, NULL},
};
