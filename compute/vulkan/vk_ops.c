/* The Vulkan backend's op registry: every family's table, searched by op name. */
#include <string.h>

#include "vk_ops.h"

static const hue_vk_op *const families[] = {
    hue_vk_ops_eltwise, hue_vk_ops_reduce, hue_vk_ops_tensor, hue_vk_ops_matmul, hue_vk_ops_conv,
    hue_vk_ops_spatial, hue_vk_ops_nn,     hue_vk_ops_loss,   hue_vk_ops_optim,  hue_vk_ops_track,
    hue_vk_ops_contrastive,
};

const hue_vk_op *hue_vk_op_find(const char *op)
{
    for (size_t f = 0; f < sizeof families / sizeof *families; f++)
        for (const hue_vk_op *k = families[f]; k->op; k++)
            if (!strcmp(k->op, op))
                return k;
    return NULL;
}
