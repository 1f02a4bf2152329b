#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hue_error.h"
#include "hue_shaders.h"
#include "vk_ctx.h"

/* On-disk cache file: our own header around the driver's blob, so a corrupt
 * or truncated file is recognised and ignored rather than handed over. */
static const char cache_magic[8] = {'H', 'U', 'E', 'P', 'C', '0', '0', '1'};

typedef struct {
    char magic[8];
    uint64_t size;
    uint64_t hash;
} cache_file_header;

static uint64_t fnv1a(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static int mkdir_p(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static void cache_dir(char *out, size_t n)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(out, n, "%s/hue", xdg);
    else if (home && *home)
        snprintf(out, n, "%s/.cache/hue", home);
    else
        out[0] = 0;
}

/* The driver's blob is kept only when it was made by this very device and
 * driver (header version one: vendor, device, pipelineCacheUUID). */
static int blob_matches_device(hue_ctx *ctx, const unsigned char *blob, size_t n)
{
    if (n < 16 + VK_UUID_SIZE)
        return 0;
    uint32_t len, version, vendor, device;
    memcpy(&len, blob, 4);
    memcpy(&version, blob + 4, 4);
    memcpy(&vendor, blob + 8, 4);
    memcpy(&device, blob + 12, 4);
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(ctx->vk->phys, &props);
    return len >= 16 + VK_UUID_SIZE && version == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
           vendor == props.vendorID && device == props.deviceID &&
           memcmp(blob + 16, props.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

static void *cache_load(hue_ctx *ctx, size_t *size)
{
    *size = 0;
    FILE *f = fopen(ctx->vk->cache_path, "rb");
    if (!f)
        return NULL;
    cache_file_header h;
    void *blob = NULL;
    if (fread(&h, sizeof h, 1, f) == 1 && memcmp(h.magic, cache_magic, 8) == 0 && h.size < (1ull << 30) &&
        (blob = malloc(h.size ? h.size : 1)) && fread(blob, 1, h.size, f) == h.size &&
        fnv1a(blob, h.size) == h.hash && blob_matches_device(ctx, blob, h.size)) {
        *size = h.size;
    } else if (getenv("HUE_PROFILE")) {
        fprintf(stderr, "hue: ignoring pipeline cache %s (corrupt or from another device); it will be rewritten\n",
                ctx->vk->cache_path);
    }
    fclose(f);
    if (!*size) {
        free(blob);
        return NULL;
    }
    return blob;
}

static void cache_save(hue_ctx *ctx)
{
    size_t n = 0;
    if (vkGetPipelineCacheData(ctx->vk->device, ctx->vk->pipeline_cache, &n, NULL) != VK_SUCCESS || n == 0)
        return;
    void *blob = malloc(n);
    if (!blob)
        return;
    if (vkGetPipelineCacheData(ctx->vk->device, ctx->vk->pipeline_cache, &n, blob) != VK_SUCCESS) {
        free(blob);
        return;
    }
    char dir[900], tmp[1100];
    cache_dir(dir, sizeof dir);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", ctx->vk->cache_path, (int)getpid());
    FILE *f = NULL;
    if (dir[0] && mkdir_p(dir) == 0 && (f = fopen(tmp, "wb"))) {
        cache_file_header h;
        memcpy(h.magic, cache_magic, 8);
        h.size = n;
        h.hash = fnv1a(blob, n);
        int ok = fwrite(&h, sizeof h, 1, f) == 1 && fwrite(blob, 1, n, f) == n;
        ok = (fclose(f) == 0) && ok;
        if (ok && rename(tmp, ctx->vk->cache_path) == 0) {
            free(blob);
            return;
        }
        unlink(tmp);
    }
    free(blob);
    /* A cache that cannot be written only costs the next run some time. */
}

int hue_pipelines_init(hue_ctx *ctx)
{
    char dir[900];
    cache_dir(dir, sizeof dir);
    if (dir[0])
        snprintf(ctx->vk->cache_path, sizeof ctx->vk->cache_path, "%s/pipelines-%04x-%04x.bin", dir,
                 ctx->info.vendor_id, ctx->info.device_id);
    size_t n = 0;
    void *blob = dir[0] ? cache_load(ctx, &n) : NULL;
    VkPipelineCacheCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
        .initialDataSize = n,
        .pInitialData = blob,
    };
    VkResult r = vkCreatePipelineCache(ctx->vk->device, &ci, NULL, &ctx->vk->pipeline_cache);
    if (r != VK_SUCCESS && blob) {
        ci.initialDataSize = 0;
        ci.pInitialData = NULL;
        r = vkCreatePipelineCache(ctx->vk->device, &ci, NULL, &ctx->vk->pipeline_cache);
    }
    free(blob);
    return r == VK_SUCCESS ? 0 : hue_vk_fail(r, "vkCreatePipelineCache");
}

void hue_pipelines_shutdown(hue_ctx *ctx)
{
    const char *profile = getenv("HUE_PROFILE");
    if (profile && *profile && strcmp(profile, "0") != 0 && ctx->vk->pipelines_created)
        fprintf(stderr,
                "hue: pipelines: %d created in %.1f ms, %d reported by the driver as pipeline-cache hits (%s)\n",
                ctx->vk->pipelines_created, ctx->vk->pipeline_ms, ctx->vk->pipeline_cache_hits,
                ctx->vk->cache_path[0] ? ctx->vk->cache_path : "no cache file");
    if (ctx->vk->pipeline_cache) {
        if (ctx->vk->cache_path[0] && ctx->vk->pipelines_created > ctx->vk->pipeline_cache_hits)
            cache_save(ctx);
        vkDestroyPipelineCache(ctx->vk->device, ctx->vk->pipeline_cache, NULL);
    }
    for (hue_pipeline *p = ctx->vk->pipelines, *next; p; p = next) {
        next = p->next;
        vkDestroyPipeline(ctx->vk->device, p->pipeline, NULL);
        vkDestroyPipelineLayout(ctx->vk->device, p->layout, NULL);
        vkDestroyDescriptorSetLayout(ctx->vk->device, p->set_layout, NULL);
        free(p);
    }
    ctx->vk->pipelines = NULL;
}

static int same_key(const hue_pipeline_key *a, const hue_pipeline_key *b)
{
    return strcmp(a->shader, b->shader) == 0 && a->n_bindings == b->n_bindings &&
           memcmp(a->kinds, b->kinds, (size_t)a->n_bindings) == 0 && a->n_spec == b->n_spec &&
           memcmp(a->spec, b->spec, sizeof(uint32_t) * (size_t)a->n_spec) == 0 && a->push_size == b->push_size;
}

static int create(hue_ctx *ctx, const hue_pipeline_key *key, hue_pipeline *p)
{
    const hue_shader_blob *blob = hue_shader_find(key->shader);
    if (!blob)
        return hue_fail(HUE_EINVAL, "no shader named '%s' is built into hue", key->shader);

    VkDescriptorSetLayoutBinding b[HUE_MAX_BINDINGS];
    for (int i = 0; i < key->n_bindings; i++)
        b[i] = (VkDescriptorSetLayoutBinding){
            .binding = (uint32_t)i,
            .descriptorType = key->kinds[i] == HUE_BIND_STORAGE  ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                              : key->kinds[i] == HUE_BIND_IMAGE1 ? VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER
                                                                 : VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    VkDescriptorSetLayoutCreateInfo dl = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = (uint32_t)key->n_bindings,
        .pBindings = b,
    };
    VkResult r = vkCreateDescriptorSetLayout(ctx->vk->device, &dl, NULL, &p->set_layout);
    if (r != VK_SUCCESS)
        return hue_vk_fail(r, "vkCreateDescriptorSetLayout");

    VkPushConstantRange push = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .size = key->push_size};
    VkPipelineLayoutCreateInfo pl = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &p->set_layout,
        .pushConstantRangeCount = key->push_size ? 1 : 0,
        .pPushConstantRanges = &push,
    };
    r = vkCreatePipelineLayout(ctx->vk->device, &pl, NULL, &p->layout);
    if (r != VK_SUCCESS)
        return hue_vk_fail(r, "vkCreatePipelineLayout");

    VkShaderModuleCreateInfo mci = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = *blob->size,
        .pCode = blob->code,
    };
    VkShaderModule module;
    r = vkCreateShaderModule(ctx->vk->device, &mci, NULL, &module);
    if (r != VK_SUCCESS)
        return hue_vk_fail(r, "vkCreateShaderModule");

    VkSpecializationMapEntry entries[HUE_MAX_SPEC];
    for (int i = 0; i < key->n_spec; i++)
        entries[i] = (VkSpecializationMapEntry){(uint32_t)i, (uint32_t)(i * 4), 4};
    VkSpecializationInfo spec = {
        .mapEntryCount = (uint32_t)key->n_spec,
        .pMapEntries = entries,
        .dataSize = (size_t)key->n_spec * 4,
        .pData = key->spec,
    };
    VkPipelineCreationFeedback feedback = {0}, stage_feedback = {0};
    VkPipelineCreationFeedbackCreateInfo fci = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CREATION_FEEDBACK_CREATE_INFO,
        .pPipelineCreationFeedback = &feedback,
        .pipelineStageCreationFeedbackCount = 1,
        .pPipelineStageCreationFeedbacks = &stage_feedback,
    };
    VkComputePipelineCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .pNext = ctx->vk->creation_feedback ? &fci : NULL,
        .stage = {
            .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
            .stage = VK_SHADER_STAGE_COMPUTE_BIT,
            .module = module,
            .pName = "main",
            .pSpecializationInfo = key->n_spec ? &spec : NULL,
        },
        .layout = p->layout,
    };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = vkCreateComputePipelines(ctx->vk->device, ctx->vk->pipeline_cache, 1, &ci, NULL, &p->pipeline);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ctx->vk->pipeline_ms += (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
    vkDestroyShaderModule(ctx->vk->device, module, NULL);
    if (r != VK_SUCCESS)
        return hue_vk_fail(r, "vkCreateComputePipelines");
    ctx->vk->pipelines_created++;
    if (feedback.flags & VK_PIPELINE_CREATION_FEEDBACK_APPLICATION_PIPELINE_CACHE_HIT_BIT)
        ctx->vk->pipeline_cache_hits++;
    return 0;
}

int hue_pipeline_get(hue_ctx *ctx, const hue_pipeline_key *key, hue_pipeline **out)
{
    for (hue_pipeline *p = ctx->vk->pipelines; p; p = p->next)
        if (same_key(&p->key, key)) {
            *out = p;
            return 0;
        }
    if (key->n_bindings > HUE_MAX_BINDINGS || key->n_spec > HUE_MAX_SPEC ||
        key->push_size > ctx->info.max_push_constants)
        return hue_fail(HUE_ELIMIT, "shader %s: %u bytes of push constants exceed the device's %u",
                        key->shader, key->push_size, ctx->info.max_push_constants);
    hue_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    p->key = *key;
    int rc = create(ctx, key, p);
    if (rc) {
        if (p->pipeline)
            vkDestroyPipeline(ctx->vk->device, p->pipeline, NULL);
        if (p->layout)
            vkDestroyPipelineLayout(ctx->vk->device, p->layout, NULL);
        if (p->set_layout)
            vkDestroyDescriptorSetLayout(ctx->vk->device, p->set_layout, NULL);
        free(p);
        return rc;
    }
    p->next = ctx->vk->pipelines;
    ctx->vk->pipelines = p;
    *out = p;
    return 0;
}
