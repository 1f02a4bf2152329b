/* Compiling and running a graph on the CPU backend: the same memory plan as
 * on a device, over one host arena; each node bound to its kernel, prepared
 * once (oneDNN primitives over the final addresses), then run in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_graph.h"
#include "graph_internal.h"
#include "hue_clock.h"
#include "hue_cpu_kernel.h"
#include "hue_error.h"

#define ARENA_ALIGN 64  /* a cache line: what oneDNN's vector loads like */

struct hue_cpu_graph {
    void *arena;
    void *workspace;              /* shared by every node's run(), see hue_cpu_kernel.h */
    size_t workspace_bytes;
    hue_cpu_node *nodes;
    const hue_cpu_kernel **kernels;
    int n_prepared;
};

const hue_backend_ops hue_cpu_backend_ops = {hue_cpu_graph_compile, hue_cpu_graph_run, hue_cpu_graph_release,
                                             NULL, NULL};

static hue_cpu_tensor view_of(const hue_graph *g, char *arena, hue_tensor t)
{
    const hue_tensor_desc *d = &g->t[t], *base = &g->t[d->base];
    hue_cpu_tensor v = {.ndim = d->ndim};
    char *p = arena + base->arena_offset + (size_t)d->offset * (d->dtype == HUE_U8 ? 1 : 4);
    if (d->dtype == HUE_U8)
        v.bytes = (uint8_t *)p;
    else
        v.data = (float *)p;
    memcpy(v.shape, d->shape, sizeof v.shape);
    memcpy(v.stride, d->stride, sizeof v.stride);
    v.numel = hue_tensor_numel(g, t);
    v.contiguous = hue_tensor_is_contiguous(g, t);
    return v;
}

/* A host step (hue_collective.h) has no kernel: the run calls its function. */
static const hue_cpu_kernel host_step = {"host step", NULL, NULL, NULL};

int hue_cpu_graph_compile(hue_graph *g)
{
    int rc = hue_graph_plan(g);
    if (rc)
        return rc;
    hue_cpu_graph *c = calloc(1, sizeof *c);
    if (!c)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    g->cpu = c;
    size_t bytes = ((size_t)g->arena_bytes + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    c->arena = aligned_alloc(ARENA_ALIGN, bytes ? bytes : ARENA_ALIGN);
    c->nodes = calloc((size_t)g->n_nodes, sizeof *c->nodes);
    c->kernels = calloc((size_t)g->n_nodes, sizeof *c->kernels);
    if (!c->arena || !c->nodes || !c->kernels)
        return hue_graph_fail(g, HUE_ENOMEM, "graph arena of %llu MiB: out of host memory",
                              (unsigned long long)(g->arena_bytes >> 20));
    memset(c->arena, 0, bytes);  /* the first run reads defined bytes, as every later one does */
    g->host_arena = c->arena;
    char *written = calloc((size_t)g->n_t, 1);  /* tensors (by base) some node writes */
    if (!written)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].out >= 0)
            written[g->t[g->nodes[i].out].base] = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        const hue_node *n = &g->nodes[i];
        const hue_cpu_kernel *k = n->host ? &host_step : hue_cpu_kernel_find(n->impl->name);
        if (!k) {
            free(written);
            return hue_graph_fail(g, HUE_ENOTSUP, "op %s has no CPU kernel: use --backend vulkan", n->impl->name);
        }
        hue_cpu_node *cn = &c->nodes[i];
        cn->op = n->impl->name;
        cn->p = &n->p;
        cn->n_in = n->n_in;
        cn->index = i;
        cn->host_writes = &g->persistent_writes;
        for (int j = 0; j < n->n_in; j++) {
            cn->in[j] = n->in[j] >= 0 ? view_of(g, c->arena, n->in[j]) : (hue_cpu_tensor){0};
            hue_tensor base = n->in[j] >= 0 ? g->t[n->in[j]].base : -1;
            if (base >= 0 && hue_role_persistent(g->t[base].role) && !written[base])
                cn->fixed_inputs |= 1u << j;
        }
        cn->out = view_of(g, c->arena, n->out);
        c->kernels[i] = k;
    }
    free(written);
    for (int i = 0; i < g->n_nodes; i++, c->n_prepared++) {
        if (c->kernels[i]->prepare && (rc = c->kernels[i]->prepare(&c->nodes[i])))
            return hue_graph_fail(g, rc, "%s (node %d): %s", c->nodes[i].op, i, hue_error_message());
        if (c->nodes[i].workspace_bytes > c->workspace_bytes)
            c->workspace_bytes = c->nodes[i].workspace_bytes;
    }
    if (c->workspace_bytes) {
        size_t ws = (c->workspace_bytes + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
        if (!(c->workspace = aligned_alloc(ARENA_ALIGN, ws)))
            return hue_graph_fail(g, HUE_ENOMEM, "CPU workspace of %zu MiB: out of host memory", ws >> 20);
        for (int i = 0; i < g->n_nodes; i++)
            c->nodes[i].workspace = c->workspace;
    }
    if (g->profile && !(g->node_ms = calloc((size_t)g->n_nodes + 1, sizeof *g->node_ms)))
        g->profile = 0;
    return 0;
}

int hue_cpu_graph_run(hue_graph *g)
{
    hue_cpu_graph *c = g->cpu;
    double t0 = (hue_now_s() * 1e3);
    for (int i = 0; i < g->n_nodes; i++) {
        double n0 = g->profile ? (hue_now_s() * 1e3) : 0;
        const hue_node *n = &g->nodes[i];
        int rc = n->host ? n->host(g, n) : c->kernels[i]->run(&c->nodes[i]);
        if (rc)
            return hue_fail(rc, "%s (node %d): %s", c->nodes[i].op, i, hue_error_message());
        if (g->profile)
            g->node_ms[i] += (hue_now_s() * 1e3) - n0;
    }
    double ms = (hue_now_s() * 1e3) - t0;
    if (g->runs == 0)
        g->first_run_ms = ms;
    else
        g->later_runs_ms += ms;
    g->runs++;
    return 0;
}

void hue_cpu_graph_release(hue_graph *g)
{
    hue_cpu_graph *c = g->cpu;
    if (!c)
        return;
    for (int i = 0; i < c->n_prepared; i++)
        if (c->kernels[i]->release)
            c->kernels[i]->release(&c->nodes[i]);
    free(c->arena);
    free(c->workspace);
    free(c->nodes);
    free(c->kernels);
    free(c);
    g->cpu = NULL;
    g->host_arena = NULL;
}

size_t hue_graph_workspace_bytes(const hue_graph *g) { return g->cpu ? g->cpu->workspace_bytes : 0; }
