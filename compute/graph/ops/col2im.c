/* A convolution's input gradient: columns = w^T x dy (one GEMM per chunk of
 * images), then shaders/col2im.comp gathers each pixel's column entries back
 * into the image. The same node is the transposed convolution's forward
 * (with a bias), so its own backward is that layer's: conv2d of the output
 * gradient for dy, conv2d's weight gradient for w, a sum for the bias. dy
 * comes per image [N, O, OH, OW] or wide [O, N*OH*OW] (see conv_internal.h). */
#include "conv_internal.h"
#include "op_common.h"

int hue_conv_dx_direct(const hue_graph *g, const hue_node *n)
{
    const hue_op_params *p = &n->p;
    const hue_tensor_desc *y = &g->t[n->out];
    return p->kind == 0 && p->kernel[0] == 1 && p->kernel[1] == 1 && p->stride[0] == 1 && p->stride[1] == 1 &&
           p->pad[0] == 0 && p->pad[1] == 0 && y->shape[2] == p->out_size[0] && y->shape[3] == p->out_size[1];
}

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor dy = n->in[0], w = n->in[1], bias = n->p.has_bias ? n->in[2] : -1;
    int wide = n->p.kind;
    if (bias >= 0 && hue_tensor_needs_grad(g, bias))
        hue_grad_accumulate(g, bias, hue_reduce(g, HUE_REDUCE_SUM, G, 0xd));
    if (hue_tensor_needs_grad(g, w))
        hue_grad_accumulate(g, w, hue_conv2d_weight_grad(g, G, wide ? dy : hue_conv_widen(g, dy), g->t[w].shape,
                                                         &n->p));
    if (hue_tensor_needs_grad(g, dy)) {
        hue_tensor d = hue_conv2d_sized(g, G, w, &n->p);
        hue_grad_accumulate(g, dy, wide ? hue_conv_widen(g, d) : d);
    }
    return g->error;
}

static const hue_op_impl impl = {"conv2d_dx", backward};

hue_tensor hue_conv2d_input_grad(hue_graph *g, hue_tensor dy, int wide, hue_tensor w, hue_tensor bias,
                                 const int64_t *shape, const hue_op_params *p, const char *name)
{
    int64_t x_shape[4];  /* a copy: shape may point into g->t, which new tensors move */
    memcpy(x_shape, shape, sizeof x_shape);
    hue_tensor in[3] = {dy, w, bias};
    int n_in = bias >= 0 ? 3 : 2;
    if (hue_graph_check_inputs(g, name, n_in, in))
        return g->error;
    int64_t N = x_shape[0], C = x_shape[1], O = g->t[w].shape[0], P = p->out_size[0] * p->out_size[1];
    if (hue_tensor_numel(g, dy) != N * O * P || g->t[w].shape[1] != C)
        return hue_graph_fail(g, HUE_EINVAL, "%s: %s does not fit weight %s", name, g->t[dy].name, g->t[w].name);
    hue_op_params q = *p;
    q.kind = wide != 0;
    q.has_bias = bias >= 0;
    hue_tensor x = hue_graph_new_tensor(g, 4, x_shape, name);
    if (x < 0 || check_int32(g, name, x) || check_int32(g, name, dy))
        return g->error;
    hue_graph_add_node(g, &impl, n_in, in, x, &q);
    if (!hue_conv_dx_direct(g, &g->nodes[g->n_nodes - 1])) {
        int64_t per_image = C * p->kernel[0] * p->kernel[1] * P;
        int64_t chunk = hue_conv_chunk(g, name, x, per_image, wide ? P : 0);
        if (chunk < 0 || hue_graph_scratch(g, chunk * per_image) < 0)
            return g->error;
    }
    return x;
}
