/* What the optimizer's nodes (optim.c) share with every backend's kernels:
 * the slots of the hyper-parameter input, the update flags (p.axes of an
 * optim_sgd, optim_adamw or optim_lars node), and how the sums of squares
 * are split into partials. */
#ifndef HUE_OPTIM_INTERNAL_H
#define HUE_OPTIM_INTERNAL_H
#include "graph_internal.h"

/* The hyper-parameter tensor the update kernels read (shaders/optim_update.comp). */
enum {
    H_LR, H_MOMENTUM, H_MOM_A, H_MOM_B, H_WD, H_BETA1, H_BETA2, H_EPS,
    H_STEP_SIZE, H_INV_SQRT_BC2, H_DECAY, H_ETA, H_MAX_NORM,
    H_SET,          /* 1 once hue_optim_set_step has filled the tensor: a run before changes nothing */
    H_COUNT = 16
};

/* Kernel flags (FLAGS in optim_update.comp). */
enum { F_MOMENTUM = 1, F_NESTEROV = 2, F_DECAY = 4, F_CLIP = 8, F_ADAPT = 16, F_GUARD = 32 };

/* Partials per tensor row in the sums of squares: up to
 * HUE_OPTIM_MAX_GROUPS workgroups of the 1-D local size. */
#define HUE_OPTIM_MAX_GROUPS 64u

static inline uint32_t hue_optim_partials(const hue_graph *g) { return HUE_OPTIM_MAX_GROUPS * hue_graph_local_size(g); }

#endif
