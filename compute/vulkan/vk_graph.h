/* Recording a graph's dispatches: what every op's record function uses
 * (compute/vulkan/vk_ops_*.c). */
#ifndef HUE_VK_GRAPH_H
#define HUE_VK_GRAPH_H
#include "graph_internal.h"
#include "pipeline.h"

typedef struct {
    hue_tensor tensor;
    unsigned char kind;   /* enum hue_binding_kind */
    unsigned char write;
} hue_binding;

int hue_record_dispatch(hue_graph *g, const hue_pipeline_key *key, const hue_binding *b,
                        const void *push, uint32_t groups_x, uint32_t groups_y, uint32_t groups_z);
/* Splits n invocations of local size ls into a 2-D grid within device limits. */
void hue_grid_1d(const hue_graph *g, uint64_t n, uint32_t ls, uint32_t *gx, uint32_t *gy);

#endif
