/* The CPU backend's kernels: one per graph node kind (the name of the op
 * implementation that built the node, e.g. "conv2d", "batch_norm_stats",
 * "optim_update"). A kernel computes exactly what the node's Vulkan shaders
 * compute (the op table's plain-C reference is the definition where the op
 * has one), in fp32, on tensors that live in the graph's planned host arena.
 *
 * Threads: kernels parallelise with OpenMP (`#pragma omp parallel for`);
 * oneDNN uses the same OpenMP pool, so hue and oneDNN never compete for
 * cores. hue sets the pool's size from HUE_THREADS (default: the cores).
 *
 * Life of a kernel: prepare() runs once when the graph is compiled (the
 * tensors' addresses are final then: create oneDNN primitives and memory
 * objects over them, allocate any workspace); run() runs at every step and
 * must not allocate; release() frees what prepare() made.
 *
 * Workspace: nodes run one after another, so the temporaries a kernel needs
 * only while it runs (oneDNN's reordered blocked copies and its scratchpad,
 * partial sums) share one buffer: prepare() sets n->workspace_bytes to what
 * run() needs, and after every node is prepared the graph allocates the
 * largest such size once and points every node's n->workspace at it (64-byte
 * aligned). A kernel must not keep data in it from one run to the next, and
 * must not allocate per-node buffers for such temporaries (the graph's peak
 * memory is a target: at most PyTorch's). oneDNN memory objects over it are
 * created with DNNL_MEMORY_NONE in prepare() and given n->workspace with
 * dnnl_memory_set_data_handle() in run(). */
#ifndef HUE_CPU_KERNEL_H
#define HUE_CPU_KERNEL_H
#include <stdint.h>

#include "hue_graph.h"
#include "hue_ops.h"

/* A tensor as a kernel sees it: shape and strides right-aligned to 4-D as
 * in the graph (a [C, H, W] tensor is shape {1, C, H, W}), strides in
 * elements, data at element 0 of the view. */
typedef struct {
    float *data;                  /* fp32 tensors */
    uint8_t *bytes;               /* HUE_U8 tensors (data is NULL then) */
    int ndim;                     /* as the user sees it */
    int64_t shape[HUE_MAX_DIMS];
    int64_t stride[HUE_MAX_DIMS];
    int64_t numel;
    int contiguous;
} hue_cpu_tensor;

typedef struct hue_cpu_node {
    const char *op;               /* the node's op implementation name */
    const hue_op_params *p;
    int n_in;
    hue_cpu_tensor in[6];
    hue_cpu_tensor out;
    int index;                    /* node index in the graph, for messages */
    void *state;                  /* what prepare() made, for run() and release() */
    size_t workspace_bytes;       /* set by prepare(): shared scratch run() needs */
    void *workspace;              /* valid in run(): at least workspace_bytes, shared by all nodes */
    /* bit j: in[j] is a persistent tensor (parameter, state, constant) that no
     * node of the graph writes, as the weights of an inference graph: it
     * changes only when the host writes persistent tensors, which moves
     * *host_writes, so a copy of it in another layout stays valid until then */
    unsigned fixed_inputs;
    const uint64_t *host_writes;
} hue_cpu_node;

typedef struct {
    const char *op;
    int (*prepare)(hue_cpu_node *n);   /* optional; 0 or a HUE_E* code with hue_fail() */
    int (*run)(hue_cpu_node *n);       /* 0 or a HUE_E* code with hue_fail() */
    void (*release)(hue_cpu_node *n);  /* optional */
} hue_cpu_kernel;

/* Each kernel family lists its kernels in a table ending with {NULL}:
 * compute/cpu/kernels_<family>.c defines hue_cpu_kernels_<family>. */
extern const hue_cpu_kernel hue_cpu_kernels_eltwise[], hue_cpu_kernels_tensor[], hue_cpu_kernels_nn[],
    hue_cpu_kernels_conv[], hue_cpu_kernels_optim[], hue_cpu_kernels_track[];
extern const hue_cpu_kernel hue_cpu_kernels_reduce[], hue_cpu_kernels_contrastive[];

/* The kernel for an op name, or NULL. */
const hue_cpu_kernel *hue_cpu_kernel_find(const char *op);

/* A prepare() for kernels that take only contiguous fp32 tensors (the
 * builders check it): HUE_ENOTSUP naming the node otherwise. */
int hue_cpu_check_dense(hue_cpu_node *n);

/* Element offset of index (i0, i1, i2, i3) in a right-aligned 4-D view. */
static inline int64_t hue_cpu_at(const hue_cpu_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3)
{
    return i0 * t->stride[0] + i1 * t->stride[1] + i2 * t->stride[2] + i3 * t->stride[3];
}

#endif
