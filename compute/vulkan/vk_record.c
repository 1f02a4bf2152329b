/* Compiling a graph on Vulkan: plan memory, then record every node's
 * dispatches (its op's record function, vk_ops.h) into one command buffer
 * with descriptor sets written once and a barrier only where a dispatch
 * touches bytes an earlier, unfenced one wrote (or writes bytes one read). */
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "vk_ops.h"

#define POOL_SETS 256

static VkBuffer tensor_buffer(const hue_graph *g) { return g->vk->arena.buffer; }

static VkDeviceSize slot_offset(const hue_graph *g, hue_tensor t)
{
    return g->vk->arena.offset + g->t[g->t[t].base].arena_offset;
}

static VkDeviceSize slot_bytes(const hue_graph *g, hue_tensor t)
{
    return (g->t[g->t[t].base].bytes + 255) & ~(VkDeviceSize)255;
}

static int spans_overlap(const hue_span_list *l, VkBuffer buf, VkDeviceSize b, VkDeviceSize e)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i].buffer == buf && l->v[i].begin < e && b < l->v[i].end)
            return 1;
    return 0;
}

static int spans_add(hue_span_list *l, VkBuffer buf, VkDeviceSize b, VkDeviceSize e)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 32;
        hue_span *v = realloc(l->v, sizeof *v * (size_t)cap);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (hue_span){buf, b, e};
    return 0;
}

static void barrier(hue_graph *g)
{
    VkMemoryBarrier mb = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT,
    };
    vkCmdPipelineBarrier(g->vk->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &mb, 0, NULL,
                         0, NULL);
    g->vk->written.n = g->vk->read.n = 0;
}

static int descriptor_set(hue_graph *g, VkDescriptorSetLayout layout, VkDescriptorSet *set)
{
    if (g->vk->sets_left == 0) {
        VkDescriptorPoolSize sizes[3] = {
            {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, POOL_SETS * HUE_MAX_BINDINGS},
            {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, POOL_SETS * HUE_MAX_BINDINGS},
            {VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER, POOL_SETS},
        };
        VkDescriptorPoolCreateInfo ci = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
            .maxSets = POOL_SETS,
            .poolSizeCount = 3,
            .pPoolSizes = sizes,
        };
        VkDescriptorPool *pools = realloc(g->vk->pools, sizeof *pools * (size_t)(g->vk->n_pools + 1));
        if (!pools)
            return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
        g->vk->pools = pools;
        VkResult r = vkCreateDescriptorPool(g->ctx->vk->device, &ci, NULL, &g->vk->pools[g->vk->n_pools]);
        if (r != VK_SUCCESS)
            return hue_graph_fail(g, hue_vk_fail(r, "vkCreateDescriptorPool"), "%s", hue_error_message());
        g->vk->n_pools++;
        g->vk->sets_left = POOL_SETS;
    }
    VkDescriptorSetAllocateInfo ai = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
        .descriptorPool = g->vk->pools[g->vk->n_pools - 1],
        .descriptorSetCount = 1,
        .pSetLayouts = &layout,
    };
    VkResult r = vkAllocateDescriptorSets(g->ctx->vk->device, &ai, set);
    if (r != VK_SUCCESS)
        return hue_graph_fail(g, hue_vk_fail(r, "vkAllocateDescriptorSets"), "%s", hue_error_message());
    g->vk->sets_left--;
    return 0;
}

static int texel_view(hue_graph *g, hue_tensor t, int four, VkBufferView *out)
{
    const hue_tensor_desc *d = &g->t[g->t[t].base];
    hue_vk_tensor *v = &g->vk->t[g->t[t].base];
    VkBufferView *view = four ? &v->view4 : &v->view1;
    if (!*view) {
        VkDeviceSize bytes = slot_bytes(g, t);
        VkDeviceSize elems = bytes / (four ? 16 : 4);
        if (elems > g->ctx->info.max_texel_buffer_elements)
            return hue_graph_fail(g, HUE_ELIMIT, "tensor %s: %llu texels exceed the device's maxTexelBufferElements (%u)",
                                  d->name, (unsigned long long)elems, g->ctx->info.max_texel_buffer_elements);
        VkBufferViewCreateInfo ci = {
            .sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
            .buffer = tensor_buffer(g),
            .format = four ? VK_FORMAT_R32G32B32A32_SFLOAT : VK_FORMAT_R32_SFLOAT,
            .offset = slot_offset(g, t),
            .range = bytes,
        };
        VkResult r = vkCreateBufferView(g->ctx->vk->device, &ci, NULL, view);
        if (r != VK_SUCCESS)
            return hue_graph_fail(g, hue_vk_fail(r, "vkCreateBufferView"), "%s", hue_error_message());
    }
    *out = *view;
    return 0;
}

int hue_record_dispatch(hue_graph *g, const hue_pipeline_key *key, const hue_binding *b, const void *push,
                        uint32_t gx, uint32_t gy, uint32_t gz)
{
    if (g->error)
        return g->error;
    const hue_device_info *info = &g->ctx->info;
    if (gx > info->max_workgroup_count[0] || gy > info->max_workgroup_count[1] || gz > info->max_workgroup_count[2])
        return hue_graph_fail(g, HUE_ELIMIT, "%s: a grid of %ux%ux%u workgroups exceeds the device's limit %ux%ux%u",
                              key->shader, gx, gy, gz, info->max_workgroup_count[0], info->max_workgroup_count[1],
                              info->max_workgroup_count[2]);
    hue_pipeline *p;
    int rc = hue_pipeline_get(g->ctx, key, &p);
    if (rc)
        return hue_graph_fail(g, rc, "%s", hue_error_message());
    VkDescriptorSet set;
    if ((rc = descriptor_set(g, p->set_layout, &set)))
        return rc;

    VkWriteDescriptorSet writes[HUE_MAX_BINDINGS];
    VkDescriptorBufferInfo bufs[HUE_MAX_BINDINGS];
    VkBufferView views[HUE_MAX_BINDINGS];
    int hazard = 0;
    for (int i = 0; i < key->n_bindings; i++) {
        hue_tensor t = b[i].tensor;
        VkDeviceSize off = slot_offset(g, t), bytes = slot_bytes(g, t);
        if (b[i].kind == HUE_BIND_STORAGE && bytes > info->max_storage_buffer_range)
            return hue_graph_fail(g, HUE_ELIMIT,
                                  "%s: tensor %s of %llu MiB exceeds the device's maxStorageBufferRange (%u MiB)",
                                  key->shader, g->t[g->t[t].base].name, (unsigned long long)(bytes >> 20),
                                  info->max_storage_buffer_range >> 20);
        writes[i] = (VkWriteDescriptorSet){
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstSet = set,
            .dstBinding = (uint32_t)i,
            .descriptorCount = 1,
        };
        if (b[i].kind == HUE_BIND_STORAGE) {
            bufs[i] = (VkDescriptorBufferInfo){tensor_buffer(g), off, bytes};
            writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
            writes[i].pBufferInfo = &bufs[i];
        } else {
            if ((rc = texel_view(g, t, b[i].kind == HUE_BIND_TEXEL4, &views[i])))
                return rc;
            writes[i].descriptorType = b[i].kind == HUE_BIND_IMAGE1 ? VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER
                                                                    : VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
            writes[i].pTexelBufferView = &views[i];
        }
        VkBuffer buf = tensor_buffer(g);
        if (spans_overlap(&g->vk->written, buf, off, off + bytes) ||
            (b[i].write && spans_overlap(&g->vk->read, buf, off, off + bytes)))
            hazard = 1;
    }
    vkUpdateDescriptorSets(g->ctx->vk->device, (uint32_t)key->n_bindings, writes, 0, NULL);
    if (hazard)
        barrier(g);
    for (int i = 0; i < key->n_bindings; i++) {
        VkDeviceSize off = slot_offset(g, b[i].tensor), bytes = slot_bytes(g, b[i].tensor);
        if (spans_add(b[i].write ? &g->vk->written : &g->vk->read, tensor_buffer(g), off, off + bytes))
            return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    }
    vkCmdBindPipeline(g->vk->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
    vkCmdBindDescriptorSets(g->vk->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, NULL);
    if (key->push_size)
        vkCmdPushConstants(g->vk->cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, key->push_size, push);
    vkCmdDispatch(g->vk->cmd, gx, gy, gz);
    g->vk->n_dispatches++;
    return 0;
}

void hue_grid_1d(const hue_graph *g, uint64_t n, uint32_t ls, uint32_t *gx, uint32_t *gy)
{
    uint64_t groups = (n + ls - 1) / ls;
    uint64_t max_x = g->ctx->info.max_workgroup_count[0];
    if (max_x > 65535)
        max_x = 65535;
    if (groups <= max_x) {
        *gx = (uint32_t)(groups ? groups : 1);
        *gy = 1;
    } else {
        *gx = (uint32_t)max_x;
        *gy = (uint32_t)((groups + max_x - 1) / max_x);
    }
}

/* Inputs and outputs go through a host-visible staging region when the
 * arena is not mapped: copies at the start and end of the command buffer. */
static int plan_staging(hue_graph *g)
{
    VkDeviceSize total = 0;
    for (int i = 0; i < g->n_t; i++) {
        const hue_tensor_desc *d = &g->t[i];
        if (d->base == i && (d->role == HUE_ROLE_INPUT || d->is_output)) {
            g->vk->t[i].staging_offset = total;
            total += (d->bytes + 255) & ~(VkDeviceSize)255;
        }
    }
    if (total == 0)
        return 0;
    int rc = hue_memory_alloc(&g->ctx->vk->memory, total, 1, &g->vk->staging);
    return rc ? hue_graph_fail(g, rc, "%s", hue_error_message()) : 0;
}

static void staging_copies(hue_graph *g, int inputs)
{
    for (int i = 0; i < g->n_t; i++) {
        const hue_tensor_desc *d = &g->t[i];
        if (d->base != i || !(inputs ? d->role == HUE_ROLE_INPUT : d->is_output))
            continue;
        VkDeviceSize staged = g->vk->staging.offset + g->vk->t[i].staging_offset;
        VkBufferCopy c = {
            .srcOffset = inputs ? staged : g->vk->arena.offset + d->arena_offset,
            .dstOffset = inputs ? g->vk->arena.offset + d->arena_offset : staged,
            .size = d->bytes,
        };
        vkCmdCopyBuffer(g->vk->cmd, inputs ? g->vk->staging.buffer : g->vk->arena.buffer,
                        inputs ? g->vk->arena.buffer : g->vk->staging.buffer, 1, &c);
    }
}

static int record(hue_graph *g)
{
    hue_vk_ctx *vc = g->ctx->vk;
    hue_vk_graph *vk = g->vk;
    int hosts = 0;
    for (int i = 0; i < g->n_nodes; i++)
        hosts += g->nodes[i].host != NULL;
    vk->segments = calloc((size_t)hosts + 1, sizeof *vk->segments);
    vk->host_nodes = calloc((size_t)hosts + 1, sizeof *vk->host_nodes);
    if (!vk->segments || !vk->host_nodes)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    VkCommandBufferAllocateInfo ai = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = vc->cmd_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = (uint32_t)hosts + 1,
    };
    VkResult r = vkAllocateCommandBuffers(vc->device, &ai, vk->segments);
    if (r == VK_SUCCESS)
        vk->n_segments = hosts + 1;
    vk->cmd = vk->segments[0];
    if (r != VK_SUCCESS)
        return hue_graph_fail(g, hue_vk_fail(r, "vkAllocateCommandBuffers"), "%s", hue_error_message());
    VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    if ((r = vkCreateFence(vc->device, &fci, NULL, &vk->fence)) != VK_SUCCESS)
        return hue_graph_fail(g, hue_vk_fail(r, "vkCreateFence"), "%s", hue_error_message());
    if (g->profile) {
        VkQueryPoolCreateInfo qci = {
            .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
            .queryType = VK_QUERY_TYPE_TIMESTAMP,
            .queryCount = (uint32_t)(2 * g->n_nodes + 2),
        };
        if (vkCreateQueryPool(vc->device, &qci, NULL, &vk->queries) != VK_SUCCESS)
            g->profile = 0;
        g->node_ms = calloc((size_t)g->n_nodes + 1, sizeof *g->node_ms);
        g->node_dispatches = calloc((size_t)g->n_nodes + 1, sizeof *g->node_dispatches);
        if (!g->node_ms || !g->node_dispatches)
            g->profile = 0;
    }

    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    vkBeginCommandBuffer(vk->cmd, &bi);
    if (g->profile)
        vkCmdResetQueryPool(vk->cmd, vk->queries, 0, (uint32_t)(2 * g->n_nodes + 2));
    if (!vc->memory.direct) {
        staging_copies(g, 1);
        barrier(g);
    }
    int segment = 0;
    for (int i = 0; i < g->n_nodes && !g->error; i++) {
        hue_node *n = &g->nodes[i];
        if (n->host) {
            /* a host step: this segment ends here, the next begins after it
             * (its profile slots get timestamps so the query results are complete) */
            if (g->profile) {
                vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, vk->queries, (uint32_t)(2 * i));
                vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, vk->queries, (uint32_t)(2 * i + 1));
            }
            barrier(g);
            vk->host_nodes[segment] = i;
            if ((r = vkEndCommandBuffer(vk->cmd)) != VK_SUCCESS) {
                hue_graph_fail(g, hue_vk_fail(r, "vkEndCommandBuffer"), "%s", hue_error_message());
                break;
            }
            vk->cmd = vk->segments[++segment];
            vkBeginCommandBuffer(vk->cmd, &bi);
            continue;
        }
        if (g->profile)
            vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, vk->queries, (uint32_t)(2 * i));
        int first = vk->n_dispatches;
        int rc = vk->ops[i]->record(g, n);
        if (rc && !g->error)
            hue_graph_fail(g, rc, "%s: %s", n->impl->name, hue_error_message());
        if (g->profile) {
            g->node_dispatches[i] = vk->n_dispatches - first;
            vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, vk->queries, (uint32_t)(2 * i + 1));
        }
    }
    barrier(g);
    if (!vc->memory.direct) {
        staging_copies(g, 0);
        VkMemoryBarrier mb = {
            .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
            .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
            .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
        };
        vkCmdPipelineBarrier(vk->cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0,
                             NULL, 0, NULL);
    } else {
        VkMemoryBarrier mb = {
            .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
            .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
            .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
        };
        vkCmdPipelineBarrier(vk->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0,
                             NULL, 0, NULL);
    }
    r = vkEndCommandBuffer(vk->cmd);
    if (r != VK_SUCCESS && !g->error)
        hue_graph_fail(g, hue_vk_fail(r, "vkEndCommandBuffer"), "%s", hue_error_message());
    return g->error;
}

/* Binds every node to its record function (a node whose op has none is an
 * error naming it), plans memory, places the arena and records. */
int hue_vk_graph_compile(hue_graph *g)
{
    hue_vk_graph *vk = calloc(1, sizeof *vk);
    if (!vk)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    g->vk = vk;
    vk->t = calloc((size_t)g->n_t, sizeof *vk->t);
    vk->ops = calloc((size_t)g->n_nodes, sizeof *vk->ops);
    if (!vk->t || !vk->ops)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    for (int i = 0; i < g->n_nodes; i++)
        if (!g->nodes[i].host && !(vk->ops[i] = hue_vk_op_find(g->nodes[i].impl->name)))
            return hue_graph_fail(g, HUE_ENOTSUP, "op %s has no Vulkan kernel", g->nodes[i].impl->name);
    int rc = hue_graph_plan(g);
    if (rc)
        return rc;
    hue_memory *memory = &g->ctx->vk->memory;
    rc = hue_memory_alloc(memory, g->arena_bytes, 0, &vk->arena);
    if (rc)
        return hue_graph_fail(g, rc, "graph arena of %llu MiB: %s", (unsigned long long)(g->arena_bytes >> 20),
                              hue_error_message());
    if (memory->direct)
        g->host_arena = vk->arena.mapped;
    else if ((rc = plan_staging(g)))
        return rc;
    return record(g);
}

int hue_graph_dispatch_count(const hue_graph *g) { return g->vk ? g->vk->n_dispatches : 0; }
