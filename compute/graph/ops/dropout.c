/* Inverted dropout with a mask that is a pure function of (seed, element
 * index): the backward recomputes it instead of storing it, and the plain-C
 * reference below computes the very same mask, so forward and backward are
 * checkable against it. p.start: the index of x's first element in the
 * tensor the mask is drawn for (hue_dropout_part). */
#include "dropout_internal.h"
#include "op_common.h"

/* The same mask on the gradient. */
static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    return hue_grad_accumulate(g, n->in[0], hue_dropout_part(g, G, n->p.alpha, n->in[1], n->p.start));
}

static const hue_op_impl impl = {"dropout", backward};

hue_tensor hue_dropout(hue_graph *g, hue_tensor x, float p, hue_tensor seed)
{
    return hue_dropout_part(g, x, p, seed, 0);
}

hue_tensor hue_dropout_part(hue_graph *g, hue_tensor x, float p, hue_tensor seed, int64_t first)
{
    hue_tensor in[2] = {x, seed};
    if (hue_graph_check_inputs(g, "dropout", 2, in))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    if (!(p >= 0 && p <= 1))
        return hue_graph_fail(g, HUE_EINVAL, "dropout: probability %g for %s (needs 0 <= p <= 1)", p, d->name);
    if (hue_tensor_numel(g, seed) != 1)
        return hue_graph_fail(g, HUE_EINVAL, "dropout: seed %s has %lld values (needs one)", g->t[seed].name,
                              (long long)hue_tensor_numel(g, seed));
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "dropout: %s is not contiguous", d->name);
    if (first < 0)
        return hue_graph_fail(g, HUE_EINVAL, "dropout: first index %lld for %s (needs >= 0)", (long long)first,
                              d->name);
    if (check_int32(g, "dropout", x))
        return g->error;
    if (p == 0)
        return x;  /* nothing dropped, nothing scaled */
    hue_tensor y = new_like(g, x, d->shape, "dropout");
    if (y < 0)
        return y;
    hue_op_params params = {.alpha = p, .start = first};
    return hue_graph_add_node(g, &impl, 2, in, y, &params);
}

/* ---- plain-C reference: the shader's hash, bit for bit ---- */

static double mask_at(const hue_host_tensor *seed, int64_t i, const hue_op_params *p)
{
    uint32_t key = hue_dropout_key((float)seed->data[0]);
    int keep = hue_dropout_hash(p->start + i, key) >= hue_dropout_threshold(p->alpha);
    return keep ? (double)hue_dropout_scale(p->alpha) : 0.0;
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    if (hue_host_alloc(out, in[0].ndim, in[0].shape))
        return HUE_ENOMEM;
    for (int64_t i = 0; i < hue_host_numel(&in[0]); i++)
        out->data[i] = p->alpha == 0 ? in[0].data[i] : in[0].data[i] * mask_at(&in[1], i, p);
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    if (hue_host_alloc(&grad_in[0], in[0].ndim, in[0].shape))
        return HUE_ENOMEM;
    for (int64_t i = 0; i < hue_host_numel(&in[0]); i++)
        grad_in[0].data[i] = p->alpha == 0 ? grad_out->data[i] : grad_out->data[i] * mask_at(&in[1], i, p);
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {1, 1, 1, 1000}, {4, 64, 33, 31}, {3, 1, 9, 1}};
    static const float ps[] = {0.5f, 0.1f, 0.9f, 0.5f, 1.0f};
    set_case_shape(c, 0, 4, shapes[i]);
    int64_t one[1] = {1};
    set_case_shape(c, 1, 1, one);
    c->p.alpha = ps[i];
    c->p.start = i == 3 ? 3000000007ll : 0;  /* a part far into a larger tensor (the index wraps at 2^32) */
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_dropout_part(g, in[0], p->alpha, in[1], p->start);
}

const hue_op_entry hue_op_dropout = {.name = "dropout", .n_in = 2, .n_cases = 5, .make_case = make_case,
                                     .build = build, .reference = reference, .input_lo = -2, .input_hi = 2,
                                     .tolerance = 1e-6, .grad_mask = 1, .reference_backward = reference_backward,
                                     .grad_tolerance = 1e-6};
