/* Compiling and running a graph through its context's backend (ctx->ops),
 * the host's inputs and outputs, the profile, and destroying. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"
#include "hue_error.h"

int hue_graph_transfer(hue_graph *g, hue_tensor t, float *host, size_t count, int to_device);

int hue_graph_compile(hue_graph *g)
{
    if (g->error)
        return g->error;
    if (g->compiled)
        return 0;
    if (g->n_nodes == 0)
        return hue_graph_fail(g, HUE_EINVAL, "graph has no ops to compile");
    int rc = g->ctx->ops->compile(g);
    if (rc)
        return rc;
    g->compiled = 1;
    if ((rc = hue_graph_init_persistent(g)))
        g->compiled = 0;
    return rc;
}

int hue_graph_run(hue_graph *g)
{
    if (!g->compiled)
        return hue_fail(HUE_EINVAL, "graph is not compiled%s%s", g->error ? ": " : "",
                        g->error ? g->error_message : "");
    return g->ctx->ops->run(g);
}

/* An input's or output's bytes: in the arena where the host maps it, else
 * where the backend stages them between runs. */
static void *host_ptr(hue_graph *g, hue_tensor t)
{
    hue_tensor base = g->t[t].base;
    char *bytes = g->host_arena ? g->host_arena + g->t[base].arena_offset : g->ctx->ops->staged(g, base);
    return bytes + (size_t)g->t[t].offset * (g->t[t].dtype == HUE_U8 ? 1 : 4);
}

static int check_io(hue_graph *g, hue_tensor t, size_t count, int input, int dtype)
{
    if (!g->compiled)
        return hue_fail(HUE_EINVAL, "graph is not compiled");
    if (t < 0 || t >= g->n_t)
        return hue_fail(HUE_EINVAL, "tensor %d is not in this graph", t);
    const hue_tensor_desc *d = &g->t[t];
    if (input && d->role != HUE_ROLE_INPUT)
        return hue_fail(HUE_EINVAL, "tensor %s is not a graph input", d->name);
    if (!input && !d->is_output && d->role != HUE_ROLE_INPUT)
        return hue_fail(HUE_EINVAL, "tensor %s was not marked as an output before compiling", d->name);
    if (!hue_tensor_is_contiguous(g, t))
        return hue_fail(HUE_EINVAL, "tensor %s is a strided view: it cannot be copied as one block", d->name);
    if (d->dtype != dtype)
        return hue_fail(HUE_EINVAL, "tensor %s holds %s, not %s", d->name, d->dtype == HUE_U8 ? "bytes" : "floats",
                        dtype == HUE_U8 ? "bytes" : "floats");
    if ((int64_t)count != hue_tensor_numel(g, t))
        return hue_fail(HUE_EINVAL, "tensor %s holds %lld values, not %zu", d->name,
                        (long long)hue_tensor_numel(g, t), count);
    return 0;
}

int hue_graph_set_input(hue_graph *g, hue_tensor t, const float *data, size_t count)
{
    int rc = check_io(g, t, count, 1, HUE_F32);
    if (rc)
        return rc;
    memcpy(host_ptr(g, t), data, count * sizeof *data);
    return 0;
}

int hue_graph_set_input_u8(hue_graph *g, hue_tensor t, const uint8_t *data, size_t count)
{
    int rc = check_io(g, t, count, 1, HUE_U8);
    if (rc)
        return rc;
    memcpy(host_ptr(g, t), data, count);
    return 0;
}

int hue_graph_read(hue_graph *g, hue_tensor t, float *out, size_t count)
{
    if (g->compiled && t >= 0 && t < g->n_t && hue_role_persistent(g->t[g->t[t].base].role))
        return hue_graph_transfer(g, t, out, count, 0);
    int rc = check_io(g, t, count, 0, HUE_F32);
    if (rc)
        return rc;
    memcpy(out, host_ptr(g, t), count * sizeof *out);
    return 0;
}

/* Dispatches node i recorded, where the backend counts them (else 0). */
static int dispatches_of(const hue_graph *g, int i) { return g->node_dispatches ? g->node_dispatches[i] : 0; }

/* HUE_PROFILE=nodes: every node, in recording order, with its output shape. */
static void print_nodes(const hue_graph *g)
{
    fprintf(stderr, "  %5s %-16s %-24s %10s %12s\n", "node", "op", "output", "dispatches", "ms/run");
    for (int i = 0; i < g->n_nodes; i++) {
        const hue_tensor_desc *d = &g->t[g->nodes[i].out];
        char shape[64] = "";
        for (int k = 0, len = 0; k < d->ndim && len < (int)sizeof shape - 24; k++)
            len += snprintf(shape + len, sizeof shape - (size_t)len, k ? "x%lld" : "%lld",
                            (long long)d->shape[HUE_MAX_DIMS - d->ndim + k]);  /* right-aligned */
        fprintf(stderr, "  %5d %-16s %-24s %10d %12.3f\n", i, g->nodes[i].impl->name, shape, dispatches_of(g, i),
                g->node_ms[i] / g->runs);
    }
}

/* HUE_PROFILE=1: per op kind, the nodes, dispatches and device time;
 * HUE_PROFILE=nodes adds every node. */
static void print_profile(const hue_graph *g)
{
    if (!g->profile || !g->runs || !g->node_ms)
        return;
    const char *names[64];
    int nodes[64], dispatches[64], kinds = 0;
    double ms[64];
    for (int i = 0; i < g->n_nodes; i++) {
        const char *name = g->nodes[i].impl->name;
        int k = 0;
        while (k < kinds && strcmp(names[k], name) != 0)
            k++;
        if (k == kinds) {
            if (kinds == 64)
                continue;
            names[k] = name, nodes[k] = dispatches[k] = 0, ms[k] = 0, kinds++;
        }
        nodes[k]++;
        dispatches[k] += dispatches_of(g, i);
        ms[k] += g->node_ms[i];
    }
    double total = 0;
    int total_dispatches = 0;
    for (int k = 0; k < kinds; k++)
        total += ms[k];
    for (int i = 0; i < g->n_nodes; i++)
        total_dispatches += dispatches_of(g, i);
    fprintf(stderr, "hue profile: %d run%s, device time per run\n", g->runs, g->runs == 1 ? "" : "s");
    fprintf(stderr, "  %-16s %6s %10s %12s %7s\n", "op", "nodes", "dispatches", "ms/run", "share");
    for (int k = 0; k < kinds; k++)
        fprintf(stderr, "  %-16s %6d %10d %12.3f %6.1f%%\n", names[k], nodes[k], dispatches[k], ms[k] / g->runs,
                total > 0 ? 100.0 * ms[k] / total : 0.0);
    fprintf(stderr, "  %-16s %6d %10d %12.3f\n", "total", g->n_nodes, total_dispatches, total / g->runs);
    if (!strcmp(getenv("HUE_PROFILE"), "nodes"))
        print_nodes(g);
    fprintf(stderr, "  wall time: first run %.1f ms (includes the driver's shader compilation, which a warm\n"
                    "  cache skips), later runs %.1f ms on average\n",
            g->first_run_ms, g->runs > 1 ? g->later_runs_ms / (g->runs - 1) : 0.0);
}

void hue_graph_destroy(hue_graph *g)
{
    if (!g)
        return;
    print_profile(g);
    g->ctx->ops->release(g);
    free(g->node_ms);
    free(g->node_dispatches);
    for (int i = 0; i < g->n_t; i++)
        free(g->t[i].constant);
    free(g->t);
    free(g->nodes);
    for (int i = 0; i < g->n_host_owned; i++)
        free(g->host_owned[i]);
    free(g->host_owned);
    free(g);
}
