/* CPU kernels: track. */
#include "hue_cpu_kernel.h"

const hue_cpu_kernel hue_cpu_kernels_track[] = {
    {NULL, NULL, NULL, NULL},
};
