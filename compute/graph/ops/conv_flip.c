/* conv_weight_flip: weights [O, C, kh, kw] to [C, O, kh, kw] with both
 * spatial axes reversed. A stride-1 convolution's input gradient is the
 * convolution of dy by these weights (conv2d.c's backward), which runs at
 * the forward's speed where col2im's GEMM and gather would not. The op is
 * its own inverse, so its backward is the flip of the gradient. */
#include "conv_internal.h"
#include "op_common.h"

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    return hue_grad_accumulate(g, n->in[0], hue_conv_weight_flip(g, G));
}

static const hue_op_impl impl = {"conv_weight_flip", backward};

hue_tensor hue_conv_weight_flip(hue_graph *g, hue_tensor w)
{
    if (hue_graph_check_inputs(g, "conv_weight_flip", 1, &w))
        return g->error;
    const hue_tensor_desc *d = &g->t[w];
    if (d->ndim != 4 || !hue_tensor_is_contiguous(g, w))
        return hue_graph_fail(g, HUE_EINVAL, "conv_weight_flip: %s must be 4-D (OIHW) and contiguous", d->name);
    int64_t shape[4] = {d->shape[1], d->shape[0], d->shape[2], d->shape[3]};
    hue_tensor y = hue_graph_new_tensor(g, 4, shape, "conv_weight_flip");
    if (y < 0 || check_int32(g, "conv_weight_flip", w))
        return g->error;
    return hue_graph_add_node(g, &impl, 1, &w, y, NULL);
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    (void)p;
    const hue_host_tensor *w = &in[0];
    int64_t O = w->shape[0], C = w->shape[1], kh = w->shape[2], kw = w->shape[3];
    int64_t shape[4] = {C, O, kh, kw};
    if (hue_host_alloc(out, 4, shape))
        return HUE_ENOMEM;
    for (int64_t o = 0; o < O; o++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t ky = 0; ky < kh; ky++)
                for (int64_t kx = 0; kx < kw; kx++)
                    out->data[((c * O + o) * kh + ky) * kw + kx] =
                        w->data[((o * C + c) * kh + (kh - 1 - ky)) * kw + (kw - 1 - kx)];
    return 0;
}

/* The gradient: dy flipped back (each output element is one input's copy). */
static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    (void)in;
    return reference(grad_out, p, grad_in);
}

static void make_case(int i, hue_op_case *c)
{
    static const int64_t cases[][4] = {
        /* O, C, kh, kw */
        {1, 1, 1, 1}, {3, 5, 3, 3}, {4, 2, 5, 3}, {7, 9, 1, 2}, {64, 32, 3, 3},
    };
    set_case_shape(c, 0, 4, cases[i]);
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    (void)p;
    return hue_conv_weight_flip(g, in[0]);
}

const hue_op_entry hue_op_conv_weight_flip = {.name = "conv_weight_flip", .n_in = 1, .n_cases = 5,
                                              .make_case = make_case, .build = build, .reference = reference,
                                              .input_lo = -1, .input_hi = 1, .tolerance = 0, .grad_mask = 1,
                                              .reference_backward = reference_backward, .grad_tolerance = 1e-6};
