/* The CPU backend's kernel registry: every family's table, searched by op
 * name; and the checks kernels share. */
#include <string.h>

#include "hue_cpu_kernel.h"
#include "hue_error.h"

static const hue_cpu_kernel *const families[] = {
    hue_cpu_kernels_eltwise, hue_cpu_kernels_tensor, hue_cpu_kernels_nn,
    hue_cpu_kernels_conv,    hue_cpu_kernels_optim,  hue_cpu_kernels_track,
    hue_cpu_kernels_reduce,  hue_cpu_kernels_contrastive,
};

const hue_cpu_kernel *hue_cpu_kernel_find(const char *op)
{
    for (size_t f = 0; f < sizeof families / sizeof *families; f++)
        for (const hue_cpu_kernel *k = families[f]; k->op; k++)
            if (!strcmp(k->op, op))
                return k;
    return NULL;
}

int hue_cpu_check_dense(hue_cpu_node *n)
{
    for (int k = 0; k < n->n_in; k++)
        if (!n->in[k].contiguous || !n->in[k].data)
            return hue_fail(HUE_ENOTSUP, "%s (node %d): input %d is not a contiguous fp32 tensor", n->op, n->index, k);
    if (!n->out.contiguous || !n->out.data)
        return hue_fail(HUE_ENOTSUP, "%s (node %d): the output is not a contiguous fp32 tensor", n->op, n->index);
    return 0;
}
