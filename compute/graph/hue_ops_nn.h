/* Network layers and losses. Included by hue_ops.h; see there for the
 * conventions (fp32 NCHW, negative return = error kept by the graph). */
#ifndef HUE_OPS_NN_H
#define HUE_OPS_NN_H
#include "hue_graph.h"

/* Batch normalisation per channel (axis 1) of x [N, C, ...]. training: uses
 * the batch's mean and biased variance, and updates running_mean and
 * running_var (state tensors [C]) in place as PyTorch does (momentum,
 * unbiased variance); eval: uses the running statistics. gamma, beta [C].
 * gamma and beta may both be -1 (no affine part); in training the running
 * statistics may both be -1 (not tracked). State is zeroed at compile:
 * write ones into running_var to start as PyTorch does. A layer applied to
 * several batches in one graph moves its statistics once per use, in order.
 * Training needs more than one value per channel. */
hue_tensor hue_batch_norm(hue_graph *g, hue_tensor x, hue_tensor gamma, hue_tensor beta, hue_tensor running_mean,
                          hue_tensor running_var, int training, float momentum, float eps);
/* relu(batch_norm(...)) in the same passes: no separate ReLU pass forward
 * or backward (the output, kept for the backward, masks the gradient). */
hue_tensor hue_batch_norm_relu(hue_graph *g, hue_tensor x, hue_tensor gamma, hue_tensor beta,
                               hue_tensor running_mean, hue_tensor running_var, int training, float momentum,
                               float eps);
/* y = x w^T + bias, x [N, in] (or [.., in]: leading dimensions are rows),
 * w [out, in] (PyTorch's layout), bias [out] or -1. */
hue_tensor hue_linear(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias);
/* Mean cross-entropy of logits [N, C] or [N, C, H, W] (or [N, C, L])
 * against class ids (floats holding integers, rounded) [N] or [N, H, W];
 * weight [C] or -1; targets equal to ignore_index count for nothing
 * (PyTorch's 'mean' reduction: divided by the summed weights of counted
 * targets). Returns [1]. A target that is neither a class nor ignore_index
 * makes the loss NaN (PyTorch raises an error); when every target is
 * ignored the loss and its gradient are 0 (PyTorch: NaN). Gradient for the
 * logits only (class weights must not be trainable). */
hue_tensor hue_cross_entropy(hue_graph *g, hue_tensor logits, hue_tensor target, hue_tensor weight,
                             int ignore_index);
/* The same against soft targets shaped as the logits (probabilities along
 * axis 1); mean over the positions (N, or N H W). Gradients for both. */
hue_tensor hue_cross_entropy_soft(hue_graph *g, hue_tensor logits, hue_tensor target);
/* Mean binary cross-entropy of logits against targets in [0, 1] (same
 * shape), in the stable form max(x, 0) - x t + log(1 + exp(-|x|)).
 * Gradients for both. */
hue_tensor hue_bce_with_logits(hue_graph *g, hue_tensor logits, hue_tensor target);
/* Mean squared error over all elements of two same-shaped tensors.
 * Returns [1]; gradients for both. */
hue_tensor hue_mse(hue_graph *g, hue_tensor a, hue_tensor b);
/* x / max(||x||_2 along axis, eps), as PyTorch's F.normalize. */
hue_tensor hue_l2_normalize(hue_graph *g, hue_tensor x, int axis, float eps);
/* InfoNCE: queries q [N, D] against keys k [K, D], logits q_i . k_j / tau
 * after L2-normalising both rows (F.normalize, eps 1e-12), cross-entropy
 * with key positive[i] for query i (positive: [N] key indices as floats),
 * mean over the queries; returns [1]. Gradients for q and k. The N x K
 * logits are never stored (compute/graph/ops/info_nce.c). Flags:
 * EXCLUDE_SELF leaves key i out of query i's softmax and needs k == q
 * (SimCLR's NT-Xent); NORMALIZED takes q and k as already normalised. A
 * positive that is not a key (out of range, or i itself under
 * EXCLUDE_SELF) makes the loss NaN. */
enum { HUE_INFO_NCE_EXCLUDE_SELF = 1, HUE_INFO_NCE_NORMALIZED = 2 };
hue_tensor hue_info_nce(hue_graph *g, hue_tensor q, hue_tensor k, hue_tensor positive, float tau, int flags);
/* The same without the mean or the normalisation: each query's loss [N]
 * (flags: EXCLUDE_SELF). */
hue_tensor hue_info_nce_rows(hue_graph *g, hue_tensor q, hue_tensor k, hue_tensor positive, float tau, int flags);
/* Inverted dropout: zeroes each element with probability p and scales the
 * rest by 1 / (1 - p); the mask comes from a hash of (seed[0], index), with
 * seed a one-value input the host changes every step (the same seed gives
 * the same mask; the backward uses it too). p = 0 returns x itself. */
hue_tensor hue_dropout(hue_graph *g, hue_tensor x, float p, hue_tensor seed);
/* The same for a part of a larger tensor: x's elements are that tensor's
 * first .. first + numel(x) - 1 and get their mask (a data-parallel rank's
 * share of a batch gets the mask one process gives it). */
hue_tensor hue_dropout_part(hue_graph *g, hue_tensor x, float p, hue_tensor seed, int64_t first);
/* Joins n >= 1 tensors along an axis; all other dimensions must agree. */
hue_tensor hue_concat(hue_graph *g, int n, const hue_tensor *xs, int axis);
/* length entries from start along axis, as a new contiguous tensor. */
hue_tensor hue_slice(hue_graph *g, hue_tensor x, int axis, int64_t start, int64_t length);
/* target = momentum target + (1 - momentum) source, in place, each run at
 * this point of the graph (append it after the optimizer to follow the
 * updated weights). target: a frozen parameter or a state tensor; source:
 * any f32 tensor of as many values; momentum in [0, 1]. 0 or an error. */
int hue_ema_update(hue_graph *g, hue_tensor target, hue_tensor source, float momentum);
/* The same on the host, in double: the reference the tests compare with. */
void hue_ema_reference(double *target, const double *source, int64_t n, double momentum);

#endif
