/* CPU kernels: tensor. */
#include "hue_cpu_kernel.h"

const hue_cpu_kernel hue_cpu_kernels_tensor[] = {
    {NULL, NULL, NULL, NULL},
};
