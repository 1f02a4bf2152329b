/* What the loss builders (loss.c) share with every backend's kernels: the
 * node variants, and how a loss is split into partial sums (the node's
 * scratch holds two floats per group, sized by the builder). */
#ifndef HUE_LOSS_INTERNAL_H
#define HUE_LOSS_INTERNAL_H
#include "graph_internal.h"

/* p.kind of mse, bce_with_logits, cross_entropy, cross_entropy_soft; the
 * last is the class weights' total that cross_entropy_grad sums first
 * (shaders/loss.comp's kinds). */
enum { LOSS_MSE, LOSS_BCE, LOSS_CE, LOSS_SOFT, LOSS_CE_WEIGHTS };
/* p.kind of the gradient nodes (shaders/loss_grad.comp's kinds). */
enum { GRAD_MSE, GRAD_BCE_X, GRAD_BCE_T, GRAD_CE, GRAD_SOFT_X, GRAD_SOFT_T };

static inline int hue_loss_is_ce(int kind) { return kind == LOSS_CE || kind == LOSS_SOFT || kind == LOSS_CE_WEIGHTS; }

/* Logits [N, C, d...]: C, HW = product of d..., and the units a loss walks
 * (positions for cross-entropy, elements otherwise). */
void hue_loss_geometry(const hue_graph *g, hue_tensor logits, int ce, int64_t *C, int64_t *HW, int64_t *units);

/* The first stage's split: each workgroup sums one contiguous chunk (a
 * multiple of the workgroup size); enough workgroups to fill a GPU, few
 * enough that the second stage's single workgroup adds them quickly.
 * Returns the groups; *chunk (when not NULL) the units of each. */
int64_t hue_loss_groups(const hue_graph *g, int64_t units, int64_t *chunk);

#endif
