/* L2 normalisation along one axis: y = x / max(||x||_2, eps), as PyTorch's
 * F.normalize. The backward kernel recomputes the norm from x rather than
 * keeping it: one pass over a row it reads anyway. */
#include "op_common.h"

static const hue_op_impl grad_impl = {"l2_normalize_grad", NULL};

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor x = n->in[0];
    hue_tensor dx = new_like(g, x, g->t[x].shape, "l2_normalize_grad");
    if (dx < 0)
        return dx;
    hue_tensor in[2] = {x, G};
    return hue_grad_accumulate(g, x, hue_graph_add_node(g, &grad_impl, 2, in, dx, &n->p));
}

static const hue_op_impl impl = {"l2_normalize", backward};

hue_tensor hue_l2_normalize(hue_graph *g, hue_tensor x, int axis, float eps)
{
    if (hue_graph_check_inputs(g, "l2_normalize", 1, &x))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    int a = axis4(d->ndim, axis);
    if (a < 0)
        return hue_graph_fail(g, HUE_EINVAL, "l2_normalize: axis %d out of range for %s (%d dimensions)", axis,
                              d->name, d->ndim);
    if (!(eps > 0) || isinf(eps))
        return hue_graph_fail(g, HUE_EINVAL, "l2_normalize: eps %g for %s (needs a finite value > 0)", eps, d->name);
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "l2_normalize: %s is not contiguous", d->name);
    hue_tensor y = new_like(g, x, d->shape, "l2_normalize");
    if (y < 0 || check_int32(g, "l2_normalize", x))
        return g->error;
    hue_op_params p = {.axis = a, .eps = eps};
    return hue_graph_add_node(g, &impl, 1, &x, y, &p);
}

/* ---- plain-C reference ---- */

/* Rows along the 4-D axis: their length, stride (inner) and count (outer). */
static void host_rows(const hue_host_tensor *x, int axis4_, int64_t *len, int64_t *inner, int64_t *outer)
{
    int a = axis4_ - (HUE_MAX_DIMS - x->ndim);
    *len = x->shape[a];
    *inner = 1;
    for (int i = a + 1; i < x->ndim; i++)
        *inner *= x->shape[i];
    *outer = hue_host_numel(x) / (*len * *inner);
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0];
    if (hue_host_alloc(out, x->ndim, x->shape))
        return HUE_ENOMEM;
    int64_t len, inner, outer;
    host_rows(x, p->axis, &len, &inner, &outer);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            int64_t base = o * len * inner + j;
            double ss = 0;
            for (int64_t k = 0; k < len; k++)
                ss += x->data[base + k * inner] * x->data[base + k * inner];
            double d = fmax(sqrt(ss), p->eps);
            for (int64_t k = 0; k < len; k++)
                out->data[base + k * inner] = x->data[base + k * inner] / d;
        }
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0];
    if (hue_host_alloc(&grad_in[0], x->ndim, x->shape))
        return HUE_ENOMEM;
    int64_t len, inner, outer;
    host_rows(x, p->axis, &len, &inner, &outer);
    const double *G = grad_out->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            int64_t base = o * len * inner + j;
            double ss = 0, dot = 0;
            for (int64_t k = 0; k < len; k++) {
                ss += x->data[base + k * inner] * x->data[base + k * inner];
                dot += x->data[base + k * inner] * G[base + k * inner];
            }
            double n = sqrt(ss);
            int clamped = !(n > p->eps);
            for (int64_t k = 0; k < len; k++) {
                int64_t e = base + k * inner;
                grad_in[0].data[e] = clamped ? G[e] / p->eps : G[e] / n - x->data[e] * dot / (n * n * n);
            }
        }
    return 0;
}

/* Rows along the channel axis of NCHW, the last axis of [N, D] (embeddings),
 * size-1 axes, and one case where eps clamps (tiny inputs, see fill). */
static void make_case(int i, hue_op_case *c)
{
    static const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 7, 5, 3}, {1, 1, 33, 128}, {3, 1, 9, 11},
                                        {64, 64, 24, 24}, {5, 4, 1, 3}, {2, 1, 5, 6}};
    static const int axes[] = {3, 1, 3, 1, 1, 3, 1};
    set_case_shape(c, 0, 4, shapes[i]);
    c->p.axis = axes[i];
    c->p.eps = i == 5 ? 1e-2f : 1e-12f;
    c->p.alpha = i == 6 ? 1e-4f : 0;
}

/* Case 5 draws small values, so some rows have norms below eps. Case 6
 * (alpha) makes every other value tiny, 1e-4 to 3e-4 in magnitude, on a
 * length-1 axis: its gradient is exactly 0, which a float backward that
 * subtracts two terms of size G/||x|| misses by ~1e-3. */
static void fill(int k, hue_host_tensor *in, const hue_op_params *p)
{
    if (k == 0 && p->eps > 1e-6f)
        for (int64_t i = 0; i < hue_host_numel(&in[0]); i++)
            in[0].data[i] *= (i / 3) % 2 ? 1e-3 : 1;
    if (k == 0 && p->alpha > 0)
        for (int64_t i = 0; i < hue_host_numel(&in[0]); i += 2) {
            double x = in[0].data[i];
            in[0].data[i] = (x < 0 ? -1 : 1) * p->alpha * (1 + fabs(x));
        }
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_l2_normalize(g, in[0], p->axis - (HUE_MAX_DIMS - hue_tensor_ndim(g, in[0])), p->eps);
}

const hue_op_entry hue_op_l2_normalize = {.name = "l2_normalize", .n_in = 1, .n_cases = 7, .make_case = make_case,
                                          .build = build, .reference = reference, .input_lo = -2, .input_hi = 2,
                                          .tolerance = 1e-6, .grad_mask = 1, .reference_backward = reference_backward,
                                          .grad_tolerance = 1e-5, .fill_input = fill};
