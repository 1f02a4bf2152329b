/* Batch norm's node variants (p.kind of batch_norm, batch_norm_relu and the
 * batch_norm_stats, _grad_stats and _dx nodes they build), shared with
 * every backend's kernels. */
#ifndef HUE_BATCH_NORM_INTERNAL_H
#define HUE_BATCH_NORM_INTERNAL_H

enum { BN_TRAIN = 1, BN_AFFINE = 2, BN_RUNNING = 4, BN_RELU = 8 };

#endif
