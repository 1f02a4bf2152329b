/* Network layers and losses. Included by hue_ops.h; see there for the
 * conventions (fp32 NCHW, negative return = error kept by the graph). */
#ifndef HUE_OPS_NN_H
#define HUE_OPS_NN_H
#include "hue_graph.h"

/* Batch normalisation per channel (axis 1) of x [N, C, ...]. training: uses
 * the batch's mean and biased variance, and updates running_mean and
 * running_var (state tensors [C]) in place as PyTorch does (momentum,
 * unbiased variance); eval: uses the running statistics. gamma, beta [C]. */
hue_tensor hue_batch_norm(hue_graph *g, hue_tensor x, hue_tensor gamma, hue_tensor beta, hue_tensor running_mean,
                          hue_tensor running_var, int training, float momentum, float eps);
/* y = x w^T + bias, x [N, in], w [out, in] (PyTorch's layout), bias [out] or -1. */
hue_tensor hue_linear(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias);
/* Mean cross-entropy of logits [N, C] or [N, C, H, W] against class ids
 * (floats holding integers) [N] or [N, H, W]; weight [C] or -1; targets
 * equal to ignore_index count for nothing (PyTorch's 'mean' reduction:
 * divided by the summed weights of counted targets). Returns [1]. */
hue_tensor hue_cross_entropy(hue_graph *g, hue_tensor logits, hue_tensor target, hue_tensor weight,
                             int ignore_index);
/* The same against soft targets [N, C] (probabilities); mean over N. */
hue_tensor hue_cross_entropy_soft(hue_graph *g, hue_tensor logits, hue_tensor target);
/* Mean binary cross-entropy of logits against targets in [0, 1] (same shape). */
hue_tensor hue_bce_with_logits(hue_graph *g, hue_tensor logits, hue_tensor target);
/* Mean squared error over all elements. Returns [1]. */
hue_tensor hue_mse(hue_graph *g, hue_tensor a, hue_tensor b);
/* x / max(||x||_2 along axis, eps). */
hue_tensor hue_l2_normalize(hue_graph *g, hue_tensor x, int axis, float eps);
/* Inverted dropout: zeroes each element with probability p and scales the
 * rest by 1 / (1 - p); the mask comes from a hash of (seed[0], index), with
 * seed a one-value input the host changes every step. */
hue_tensor hue_dropout(hue_graph *g, hue_tensor x, float p, hue_tensor seed);
/* Joins tensors along an axis; all other dimensions must agree. */
hue_tensor hue_concat(hue_graph *g, int n, const hue_tensor *xs, int axis);
/* length entries from start along axis, as a new contiguous tensor. */
hue_tensor hue_slice(hue_graph *g, hue_tensor x, int axis, int64_t start, int64_t length);

#endif
