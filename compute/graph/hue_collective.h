/* Collectives inside a graph: the sums over a data-parallel group that
 * training on several processes needs (compute/dist runs the group; the
 * graph only calls the sum it is given, so it stays free of MPI).
 *
 * A collective is a host step: a node that is no kernel but a function the
 * backend calls when a run reaches it, every earlier node finished and no
 * later one started (the Vulkan backend splits its command buffer there,
 * the CPU backend calls it in order). Three uses:
 *   - hue_all_reduce_sum: a tensor summed over the group, differentiable
 *     (the gradient of a sum over ranks is the sum of the ranks' gradients):
 *     what synchronised batch norm builds on;
 *   - hue_all_gather: every rank's rows, for the negatives of contrastive
 *     losses;
 *   - hue_optim_create, when the group has more than one rank, averages the
 *     gradients of the parameters it updates in one buffer before its
 *     update nodes, so every rank takes the same step. */
#ifndef HUE_COLLECTIVE_H
#define HUE_COLLECTIVE_H
#include <stddef.h>

#include "hue_graph.h"

typedef struct {
    int ranks;  /* processes in the group; 0 or 1: no group (every collective is the identity) */
    /* values = their sum over the group, in place; 0 or an error */
    int (*sum)(void *user, float *values, size_t count);
    void *user;
    int rank;   /* this process's place in the group, 0 .. ranks - 1 */
} hue_collective;

/* Before building: the group the graph's collectives sum over. */
void hue_graph_set_collective(hue_graph *g, const hue_collective *c);
/* Ranks of the graph's group (1 when none is set), and this process's. */
int hue_graph_ranks(const hue_graph *g);
int hue_graph_rank(const hue_graph *g);

/* x summed over the group (x itself, copied, in a group of one). */
hue_tensor hue_all_reduce_sum(hue_graph *g, hue_tensor x);

/* Every rank's x stacked along axis 0 in rank order: [ranks x n, ...] for
 * x [n, ...] (x itself, copied, in a group of one). Differentiable: the
 * gradient of this rank's rows is the group's sum of the gradient of those
 * rows (what contrastive losses need to take their negatives from the
 * whole group's batch). Travels as a sum of rows zero but this rank's:
 * the rows are few (embeddings), and the group needs no second primitive. */
hue_tensor hue_all_gather(hue_graph *g, hue_tensor x);

/* Training-mode batch norm over axis 1 of x with the statistics of the
 * group's whole batch (PyTorch's SyncBatchNorm; in a group of one, plain
 * batch norm), fused with a ReLU when relu is set; moves the running
 * statistics (momentum as PyTorch's, unbiased variance) unless both are -1. */
hue_tensor hue_batch_norm_group(hue_graph *g, hue_tensor x, hue_tensor gamma, hue_tensor beta,
                                hue_tensor running_mean, hue_tensor running_var, float momentum, float eps, int relu);

/* One host step that replaces each tensor's values by their mean over the
 * group, in one buffer (what hue_optim_create adds for gradients; a group
 * of one adds nothing). 0 or an error. */
int hue_all_reduce_mean_in_place(hue_graph *g, int n, const hue_tensor *tensors);

#endif
