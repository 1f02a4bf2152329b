/* Running a compiled graph on Vulkan: submit its command buffer, wait, and
 * read the per-node timestamps; and releasing what compiling made. */
#include <stdlib.h>
#include <time.h>

#include "hue_error.h"
#include "vk_graph.h"

const hue_backend_ops hue_vk_backend_ops = {hue_vk_graph_compile, hue_vk_graph_run, hue_vk_graph_release,
                                            hue_vk_graph_staged, hue_vk_graph_copy};

static void collect_profile(hue_graph *g)
{
    uint32_t n = (uint32_t)(2 * g->n_nodes);
    uint64_t *ts = malloc(sizeof *ts * n);
    if (!ts)
        return;
    if (vkGetQueryPoolResults(g->ctx->vk->device, g->vk->queries, 0, n, sizeof *ts * n, ts, sizeof *ts,
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) == VK_SUCCESS) {
        double period = g->ctx->info.timestamp_period_ns;
        for (int i = 0; i < g->n_nodes; i++)
            g->node_ms[i] += (double)(ts[2 * i + 1] - ts[2 * i]) * period * 1e-6;
    }
    free(ts);
}

int hue_vk_graph_run(hue_graph *g)
{
    hue_vk_ctx *vc = g->ctx->vk;
    hue_vk_graph *vk = g->vk;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < vk->n_segments; k++) {
        VkSubmitInfo si = {
            .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
            .commandBufferCount = 1,
            .pCommandBuffers = &vk->segments[k],
        };
        VkResult r = vkQueueSubmit(vc->queue, 1, &si, vk->fence);
        if (r != VK_SUCCESS)
            return hue_vk_fail(r, "vkQueueSubmit");
        r = vkWaitForFences(vc->device, 1, &vk->fence, VK_TRUE, UINT64_MAX);
        vkResetFences(vc->device, 1, &vk->fence);
        if (r != VK_SUCCESS)
            return hue_vk_fail(r, "vkWaitForFences");
        if (k + 1 < vk->n_segments) {
            /* the host step between this segment and the next */
            const hue_node *n = &g->nodes[vk->host_nodes[k]];
            int rc = n->host(g, n);
            if (rc)
                return hue_fail(rc, "%s (node %d): %s", n->impl->name, vk->host_nodes[k], hue_error_message());
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
    if (g->runs == 0)
        g->first_run_ms = ms;  /* includes the driver's lazy shader compilation */
    else
        g->later_runs_ms += ms;
    if (g->profile)
        collect_profile(g);
    g->runs++;
    return 0;
}

void hue_vk_graph_release(hue_graph *g)
{
    hue_vk_graph *vk = g->vk;
    if (!vk)
        return;
    hue_vk_ctx *vc = g->ctx->vk;
    VkDevice dev = vc->device;
    if (vk->n_segments)
        vkFreeCommandBuffers(dev, vc->cmd_pool, (uint32_t)vk->n_segments, vk->segments);
    free(vk->segments);
    free(vk->host_nodes);
    if (vk->fence)
        vkDestroyFence(dev, vk->fence, NULL);
    if (vk->queries)
        vkDestroyQueryPool(dev, vk->queries, NULL);
    for (int i = 0; i < vk->n_pools; i++)
        vkDestroyDescriptorPool(dev, vk->pools[i], NULL);
    for (int i = 0; vk->t && i < g->n_t; i++) {
        if (vk->t[i].view4)
            vkDestroyBufferView(dev, vk->t[i].view4, NULL);
        if (vk->t[i].view1)
            vkDestroyBufferView(dev, vk->t[i].view1, NULL);
    }
    hue_memory_free(&vc->memory, &vk->arena);
    hue_memory_free(&vc->memory, &vk->staging);
    free(vk->pools);
    free(vk->written.v);
    free(vk->read.v);
    free(vk->t);
    free(vk->ops);
    free(vk);
    g->vk = NULL;
    g->host_arena = NULL;
}
