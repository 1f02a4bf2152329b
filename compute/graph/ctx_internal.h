/* Inside of hue_ctx: what the graph and every backend see. A backend keeps
 * its own handles behind a pointer of its own (ctx->vk for Vulkan's). */
#ifndef HUE_CTX_INTERNAL_H
#define HUE_CTX_INTERNAL_H
#include "hue_ctx.h"

struct hue_backend_ops;

struct hue_ctx {
    int backend;                  /* HUE_BACKEND_VULKAN or HUE_BACKEND_CPU */
    char backend_reason[512];
    int threads;                  /* CPU backend: OpenMP threads */
    hue_device_info info;         /* the limits graphs are built within */
    const struct hue_backend_ops *ops;  /* compiles and runs this context's graphs */
    struct hue_vk_ctx *vk;        /* the Vulkan device's handles, else NULL */
};

/* The CPU backend's context: no Vulkan device; limits that never bind. */
int hue_cpu_ctx_init(hue_ctx *ctx);

#endif
