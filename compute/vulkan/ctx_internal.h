/* Inside of hue_ctx, shared by the compute/ modules that talk to Vulkan. */
#ifndef HUE_CTX_INTERNAL_H
#define HUE_CTX_INTERNAL_H
#include <vulkan/vulkan.h>

#include "hue_ctx.h"
#include "memory.h"

typedef struct hue_pipeline hue_pipeline;

struct hue_ctx {
    int backend;                  /* HUE_BACKEND_VULKAN or HUE_BACKEND_CPU */
    char backend_reason[256];
    int threads;                  /* CPU backend: OpenMP threads */
    VkInstance instance;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    VkCommandPool cmd_pool;
    VkDebugUtilsMessengerEXT messenger;
    int validation;
    int validation_errors;
    hue_device_info info;
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

int hue_vk_fail(VkResult r, const char *what);

/* The CPU backend's context: no Vulkan device; limits that never bind. */
int hue_cpu_ctx_init(hue_ctx *ctx);

#endif
