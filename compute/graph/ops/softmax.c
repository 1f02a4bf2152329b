/* Softmax and log-softmax along one axis. */
#include "op_common.h"

/* softmax: dx = y * (G - sum(G * y)); log-softmax: dx = G - exp(y) * sum(G),
 * sums along the axis. */
static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor x = n->in[0], y = n->out;
    unsigned axis = 1u << (n->p.axis - (HUE_MAX_DIMS - g->t[x].ndim));
    if (n->p.log) {
        hue_tensor s = hue_reduce(g, HUE_REDUCE_SUM, G, axis);
        return hue_grad_accumulate(g, x, hue_sub(g, G, hue_mul(g, hue_exp(g, y), s)));
    }
    hue_tensor s = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, G, y), axis);
    return hue_grad_accumulate(g, x, hue_mul(g, y, hue_sub(g, G, s)));
}

static const hue_op_impl impls[] = {{"softmax", backward}, {"log_softmax", backward}};

static hue_tensor softmax(hue_graph *g, hue_tensor x, int axis, int log)
{
    if (hue_graph_check_inputs(g, impls[log].name, 1, &x))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    int a = axis4(d->ndim, axis);
    if (a < 0)
        return hue_graph_fail(g, HUE_EINVAL, "%s: axis %d out of range for %s (%d dimensions)", impls[log].name,
                              axis, d->name, d->ndim);
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "%s: %s is not contiguous", impls[log].name, d->name);
    hue_tensor y = new_like(g, x, d->shape, impls[log].name);
    if (y < 0 || check_int32(g, impls[log].name, x))
        return g->error;
    hue_op_params p = {.axis = a, .log = log};
    return hue_graph_add_node(g, &impls[log], 1, &x, y, &p);
}

hue_tensor hue_softmax(hue_graph *g, hue_tensor x, int axis) { return softmax(g, x, axis, 0); }
hue_tensor hue_log_softmax(hue_graph *g, hue_tensor x, int axis) { return softmax(g, x, axis, 1); }

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0];
    if (hue_host_alloc(out, x->ndim, x->shape))
        return HUE_ENOMEM;
    int a = p->axis - (HUE_MAX_DIMS - x->ndim);  /* the user axis */
    int64_t len = x->shape[a], inner = 1;
    for (int i = a + 1; i < x->ndim; i++)
        inner *= x->shape[i];
    int64_t outer = hue_host_numel(x) / (len * inner);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            const double *v = x->data + o * len * inner + j;
            double m = -INFINITY, s = 0;
            for (int64_t k = 0; k < len; k++)
                m = v[k * inner] > m ? v[k * inner] : m;
            for (int64_t k = 0; k < len; k++)
                s += exp(v[k * inner] - m);
            for (int64_t k = 0; k < len; k++)
                out->data[o * len * inner + j + k * inner] =
                    p->log ? v[k * inner] - m - log(s) : exp(v[k * inner] - m) / s;
        }
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0];
    hue_host_tensor y = {0};
    if (reference(in, p, &y) || hue_host_alloc(&grad_in[0], x->ndim, x->shape)) {
        free(y.data);
        return HUE_ENOMEM;
    }
    int a = p->axis - (HUE_MAX_DIMS - x->ndim);
    int64_t len = x->shape[a], inner = 1;
    for (int i = a + 1; i < x->ndim; i++)
        inner *= x->shape[i];
    int64_t outer = hue_host_numel(x) / (len * inner);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            int64_t base = o * len * inner + j;
            double s = 0;
            for (int64_t k = 0; k < len; k++)
                s += p->log ? grad_out->data[base + k * inner]
                            : grad_out->data[base + k * inner] * y.data[base + k * inner];
            for (int64_t k = 0; k < len; k++) {
                int64_t e = base + k * inner;
                grad_in[0].data[e] = p->log ? grad_out->data[e] - exp(y.data[e]) * s : y.data[e] * (grad_out->data[e] - s);
            }
        }
    free(y.data);
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 10, 1, 1}, {3, 7, 5, 9}, {3, 7, 5, 9}, {2, 1, 1, 1000},
                                        {64, 33, 1, 1}, {4, 16, 31, 29}};
    static const int axes[] = {0, 1, 1, 3, 3, 0, 1};
    set_case_shape(c, 0, i == 5 ? 2 : 4, shapes[i]);
    c->p.axis = axes[i] + (i == 5 ? 2 : 0);  /* stored as a 4-D axis, as the builder does */
}

/* The case's axis is 4-D; builders take the user's. */
static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    int user = p->axis - (HUE_MAX_DIMS - hue_tensor_ndim(g, in[0]));
    return softmax(g, in[0], user, p->log);
}

static void softmax_case(int i, hue_op_case *c) { make_case(i, c); }
static void log_softmax_case(int i, hue_op_case *c) { make_case(i, c); c->p.log = 1; }
const hue_op_entry hue_op_softmax = {.name = "softmax", .n_in = 1, .n_cases = 7, .make_case = softmax_case, .build = build, .reference = reference, .input_lo = -8, .input_hi = 8, .tolerance = 1e-5, .grad_mask = 1, .reference_backward = reference_backward, .grad_tolerance = 1e-5};
const hue_op_entry hue_op_log_softmax = {.name = "log_softmax", .n_in = 1, .n_cases = 7, .make_case = log_softmax_case, .build = build, .reference = reference, .input_lo = -8, .input_hi = 8, .tolerance = 1e-5, .grad_mask = 1, .reference_backward = reference_backward, .grad_tolerance = 1e-5};
