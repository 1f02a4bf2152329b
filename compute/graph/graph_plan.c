/* Memory plan: every tensor that owns memory gets a lifetime (the nodes from
 * its first write to its last use) and an offset in one arena; tensors whose
 * lifetimes do not overlap may share bytes. Placement is greedy by size
 * (largest first, lowest offset that clashes with no placed tensor alive at
 * the same time), which is near-optimal for the chains and DAGs hue builds. */
#include <stdlib.h>

#include "graph_internal.h"
#include "hue_error.h"

#define SLOT_ALIGN 256u  /* every binding offset alignment hue meets */

static void touch(hue_graph *g, hue_tensor t, int node)
{
    hue_tensor_desc *d = &g->t[g->t[t].base];
    if (d->first < 0 || node < d->first)
        d->first = node;
    if (node > d->last)
        d->last = node;
}

static void lifetimes(hue_graph *g)
{
    for (int i = 0; i < g->n_t; i++)
        g->t[i].first = g->t[i].last = -1;
    for (int i = 0; i < g->n_t; i++)
        if (g->t[i].role == HUE_ROLE_INPUT)
            touch(g, i, 0);   /* written by the host before the first node */
    for (int n = 0; n < g->n_nodes; n++) {
        const hue_node *node = &g->nodes[n];
        for (int i = 0; i < node->n_in; i++)
            touch(g, node->in[i], n);
        touch(g, node->out, n);
        if (node->scratch >= 0)
            touch(g, node->scratch, n);
    }
    for (int i = 0; i < g->n_t; i++) {
        hue_tensor_desc *d = &g->t[g->t[i].base];
        if (hue_role_persistent(d->role))
            d->first = 0;           /* alive for the whole graph, every run */
        if (g->t[i].is_output || hue_role_persistent(d->role))
            d->last = g->n_nodes;   /* read by the host after the last node */
        if (d->first < 0)
            d->first = d->last = 0; /* unused, but still addressable */
    }
}

static int by_size_desc(const void *a, const void *b, void *ctx)
{
    const hue_tensor_desc *t = ctx;
    uint64_t x = t[*(const int *)a].bytes, y = t[*(const int *)b].bytes;
    if (x != y)
        return x < y ? 1 : -1;
    return *(const int *)a - *(const int *)b;
}

/* qsort_r is not C11: a small insertion-merge sort keeps this portable. */
static void sort_ids(int *ids, int n, const hue_tensor_desc *t)
{
    int *tmp = malloc(sizeof *tmp * (size_t)(n ? n : 1));
    for (int width = 1; tmp && width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = by_size_desc(&ids[i], &ids[j], (void *)t) <= 0 ? ids[i++] : ids[j++];
            while (i < mid)
                tmp[k++] = ids[i++];
            while (j < hi)
                tmp[k++] = ids[j++];
        }
        for (int i = 0; i < n; i++)
            ids[i] = tmp[i];
    }
    free(tmp);
}

typedef struct {
    uint64_t begin, end;
} span;

static int by_begin(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

int hue_graph_plan(hue_graph *g)
{
    lifetimes(g);
    int *ids = malloc(sizeof *ids * (size_t)(g->n_t ? g->n_t : 1));
    int *placed = malloc(sizeof *placed * (size_t)(g->n_t ? g->n_t : 1));
    span *busy = malloc(sizeof *busy * (size_t)(g->n_t ? g->n_t : 1));
    if (!ids || !placed || !busy) {
        free(ids), free(placed), free(busy);
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    }
    int n = 0;
    for (int i = 0; i < g->n_t; i++)
        if (g->t[i].base == i)
            ids[n++] = i;
    sort_ids(ids, n, g->t);

    uint64_t top = 0, unshared = 0;
    int n_placed = 0;
    for (int k = 0; k < n; k++) {
        hue_tensor_desc *d = &g->t[ids[k]];
        uint64_t size = (d->bytes + SLOT_ALIGN - 1) & ~(uint64_t)(SLOT_ALIGN - 1);
        unshared += size;
        int n_busy = 0;
        for (int j = 0; j < n_placed; j++) {
            const hue_tensor_desc *o = &g->t[placed[j]];
            if (o->first <= d->last && d->first <= o->last)
                busy[n_busy++] = (span){o->arena_offset,
                                        o->arena_offset + ((o->bytes + SLOT_ALIGN - 1) & ~(uint64_t)(SLOT_ALIGN - 1))};
        }
        qsort(busy, (size_t)n_busy, sizeof *busy, by_begin);
        uint64_t at = 0;
        for (int j = 0; j < n_busy; j++) {
            if (busy[j].begin >= at + size)
                break;
            if (busy[j].end > at)
                at = busy[j].end;
        }
        d->arena_offset = at;
        if (at + size > top)
            top = at + size;
        placed[n_placed++] = ids[k];
    }
    free(ids), free(placed), free(busy);
    g->arena_bytes = top;
    g->unshared_bytes = unshared;
    return 0;
}
