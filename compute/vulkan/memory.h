/* Device memory: a few large vkAllocateMemory blocks, each covered by one
 * VkBuffer, suballocated here. Where a memory type is HOST_VISIBLE and
 * DEVICE_LOCAL (lavapipe, UMA, ReBAR) tensors are mapped directly; otherwise
 * tensors live in device-local memory and the host pool stages transfers. */
#ifndef HUE_MEMORY_H
#define HUE_MEMORY_H
#include <vulkan/vulkan.h>

typedef struct hue_ctx hue_ctx;

typedef struct {
    VkDeviceSize offset, size;
} hue_range;

typedef struct {
    VkDeviceMemory memory;
    VkBuffer buffer;
    VkDeviceSize size;
    void *mapped;              /* NULL when not host visible */
    hue_range *free_list;      /* sorted by offset, merged */
    int n_free, cap_free;
} hue_block;

typedef struct {
    uint32_t type_index;
    int host_visible;
    hue_block *blocks;
    int n_blocks;
} hue_pool;

typedef struct {
    hue_ctx *ctx;
    int direct;                /* tensors are host-visible: no staging */
    VkDeviceSize block_size;
    VkDeviceSize limit;        /* HUE_MEMORY_LIMIT, 0 = none */
    VkDeviceSize allocated;    /* bytes in blocks */
    hue_pool device, host;     /* the same type when direct */
} hue_memory;

typedef struct {
    hue_pool *pool;
    int block;
    VkBuffer buffer;
    VkDeviceSize offset, size;
    void *mapped;              /* host pointer at offset, or NULL */
} hue_region;

int hue_memory_init(hue_memory *m, hue_ctx *ctx);
void hue_memory_shutdown(hue_memory *m);
/* host = 1 asks for host-visible memory (staging); tensors use host = 0. */
int hue_memory_alloc(hue_memory *m, VkDeviceSize size, int host, hue_region *out);
void hue_memory_free(hue_memory *m, hue_region *r);

#endif
