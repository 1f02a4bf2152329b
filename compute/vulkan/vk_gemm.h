/* Recording one batched GEMM dispatch (shaders/gemm.comp); used by matmul
 * and by conv2d, which multiplies weights by im2col columns. */
#ifndef HUE_VK_GEMM_H
#define HUE_VK_GEMM_H
#include "vk_graph.h"

typedef struct {
    hue_tensor a, b, c, bias;       /* bias < 0: none */
    int trans_a, trans_b;
    int64_t M, N, K, batch;
    int64_t lda, ldb, ldc;          /* row strides, elements */
    int64_t off_a, off_b, off_c;    /* extra element offsets within the tensors */
    int64_t batch_a, batch_b, batch_c; /* element strides between batch items (0 = shared) */
    int bias_per_column;            /* else per row */
    int relu, accumulate;
} hue_gemm_args;

int hue_record_gemm(hue_graph *g, const hue_gemm_args *a);

#endif
