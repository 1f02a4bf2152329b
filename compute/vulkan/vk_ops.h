/* The Vulkan backend's op registry: the record function of every node kind,
 * found by the name of the op implementation that built the node (e.g.
 * "conv2d", "batch_norm_stats", "optim_sgd"), as the CPU backend finds its
 * kernels. A record function appends the node's dispatches to the graph's
 * command buffer (hue_record_dispatch, vk_graph.h) when the graph compiles. */
#ifndef HUE_VK_OPS_H
#define HUE_VK_OPS_H
#include "vk_graph.h"

struct hue_vk_op {
    const char *op;
    int (*record)(hue_graph *g, const hue_node *n);  /* 0 or a HUE_E* code */
};

/* Each family lists its ops in a table ending with {NULL}:
 * compute/vulkan/vk_ops_<family>.c defines hue_vk_ops_<family>. */
extern const hue_vk_op hue_vk_ops_eltwise[], hue_vk_ops_reduce[], hue_vk_ops_tensor[], hue_vk_ops_matmul[],
    hue_vk_ops_conv[], hue_vk_ops_spatial[], hue_vk_ops_nn[], hue_vk_ops_loss[], hue_vk_ops_optim[],
    hue_vk_ops_track[], hue_vk_ops_contrastive[];

/* The entry for an op name, or NULL. */
const hue_vk_op *hue_vk_op_find(const char *op);

#endif
