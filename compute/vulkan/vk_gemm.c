/* One batched GEMM dispatch (shaders/gemm.comp): matmul, linear and the
 * convolutions' products all record through it. */
#include "vk_gemm.h"
#include "vk_op_common.h"

typedef struct {
    int32_t M, N, K, lda, ldb, ldc, off_a, off_b, off_c, off_bias, batch_a, batch_b, batch_c, texels_a, texels_b;
} gemm_push;

static int64_t slot_floats(const hue_graph *g, hue_tensor t)
{
    return (int64_t)(((g->t[g->t[t].base].bytes + 255) & ~(VkDeviceSize)255) / 4);
}

/* An operand is fetched as vec4 when every row and batch item starts on a
 * 16-byte boundary and rows are whole vec4s along the contiguous axis. */
static int vec4_ok(int64_t base, int64_t ld, int64_t batch, int64_t contiguous_len)
{
    return base % 4 == 0 && ld % 4 == 0 && batch % 4 == 0 && contiguous_len % 4 == 0;
}

int hue_record_gemm(hue_graph *g, const hue_gemm_args *a)
{
    int64_t base_a = hue_tensor_bind_offset(g, a->a) + a->off_a;
    int64_t base_b = hue_tensor_bind_offset(g, a->b) + a->off_b;
    /* A's contiguous axis: K (plain) or M (transposed); B's: N or K. */
    int va = vec4_ok(base_a, a->lda, a->batch_a, a->trans_a ? 4 : a->K);
    int vb = vec4_ok(base_b, a->ldb, a->batch_b, a->trans_b ? a->K : 4);
    int64_t base_c = hue_tensor_bind_offset(g, a->c) + a->off_c;
    int vc = vec4_ok(base_c, a->ldc, a->batch_c, a->N);
    if (slot_floats(g, a->a) > 0x7fffffff || slot_floats(g, a->b) > 0x7fffffff)
        return hue_graph_fail(g, HUE_ELIMIT, "matmul: operand too large for 32-bit indexing");
    gemm_push push = {
        (int32_t)a->M, (int32_t)a->N, (int32_t)a->K, (int32_t)a->lda, (int32_t)a->ldb, (int32_t)a->ldc,
        (int32_t)base_a, (int32_t)base_b, (int32_t)(hue_tensor_bind_offset(g, a->c) + a->off_c),
        a->bias >= 0 ? (int32_t)hue_tensor_bind_offset(g, a->bias) : 0,
        (int32_t)a->batch_a, (int32_t)a->batch_b, (int32_t)a->batch_c,
        (int32_t)(slot_floats(g, a->a) / (va ? 4 : 1)), (int32_t)(slot_floats(g, a->b) / (vb ? 4 : 1)),
    };
    uint32_t ls = g->ctx->info.type == HUE_DEVICE_CPU ? 8 : hue_graph_local_size(g);
    /* Where B has more columns than A rows, walking row blocks first lets
     * consecutive workgroups share one strip of B, which stays in cache
     * (1.2x on a 256 x 1024 x 2304 product in hue bench gemm) */
    uint64_t octets = (uint64_t)(a->N + 7) / 8;  /* each invocation: 8 rows x 8 columns */
    uint32_t column_groups = (uint32_t)((octets + ls - 1) / ls), row_blocks = (uint32_t)((a->M + 7) / 8);
    const hue_device_info *info = &g->ctx->info;
    uint32_t rows_first = !a->trans_a && !a->trans_b && a->N > a->M && row_blocks <= info->max_workgroup_count[0] &&
                          column_groups <= info->max_workgroup_count[1];
    hue_pipeline_key key = {
        .shader = "gemm",
        .n_bindings = 4,
        .kinds = {va ? HUE_BIND_TEXEL4 : HUE_BIND_TEXEL1, vb ? HUE_BIND_TEXEL4 : HUE_BIND_TEXEL1, HUE_BIND_STORAGE,
                  HUE_BIND_STORAGE},
        .n_spec = 10,
        .spec = {ls, (uint32_t)a->trans_a, (uint32_t)a->trans_b, (uint32_t)va, (uint32_t)vb,
                 a->bias < 0 ? 0u : a->bias_per_column ? 2u : 1u, (uint32_t)a->relu, (uint32_t)a->accumulate,
                 (uint32_t)vc, rows_first},
        .push_size = sizeof push,
    };
    hue_binding b[4] = {
        {a->a, key.kinds[0], 0},
        {a->b, key.kinds[1], 0},
        {a->bias >= 0 ? a->bias : a->c, HUE_BIND_STORAGE, 0},
        {a->c, HUE_BIND_STORAGE, 1},
    };
    if (rows_first)
        return hue_record_dispatch(g, &key, b, &push, row_blocks, column_groups, (uint32_t)a->batch);
    return hue_record_dispatch(g, &key, b, &push, column_groups, row_blocks, (uint32_t)a->batch);
}
