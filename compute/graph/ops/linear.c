/* Fully connected layer: y = x w^T + bias, with w stored [out, in] as
 * PyTorch does, as one GEMM (B transposed, bias added per column). Leading
 * dimensions of x are rows: x [.., in] gives y [.., out]. */
#include "op_common.h"

/* With x and G seen as matrices [rows, in] and [rows, out]:
 * dx = G w, dw = G^T x, dbias = column sums of G. */
static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor x = n->in[0], w = n->in[1];
    int64_t out = hue_tensor_dim(g, w, 0), in = hue_tensor_dim(g, w, 1);
    int64_t rows = hue_tensor_numel(g, x) / in;
    int64_t gshape[2] = {rows, out}, xshape[2] = {rows, in};
    hue_tensor G2 = hue_reshape(g, G, 2, gshape);
    if (hue_tensor_needs_grad(g, x))
        hue_grad_accumulate(g, x, hue_matmul(g, G2, w, 0, 0));
    if (hue_tensor_needs_grad(g, w))
        hue_grad_accumulate(g, w, hue_matmul(g, G2, hue_reshape(g, x, 2, xshape), 1, 0));
    if (n->p.has_bias && hue_tensor_needs_grad(g, n->in[2]))
        hue_grad_accumulate(g, n->in[2], hue_reduce(g, HUE_REDUCE_SUM, G2, 1));
    return g->error;
}

static const hue_op_impl impl = {"linear", backward};

hue_tensor hue_linear(hue_graph *g, hue_tensor x, hue_tensor w, hue_tensor bias)
{
    hue_tensor in[3] = {x, w, bias};
    int n_in = bias >= 0 ? 3 : 2;
    if (hue_graph_check_inputs(g, "linear", n_in, in))
        return g->error;
    const hue_tensor_desc *dx = &g->t[x], *dw = &g->t[w];
    if (dw->ndim != 2)
        return hue_graph_fail(g, HUE_EINVAL, "linear: weight %s must be 2-D [out, in] (has %d dimensions)",
                              dw->name, dw->ndim);
    int64_t out = dw->shape[2], features = dw->shape[3];
    if (dx->shape[3] != features)
        return hue_graph_fail(g, HUE_EINVAL, "linear: %s has %lld features in its last dimension, weight %s takes %lld",
                              dx->name, (long long)dx->shape[3], dw->name, (long long)features);
    if (bias >= 0 && hue_tensor_numel(g, bias) != out)
        return hue_graph_fail(g, HUE_EINVAL, "linear: bias %s has %lld values for %lld outputs", g->t[bias].name,
                              (long long)hue_tensor_numel(g, bias), (long long)out);
    for (int k = 0; k < n_in; k++)
        if (!hue_tensor_is_contiguous(g, in[k]))
            return hue_graph_fail(g, HUE_EINVAL, "linear: %s is not contiguous", g->t[in[k]].name);
    int64_t shape[HUE_MAX_DIMS];
    memcpy(shape, dx->shape, sizeof shape);
    shape[3] = out;
    hue_tensor y = new_like(g, x, shape, "linear");
    if (y < 0 || check_int32(g, "linear", x) || check_int32(g, "linear", w) || check_int32(g, "linear", y))
        return g->error;
    hue_op_params p = {.has_bias = bias >= 0};
    return hue_graph_add_node(g, &impl, n_in, in, y, &p);
}

/* ---- plain-C reference ---- */

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0], *w = &in[1];
    int64_t O = w->shape[0], I = w->shape[1], rows = hue_host_numel(x) / I;
    int64_t shape[HUE_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->ndim - 1] = O;
    if (hue_host_alloc(out, x->ndim, shape))
        return HUE_ENOMEM;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t o = 0; o < O; o++) {
            double s = p->has_bias ? in[2].data[o] : 0;
            for (int64_t i = 0; i < I; i++)
                s += x->data[r * I + i] * w->data[o * I + i];
            out->data[r * O + o] = s;
        }
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0], *w = &in[1];
    int64_t O = w->shape[0], I = w->shape[1], rows = hue_host_numel(x) / I;
    for (int k = 0; k < 3; k++) {  /* the sweep passes a third operand even without bias: its gradient is 0 */
        if (hue_host_alloc(&grad_in[k], in[k].ndim, in[k].shape))
            return HUE_ENOMEM;
        memset(grad_in[k].data, 0, sizeof(double) * (size_t)hue_host_numel(&in[k]));
    }
    for (int64_t r = 0; r < rows; r++)
        for (int64_t o = 0; o < O; o++) {
            double G = grad_out->data[r * O + o];
            for (int64_t i = 0; i < I; i++) {
                grad_in[0].data[r * I + i] += G * w->data[o * I + i];
                grad_in[1].data[o * I + i] += G * x->data[r * I + i];
            }
            if (p->has_bias)
                grad_in[2].data[o] += G;
        }
    return 0;
}

/* ---- sweep cases: rows, in, out; 3-D x in one; the last without bias ---- */

static void make_case(int i, hue_op_case *c)
{
    static const int64_t cases[][3] = {{1, 1, 1}, {4, 8, 4}, {7, 13, 9}, {33, 17, 5}, {2, 64, 1},
                                       {128, 384, 100}, {5, 3, 11}};
    const int64_t *k = cases[i];
    if (i == 3) {
        int64_t s[3] = {3, 11, k[1]};
        set_case_shape(c, 0, 3, s);
    } else {
        int64_t s[2] = {k[0], k[1]};
        set_case_shape(c, 0, 2, s);
    }
    int64_t w[2] = {k[2], k[1]}, b[1] = {k[2]};
    set_case_shape(c, 1, 2, w);
    set_case_shape(c, 2, 1, b);
    c->p.has_bias = i != 6;
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_linear(g, in[0], in[1], p->has_bias ? in[2] : -1);
}

const hue_op_entry hue_op_linear = {.name = "linear", .n_in = 3, .n_cases = 7, .make_case = make_case,
                                    .build = build, .reference = reference, .input_lo = -1, .input_hi = 1,
                                    .tolerance = 1e-5, .grad_mask = 7, .reference_backward = reference_backward,
                                    .grad_tolerance = 1e-5};
