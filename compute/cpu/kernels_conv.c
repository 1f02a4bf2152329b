/* CPU kernels: convolutions (forward, input and weight gradients, and the
 * layout copies and weight flip around them), matrix products (matmul,
 * linear) and pooling (forward and gradient).
 *
 * Convolutions, products and pooling are oneDNN primitives, created once in
 * prepare() over the tensors in the graph's arena. A convolution lets oneDNN
 * choose its layouts (format_tag any), as PyTorch does: its fastest kernels
 * want blocked activations and weights, and where a chosen layout differs
 * from the arena's plain NCHW/OIHW, run() reorders into and out of the
 * shared workspace around the primitive. The gradients of convolutions with
 * tiny outputs are matmuls over images side by side instead (see
 * HUE_CPU_CONV_GEMM_PIXELS). Products and pooling run on the plain layouts
 * directly. The weight flip and the wide/narrow copies are threaded C.
 *
 * The primitives share one engine and stream: graphs run one at a time. */
#include <dnnl.h>
#include <dnnl_debug.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hue_cpu_kernel.h"
#include "hue_error.h"

/* ---- oneDNN plumbing ---- */

/* One engine and stream for every node of these kernels, made by the first
 * prepare() and freed with the last release(). Primitives take a user
 * scratchpad (attr), so their temporaries live in the shared workspace. */
static dnnl_engine_t engine;
static dnnl_stream_t stream;
static dnnl_primitive_attr_t attr;
static int engine_users;

static int check(dnnl_status_t s, const char *what)
{
    if (s == dnnl_success)
        return 0;
    return hue_fail(s == dnnl_out_of_memory ? HUE_ENOMEM : HUE_ENOTSUP, "oneDNN: %s failed (%s)", what,
                    dnnl_status2str(s));
}

static int engine_acquire(void)
{
    if (engine_users++)
        return 0;
    int rc;
    if ((rc = check(dnnl_engine_create(&engine, dnnl_cpu, 0), "creating the CPU engine")) ||
        (rc = check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags), "creating a stream")) ||
        (rc = check(dnnl_primitive_attr_create(&attr), "creating attributes")) ||
        (rc = check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode")))
        return rc;
    return 0;
}

static void engine_release(void)
{
    if (--engine_users)
        return;
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (stream)
        dnnl_stream_destroy(stream);
    if (engine)
        dnnl_engine_destroy(engine);
    attr = NULL, stream = NULL, engine = NULL;
}

#define MAX_STEPS 4
#define MAX_MEMS 16
#define MAX_ARGS 6
#define NOT_IN_WORKSPACE SIZE_MAX

typedef struct {
    dnnl_primitive_t prim;
    int nargs;
    dnnl_exec_arg_t args[MAX_ARGS];
} step;

/* What prepare() made for a node: primitives run in order (reorders in, the
 * operation, reorders out), the memory objects they use, and where in the
 * shared workspace those that are not the arena's tensors lie. */
typedef struct {
    step steps[MAX_STEPS];
    int n_steps;
    dnnl_memory_t mem[MAX_MEMS];
    size_t offset[MAX_MEMS];        /* bytes into the workspace, or NOT_IN_WORKSPACE (arena) */
    int n_mem;
    size_t workspace;               /* bytes the node needs */
    void *bound;                    /* the workspace the memory objects point into */
    dnnl_primitive_desc_t hint;     /* a backward primitive's forward, kept while it lives */
    dnnl_primitive_desc_t pd;       /* the operation's, until its primitive is made */
    int engine;                     /* holds a reference to the shared engine */
    /* conv2d_dx: rows and columns past the ones the primitive computes are
     * zero, and a bias is added after it (the transposed convolution's) */
    int64_t keep_h, keep_w;
    int fixup;
    /* conv2d_dx and conv2d_dw on small images: matmuls over chunks of
     * images side by side (see conv_gemm_build) */
    int gemm;
    int64_t chunk;                  /* images per matmul */
    struct {
        dnnl_primitive_t prim;
        dnnl_memory_t a, b, c, pad; /* src, weights, dst, scratchpad */
    } call[3];                      /* the first chunk, later ones, a shorter last one */
    size_t wide_offset, rows_offset; /* workspace: dy side by side, patch rows */
    /* conv2d on fixed weights (hue_cpu_kernel.h): step kept_step - 1
     * reorders them into kept, a buffer of the node's own, and runs only
     * when the host wrote persistent tensors since (kept_writes) */
    int kept_step;
    void *kept;
    uint64_t kept_writes;
    int kept_valid;
} dnn_state;

static void dnn_release(hue_cpu_node *n)
{
    dnn_state *s = n->state;
    if (!s)
        return;
    for (int i = 0; i < s->n_steps; i++)
        dnnl_primitive_destroy(s->steps[i].prim);
    for (int i = 0; i < 3; i++)
        if (s->call[i].prim)
            dnnl_primitive_destroy(s->call[i].prim);
    for (int i = 0; i < s->n_mem; i++)
        dnnl_memory_destroy(s->mem[i]);
    if (s->hint)
        dnnl_primitive_desc_destroy(s->hint);
    if (s->pd)
        dnnl_primitive_desc_destroy(s->pd);
    if (s->engine)
        engine_release();
    free(s->kept);
    free(s);
    n->state = NULL;
}

/* A new 64-byte aligned piece of the node's workspace: its offset. */
static size_t dnn_reserve(dnn_state *s, size_t bytes)
{
    size_t at = (s->workspace + 63) & ~(size_t)63;
    s->workspace = at + bytes;
    return at;
}

/* A memory object over data (the arena), or over the workspace at offset
 * (bound in run()), or, both NOT_IN_WORKSPACE and NULL, pointed by run(). */
static int dnn_memory_at(dnn_state *s, const dnnl_memory_desc_t *md, void *data, size_t offset, dnnl_memory_t *m)
{
    if (s->n_mem == MAX_MEMS)
        return hue_fail(HUE_ENOTSUP, "too many oneDNN memory objects for one node");
    int rc = check(dnnl_memory_create(m, md, engine, data ? data : DNNL_MEMORY_NONE), "creating a memory object");
    if (rc)
        return rc;
    s->mem[s->n_mem] = *m;
    s->offset[s->n_mem++] = offset;
    return 0;
}

/* A memory object over the arena (data) or, data NULL, over a new piece of
 * the workspace. */
static int dnn_memory(dnn_state *s, const dnnl_memory_desc_t *md, void *data, dnnl_memory_t *m)
{
    size_t at = data ? NOT_IN_WORKSPACE : dnn_reserve(s, dnnl_memory_desc_get_size(md));
    return dnn_memory_at(s, md, data, at, m);
}

/* Appends the primitive of *pdp (destroyed here) with its arguments, and
 * its scratchpad in the workspace where it needs one. */
static int dnn_step(dnn_state *s, dnnl_primitive_desc_t *pdp, int nargs, const dnnl_exec_arg_t *args)
{
    dnnl_primitive_desc_t pd = *pdp;
    *pdp = NULL;
    step *st = &s->steps[s->n_steps];
    int rc = 0;
    memcpy(st->args, args, sizeof *args * (size_t)nargs);
    st->nargs = nargs;
    const dnnl_memory_desc_t *pad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (pad && dnnl_memory_desc_get_size(pad) > 0) {
        dnnl_memory_t m;
        if (!(rc = dnn_memory(s, pad, NULL, &m)))
            st->args[st->nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, m};
    }
    if (!rc && !(rc = check(dnnl_primitive_create(&st->prim, pd), "creating a primitive")))
        s->n_steps++;
    dnnl_primitive_desc_destroy(pd);
    return rc;
}

static int dnn_reorder(dnn_state *s, dnnl_memory_t from, const dnnl_memory_desc_t *from_md, dnnl_memory_t to,
                       const dnnl_memory_desc_t *to_md)
{
    dnnl_primitive_desc_t pd;
    int rc = check(dnnl_reorder_primitive_desc_create(&pd, from_md, engine, to_md, engine, attr), "a reorder");
    if (rc)
        return rc;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    return dnn_step(s, &pd, 2, args);
}

/* The memory a primitive reads in layout want: the tensor itself where its
 * layout (user) is that one, else a workspace copy reordered into. */
static int dnn_input(dnn_state *s, const dnnl_memory_desc_t *user, float *data, const dnnl_memory_desc_t *want,
                     dnnl_memory_t *m)
{
    dnnl_memory_t um;
    int rc = dnn_memory(s, user, data, &um);
    if (rc || dnnl_memory_desc_equal(user, want))
        return *m = um, rc;
    if ((rc = dnn_memory(s, want, NULL, m)))
        return rc;
    return dnn_reorder(s, um, user, *m, want);
}

/* The memory a primitive writes in layout want; *user is the tensor's own
 * memory where that differs (dnn_output_done reorders into it after the
 * primitive), else NULL. */
static int dnn_output(dnn_state *s, const dnnl_memory_desc_t *user_md, float *data, const dnnl_memory_desc_t *want,
                      dnnl_memory_t *m, dnnl_memory_t *user)
{
    int rc = dnn_memory(s, user_md, data, user);
    if (rc || dnnl_memory_desc_equal(user_md, want))
        return *m = *user, *user = NULL, rc;
    return dnn_memory(s, want, NULL, m);
}

static int dnn_output_done(dnn_state *s, dnnl_memory_t m, const dnnl_memory_desc_t *want, dnnl_memory_t user,
                           const dnnl_memory_desc_t *user_md)
{
    return user ? dnn_reorder(s, m, want, user, user_md) : 0;
}

/* Points the memory objects over the workspace at it (the first run). */
static int dnn_bind(hue_cpu_node *n)
{
    dnn_state *s = n->state;
    int rc;
    if (s->bound == n->workspace)
        return 0;
    for (int i = 0; i < s->n_mem; i++)
        if (s->offset[i] != NOT_IN_WORKSPACE &&
            (rc = check(dnnl_memory_set_data_handle(s->mem[i], (char *)n->workspace + s->offset[i]),
                        "binding the workspace")))
            return rc;
    s->bound = n->workspace;
    return 0;
}

static int dnn_execute(hue_cpu_node *n)
{
    dnn_state *s = n->state;
    int rc = dnn_bind(n);
    if (rc)
        return rc;
    for (int i = 0; i < s->n_steps; i++) {
        int kept = i == s->kept_step - 1;
        if (kept && s->kept_valid && s->kept_writes == *n->host_writes)
            continue;  /* the weights are as they were reordered */
        if ((rc = check(dnnl_primitive_execute(s->steps[i].prim, stream, s->steps[i].nargs, s->steps[i].args),
                        "executing a primitive")))
            return rc;
        if (kept)
            s->kept_writes = *n->host_writes, s->kept_valid = 1;
    }
    return check(dnnl_stream_wait(stream), "waiting for the stream");
}

/* dnn_input for fixed weights: where the primitive wants another layout,
 * the copy lives in a buffer of the node's own (kept across runs, see
 * dnn_execute) rather than in the shared workspace. */
static int dnn_input_kept(dnn_state *s, const dnnl_memory_desc_t *user, float *data, const dnnl_memory_desc_t *want,
                          dnnl_memory_t *m)
{
    dnnl_memory_t um;
    int rc = dnn_memory(s, user, data, &um);
    if (rc || dnnl_memory_desc_equal(user, want))
        return *m = um, rc;
    size_t bytes = (dnnl_memory_desc_get_size(want) + 63) / 64 * 64;
    if (!(s->kept = aligned_alloc(64, bytes ? bytes : 64)))
        return hue_fail(HUE_ENOMEM, "out of host memory");
    if ((rc = dnn_memory_at(s, want, s->kept, NOT_IN_WORKSPACE, m)) || (rc = dnn_reorder(s, um, user, *m, want)))
        return rc;
    s->kept_step = s->n_steps;  /* the reorder just added, plus one */
    return 0;
}

/* Makes a node's state with build(); what a failed build made is freed
 * here, as the graph releases only the nodes it prepared. */
static int dnn_prepare(hue_cpu_node *n, int (*build)(hue_cpu_node *n, dnn_state *s))
{
    dnn_state *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    n->state = s;
    int rc = engine_acquire();
    s->engine = 1;  /* engine_acquire counts a failed call too */
    if (!rc)
        rc = build(n, s);
    if (rc) {
        dnn_release(n);
        return rc;
    }
    n->workspace_bytes = s->workspace;
    return 0;
}

/* A plain memory descriptor of ndims dims with the given element strides. */
static int plain_md(dnnl_memory_desc_t *md, int ndims, const int64_t *dims, const int64_t *strides)
{
    dnnl_dims_t d, s;
    for (int i = 0; i < ndims; i++)
        d[i] = dims[i], s[i] = strides[i];
    return check(dnnl_memory_desc_init_by_strides(md, ndims, d, dnnl_f32, s), "a memory descriptor");
}

static int any_md(dnnl_memory_desc_t *md, int ndims, const int64_t *dims)
{
    dnnl_dims_t d;
    for (int i = 0; i < ndims; i++)
        d[i] = dims[i];
    return check(dnnl_memory_desc_init_by_tag(md, ndims, d, dnnl_f32, dnnl_format_tag_any), "a memory descriptor");
}

/* A 4-D view's descriptor, its spatial extent cut to h x w. */
static int view_md(dnnl_memory_desc_t *md, const hue_cpu_tensor *t, int64_t h, int64_t w)
{
    int64_t dims[4] = {t->shape[0], t->shape[1], h, w};
    return plain_md(md, 4, dims, t->stride);
}

/* ---- convolutions ---- */

/* A convolution's geometry in oneDNN's terms. The right padding is what
 * the last window needs beyond the input (oneDNN's output size rounds down,
 * as hue's does); where the output is smaller than the input allows (a
 * transposed convolution's output padding), the input is cut to the rows
 * and columns the windows reach instead. */
typedef struct {
    dnnl_dims_t stride, dilate, pad_l, pad_r;
    int64_t extent[2];  /* input rows and columns the convolution covers */
} conv_geom;

static int conv_geometry(const hue_op_params *p, int64_t H, int64_t W, int64_t OH, int64_t OW, conv_geom *g)
{
    int64_t in[2] = {H, W}, out[2] = {OH, OW};
    for (int i = 0; i < 2; i++) {
        int64_t span = (int64_t)p->dilation[i] * (p->kernel[i] - 1) + 1;
        int64_t reach = (out[i] - 1) * p->stride[i] + span - p->pad[i];  /* one past the last row read */
        g->stride[i] = p->stride[i];
        g->dilate[i] = p->dilation[i] - 1;
        g->pad_l[i] = p->pad[i];
        g->pad_r[i] = reach > in[i] ? reach - in[i] : 0;
        g->extent[i] = in[i];
        if ((in[i] + g->pad_l[i] + g->pad_r[i] - span) / p->stride[i] + 1 != out[i])
            g->extent[i] = reach;
        if (g->extent[i] < 1)
            return hue_fail(HUE_ENOTSUP, "convolution whose windows cover no input pixel");
    }
    return 0;
}

static int conv_forward_desc(dnnl_convolution_desc_t *d, const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *w,
                             const dnnl_memory_desc_t *bias, const dnnl_memory_desc_t *dst, const conv_geom *g)
{
    return check(dnnl_dilated_convolution_forward_desc_init(d, dnnl_forward_training, dnnl_convolution_direct, src,
                                                            w, bias, dst, g->stride, g->dilate, g->pad_l, g->pad_r),
                 "a convolution descriptor");
}

/* A 3x3 stride-1 convolution on fixed weights (an inference graph, as hue
 * track's encoder) as Winograd's: oneDNN's F(4x4, 3x3) does the 128-channel
 * convolutions of the 480p encoder in 3.2 ms against direct's 8.1, its
 * weights transformed once and kept (dnn_input_kept). It rounds otherwise
 * than direct (test_conv_fixed_weights holds it within 1e-4 of a
 * double-precision convolution). NULL where oneDNN has no Winograd kernel
 * for the shape. */
static dnnl_primitive_desc_t conv_winograd(const hue_cpu_node *n, const dnnl_memory_desc_t *src,
                                           const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *bias,
                                           const dnnl_memory_desc_t *dst, const conv_geom *g)
{
    const hue_cpu_tensor *wt = &n->in[1];
    if (!(n->fixed_inputs & 2u) || wt->shape[2] != 3 || wt->shape[3] != 3 || g->stride[0] != 1 || g->stride[1] != 1 ||
        g->dilate[0] || g->dilate[1])
        return NULL;
    dnnl_convolution_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_convolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_convolution_winograd, src, w, bias, dst,
                                           g->stride, g->pad_l, g->pad_r) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &d, attr, engine, NULL) != dnnl_success)
        return NULL;
    return pd;
}

/* Every operand with layout any, over the tensor shapes of x [N, C, H, W]
 * cut to the geometry's extent, w [O, C, kh, kw] and y [N, O, OH, OW]. */
typedef struct {
    dnnl_memory_desc_t src, w, dst;
} conv_any;

static int conv_any_mds(conv_any *a, const int64_t *x, const int64_t *w, const int64_t *y, const conv_geom *g)
{
    int64_t src[4] = {x[0], x[1], g->extent[0], g->extent[1]};
    int rc;
    if ((rc = any_md(&a->src, 4, src)) || (rc = any_md(&a->w, 4, w)))
        return rc;
    return any_md(&a->dst, 4, y);
}

/* conv2d: y = conv(x, w) (+ bias), x [N, C, H, W], w [O, C, kh, kw]. */
static int conv2d_build(hue_cpu_node *n, dnn_state *s)
{
    int rc;
    const hue_cpu_tensor *x = &n->in[0], *w = &n->in[1], *y = &n->out;
    const float *bias = n->p->has_bias ? n->in[2].data : NULL;
    conv_geom g;
    conv_any a;
    dnnl_memory_desc_t x_md, w_md, y_md, b_md;
    int64_t O = w->shape[0], bias_stride = bias ? n->in[2].stride[3] : 1;
    if ((rc = conv_geometry(n->p, x->shape[2], x->shape[3], y->shape[2], y->shape[3], &g)) ||
        (rc = conv_any_mds(&a, x->shape, w->shape, y->shape, &g)) ||
        (rc = view_md(&x_md, x, g.extent[0], g.extent[1])) || (rc = view_md(&w_md, w, w->shape[2], w->shape[3])) ||
        (rc = view_md(&y_md, y, y->shape[2], y->shape[3])) || (rc = plain_md(&b_md, 1, &O, &bias_stride)))
        return rc;
    dnnl_convolution_desc_t d;
    s->pd = conv_winograd(n, &a.src, &a.w, bias ? &b_md : NULL, &a.dst, &g);
    if (!s->pd && ((rc = conv_forward_desc(&d, &a.src, &a.w, bias ? &b_md : NULL, &a.dst, &g)) ||
                   (rc = check(dnnl_primitive_desc_create(&s->pd, &d, attr, engine, NULL), "a convolution"))))
        return rc;
    const dnnl_memory_desc_t *src = dnnl_primitive_desc_query_md(s->pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *wei = dnnl_primitive_desc_query_md(s->pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *dst = dnnl_primitive_desc_query_md(s->pd, dnnl_query_dst_md, 0);
    dnnl_memory_t ms, mw, md, mu, mb = NULL;
    int fixed = (n->fixed_inputs & 2u) != 0;
    if ((rc = dnn_input(s, &x_md, x->data, src, &ms)) ||
        (rc = (fixed ? dnn_input_kept : dnn_input)(s, &w_md, w->data, wei, &mw)) ||
        (bias && (rc = dnn_memory(s, &b_md, (float *)bias, &mb))) ||
        (rc = dnn_output(s, &y_md, y->data, dst, &md, &mu)))
        return rc;
    dnnl_memory_desc_t dst_copy = *dst;  /* pd goes with dnn_step */
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, md}, {DNNL_ARG_BIAS, mb}};
    if ((rc = dnn_step(s, &s->pd, bias ? 4 : 3, args)) || (rc = dnn_output_done(s, md, &dst_copy, mu, &y_md)))
        return rc;
    return 0;
}

/* The forward primitive a backward one is made against (its hint). */
static int conv_hint(dnn_state *s, const conv_any *a, const conv_geom *g)
{
    dnnl_convolution_desc_t d;
    int rc = conv_forward_desc(&d, &a->src, &a->w, NULL, &a->dst, g);
    return rc ? rc : check(dnnl_primitive_desc_create(&s->hint, &d, attr, engine, NULL), "a convolution");
}

/* dy's descriptor: [N, O, OH, OW] as it is, or wide [O, N*OH*OW] (images
 * side by side) seen through strides. */
static int dy_md(dnnl_memory_desc_t *md, const hue_cpu_tensor *dy, int wide, int64_t N, int64_t O, int64_t OH,
                 int64_t OW)
{
    int64_t dims[4] = {N, O, OH, OW};
    if (!wide)
        return plain_md(md, 4, dims, dy->stride);
    int64_t col = dy->stride[3], strides[4] = {OH * OW * col, dy->stride[2], OW * col, col};
    return plain_md(md, 4, dims, strides);
}

/* conv2d_widen: dy [N, O, OH, OW] to wide [O, N*OH*OW]; conv2d_narrow: the
 * way back, out shaped [N, O, OH, OW]. Rows of OH*OW pixels move whole. */
static void move_rows(const float *from, int64_t from_row, int64_t from_col, float *to, int64_t to_row,
                      int64_t to_col, int64_t P)
{
    if (from_col == 1 && to_col == 1) {
        memcpy(to + to_row, from + from_row, sizeof *to * (size_t)P);
        return;
    }
    for (int64_t i = 0; i < P; i++)
        to[to_row + i * to_col] = from[from_row + i * from_col];
}

/* Element offset of pixel 0 of image n, channel o, and the step between
 * pixels, in an [N, O, H, W] view (pixels must be one strided axis). */
static int pixel_rows(const hue_cpu_tensor *t, int64_t *col)
{
    *col = t->stride[3];
    return t->shape[2] == 1 || t->stride[2] == t->shape[3] * t->stride[3];
}

static int conv2d_widen_run(hue_cpu_node *n)
{
    const hue_cpu_tensor *dy = &n->in[0], *y = &n->out;
    int64_t N = dy->shape[0], O = dy->shape[1], P = dy->shape[2] * dy->shape[3], col, out_col = y->stride[3];
    if (!pixel_rows(dy, &col))
        return hue_fail(HUE_ENOTSUP, "conv2d_widen: pixels of %lldx%lld with uneven strides",
                        (long long)dy->shape[2], (long long)dy->shape[3]);
#pragma omp parallel for
    for (int64_t no = 0; no < N * O; no++) {
        int64_t b = no / O, o = no % O;
        move_rows(dy->data, b * dy->stride[0] + o * dy->stride[1], col, y->data, o * y->stride[2] + b * P * out_col,
                  out_col, P);
    }
    return 0;
}

static int conv2d_narrow_run(hue_cpu_node *n)
{
    const hue_cpu_tensor *wide = &n->in[0], *y = &n->out;
    int64_t N = y->shape[0], O = y->shape[1], P = y->shape[2] * y->shape[3], col, in_col = wide->stride[3];
    if (!pixel_rows(y, &col))
        return hue_fail(HUE_ENOTSUP, "conv2d_narrow: pixels of %lldx%lld with uneven strides",
                        (long long)y->shape[2], (long long)y->shape[3]);
#pragma omp parallel for
    for (int64_t no = 0; no < N * O; no++) {
        int64_t b = no / O, o = no % O;
        move_rows(wide->data, o * wide->stride[2] + b * P * in_col, in_col, y->data,
                  b * y->stride[0] + o * y->stride[1], col, P);
    }
    return 0;
}

/* ---- convolution gradients of small images ---- */

/* Output images of at most this many pixels get their input and weight
 * gradients from matmuls over images side by side, as the Vulkan backend
 * does: oneDNN's direct kernels spread 2x2 outputs thinly over their vector
 * registers. Single-threaded, for ResNet-18's layer4 at 64x64 inputs: the
 * weight gradient 23 GFLOP/s direct against 83 by matmul, the stride-2 conv
 * into layer4 27 against 125 (its input gradient 38 against 105); from 4x4
 * outputs up the direct kernels are as fast or faster. */
#ifndef HUE_CPU_CONV_GEMM_PIXELS
#define HUE_CPU_CONV_GEMM_PIXELS 4
#endif
/* Patch rows a chunk of images holds at most: they stay cached from being
 * written to being multiplied. */
#define GEMM_CHUNK_ROWS 4096

/* The shapes a gradient node works on: x [N, C, H, W], dy [N, O, OH, OW],
 * P = OH*OW pixels, K = C*kh*kw taps. */
typedef struct {
    int64_t N, C, H, W, O, OH, OW, P, K;
} conv_dims;

static conv_dims gemm_dims(const hue_cpu_node *n, int dw)
{
    const hue_cpu_tensor *x = dw ? &n->in[0] : &n->out, *m = dw ? &n->out : &n->in[1];
    const hue_op_params *p = n->p;
    conv_dims d = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], m->shape[0], p->out_size[0],
                   p->out_size[1], p->out_size[0] * p->out_size[1], x->shape[1] * p->kernel[0] * p->kernel[1]};
    return d;
}

/* Whether dy (of conv2d_dw if dw, else of conv2d_dx) comes wide. */
static int dy_wide(const hue_cpu_node *n, int dw)
{
    return dw ? n->in[1].ndim == 2 : n->p->kind == 1;
}

/* Whether a gradient node (dw: conv2d_dw, else conv2d_dx) takes the matmul
 * path: small images, and a weight tensor (w or dw) plain [O, K]. */
static int gemm_path(const hue_cpu_node *n, int dw)
{
    conv_dims d = gemm_dims(n, dw);
    const hue_cpu_tensor *dy = &n->in[dw ? 1 : 0];
    int64_t col;
    return d.P <= HUE_CPU_CONV_GEMM_PIXELS && (dw ? n->out.contiguous : n->in[1].contiguous) &&
           (dy_wide(n, dw) || pixel_rows(dy, &col));
}

/* Patch rows of images [first, first + count) of x: row (image, oy, ox)
 * holds the K inputs its window reads, (c, ky, kx) in w's order, 0 in the
 * padding. */
static void patch_rows(const hue_cpu_tensor *x, const hue_op_params *p, const conv_dims *d, int64_t first,
                       int64_t count, float *rows)
{
#pragma omp parallel for
    for (int64_t q = 0; q < count * d->P; q++) {
        int64_t pix = q % d->P, oy = pix / d->OW, ox = pix % d->OW;
        const float *image = x->data + (first + q / d->P) * x->stride[0];
        float *r = rows + q * d->K;
        for (int64_t c = 0; c < d->C; c++)
            for (int ky = 0; ky < p->kernel[0]; ky++) {
                int64_t iy = oy * p->stride[0] - p->pad[0] + (int64_t)ky * p->dilation[0];
                for (int kx = 0; kx < p->kernel[1]; kx++) {
                    int64_t ix = ox * p->stride[1] - p->pad[1] + (int64_t)kx * p->dilation[1];
                    *r++ = iy >= 0 && iy < d->H && ix >= 0 && ix < d->W
                               ? image[c * x->stride[1] + iy * x->stride[2] + ix * x->stride[3]]
                               : 0.0f;
                }
            }
    }
}

/* The way back: pixel (c, iy, ix) of images [first, first + count) of dx is
 * bias[c] plus the entries of the rows whose windows read it. A thread
 * takes whole planes, so no two write one pixel. */
static void patch_sum(const float *rows, const hue_op_params *p, const conv_dims *d, int64_t first, int64_t count,
                      const hue_cpu_tensor *bias, const hue_cpu_tensor *dx)
{
    int kh = p->kernel[0], kw = p->kernel[1];
#pragma omp parallel for
    for (int64_t plane = 0; plane < count * d->C; plane++) {
        int64_t image = plane / d->C, c = plane % d->C;
        float *out = dx->data + hue_cpu_at(dx, first + image, c, 0, 0);
        float b = bias ? bias->data[c * bias->stride[3]] : 0.0f;
        for (int64_t iy = 0; iy < d->H; iy++)
            for (int64_t ix = 0; ix < d->W; ix++)
                out[iy * dx->stride[2] + ix * dx->stride[3]] = b;
        for (int64_t pix = 0; pix < d->P; pix++) {
            int64_t oy = pix / d->OW, ox = pix % d->OW;
            const float *r = rows + (image * d->P + pix) * d->K + c * kh * kw;
            for (int ky = 0; ky < kh; ky++) {
                int64_t iy = oy * p->stride[0] - p->pad[0] + (int64_t)ky * p->dilation[0];
                if (iy < 0 || iy >= d->H)
                    continue;
                for (int kx = 0; kx < kw; kx++) {
                    int64_t ix = ox * p->stride[1] - p->pad[1] + (int64_t)kx * p->dilation[1];
                    if (ix >= 0 && ix < d->W)
                        out[iy * dx->stride[2] + ix * dx->stride[3]] += r[ky * kw + kx];
                }
            }
        }
    }
}

/* How dy's images lie side by side: rows lda apart, columns col apart, in
 * dy itself when it comes wide, else in its copy in the workspace. */
static void wide_strides(const hue_cpu_node *n, int dw, const conv_dims *d, int64_t *lda, int64_t *col)
{
    const hue_cpu_tensor *dy = &n->in[dw ? 1 : 0];
    if (dy_wide(n, dw))
        *lda = dy->stride[2], *col = dy->stride[3];
    else
        *lda = d->N * d->P, *col = 1;
}

/* Matmul call i for a chunk of count images: conv2d_dw: dw [O, K] (+)= A
 * [O, count*P] x rows [count*P, K]; conv2d_dx: rows [count*P, K] = A^T x
 * w [O, K]. A's memory is pointed at each chunk in run(). */
static int gemm_call(hue_cpu_node *n, dnn_state *s, int i, int dw, int64_t count, int accumulate)
{
    conv_dims d = gemm_dims(n, dw);
    int64_t cols = count * d.P, lda, col;
    const hue_cpu_tensor *m = dw ? &n->out : &n->in[1];
    wide_strides(n, dw, &d, &lda, &col);
    int64_t a_dims[2] = {dw ? d.O : cols, dw ? cols : d.O}, a_str[2] = {dw ? lda : col, dw ? col : lda};
    int64_t r_dims[2] = {cols, d.K}, r_str[2] = {d.K, 1}, m_dims[2] = {d.O, d.K}, m_str[2] = {d.K, 1};
    dnnl_memory_desc_t a_md, r_md, m_md;
    dnnl_matmul_desc_t desc;
    dnnl_primitive_attr_t at = NULL;
    dnnl_post_ops_t ops = NULL;
    int rc;
    if ((rc = plain_md(&a_md, 2, a_dims, a_str)) || (rc = plain_md(&r_md, 2, r_dims, r_str)) ||
        (rc = plain_md(&m_md, 2, m_dims, m_str)) ||
        (rc = check(dnnl_matmul_desc_init(&desc, &a_md, dw ? &r_md : &m_md, NULL, dw ? &m_md : &r_md),
                    "a matmul descriptor")))
        return rc;
    /* accumulating calls add to dw with a sum post-op */
    if (accumulate &&
        ((rc = check(dnnl_primitive_attr_clone(&at, attr), "copying attributes")) ||
         (rc = check(dnnl_post_ops_create(&ops), "post-ops")) ||
         (rc = check(dnnl_post_ops_append_sum(ops, 1.0f), "a sum post-op")) ||
         (rc = check(dnnl_primitive_attr_set_post_ops(at, ops), "post-ops"))))
        goto done;
    if ((rc = check(dnnl_primitive_desc_create(&s->pd, &desc, at ? at : attr, engine, NULL), "a matmul")))
        goto done;
    dnnl_memory_t rows_mem;
    if ((rc = dnn_memory_at(s, &a_md, NULL, NOT_IN_WORKSPACE, &s->call[i].a)) ||
        (rc = dnn_memory_at(s, &r_md, NULL, s->rows_offset, &rows_mem)) ||
        (rc = dnn_memory(s, &m_md, m->data, dw ? &s->call[i].c : &s->call[i].b)))
        goto done;
    if (dw)
        s->call[i].b = rows_mem;
    else
        s->call[i].c = rows_mem;
    const dnnl_memory_desc_t *pad = dnnl_primitive_desc_query_md(s->pd, dnnl_query_scratchpad_md, 0);
    if (pad && dnnl_memory_desc_get_size(pad) > 0 && (rc = dnn_memory(s, pad, NULL, &s->call[i].pad)))
        goto done;
    rc = check(dnnl_primitive_create(&s->call[i].prim, s->pd), "creating a matmul");
    dnnl_primitive_desc_destroy(s->pd);
    s->pd = NULL;
done:
    if (ops)
        dnnl_post_ops_destroy(ops);
    if (at)
        dnnl_primitive_attr_destroy(at);
    return rc;
}

static int conv_gemm_build(hue_cpu_node *n, dnn_state *s, int dw)
{
    conv_dims d = gemm_dims(n, dw);
    const hue_cpu_tensor *dy = &n->in[dw ? 1 : 0];
    if (dy->numel != d.N * d.O * d.P)
        return hue_fail(HUE_EINVAL, "%s: gradient of %lld values for an output of %lldx%lldx%lld", n->op,
                        (long long)dy->numel, (long long)d.N, (long long)d.O, (long long)d.P);
    s->gemm = 1;
    s->chunk = GEMM_CHUNK_ROWS / d.P < d.N ? GEMM_CHUNK_ROWS / d.P : d.N;
    s->chunk = s->chunk > 1 ? s->chunk : 1;
    if (!dy_wide(n, dw))
        s->wide_offset = dnn_reserve(s, sizeof(float) * (size_t)(d.O * d.N * d.P));
    s->rows_offset = dnn_reserve(s, sizeof(float) * (size_t)(s->chunk * d.P * d.K));
    int64_t chunks = (d.N + s->chunk - 1) / s->chunk, last = d.N - (chunks - 1) * s->chunk;
    int rc = gemm_call(n, s, 0, dw, s->chunk, 0);
    if (!rc && chunks > 1 && dw)
        rc = gemm_call(n, s, 1, dw, s->chunk, 1);
    if (!rc && chunks > 1 && last != s->chunk)
        rc = gemm_call(n, s, 2, dw, last, dw);
    return rc;
}

static int conv_gemm_run(hue_cpu_node *n, int dw)
{
    dnn_state *s = n->state;
    int rc = dnn_bind(n);
    if (rc)
        return rc;
    conv_dims d = gemm_dims(n, dw);
    const hue_cpu_tensor *dy = &n->in[dw ? 1 : 0];
    float *A = dy->data, *rows = (float *)((char *)n->workspace + s->rows_offset);
    int64_t lda, col;
    wide_strides(n, dw, &d, &lda, &col);
    if (!dy_wide(n, dw)) {  /* put the images side by side */
        A = (float *)((char *)n->workspace + s->wide_offset);
        int64_t pixel;
        pixel_rows(dy, &pixel);
#pragma omp parallel for
        for (int64_t no = 0; no < d.N * d.O; no++) {
            int64_t b = no / d.O, o = no % d.O;
            move_rows(dy->data, b * dy->stride[0] + o * dy->stride[1], pixel, A, o * lda + b * d.P, 1, d.P);
        }
    }
    for (int64_t first = 0, i = 0; first < d.N; first += s->chunk, i++) {
        int64_t count = d.N - first < s->chunk ? d.N - first : s->chunk;
        int k = count < s->chunk ? 2 : i > 0 && dw ? 1 : 0;
        if (dw)
            patch_rows(&n->in[0], n->p, &d, first, count, rows);
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, s->call[k].a}, {DNNL_ARG_WEIGHTS, s->call[k].b},
                                   {DNNL_ARG_DST, s->call[k].c}, {DNNL_ARG_SCRATCHPAD, s->call[k].pad}};
        if ((rc = check(dnnl_memory_set_data_handle(s->call[k].a, A + first * d.P * col), "binding dy")) ||
            (rc = check(dnnl_primitive_execute(s->call[k].prim, stream, s->call[k].pad ? 4 : 3, args),
                        "executing a matmul")) ||
            (rc = check(dnnl_stream_wait(stream), "waiting for the stream")))
            return rc;
        if (!dw)
            patch_sum(rows, n->p, &d, first, count, n->p->has_bias ? &n->in[2] : NULL, &n->out);
    }
    return 0;
}

/* conv2d_dx: dx [N, C, H, W] = the input gradient of conv2d(x, w) given dy
 * (in[0], per image or wide: p->kind), w (in[1]) and, for a transposed
 * convolution, + bias (in[2]). Output size (OH, OW) in p->out_size. */
static int conv2d_dx_build(hue_cpu_node *n, dnn_state *s)
{
    int rc;
    if (gemm_path(n, 0))
        return conv_gemm_build(n, s, 0);
    const hue_op_params *p = n->p;
    const hue_cpu_tensor *dy = &n->in[0], *w = &n->in[1], *dx = &n->out;
    int64_t N = dx->shape[0], O = w->shape[0], OH = p->out_size[0], OW = p->out_size[1];
    int64_t y_shape[4] = {N, O, OH, OW};
    conv_geom g;
    conv_any a;
    dnnl_memory_desc_t dy_user, w_user, dx_user;
    if ((rc = conv_geometry(p, dx->shape[2], dx->shape[3], OH, OW, &g)) ||
        (rc = conv_any_mds(&a, dx->shape, w->shape, y_shape, &g)) ||
        (rc = dy_md(&dy_user, dy, p->kind == 1, N, O, OH, OW)) || (rc = view_md(&w_user, w, w->shape[2], w->shape[3])) ||
        (rc = view_md(&dx_user, dx, g.extent[0], g.extent[1])) || (rc = conv_hint(s, &a, &g)))
        return rc;
    s->keep_h = g.extent[0], s->keep_w = g.extent[1];
    s->fixup = p->has_bias || s->keep_h < dx->shape[2] || s->keep_w < dx->shape[3];
    dnnl_convolution_desc_t d;
    if ((rc = check(dnnl_dilated_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, &a.src, &a.w,
                                                                     &a.dst, g.stride, g.dilate, g.pad_l, g.pad_r),
                    "a convolution backward data descriptor")) ||
        (rc = check(dnnl_primitive_desc_create(&s->pd, &d, attr, engine, s->hint), "a convolution's input gradient")))
        return rc;
    const dnnl_memory_desc_t *ddst = dnnl_primitive_desc_query_md(s->pd, dnnl_query_diff_dst_md, 0);
    const dnnl_memory_desc_t *wei = dnnl_primitive_desc_query_md(s->pd, dnnl_query_weights_md, 0);
    dnnl_memory_desc_t dsrc = *dnnl_primitive_desc_query_md(s->pd, dnnl_query_diff_src_md, 0);
    dnnl_memory_t mdy, mw, mdx, mu;
    if ((rc = dnn_input(s, &dy_user, dy->data, ddst, &mdy)) || (rc = dnn_input(s, &w_user, w->data, wei, &mw)) ||
        (rc = dnn_output(s, &dx_user, dx->data, &dsrc, &mdx, &mu)))
        return rc;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_DIFF_DST, mdy}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DIFF_SRC, mdx}};
    if ((rc = dnn_step(s, &s->pd, 3, args)) || (rc = dnn_output_done(s, mdx, &dsrc, mu, &dx_user)))
        return rc;
    return 0;
}

/* run() of an input gradient whose primitive covers a cut of dx (conv2d_dx,
 * pool_grad) or leaves out the bias (a transposed convolution's). */
static int dnn_execute_fixup(hue_cpu_node *n)
{
    int rc = dnn_execute(n);
    dnn_state *s = n->state;
    if (rc || !s->fixup)
        return rc;
    /* rows and columns no window reaches get 0, then every pixel the bias */
    const hue_cpu_tensor *dx = &n->out;
    const float *bias = n->p->has_bias ? n->in[2].data : NULL;
    int64_t C = dx->shape[1], H = dx->shape[2], W = dx->shape[3], planes = dx->shape[0] * C;
    int64_t bias_stride = bias ? n->in[2].stride[3] : 0;
#pragma omp parallel for
    for (int64_t plane = 0; plane < planes; plane++) {
        int64_t c = plane % C;
        float b = bias ? bias[c * bias_stride] : 0.0f;
        float *d = dx->data + hue_cpu_at(dx, plane / C, c, 0, 0);
        for (int64_t iy = 0; iy < H; iy++)
            for (int64_t ix = 0; ix < W; ix++) {
                float *v = d + iy * dx->stride[2] + ix * dx->stride[3];
                *v = (iy < s->keep_h && ix < s->keep_w ? *v : 0.0f) + b;
            }
    }
    return 0;
}

/* conv2d_dw: dw [O, C, kh, kw] = the weight gradient of conv2d(x, w) given
 * x (in[0]) and dy (in[1]: [N, O, OH, OW], or wide [O, N*OH*OW] when 2-D);
 * written, not accumulated. */
static int conv2d_dw_build(hue_cpu_node *n, dnn_state *s)
{
    int rc;
    if (gemm_path(n, 1))
        return conv_gemm_build(n, s, 1);
    const hue_op_params *p = n->p;
    const hue_cpu_tensor *x = &n->in[0], *dy = &n->in[1], *dw = &n->out;
    int64_t N = x->shape[0], O = dw->shape[0], OH = p->out_size[0], OW = p->out_size[1];
    int64_t y_shape[4] = {N, O, OH, OW};
    int wide = dy->ndim == 2;
    if (dy->numel != N * O * OH * OW)
        return hue_fail(HUE_EINVAL, "conv2d_dw: gradient of %lld values for an output of %lldx%lldx%lldx%lld",
                        (long long)dy->numel, (long long)N, (long long)O, (long long)OH, (long long)OW);
    conv_geom g;
    conv_any a;
    dnnl_memory_desc_t x_user, dy_user, dw_user;
    if ((rc = conv_geometry(p, x->shape[2], x->shape[3], OH, OW, &g)) ||
        (rc = conv_any_mds(&a, x->shape, dw->shape, y_shape, &g)) ||
        (rc = view_md(&x_user, x, g.extent[0], g.extent[1])) || (rc = dy_md(&dy_user, dy, wide, N, O, OH, OW)) ||
        (rc = view_md(&dw_user, dw, dw->shape[2], dw->shape[3])) || (rc = conv_hint(s, &a, &g)))
        return rc;
    dnnl_convolution_desc_t d;
    if ((rc = check(dnnl_dilated_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, &a.src, &a.w,
                                                                        NULL, &a.dst, g.stride, g.dilate, g.pad_l,
                                                                        g.pad_r),
                    "a convolution backward weights descriptor")) ||
        (rc = check(dnnl_primitive_desc_create(&s->pd, &d, attr, engine, s->hint), "a convolution's weight gradient")))
        return rc;
    const dnnl_memory_desc_t *src = dnnl_primitive_desc_query_md(s->pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *ddst = dnnl_primitive_desc_query_md(s->pd, dnnl_query_diff_dst_md, 0);
    dnnl_memory_desc_t dwei = *dnnl_primitive_desc_query_md(s->pd, dnnl_query_diff_weights_md, 0);
    dnnl_memory_t mx, mdy, mdw, mu;
    if ((rc = dnn_input(s, &x_user, x->data, src, &mx)) || (rc = dnn_input(s, &dy_user, dy->data, ddst, &mdy)) ||
        (rc = dnn_output(s, &dw_user, dw->data, &dwei, &mdw, &mu)))
        return rc;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DIFF_DST, mdy}, {DNNL_ARG_DIFF_WEIGHTS, mdw}};
    if ((rc = dnn_step(s, &s->pd, 3, args)) || (rc = dnn_output_done(s, mdw, &dwei, mu, &dw_user)))
        return rc;
    return 0;
}

/* conv_weight_flip: w [O, C, kh, kw] to [C, O, kh, kw], taps reversed. */
static int conv_weight_flip_run(hue_cpu_node *n)
{
    const hue_cpu_tensor *w = &n->in[0], *y = &n->out;
    int64_t O = w->shape[0], C = w->shape[1], kh = w->shape[2], kw = w->shape[3];
#pragma omp parallel for
    for (int64_t co = 0; co < C * O; co++) {
        int64_t c = co / O, o = co % O;
        for (int64_t ky = 0; ky < kh; ky++)
            for (int64_t kx = 0; kx < kw; kx++)
                y->data[hue_cpu_at(y, c, o, ky, kx)] = w->data[hue_cpu_at(w, o, c, kh - 1 - ky, kw - 1 - kx)];
    }
    return 0;
}

/* ---- matrix products ---- */

/* linear: y [.., out] = x [.., in] w^T + bias, w [out, in]. */
static int linear_build(hue_cpu_node *n, dnn_state *s)
{
    int rc;
    const hue_cpu_tensor *x = &n->in[0], *w = &n->in[1], *y = &n->out;
    const float *bias = n->p->has_bias ? n->in[2].data : NULL;
    if (!x->contiguous || !y->contiguous)
        return hue_fail(HUE_ENOTSUP, "linear: operands must be contiguous");
    int64_t out = w->shape[2], in = w->shape[3], rows = x->numel / in;
    int64_t x_dims[2] = {rows, in}, x_str[2] = {in, 1};
    int64_t w_dims[2] = {in, out}, w_str[2] = {w->stride[3], w->stride[2]};  /* w^T through strides */
    int64_t y_dims[2] = {rows, out}, y_str[2] = {out, 1};
    int64_t b_dims[2] = {1, out}, b_str[2] = {out, bias ? n->in[2].stride[3] : 1};
    dnnl_memory_desc_t x_md, w_md, y_md, b_md;
    if ((rc = plain_md(&x_md, 2, x_dims, x_str)) || (rc = plain_md(&w_md, 2, w_dims, w_str)) ||
        (rc = plain_md(&y_md, 2, y_dims, y_str)) || (rc = plain_md(&b_md, 2, b_dims, b_str)))
        return rc;
    dnnl_matmul_desc_t d;
    dnnl_memory_t mx, mw, my, mb = NULL;
    if ((rc = check(dnnl_matmul_desc_init(&d, &x_md, &w_md, bias ? &b_md : NULL, &y_md), "a matmul descriptor")) ||
        (rc = check(dnnl_primitive_desc_create(&s->pd, &d, attr, engine, NULL), "a matmul")))
        return rc;
    if ((rc = dnn_memory(s, &x_md, x->data, &mx)) || (rc = dnn_memory(s, &w_md, w->data, &mw)) ||
        (rc = dnn_memory(s, &y_md, y->data, &my)) || (bias && (rc = dnn_memory(s, &b_md, (float *)bias, &mb))))
        return rc;
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, my}, {DNNL_ARG_BIAS, mb}};
    if ((rc = dnn_step(s, &s->pd, bias ? 4 : 3, args)))
        return rc;
    return 0;
}

/* One operand of a batched product: [batch or 1, rows, cols] of the stored
 * [.., R, C] matrices, transposed through strides. */
static int matrix_md(dnnl_memory_desc_t *md, const hue_cpu_tensor *t, int trans, int64_t batch)
{
    int64_t items = t->shape[0] * t->shape[1];
    if (items != 1 && t->shape[0] > 1 && t->shape[1] > 1 && t->stride[0] != t->shape[1] * t->stride[1])
        return hue_fail(HUE_ENOTSUP, "matmul: batch axes that are not one strided axis");
    int64_t R = t->shape[2], C = t->shape[3];
    int64_t dims[3] = {items == 1 ? 1 : batch, trans ? C : R, trans ? R : C};
    int64_t strides[3] = {t->shape[1] > 1 ? t->stride[1] : t->stride[0], trans ? t->stride[3] : t->stride[2],
                          trans ? t->stride[2] : t->stride[3]};
    if (items == 1)
        strides[0] = dims[1] * dims[2];
    return plain_md(md, 3, dims, strides);
}

/* matmul: c [.., M, N] = op(a) op(b), batched; a batch of 1 broadcasts. */
static int matmul_build(hue_cpu_node *n, dnn_state *s)
{
    int rc;
    const hue_cpu_tensor *a = &n->in[0], *b = &n->in[1], *c = &n->out;
    int64_t batch = c->shape[0] * c->shape[1];
    dnnl_memory_desc_t a_md, b_md, c_md;
    if ((rc = matrix_md(&a_md, a, n->p->trans_a, batch)) || (rc = matrix_md(&b_md, b, n->p->trans_b, batch)) ||
        (rc = matrix_md(&c_md, c, 0, batch)))
        return rc;
    dnnl_matmul_desc_t d;
    dnnl_memory_t ma, mb, mc;
    if ((rc = check(dnnl_matmul_desc_init(&d, &a_md, &b_md, NULL, &c_md), "a matmul descriptor")) ||
        (rc = check(dnnl_primitive_desc_create(&s->pd, &d, attr, engine, NULL), "a matmul")))
        return rc;
    if ((rc = dnn_memory(s, &a_md, a->data, &ma)) || (rc = dnn_memory(s, &b_md, b->data, &mb)) ||
        (rc = dnn_memory(s, &c_md, c->data, &mc)))
        return rc;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
    if ((rc = dnn_step(s, &s->pd, 3, args)))
        return rc;
    return 0;
}

/* ---- pooling ---- */

/* A 4-D descriptor in the channel-blocked layout (nChw16c) oneDNN's
 * convolutions use. */
static int blocked_md(dnnl_memory_desc_t *md, int64_t n, int64_t c, int64_t h, int64_t w)
{
    dnnl_dims_t d = {n, c, h, w};
    return check(dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, dnnl_aBcd16b), "a memory descriptor");
}

/* max_pool / avg_pool (p->kind): windows kernel x stride with pad; average
 * divides by the whole window, padding included (count_include_pad).
 * Forward pooling runs in the blocked layout, with a reorder each way:
 * oneDNN pools plain NCHW with a generic loop (simple_nchw) about ten
 * times slower than its blocked kernel plus both reorders (a ResNet stem's
 * 3x3 pool of 32 x 240 x 428: 25 ms against about 2). */
static int pool_build(hue_cpu_node *n, dnn_state *s)
{
    int rc;
    const hue_op_params *p = n->p;
    const hue_cpu_tensor *x = &n->in[0], *y = &n->out;
    hue_op_params q = *p;
    q.dilation[0] = q.dilation[1] = 1;
    conv_geom g;
    dnnl_memory_desc_t x_md, y_md, xb_md, yb_md;
    if ((rc = conv_geometry(&q, x->shape[2], x->shape[3], y->shape[2], y->shape[3], &g)) ||
        (rc = view_md(&x_md, x, g.extent[0], g.extent[1])) || (rc = view_md(&y_md, y, y->shape[2], y->shape[3])) ||
        (rc = blocked_md(&xb_md, x->shape[0], x->shape[1], g.extent[0], g.extent[1])) ||
        (rc = blocked_md(&yb_md, y->shape[0], y->shape[1], y->shape[2], y->shape[3])))
        return rc;
    dnnl_dims_t kernel = {p->kernel[0], p->kernel[1]};
    dnnl_pooling_desc_t d;
    dnnl_memory_t mx, my, mu;
    dnnl_alg_kind_t alg = p->kind == HUE_POOL_AVG ? dnnl_pooling_avg_include_padding : dnnl_pooling_max;
    if ((rc = check(dnnl_pooling_forward_desc_init(&d, dnnl_forward_inference, alg, &xb_md, &yb_md, g.stride, kernel,
                                                   g.pad_l, g.pad_r),
                    "a pooling descriptor")) ||
        (rc = check(dnnl_primitive_desc_create(&s->pd, &d, attr, engine, NULL), "a pooling")))
        return rc;
    if ((rc = dnn_input(s, &x_md, x->data, &xb_md, &mx)) || (rc = dnn_output(s, &y_md, y->data, &yb_md, &my, &mu)))
        return rc;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}};
    if ((rc = dnn_step(s, &s->pd, 2, args)) || (rc = dnn_output_done(s, my, &yb_md, mu, &y_md)))
        return rc;
    return 0;
}

/* pool_grad: dx [N, C, H, W] from G (in[0]) for average pooling, from x and
 * G (in[0], in[1]) for max pooling, where each window's G goes to its first
 * maximum in scan order (as the reference; oneDNN's forward keeps the first
 * of equal values, and its backward sends G where the forward's workspace
 * says). Max pooling runs its forward again for that workspace. */
static int pool_grad_build(hue_cpu_node *n, dnn_state *s)
{
    const hue_op_params *p = n->p;
    int avg = p->kind == HUE_POOL_AVG, rc;
    const hue_cpu_tensor *x = &n->in[0], *G = &n->in[avg ? 0 : 1], *dx = &n->out;
    hue_op_params q = *p;
    q.dilation[0] = q.dilation[1] = 1;
    conv_geom g;
    dnnl_memory_desc_t x_md, dx_md, g_md, y_md;
    if ((rc = conv_geometry(&q, dx->shape[2], dx->shape[3], G->shape[2], G->shape[3], &g)) ||
        (rc = view_md(&dx_md, dx, g.extent[0], g.extent[1])) ||
        (rc = view_md(&x_md, avg ? dx : x, g.extent[0], g.extent[1])) ||
        (rc = view_md(&g_md, G, G->shape[2], G->shape[3])) ||
        (rc = check(dnnl_memory_desc_init_by_tag(&y_md, 4, g_md.dims, dnnl_f32, dnnl_abcd), "a memory descriptor")))
        return rc;
    s->keep_h = g.extent[0], s->keep_w = g.extent[1];
    s->fixup = s->keep_h < dx->shape[2] || s->keep_w < dx->shape[3];
    dnnl_dims_t kernel = {p->kernel[0], p->kernel[1]};
    dnnl_alg_kind_t alg = avg ? dnnl_pooling_avg_include_padding : dnnl_pooling_max;
    dnnl_pooling_desc_t fd, bd;
    if ((rc = check(dnnl_pooling_forward_desc_init(&fd, dnnl_forward_training, alg, &x_md, &y_md, g.stride, kernel,
                                                   g.pad_l, g.pad_r),
                    "a pooling descriptor")) ||
        (rc = check(dnnl_primitive_desc_create(&s->hint, &fd, attr, engine, NULL), "a pooling")) ||
        (rc = check(dnnl_pooling_backward_desc_init(&bd, alg, &dx_md, &g_md, g.stride, kernel, g.pad_l, g.pad_r),
                    "a pooling backward descriptor")) ||
        (rc = check(dnnl_primitive_desc_create(&s->pd, &bd, attr, engine, s->hint), "a pooling gradient")))
        return rc;
    dnnl_memory_t mdx, mg, mx, my, mws = NULL;
    if ((rc = dnn_memory(s, &dx_md, dx->data, &mdx)) || (rc = dnn_memory(s, &g_md, G->data, &mg)))
        return rc;
    if (!avg) {
        const dnnl_memory_desc_t *ws = dnnl_primitive_desc_query_md(s->hint, dnnl_query_workspace_md, 0);
        dnnl_primitive_desc_t fwd;
        if ((rc = dnn_memory(s, &x_md, x->data, &mx)) || (rc = dnn_memory(s, &y_md, NULL, &my)) ||
            (rc = dnn_memory(s, ws, NULL, &mws)) ||
            (rc = check(dnnl_primitive_desc_clone(&fwd, s->hint), "copying a primitive descriptor")))
            return rc;
        dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}, {DNNL_ARG_WORKSPACE, mws}};
        if ((rc = dnn_step(s, &fwd, 3, args)))
            return rc;
    }
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_DIFF_DST, mg}, {DNNL_ARG_DIFF_SRC, mdx}, {DNNL_ARG_WORKSPACE, mws}};
    return dnn_step(s, &s->pd, avg ? 2 : 3, args);
}

static int conv2d_prepare(hue_cpu_node *n) { return dnn_prepare(n, conv2d_build); }
static int conv2d_dx_prepare(hue_cpu_node *n) { return dnn_prepare(n, conv2d_dx_build); }
static int conv2d_dw_prepare(hue_cpu_node *n) { return dnn_prepare(n, conv2d_dw_build); }
static int linear_prepare(hue_cpu_node *n) { return dnn_prepare(n, linear_build); }
static int matmul_prepare(hue_cpu_node *n) { return dnn_prepare(n, matmul_build); }
static int conv2d_dx_run(hue_cpu_node *n)
{
    return ((dnn_state *)n->state)->gemm ? conv_gemm_run(n, 0) : dnn_execute_fixup(n);
}

static int conv2d_dw_run(hue_cpu_node *n)
{
    return ((dnn_state *)n->state)->gemm ? conv_gemm_run(n, 1) : dnn_execute(n);
}

static int pool_prepare(hue_cpu_node *n) { return dnn_prepare(n, pool_build); }
static int pool_grad_prepare(hue_cpu_node *n) { return dnn_prepare(n, pool_grad_build); }

const hue_cpu_kernel hue_cpu_kernels_conv[] = {
    {"conv2d", conv2d_prepare, dnn_execute, dnn_release},
    {"conv2d_dx", conv2d_dx_prepare, conv2d_dx_run, dnn_release},
    {"conv2d_dw", conv2d_dw_prepare, conv2d_dw_run, dnn_release},
    {"conv_weight_flip", NULL, conv_weight_flip_run, NULL},
    {"conv2d_widen", NULL, conv2d_widen_run, NULL},
    {"conv2d_narrow", NULL, conv2d_narrow_run, NULL},
    {"linear", linear_prepare, dnn_execute, dnn_release},
    {"matmul", matmul_prepare, dnn_execute, dnn_release},
    {"max_pool", pool_prepare, dnn_execute, dnn_release},
    {"avg_pool", pool_prepare, dnn_execute, dnn_release},
    {"pool_grad", pool_grad_prepare, dnn_execute_fixup, dnn_release},
    {NULL, NULL, NULL, NULL},
};
