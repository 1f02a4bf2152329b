/* The CPU backend's kernel registry: every family's table, searched by op name. */
#include <string.h>

#include "hue_cpu_kernel.h"

static const hue_cpu_kernel *const families[] = {
    hue_cpu_kernels_eltwise, hue_cpu_kernels_tensor, hue_cpu_kernels_nn,
    hue_cpu_kernels_conv,    hue_cpu_kernels_optim,  hue_cpu_kernels_track,
    hue_cpu_kernels_reduce,
};

const hue_cpu_kernel *hue_cpu_kernel_find(const char *op)
{
    for (size_t f = 0; f < sizeof families / sizeof *families; f++)
        for (const hue_cpu_kernel *k = families[f]; k->op; k++)
            if (!strcmp(k->op, op))
                return k;
    return NULL;
}
