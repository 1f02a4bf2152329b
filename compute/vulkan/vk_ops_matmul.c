/* Matrix products as one GEMM dispatch each: batched matmul, and the fully
 * connected layer (B transposed, bias added per column). */
#include "vk_gemm.h"
#include "vk_op_common.h"
#include "vk_ops.h"

static int record_matmul(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *x = &g->t[n->in[0]], *y = &g->t[n->in[1]], *o = &g->t[n->out];
    hue_gemm_args a = {
        .a = n->in[0], .b = n->in[1], .c = n->out, .bias = -1,
        .trans_a = n->p.trans_a, .trans_b = n->p.trans_b,
        .M = o->shape[2], .N = o->shape[3],
        .K = n->p.trans_a ? x->shape[2] : x->shape[3],
        .batch = o->shape[0] * o->shape[1],
        .lda = x->shape[3], .ldb = y->shape[3], .ldc = o->shape[3],
        .batch_a = x->shape[0] * x->shape[1] == 1 ? 0 : x->shape[2] * x->shape[3],
        .batch_b = y->shape[0] * y->shape[1] == 1 ? 0 : y->shape[2] * y->shape[3],
        .batch_c = o->shape[2] * o->shape[3],
    };
    return hue_record_gemm(g, &a);
}

static int record_linear(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *w = &g->t[n->in[1]];
    int64_t out = w->shape[2], in = w->shape[3];
    int64_t rows = hue_tensor_numel(g, n->in[0]) / in;
    hue_gemm_args a = {
        .a = n->in[0], .b = n->in[1], .c = n->out, .bias = n->p.has_bias ? n->in[2] : -1,
        .trans_b = 1, .bias_per_column = 1,
        .M = rows, .N = out, .K = in, .batch = 1,
        .lda = in, .ldb = in, .ldc = out,
    };
    return hue_record_gemm(g, &a);
}

const hue_vk_op hue_vk_ops_matmul[] = {
    {"matmul", record_matmul},
    {"linear", record_linear},
    {NULL, NULL},
};
