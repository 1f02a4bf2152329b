/* Spatial ops beyond conv2d, pooling and resize (declared in hue_ops.h). */
#ifndef HUE_OPS_SPATIAL_H
#define HUE_OPS_SPATIAL_H
#include "hue_graph.h"

/* Transposed convolution (the gradient of conv2d with respect to its input,
 * as a layer): x [N, C, H, W], w [C, O, kh, kw] (PyTorch's layout), bias [O]
 * or -1; out = (H - 1) * stride - 2 * pad + dilation * (kh - 1) +
 * output_padding + 1. */
hue_tensor hue_conv_transpose2d(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias, int stride, int pad,
                                int output_padding, int dilation);
/* Mean over H and W: [N, C, H, W] -> [N, C]. */
hue_tensor hue_global_avg_pool(hue_graph *g, hue_tensor x);

#endif
