/* Host access to a graph's arena where the host cannot map it: inputs and
 * outputs live in a host-visible staging region between runs (the recorded
 * command buffer copies them in and out), and persistent tensors move
 * through a one-off staging copy. */
#include <string.h>

#include "hue_error.h"
#include "vk_graph.h"

void *hue_vk_graph_staged(hue_graph *g, hue_tensor t)
{
    return (char *)g->vk->staging.mapped + g->vk->t[t].staging_offset;
}

int hue_vk_graph_copy(hue_graph *g, uint64_t off, void *host, size_t bytes, int to_device)
{
    hue_vk_ctx *vc = g->ctx->vk;
    hue_vk_graph *vk = g->vk;
    hue_region stage;
    int rc = hue_memory_alloc(&vc->memory, bytes, 1, &stage);
    if (rc)
        return rc;
    if (to_device)
        memcpy(stage.mapped, host, bytes);
    VkCommandBufferAllocateInfo ai = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = vc->cmd_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    VkCommandBuffer cmd;
    VkResult r = vkAllocateCommandBuffers(vc->device, &ai, &cmd);
    if (r == VK_SUCCESS) {
        VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                       .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
        vkBeginCommandBuffer(cmd, &bi);
        VkBufferCopy c = {to_device ? stage.offset : vk->arena.offset + off,
                          to_device ? vk->arena.offset + off : stage.offset, bytes};
        vkCmdCopyBuffer(cmd, to_device ? stage.buffer : vk->arena.buffer, to_device ? vk->arena.buffer : stage.buffer,
                        1, &c);
        VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                              .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                              .dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT};
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                             VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, NULL, 0,
                             NULL);
        vkEndCommandBuffer(cmd);
        VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &cmd};
        r = vkQueueSubmit(vc->queue, 1, &si, vk->fence);
        if (r == VK_SUCCESS) {
            r = vkWaitForFences(vc->device, 1, &vk->fence, VK_TRUE, UINT64_MAX);
            vkResetFences(vc->device, 1, &vk->fence);
        }
        vkFreeCommandBuffers(vc->device, vc->cmd_pool, 1, &cmd);
    }
    if (r == VK_SUCCESS && !to_device)
        memcpy(host, stage.mapped, bytes);
    hue_memory_free(&vc->memory, &stage);
    return r == VK_SUCCESS ? 0 : hue_vk_fail(r, "staging copy");
}
