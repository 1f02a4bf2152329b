/* Compute pipelines, created on first use from the embedded SPIR-V and kept
 * for the context's life; a VkPipelineCache on disk spares the next run the
 * driver's shader compilation. Every shader takes its local size x from
 * specialization constant 0; shapes and tile sizes are further constants
 * (ids 1..) or push constants. */
#ifndef HUE_PIPELINE_H
#define HUE_PIPELINE_H
#include <vulkan/vulkan.h>

#include "hue_ctx.h"

#define HUE_MAX_BINDINGS 8
#define HUE_MAX_SPEC 24

enum hue_binding_kind {
    HUE_BIND_STORAGE,  /* storage buffer (read or written) */
    HUE_BIND_TEXEL4,   /* uniform texel buffer, RGBA32F: vec4 fetches */
    HUE_BIND_TEXEL1,   /* uniform texel buffer, R32F */
    HUE_BIND_IMAGE1,   /* storage texel buffer, R32F: writes beyond maxStorageBufferRange */
};

typedef struct {
    const char *shader;             /* shaders/<name>.comp */
    int n_bindings;
    unsigned char kinds[HUE_MAX_BINDINGS];
    int n_spec;
    uint32_t spec[HUE_MAX_SPEC];    /* constant_id i = spec[i]; [0] = local size x */
    uint32_t push_size;
} hue_pipeline_key;

struct hue_pipeline {
    hue_pipeline_key key;
    VkPipeline pipeline;
    VkPipelineLayout layout;
    VkDescriptorSetLayout set_layout;
    struct hue_pipeline *next;
};
typedef struct hue_pipeline hue_pipeline;

int hue_pipeline_get(hue_ctx *ctx, const hue_pipeline_key *key, hue_pipeline **out);
int hue_pipelines_init(hue_ctx *ctx);
void hue_pipelines_shutdown(hue_ctx *ctx);

#endif
