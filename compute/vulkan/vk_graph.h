/* The Vulkan side of hue_graph (g->vk): what compiling made (the arena, the
 * recorded command buffer, its descriptors and views) and what every op's
 * record function uses (compute/vulkan/vk_ops_*.c). */
#ifndef HUE_VK_GRAPH_H
#define HUE_VK_GRAPH_H
#include <vulkan/vulkan.h>

#include "graph_internal.h"
#include "memory.h"
#include "pipeline.h"
#include "vk_ctx.h"

typedef struct hue_vk_op hue_vk_op;

typedef struct {
    VkBuffer buffer;
    VkDeviceSize begin, end;
} hue_span;

typedef struct {
    hue_span *v;
    int n, cap;
} hue_span_list;

/* Per tensor, for owners only. */
typedef struct {
    VkDeviceSize staging_offset;  /* inputs and outputs, when not mapped directly */
    VkBufferView view4, view1;    /* texel views over the slot, made on demand */
} hue_vk_tensor;

struct hue_vk_graph {
    hue_vk_tensor *t;             /* one per graph tensor */
    const hue_vk_op **ops;        /* one per node: its record function */
    hue_region arena, staging;
    VkCommandBuffer cmd;          /* the one being recorded */
    /* The recorded run: one command buffer per segment, the segments split
     * at host steps (hue_collective.h): host_nodes[k] runs after segment k. */
    VkCommandBuffer *segments;
    int *host_nodes;
    int n_segments;
    VkFence fence;
    VkDescriptorPool *pools;
    int n_pools, sets_left;
    int n_dispatches;
    hue_span_list written, read;  /* since the last barrier */
    VkQueryPool queries;
};
typedef struct hue_vk_graph hue_vk_graph;

typedef struct {
    hue_tensor tensor;
    unsigned char kind;   /* enum hue_binding_kind */
    unsigned char write;
} hue_binding;

int hue_record_dispatch(hue_graph *g, const hue_pipeline_key *key, const hue_binding *b,
                        const void *push, uint32_t groups_x, uint32_t groups_y, uint32_t groups_z);
/* Splits n invocations of local size ls into a 2-D grid within device limits. */
void hue_grid_1d(const hue_graph *g, uint64_t n, uint32_t ls, uint32_t *gx, uint32_t *gy);

/* The backend's side of a graph (hue_backend_ops): compile records
 * (vk_record.c), run submits (vk_run.c), staged and copy reach an arena
 * the host cannot map (vk_transfer.c). */
extern const hue_backend_ops hue_vk_backend_ops;
int hue_vk_graph_compile(hue_graph *g);
int hue_vk_graph_run(hue_graph *g);
void hue_vk_graph_release(hue_graph *g);
void *hue_vk_graph_staged(hue_graph *g, hue_tensor t);
int hue_vk_graph_copy(hue_graph *g, uint64_t offset, void *host, size_t bytes, int to_device);

#endif
