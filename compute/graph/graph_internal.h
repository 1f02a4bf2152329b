/* Inside of hue_graph, shared by graph.c, the planner, the op families and
 * the backends. Backend-neutral: a backend keeps what it compiles behind a
 * pointer of its own (g->vk, g->cpu). */
#ifndef HUE_GRAPH_INTERNAL_H
#define HUE_GRAPH_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "ctx_internal.h"
#include "hue_collective.h"
#include "hue_graph.h"
#include "hue_ops.h"

enum hue_tensor_role {
    HUE_ROLE_INTERMEDIATE,
    HUE_ROLE_INPUT,     /* written by the host before each run */
    HUE_ROLE_PARAM,     /* persistent, trainable unless frozen */
    HUE_ROLE_STATE,     /* persistent, zeroed at compile (optimizer moments, running statistics) */
    HUE_ROLE_CONSTANT,  /* persistent, uploaded once at compile */
};

/* Persistent tensors keep their bytes across runs: never shared in the plan. */
static inline int hue_role_persistent(int role) { return role >= HUE_ROLE_PARAM; }

typedef struct {
    int ndim;                     /* as the user sees it */
    int64_t shape[HUE_MAX_DIMS];  /* right-aligned: leading dims are 1 */
    int64_t stride[HUE_MAX_DIMS]; /* elements */
    int64_t offset;               /* elements into the base tensor's slot */
    int base;                     /* tensor that owns the memory (itself if owner) */
    int role;
    int dtype;                    /* enum hue_dtype */
    int is_output;
    int frozen;                   /* a parameter that gets no gradient */
    int requires_grad;            /* set by the backward pass */
    hue_tensor grad;              /* -1, or the tensor holding d(loss)/d(this) */
    float *constant;              /* host copy of a constant's values */
    char name[32];
    /* planning, for owners only */
    int first, last;              /* node indices of first write/last use */
    uint64_t bytes, arena_offset;
} hue_tensor_desc;

typedef struct hue_node hue_node;

/* What built a node: the op's name, by which each backend finds the node's
 * kernel, and the rule that builds the nodes of its backward (calling
 * hue_grad_accumulate for each input that requires a gradient); backward
 * is NULL where the op has none. */
typedef struct {
    const char *name;
    int (*backward)(hue_graph *g, const hue_node *n, hue_tensor grad_out);
} hue_op_impl;

struct hue_node {
    const hue_op_impl *impl;
    int n_in;
    hue_tensor in[6];
    hue_tensor out;
    hue_tensor scratch;           /* -1 or a tensor that lives only in this node */
    /* A host step (hue_collective.h): not a kernel but this function, which
     * every backend calls when a run reaches the node, with every earlier
     * node finished and no later one started. NULL for kernels. */
    int (*host)(hue_graph *g, const hue_node *n);
    hue_op_params p;
};

/* What a backend does with a graph; a context names its backend's
 * (ctx->ops), and the graph hands itself over to compile, run and release. */
typedef struct hue_backend_ops {
    /* Plans memory (hue_graph_plan) and binds every node to its kernel; sets
     * g->host_arena where the host reaches the arena directly. */
    int (*compile)(hue_graph *g);
    int (*run)(hue_graph *g);
    /* Frees what compile made (safe when it made nothing). */
    void (*release)(hue_graph *g);
    /* Only where g->host_arena is NULL: the host bytes that stand for base
     * tensor t (an input or output) between runs, and a copy between host
     * memory and `bytes` at `offset` in the arena. */
    void *(*staged)(hue_graph *g, hue_tensor t);
    int (*copy)(hue_graph *g, uint64_t offset, void *host, size_t bytes, int to_device);
} hue_backend_ops;

struct hue_graph {
    hue_ctx *ctx;
    struct hue_cpu_graph *cpu;    /* the CPU backend's compiled state, else NULL */
    struct hue_vk_graph *vk;      /* the Vulkan backend's compiled state, else NULL */
    int error;
    char error_message[512];

    hue_tensor_desc *t;
    int n_t, cap_t;
    hue_node *nodes;
    int n_nodes, cap_nodes;

    /* the group collectives sum over (hue_collective.h); ranks 0: none set */
    hue_collective collective;
    /* what host steps own, freed with the graph */
    void **host_owned;
    int n_host_owned;

    /* compiled state */
    int compiled;
    uint64_t arena_bytes, unshared_bytes;
    char *host_arena;             /* the arena's bytes where the host reaches them, else NULL */
    uint64_t persistent_writes;   /* host writes into persistent tensors so far: the CPU backend
                                   * keeps weights no node writes in its kernels' layouts until
                                   * this moves */

    /* HUE_PROFILE, filled by the backend */
    int profile;
    double *node_ms;              /* accumulated per node */
    int *node_dispatches;         /* dispatches per node, where the backend counts them */
    int runs;
    double first_run_ms, later_runs_ms;
};

/* Building: add a tensor or a node; both record the first error. */
hue_tensor hue_graph_new_tensor(hue_graph *g, int ndim, const int64_t *shape, const char *name);
hue_tensor hue_graph_add_node(hue_graph *g, const hue_op_impl *impl, int n_in, const hue_tensor *in,
                              hue_tensor out, const hue_op_params *p);
int hue_graph_fail(hue_graph *g, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A node's own scratch tensor of `count` floats, alive only during it. */
hue_tensor hue_graph_scratch(hue_graph *g, int64_t count);
/* Adds `contribution` to the gradient of `t` (reshaped to t's shape). */
int hue_grad_accumulate(hue_graph *g, hue_tensor t, hue_tensor contribution);
/* Sums `x` over the axes where `like` has size 1 and x does not, and
 * reshapes the result to `like`'s shape: the gradient of a broadcast. */
hue_tensor hue_reduce_to_shape(hue_graph *g, hue_tensor x, hue_tensor like);
int hue_tensor_needs_grad(const hue_graph *g, hue_tensor t);
/* Inside a host step: copies a contiguous tensor between the arena and
 * host memory (to_device 1: host to arena). */
int hue_graph_host_copy(hue_graph *g, hue_tensor t, float *host, size_t count, int to_device);
/* Uploads constants and zeroes state; called by compile. */
int hue_graph_init_persistent(hue_graph *g);
/* The memory plan: every owner's arena_offset, and g->arena_bytes. */
int hue_graph_plan(hue_graph *g);

/* Fails the graph unless every id is a valid tensor. */
int hue_graph_check_inputs(hue_graph *g, const char *op, int n, const hue_tensor *in);
int hue_tensor_is_contiguous(const hue_graph *g, hue_tensor t);

/* Element offset of a view within its base tensor's slot. */
int64_t hue_tensor_bind_offset(const hue_graph *g, hue_tensor t);
/* Local size x for 1-D kernels: the subgroup size, at least 8, at most 64. */
uint32_t hue_graph_local_size(const hue_graph *g);

#endif
