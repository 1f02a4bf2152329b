/* The ops a graph is built from. Each returns the result tensor, or a
 * negative HUE_E* code when its operands do not fit (the graph keeps the
 * first error, see hue_graph_status). Tensors are fp32 NCHW. */
#ifndef HUE_OPS_H
#define HUE_OPS_H
#include "hue_graph.h"

enum hue_eltwise {
    HUE_ADD, HUE_SUB, HUE_MUL,                              /* binary, broadcasting */
    HUE_RELU, HUE_LEAKY_RELU, HUE_SIGMOID, HUE_TANH, HUE_EXP, HUE_LOG, /* unary */
    HUE_SCALE_BIAS,                                         /* x * scale[c] + bias[c] */
    HUE_DIV,                                                /* binary */
    HUE_SCALE,                                              /* alpha * x, may broadcast */
    /* the derivatives backward passes use: (gradient, x or y) */
    HUE_RELU_BWD, HUE_LEAKY_RELU_BWD, HUE_SIGMOID_BWD, HUE_TANH_BWD,
    HUE_EQUAL,                                              /* 1 where a == b, else 0 */
};
enum hue_reduce_kind { HUE_REDUCE_SUM, HUE_REDUCE_MEAN, HUE_REDUCE_MAX, HUE_REDUCE_ARGMAX };
enum hue_pool_kind { HUE_POOL_MAX, HUE_POOL_AVG };

/* Everything an op may be parameterised by. */
typedef struct {
    int kind;                 /* enum hue_eltwise / hue_reduce_kind / hue_pool_kind */
    float alpha;              /* LeakyReLU slope */
    int axis;                 /* softmax axis */
    unsigned axes;            /* reduce: bit i = reduce axis i */
    int log;                  /* softmax: log-softmax */
    int perm[HUE_MAX_DIMS];   /* permute: output axis i = input axis perm[i] */
    int trans_a, trans_b;     /* matmul */
    int kernel[2], stride[2], pad[2], dilation[2]; /* conv2d, pooling: (h, w) */
    int has_bias;             /* conv2d */
    int64_t out_size[2];      /* resize: (h, w) */
    int topk, radius;         /* label propagation */
    float temperature;
    float eps, momentum;      /* batch norm; eps also l2 normalisation */
    int ignore_index;         /* cross-entropy */
    int64_t start, length;    /* slice; dropout_part: start = the first index */
} hue_op_params;

/* The same bytes seen with another shape (x must be contiguous). */
hue_tensor hue_reshape(hue_graph *g, hue_tensor x, int ndim, const int64_t *shape);
hue_tensor hue_reshape_like(hue_graph *g, hue_tensor x, hue_tensor like);
/* x's values with no gradient flowing back to x (a view of the same
 * bytes; x contiguous): what PyTorch's detach() does. */
hue_tensor hue_stop_gradient(hue_graph *g, hue_tensor x);

hue_tensor hue_add(hue_graph *g, hue_tensor a, hue_tensor b);
hue_tensor hue_sub(hue_graph *g, hue_tensor a, hue_tensor b);
hue_tensor hue_mul(hue_graph *g, hue_tensor a, hue_tensor b);
hue_tensor hue_div(hue_graph *g, hue_tensor a, hue_tensor b);
/* Any binary kind above, operands broadcasting to a common shape. */
hue_tensor hue_binary(hue_graph *g, int kind, hue_tensor a, hue_tensor b, float alpha);
/* alpha * x, broadcast to the shape of `like` (like < 0: x's shape). */
hue_tensor hue_scale(hue_graph *g, hue_tensor x, float alpha, hue_tensor like);
hue_tensor hue_scale_bias(hue_graph *g, hue_tensor x, hue_tensor scale, hue_tensor bias);
hue_tensor hue_unary(hue_graph *g, int kind, hue_tensor x, float alpha);
hue_tensor hue_relu(hue_graph *g, hue_tensor x);
hue_tensor hue_leaky_relu(hue_graph *g, hue_tensor x, float slope);
hue_tensor hue_sigmoid(hue_graph *g, hue_tensor x);
hue_tensor hue_tanh(hue_graph *g, hue_tensor x);
hue_tensor hue_exp(hue_graph *g, hue_tensor x);
hue_tensor hue_log(hue_graph *g, hue_tensor x);

/* Reduces the axes in `axes` (bit i = axis i), keeping them as size 1. */
hue_tensor hue_reduce(hue_graph *g, int kind, hue_tensor x, unsigned axes);
/* Index of the largest value along one axis (the first on ties), as a
 * float, keeping the axis as size 1. */
hue_tensor hue_argmax(hue_graph *g, hue_tensor x, int axis);
hue_tensor hue_softmax(hue_graph *g, hue_tensor x, int axis);
hue_tensor hue_log_softmax(hue_graph *g, hue_tensor x, int axis);

/* Output axis i is input axis perm[i]; the result is contiguous. */
hue_tensor hue_permute(hue_graph *g, hue_tensor x, const int *perm);
hue_tensor hue_transpose(hue_graph *g, hue_tensor x, int axis0, int axis1);

/* Batched matrix product of [.., M, K] (or [.., K, M] with trans_a) and
 * [.., K, N] (or [.., N, K] with trans_b); a batch of 1 broadcasts. */
hue_tensor hue_matmul(hue_graph *g, hue_tensor a, hue_tensor b, int trans_a, int trans_b);

/* x [N, C, H, W], w [O, C, kh, kw], bias [O] or -1. */
hue_tensor hue_conv2d(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias,
                      int stride, int pad, int dilation);
hue_tensor hue_conv2d_ex(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias, const int stride[2],
                         const int pad[2], const int dilation[2]);
/* Average pooling counts padding as zeros in the divisor (count_include_pad). */
hue_tensor hue_pool2d(hue_graph *g, int kind, hue_tensor x, int kernel, int stride, int pad);
/* Bilinear resize of [N, C, H, W] to [N, C, out_h, out_w], half-pixel centres
 * (align_corners = false). */
hue_tensor hue_resize_bilinear(hue_graph *g, hue_tensor x, int64_t out_h, int64_t out_w);

/* Packed RGB8 frames [N, H, W, 3] (a u8 input) to normalised LAB planes
 * [N, 3, out_h, out_w]: L/50 - 1, a/110, b/110 (CIE L*a*b*, sRGB, D65),
 * bilinear in RGB when the size changes (out_h, out_w <= 0: same size). */
hue_tensor hue_rgb8_to_lab(hue_graph *g, hue_tensor rgb, int64_t out_h, int64_t out_w);
/* Normalised LAB planes [N, 3, H, W] back to RGB planes in [0, 1]. */
hue_tensor hue_lab_to_rgb(hue_graph *g, hue_tensor lab);

/* Label propagation (compute/graph/ops/propagate.c) */
#include "hue_ops_track.h"

/* Layers and losses (compute/graph/ops/family_nn.c) and spatial ops beyond the
 * above (compute/graph/ops/family_spatial.c). */
#include "hue_ops_nn.h"
#include "hue_ops_spatial.h"

#endif
