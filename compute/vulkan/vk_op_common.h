/* Helpers shared by the op families' record functions. */
#ifndef HUE_VK_OP_COMMON_H
#define HUE_VK_OP_COMMON_H
#include "op_common.h"
#include "vk_graph.h"

/* The magic numbers of shaders/fastdiv.glsl for divisor d >= 1:
 * l = ceil(log2 d), m = floor(2^32 (2^l - d) / d) + 1, shifts min(l, 1)
 * and max(l - 1, 0) (Granlund and Montgomery's round-up method). */
static inline void hue_fastdiv(uint32_t d, uint32_t magic[3])
{
    uint32_t l = 0;
    while (l < 32 && ((uint64_t)1 << l) < d)
        l++;
    magic[0] = (uint32_t)((((uint64_t)1 << 32) * ((((uint64_t)1 << l) - d)) / d) + 1);
    magic[1] = l < 1 ? l : 1;
    magic[2] = l > 0 ? l - 1 : 0;
}

/* One dispatch of a one-in, one-out kernel over n invocations; the shader
 * takes its local size from constant 0 and `spec` as constant 1. */
static inline int record_unary_kernel(hue_graph *g, const char *shader, uint32_t spec, hue_tensor x, hue_tensor y,
                                      const void *push, uint32_t push_size, uint64_t n)
{
    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, n, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = shader, .n_bindings = 2, .n_spec = 2, .spec = {ls, spec},
                            .push_size = push_size};
    hue_binding b[2] = {{x, HUE_BIND_STORAGE, 0}, {y, HUE_BIND_STORAGE, 1}};
    return hue_record_dispatch(g, &key, b, push, gx, gy, 1);
}

#endif
