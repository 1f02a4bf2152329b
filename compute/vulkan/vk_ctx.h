/* The Vulkan side of hue_ctx (ctx->vk): instance, device, queue, memory
 * and pipelines, shared by the compute/vulkan modules. */
#ifndef HUE_VK_CTX_H
#define HUE_VK_CTX_H
#include <vulkan/vulkan.h>

#include "ctx_internal.h"
#include "memory.h"

typedef struct hue_pipeline hue_pipeline;

struct hue_vk_ctx {
    VkInstance instance;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    VkCommandPool cmd_pool;
    VkDebugUtilsMessengerEXT messenger;
    int validation;
    int validation_errors;
    VkPhysicalDeviceMemoryProperties mem_props;
    hue_memory memory;

    /* pipelines, created on first use */
    VkPipelineCache pipeline_cache;
    char cache_path[1024];
    hue_pipeline *pipelines;
    int pipelines_created, pipeline_cache_hits;
    double pipeline_ms;           /* time spent creating pipelines */
    int creation_feedback;
};
typedef struct hue_vk_ctx hue_vk_ctx;

int hue_vk_fail(VkResult r, const char *what);

#endif
