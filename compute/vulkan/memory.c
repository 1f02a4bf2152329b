#include "memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "vk_ctx.h"

#define HUE_BLOCK_SIZE (256ull << 20)
#define HUE_ALIGN 256ull   /* >= every offset alignment hue binds with */

static int find_type(const VkPhysicalDeviceMemoryProperties *mp, VkMemoryPropertyFlags want)
{
    for (uint32_t i = 0; i < mp->memoryTypeCount; i++)
        if ((mp->memoryTypes[i].propertyFlags & want) == want)
            return (int)i;
    return -1;
}

int hue_memory_init(hue_memory *m, hue_ctx *ctx)
{
    memset(m, 0, sizeof *m);
    m->ctx = ctx;
    const VkMemoryPropertyFlags local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    int direct = find_type(&ctx->vk->mem_props, local | host);
    const char *force = getenv("HUE_FORCE_STAGING");
    int staging = force && *force && strcmp(force, "0") != 0;
    if (direct >= 0 && !staging) {
        m->direct = 1;
        m->device.type_index = m->host.type_index = (uint32_t)direct;
        m->device.host_visible = m->host.host_visible = 1;
    } else {
        int d = find_type(&ctx->vk->mem_props, local), h = find_type(&ctx->vk->mem_props, host);
        if (d < 0)
            d = h;
        if (h < 0)
            return hue_fail(HUE_ENODEV, "device %s has no host-visible memory", ctx->info.name);
        m->device.type_index = (uint32_t)d;
        m->host.type_index = (uint32_t)h;
        m->host.host_visible = 1;
    }
    m->block_size = HUE_BLOCK_SIZE;
    if (m->block_size > ctx->info.max_memory_allocation)
        m->block_size = ctx->info.max_memory_allocation;
    const char *limit = getenv("HUE_MEMORY_LIMIT");
    if (limit && *limit)
        m->limit = strtoull(limit, NULL, 10);
    return 0;
}

static void block_destroy(hue_memory *m, hue_block *b)
{
    VkDevice dev = m->ctx->vk->device;
    if (b->mapped)
        vkUnmapMemory(dev, b->memory);
    if (b->buffer)
        vkDestroyBuffer(dev, b->buffer, NULL);
    if (b->memory)
        vkFreeMemory(dev, b->memory, NULL);
    m->allocated -= b->size;
    free(b->free_list);
    memset(b, 0, sizeof *b);
}

void hue_memory_shutdown(hue_memory *m)
{
    hue_pool *pools[2] = {&m->device, &m->host};
    for (int p = 0; p < 2; p++) {
        for (int i = 0; i < pools[p]->n_blocks; i++)
            block_destroy(m, &pools[p]->blocks[i]);
        free(pools[p]->blocks);
        pools[p]->blocks = NULL;
        pools[p]->n_blocks = 0;
    }
}

static int block_create(hue_memory *m, hue_pool *pool, VkDeviceSize size, hue_block *b)
{
    hue_ctx *ctx = m->ctx;
    memset(b, 0, sizeof *b);
    if (m->limit && m->allocated + size > m->limit)
        return hue_fail(HUE_ENOMEM, "out of device memory: %llu MiB needed beyond the %llu MiB allowed (HUE_MEMORY_LIMIT)",
                        (unsigned long long)(size >> 20), (unsigned long long)(m->limit >> 20));
    VkBufferCreateInfo bci = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                 VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT |
                 VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    VkResult r = vkCreateBuffer(ctx->vk->device, &bci, NULL, &b->buffer);
    if (r != VK_SUCCESS)
        return hue_vk_fail(r, "vkCreateBuffer");
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx->vk->device, b->buffer, &req);
    if (!(req.memoryTypeBits & (1u << pool->type_index))) {
        vkDestroyBuffer(ctx->vk->device, b->buffer, NULL);
        return hue_fail(HUE_ENODEV, "device %s: no usable memory type for storage buffers", ctx->info.name);
    }
    VkMemoryAllocateInfo ai = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = req.size,
        .memoryTypeIndex = pool->type_index,
    };
    r = vkAllocateMemory(ctx->vk->device, &ai, NULL, &b->memory);
    if (r != VK_SUCCESS) {
        vkDestroyBuffer(ctx->vk->device, b->buffer, NULL);
        b->buffer = VK_NULL_HANDLE;
        if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
            return hue_fail(HUE_ENOMEM, "out of device memory: could not allocate %llu MiB on %s",
                            (unsigned long long)(size >> 20), ctx->info.name);
        return hue_vk_fail(r, "vkAllocateMemory");
    }
    b->size = size;
    m->allocated += size;
    vkBindBufferMemory(ctx->vk->device, b->buffer, b->memory, 0);
    if (pool->host_visible) {
        r = vkMapMemory(ctx->vk->device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->mapped);
        if (r != VK_SUCCESS) {
            block_destroy(m, b);
            return hue_vk_fail(r, "vkMapMemory");
        }
    }
    b->free_list = malloc(sizeof *b->free_list * 8);
    if (!b->free_list) {
        block_destroy(m, b);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    b->cap_free = 8;
    b->n_free = 1;
    b->free_list[0] = (hue_range){0, size};
    return 0;
}

/* First fit; returns the offset or -1. */
static long long block_take(hue_block *b, VkDeviceSize size)
{
    for (int i = 0; i < b->n_free; i++) {
        hue_range *f = &b->free_list[i];
        if (f->size < size)
            continue;
        VkDeviceSize off = f->offset;
        f->offset += size;
        f->size -= size;
        if (f->size == 0) {
            memmove(f, f + 1, sizeof *f * (size_t)(b->n_free - i - 1));
            b->n_free--;
        }
        return (long long)off;
    }
    return -1;
}

static int block_give(hue_block *b, VkDeviceSize off, VkDeviceSize size)
{
    int i = 0;
    while (i < b->n_free && b->free_list[i].offset < off)
        i++;
    if (b->n_free == b->cap_free) {
        hue_range *grown = realloc(b->free_list, sizeof *grown * (size_t)b->cap_free * 2);
        if (!grown)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        b->free_list = grown;
        b->cap_free *= 2;
    }
    memmove(&b->free_list[i + 1], &b->free_list[i], sizeof *b->free_list * (size_t)(b->n_free - i));
    b->free_list[i] = (hue_range){off, size};
    b->n_free++;
    /* merge with the right, then the left neighbour */
    if (i + 1 < b->n_free && b->free_list[i].offset + b->free_list[i].size == b->free_list[i + 1].offset) {
        b->free_list[i].size += b->free_list[i + 1].size;
        memmove(&b->free_list[i + 1], &b->free_list[i + 2], sizeof *b->free_list * (size_t)(b->n_free - i - 2));
        b->n_free--;
    }
    if (i > 0 && b->free_list[i - 1].offset + b->free_list[i - 1].size == b->free_list[i].offset) {
        b->free_list[i - 1].size += b->free_list[i].size;
        memmove(&b->free_list[i], &b->free_list[i + 1], sizeof *b->free_list * (size_t)(b->n_free - i - 1));
        b->n_free--;
    }
    return 0;
}

int hue_memory_alloc(hue_memory *m, VkDeviceSize size, int host, hue_region *out)
{
    memset(out, 0, sizeof *out);
    hue_pool *pool = host ? &m->host : &m->device;
    if (size == 0)
        size = 1;
    size = (size + HUE_ALIGN - 1) & ~(HUE_ALIGN - 1);
    if (size > m->ctx->info.max_memory_allocation)
        return hue_fail(HUE_ENOMEM, "out of device memory: %llu MiB in one piece exceeds the device's "
                                    "largest allocation (%llu MiB)",
                        (unsigned long long)(size >> 20),
                        (unsigned long long)(m->ctx->info.max_memory_allocation >> 20));
    int bi = -1;
    long long off = -1;
    for (int i = 0; i < pool->n_blocks && off < 0; i++)
        if (pool->blocks[i].memory && (off = block_take(&pool->blocks[i], size)) >= 0)
            bi = i;
    if (off < 0) {
        hue_block *grown = realloc(pool->blocks, sizeof *grown * (size_t)(pool->n_blocks + 1));
        if (!grown)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        pool->blocks = grown;
        VkDeviceSize bsize = size > m->block_size ? size : m->block_size;
        int rc = block_create(m, pool, bsize, &pool->blocks[pool->n_blocks]);
        if (rc)
            return rc;
        bi = pool->n_blocks++;
        off = block_take(&pool->blocks[bi], size);
    }
    hue_block *b = &pool->blocks[bi];
    out->pool = pool;
    out->block = bi;
    out->buffer = b->buffer;
    out->offset = (VkDeviceSize)off;
    out->size = size;
    out->mapped = b->mapped ? (char *)b->mapped + off : NULL;
    return 0;
}

void hue_memory_free(hue_memory *m, hue_region *r)
{
    if (!r->pool)
        return;
    hue_block *b = &r->pool->blocks[r->block];
    block_give(b, r->offset, r->size);
    /* A block that is wholly free again goes back to the driver. */
    if (b->n_free == 1 && b->free_list[0].size == b->size)
        block_destroy(m, b);
    memset(r, 0, sizeof *r);
}
