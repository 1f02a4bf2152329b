/* Host steps that sum over a data-parallel group (see hue_collective.h).
 * The values travel arena -> host buffer -> group sum -> arena; on the CPU
 * backend and on devices the host maps, the copies are memcpy. */
#include <stdlib.h>
#include <string.h>

#include "op_common.h"

void hue_graph_set_collective(hue_graph *g, const hue_collective *c) { g->collective = *c; }

int hue_graph_ranks(const hue_graph *g) { return g->collective.ranks > 1 ? g->collective.ranks : 1; }

int hue_graph_rank(const hue_graph *g) { return hue_graph_ranks(g) > 1 ? g->collective.rank : 0; }

/* Memory a host step keeps for the graph's life. */
static void *host_alloc(hue_graph *g, size_t bytes)
{
    void **list = realloc(g->host_owned, sizeof *list * (size_t)(g->n_host_owned + 1));
    if (!list)
        return NULL;
    g->host_owned = list;
    void *p = calloc(1, bytes);
    if (p)
        g->host_owned[g->n_host_owned++] = p;
    return p;
}

static int group_sum(hue_graph *g, float *values, size_t count)
{
    if (hue_graph_ranks(g) == 1)
        return 0;
    int rc = g->collective.sum(g->collective.user, values, count);
    return rc ? hue_fail(rc, "a sum over %d ranks: %s", g->collective.ranks, hue_error_message()) : 0;
}

/* out = the group's sum of a buffer of `count` values zero but for in[0]
 * at `at`: at 0 and count its size, the sum of in[0]; at rank x size and
 * count ranks x size, every rank's in[0] in rank order. */
static int sum_placed(hue_graph *g, const hue_node *n, size_t at, size_t count)
{
    size_t part = (size_t)hue_tensor_numel(g, n->in[0]);
    float *values = calloc(count, sizeof *values);
    if (!values)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    int rc = hue_graph_host_copy(g, n->in[0], values + at, part, 0);
    if (!rc)
        rc = group_sum(g, values, count);
    if (!rc)
        rc = hue_graph_host_copy(g, n->out, values, count, 1);
    free(values);
    return rc;
}

/* ---- hue_all_reduce_sum: out = sum over ranks of in[0] ---- */

static int all_reduce_run(hue_graph *g, const hue_node *n)
{
    return sum_placed(g, n, 0, (size_t)hue_tensor_numel(g, n->in[0]));
}

static int all_reduce_backward(hue_graph *g, const hue_node *n, hue_tensor grad_out)
{
    if (!hue_tensor_needs_grad(g, n->in[0]))
        return 0;
    hue_tensor summed = hue_all_reduce_sum(g, grad_out);
    return summed < 0 ? summed : hue_grad_accumulate(g, n->in[0], summed);
}

static const hue_op_impl all_reduce_impl = {"all_reduce_sum", all_reduce_backward};

hue_tensor hue_all_reduce_sum(hue_graph *g, hue_tensor x)
{
    if (hue_graph_check_inputs(g, "all_reduce_sum", 1, &x))
        return g->error;
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "all_reduce_sum: %s is a strided view", g->t[x].name);
    hue_tensor y = new_like(g, x, g->t[x].shape, "all_reduce_sum");
    if (y < 0 || hue_graph_add_node(g, &all_reduce_impl, 1, &x, y, NULL) < 0)
        return g->error;
    g->nodes[g->n_nodes - 1].host = all_reduce_run;
    return y;
}

/* ---- hue_all_gather: every rank's rows of in[0], in rank order ---- */

static int all_gather_run(hue_graph *g, const hue_node *n)
{
    size_t part = (size_t)hue_tensor_numel(g, n->in[0]);
    return sum_placed(g, n, part * (size_t)hue_graph_rank(g), part * (size_t)hue_graph_ranks(g));
}

static int all_gather_backward(hue_graph *g, const hue_node *n, hue_tensor grad_out)
{
    if (!hue_tensor_needs_grad(g, n->in[0]))
        return 0;
    int64_t rows = hue_tensor_dim(g, n->in[0], 0);
    hue_tensor own = hue_slice(g, hue_all_reduce_sum(g, grad_out), 0, rows * hue_graph_rank(g), rows);
    return own < 0 ? own : hue_grad_accumulate(g, n->in[0], own);
}

static const hue_op_impl all_gather_impl = {"all_gather", all_gather_backward};

hue_tensor hue_all_gather(hue_graph *g, hue_tensor x)
{
    if (hue_graph_check_inputs(g, "all_gather", 1, &x))
        return g->error;
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "all_gather: %s is a strided view", g->t[x].name);
    int64_t shape[HUE_MAX_DIMS];
    memcpy(shape, g->t[x].shape, sizeof shape);
    shape[HUE_MAX_DIMS - g->t[x].ndim] *= hue_graph_ranks(g);  /* axis 0 as the user sees it */
    hue_tensor y = new_like(g, x, shape, "all_gather");
    if (y < 0 || hue_graph_add_node(g, &all_gather_impl, 1, &x, y, NULL) < 0)
        return g->error;
    g->nodes[g->n_nodes - 1].host = all_gather_run;
    return y;
}

/* ---- the gradients' mean, one buffer per optimizer ---- */

typedef struct {
    int n;
    size_t count;        /* values in all tensors */
    float *buffer;
    hue_tensor tensors[];
} mean_bucket;

static int mean_run(hue_graph *g, const hue_node *n)
{
    /* the bucket is the last thing this node's builder kept */
    mean_bucket *b = (mean_bucket *)g->host_owned[(int)n->p.start];
    size_t at = 0;
    int rc = 0;
    for (int i = 0; i < b->n && !rc; i++) {
        size_t c = (size_t)hue_tensor_numel(g, b->tensors[i]);
        rc = hue_graph_host_copy(g, b->tensors[i], b->buffer + at, c, 0);
        at += c;
    }
    if (!rc)
        rc = group_sum(g, b->buffer, b->count);
    float scale = 1.0f / (float)hue_graph_ranks(g);
    for (size_t k = 0; k < b->count && !rc; k++)
        b->buffer[k] *= scale;
    at = 0;
    for (int i = 0; i < b->n && !rc; i++) {
        size_t c = (size_t)hue_tensor_numel(g, b->tensors[i]);
        rc = hue_graph_host_copy(g, b->tensors[i], b->buffer + at, c, 1);
        at += c;
    }
    return rc;
}

static const hue_op_impl mean_impl = {"all_reduce_mean", NULL};

int hue_all_reduce_mean_in_place(hue_graph *g, int n, const hue_tensor *tensors)
{
    if (g->error)
        return g->error;
    if (hue_graph_ranks(g) == 1 || n == 0)
        return 0;
    if (hue_graph_check_inputs(g, "all_reduce_mean", n, tensors))
        return g->error;
    mean_bucket *b = host_alloc(g, sizeof *b + sizeof *b->tensors * (size_t)n);
    if (!b)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    b->n = n;
    for (int i = 0; i < n; i++) {
        if (!hue_tensor_is_contiguous(g, tensors[i]))
            return hue_graph_fail(g, HUE_EINVAL, "all_reduce_mean: %s is a strided view", g->t[tensors[i]].name);
        b->tensors[i] = tensors[i];
        b->count += (size_t)hue_tensor_numel(g, tensors[i]);
    }
    if (!(b->buffer = host_alloc(g, b->count * sizeof *b->buffer)))
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    /* The node's output is a token; its inputs keep the first tensors alive
     * to here in the plan (the update nodes after it read them all). */
    int64_t one = 1;
    hue_tensor token = hue_graph_new_tensor(g, 1, &one, "all_reduce_mean");
    hue_op_params p = {0};
    p.start = g->n_host_owned - 2;  /* the bucket (the buffer came after it) */
    int n_in = n < 6 ? n : 6;
    if (token < 0 || hue_graph_add_node(g, &mean_impl, n_in, tensors, token, &p) < 0)
        return g->error;
    g->nodes[g->n_nodes - 1].host = mean_run;
    return 0;
}
