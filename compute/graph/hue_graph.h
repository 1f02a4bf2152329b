/* A static graph of tensor ops, built once and run many times.
 *
 * Model code adds inputs and ops (hue_ops.h); each call returns a tensor id
 * (>= 0) or a negative HUE_E* code, and the first error sticks to the graph
 * so a chain of calls can be checked once. hue_graph_compile() plans memory
 * by tensor lifetimes (tensors whose lifetimes do not overlap share bytes)
 * and hands the graph to its context's backend: on Vulkan it creates every
 * pipeline and descriptor and records the whole graph into one command
 * buffer, so hue_graph_run() then only uploads, submits and waits; on the
 * CPU backend each node's kernel is prepared once and run in order. */
#ifndef HUE_GRAPH_H
#define HUE_GRAPH_H
#include <stddef.h>
#include <stdint.h>

#include "hue_ctx.h"

#define HUE_MAX_DIMS 4

typedef struct hue_graph hue_graph;
typedef int hue_tensor;

int hue_graph_create(hue_ctx *ctx, hue_graph **out);
void hue_graph_destroy(hue_graph *g);

enum hue_dtype { HUE_F32, HUE_U8 };

/* A tensor the host fills before each run (fp32, contiguous NCHW). */
hue_tensor hue_graph_input(hue_graph *g, const char *name, int ndim, const int64_t *shape);
/* The same for bytes (e.g. packed RGB8 frames); only ops that say so take it. */
hue_tensor hue_graph_input_u8(hue_graph *g, const char *name, int ndim, const int64_t *shape);
int hue_tensor_dtype(const hue_graph *g, hue_tensor t);
/* Persistent tensors keep their values across runs; the host reads and
 * writes them with hue_graph_write / hue_graph_read after compiling.
 * A parameter is trainable (gets a gradient) unless frozen; state is zeroed
 * at compile; a constant holds the given values from compile on. */
hue_tensor hue_graph_param(hue_graph *g, const char *name, int ndim, const int64_t *shape);
hue_tensor hue_graph_state(hue_graph *g, const char *name, int ndim, const int64_t *shape);
hue_tensor hue_graph_constant(hue_graph *g, const char *name, int ndim, const int64_t *shape, const float *values);
int hue_graph_freeze(hue_graph *g, hue_tensor param);
int hue_graph_write(hue_graph *g, hue_tensor t, const float *data, size_t count);

/* Appends to the graph the nodes that compute d(loss)/d(every trainable
 * parameter) for a one-element loss; a tensor used by several ops sums the
 * gradients of each use. Call after building the forward graph. */
int hue_graph_backward(hue_graph *g, hue_tensor loss);
/* The gradient tensor of t after hue_graph_backward, or -1 if none. */
hue_tensor hue_tensor_grad(const hue_graph *g, hue_tensor t);
const char *hue_tensor_name(const hue_graph *g, hue_tensor t);

/* Keep a tensor's value after the run so the host can read it. */
int hue_graph_output(hue_graph *g, hue_tensor t);
/* First error met while building (0 if none); its message stays in
 * hue_graph_error_message(). */
int hue_graph_status(const hue_graph *g);
const char *hue_graph_error_message(const hue_graph *g);

int hue_tensor_ndim(const hue_graph *g, hue_tensor t);
int64_t hue_tensor_dim(const hue_graph *g, hue_tensor t, int axis);
int64_t hue_tensor_numel(const hue_graph *g, hue_tensor t);

int hue_graph_compile(hue_graph *g);
int hue_graph_set_input(hue_graph *g, hue_tensor t, const float *data, size_t count);
int hue_graph_set_input_u8(hue_graph *g, hue_tensor t, const uint8_t *data, size_t count);
int hue_graph_run(hue_graph *g);
int hue_graph_read(hue_graph *g, hue_tensor t, float *out, size_t count);

/* After compile: bytes of the planned arena, and what the tensors in it
 * would take without sharing. */
size_t hue_graph_arena_bytes(const hue_graph *g);
size_t hue_graph_unshared_bytes(const hue_graph *g);
/* After compile on the CPU backend: the bytes of the workspace its kernels
 * share outside the arena (0 on Vulkan, where scratch is in the arena). */
size_t hue_graph_workspace_bytes(const hue_graph *g);
int hue_graph_dispatch_count(const hue_graph *g);

#endif
