/* Concat and slice along any axis, as copies of row blocks: with the tensor
 * seen as [outer, axis, inner], a piece along the axis is, per outer row, a
 * contiguous run of (length * inner) values. shaders/concat.comp copies
 * them; slice's gradient is the same copy with zeros around it. */
#include "op_common.h"

#define CONCAT_MAX_IN 6  /* a node's inputs */

/* ---- concat ---- */

/* Each input's gradient is its slice of G. */
static int backward_concat(hue_graph *g, const hue_node *n, hue_tensor G)
{
    int a = n->p.axis, user = a - (HUE_MAX_DIMS - g->t[n->out].ndim);
    int64_t start = 0;
    for (int k = 0; k < n->n_in; k++) {
        hue_tensor x = n->in[k];
        int64_t len = g->t[x].shape[a];
        if (hue_tensor_needs_grad(g, x))
            hue_grad_accumulate(g, x, hue_slice(g, G, user, start, len));
        start += len;
    }
    return g->error;
}

static const hue_op_impl concat_impl = {"concat", backward_concat};

static hue_tensor concat_node(hue_graph *g, int n, const hue_tensor *xs, int user_axis)
{
    const hue_tensor_desc *d0 = &g->t[xs[0]];
    int a = axis4(d0->ndim, user_axis);
    if (a < 0)
        return hue_graph_fail(g, HUE_EINVAL, "concat: axis %d out of range for %s (%d dimensions)", user_axis,
                              d0->name, d0->ndim);
    int64_t shape[HUE_MAX_DIMS];
    memcpy(shape, d0->shape, sizeof shape);
    shape[a] = 0;
    for (int k = 0; k < n; k++) {
        const hue_tensor_desc *d = &g->t[xs[k]];
        if (d->ndim != d0->ndim)
            return hue_graph_fail(g, HUE_EINVAL, "concat: %s has %d dimensions, %s has %d", d->name, d->ndim,
                                  d0->name, d0->ndim);
        for (int i = 0; i < HUE_MAX_DIMS; i++)
            if (i != a && d->shape[i] != d0->shape[i])
                return hue_graph_fail(g, HUE_EINVAL,
                                      "concat: %s and %s differ in dimension %d (%lld vs %lld), not the axis %d",
                                      d->name, d0->name, i - (HUE_MAX_DIMS - d0->ndim), (long long)d->shape[i],
                                      (long long)d0->shape[i], user_axis);
        if (!hue_tensor_is_contiguous(g, xs[k]))
            return hue_graph_fail(g, HUE_EINVAL, "concat: %s is not contiguous", d->name);
        if (check_int32(g, "concat", xs[k]))
            return g->error;
        shape[a] += d->shape[a];
    }
    hue_tensor y = new_like(g, xs[0], shape, "concat");
    if (y < 0 || check_int32(g, "concat", y))
        return g->error;
    hue_op_params p = {.axis = a};
    return hue_graph_add_node(g, &concat_impl, n, xs, y, &p);
}

hue_tensor hue_concat(hue_graph *g, int n, const hue_tensor *xs, int axis)
{
    if (g->error)
        return g->error;
    if (n < 1 || !xs)
        return hue_graph_fail(g, HUE_EINVAL, "concat: %d tensors given (needs at least one)", n);
    if (hue_graph_check_inputs(g, "concat", n, xs))
        return g->error;
    if (n == 1)
        return xs[0];
    /* more inputs than a node holds: join them in groups, left to right */
    hue_tensor acc = concat_node(g, n < CONCAT_MAX_IN ? n : CONCAT_MAX_IN, xs, axis);
    for (int i = CONCAT_MAX_IN; i < n && acc >= 0; i += CONCAT_MAX_IN - 1) {
        hue_tensor group[CONCAT_MAX_IN] = {acc};
        int m = n - i < CONCAT_MAX_IN - 1 ? n - i : CONCAT_MAX_IN - 1;
        memcpy(group + 1, xs + i, sizeof *xs * (size_t)m);
        acc = concat_node(g, m + 1, group, axis);
    }
    return acc;
}

/* ---- slice, and its gradient: G placed into zeros of x's shape ---- */

static const hue_op_impl slice_grad_impl = {"slice_grad", NULL};

static int backward_slice(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor x = n->in[0];
    hue_tensor dx = new_like(g, x, g->t[x].shape, "slice_grad");
    if (dx < 0)
        return dx;
    return hue_grad_accumulate(g, x, hue_graph_add_node(g, &slice_grad_impl, 1, &G, dx, &n->p));
}

static const hue_op_impl slice_impl = {"slice", backward_slice};

hue_tensor hue_slice(hue_graph *g, hue_tensor x, int axis, int64_t start, int64_t length)
{
    if (hue_graph_check_inputs(g, "slice", 1, &x))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    int a = axis4(d->ndim, axis);
    if (a < 0)
        return hue_graph_fail(g, HUE_EINVAL, "slice: axis %d out of range for %s (%d dimensions)", axis, d->name,
                              d->ndim);
    if (start < 0 || length < 1 || start > d->shape[a] - length)
        return hue_graph_fail(g, HUE_EINVAL, "slice: [%lld, %lld + %lld) is not inside axis %d of %s (size %lld)",
                              (long long)start, (long long)start, (long long)length, axis, d->name,
                              (long long)d->shape[a]);
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "slice: %s is not contiguous", d->name);
    int64_t shape[HUE_MAX_DIMS];
    memcpy(shape, d->shape, sizeof shape);
    shape[a] = length;
    hue_tensor y = new_like(g, x, shape, "slice");
    if (y < 0 || check_int32(g, "slice", x))
        return g->error;
    hue_op_params p = {.axis = a, .start = start, .length = length};
    return hue_graph_add_node(g, &slice_impl, 1, &x, y, &p);
}

/* ---- plain-C references ---- */

static int concat_reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    int a = p->axis, n = 3;  /* the sweep's entry joins three tensors */
    int64_t shape[4], outer, inner, total = 0;
    for (int i = 0; i < 4; i++)
        shape[i] = host_dim4(&in[0], i);
    for (int k = 0; k < n; k++)
        total += host_dim4(&in[k], a);
    shape[a] = total;
    outer_inner(shape, a, &outer, &inner);
    if (hue_host_alloc(out, in[0].ndim, shape + 4 - in[0].ndim))
        return HUE_ENOMEM;
    int64_t start = 0;
    for (int k = 0; k < n; k++) {
        int64_t len = host_dim4(&in[k], a);
        for (int64_t o = 0; o < outer; o++)
            memcpy(out->data + (o * total + start) * inner, in[k].data + o * len * inner,
                   sizeof(double) * (size_t)(len * inner));
        start += len;
    }
    return 0;
}

static int concat_reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out,
                                     const hue_op_params *p, hue_host_tensor *grad_in)
{
    int a = p->axis;
    int64_t shape[4], outer, inner, total = 0, start = 0;
    for (int i = 0; i < 4; i++)
        shape[i] = host_dim4(&in[0], i);
    for (int k = 0; k < 3; k++)
        total += host_dim4(&in[k], a);
    outer_inner(shape, a, &outer, &inner);
    for (int k = 0; k < 3; k++) {
        int64_t len = host_dim4(&in[k], a);
        if (hue_host_alloc(&grad_in[k], in[k].ndim, in[k].shape))
            return HUE_ENOMEM;
        for (int64_t o = 0; o < outer; o++)
            memcpy(grad_in[k].data + o * len * inner, grad_out->data + (o * total + start) * inner,
                   sizeof(double) * (size_t)(len * inner));
        start += len;
    }
    return 0;
}

static int slice_reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    int a = p->axis;
    int64_t shape[4], outer, inner;
    for (int i = 0; i < 4; i++)
        shape[i] = host_dim4(&in[0], i);
    int64_t len = shape[a];
    outer_inner(shape, a, &outer, &inner);
    shape[a] = p->length;
    if (hue_host_alloc(out, in[0].ndim, shape + 4 - in[0].ndim))
        return HUE_ENOMEM;
    for (int64_t o = 0; o < outer; o++)
        memcpy(out->data + o * p->length * inner, in[0].data + (o * len + p->start) * inner,
               sizeof(double) * (size_t)(p->length * inner));
    return 0;
}

static int slice_reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out,
                                    const hue_op_params *p, hue_host_tensor *grad_in)
{
    int a = p->axis;
    int64_t shape[4], outer, inner;
    for (int i = 0; i < 4; i++)
        shape[i] = host_dim4(&in[0], i);
    int64_t len = shape[a];
    outer_inner(shape, a, &outer, &inner);
    if (hue_host_alloc(&grad_in[0], in[0].ndim, in[0].shape))
        return HUE_ENOMEM;
    memset(grad_in[0].data, 0, sizeof(double) * (size_t)hue_host_numel(&in[0]));
    for (int64_t o = 0; o < outer; o++)
        memcpy(grad_in[0].data + (o * len + p->start) * inner, grad_out->data + o * p->length * inner,
               sizeof(double) * (size_t)(p->length * inner));
    return 0;
}

/* ---- sweep cases ---- */

/* Three tensors joined along each axis in turn, with odd and size-1
 * lengths, 2-D and 1-D tensors, and a large one. */
static void concat_case(int i, hue_op_case *c)
{
    static const int64_t base[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {2, 3, 5, 7}, {2, 3, 5, 7},
                                      {2, 3, 5, 7}, {1, 9, 1, 13}, {4, 64, 31, 33}};
    static const int axes[] = {3, 0, 1, 2, 3, 1, 1};
    static const int64_t lens[][3] = {{1, 1, 1}, {1, 3, 2}, {4, 1, 5}, {2, 7, 1}, {9, 1, 3}, {1, 2, 11}, {32, 17, 64}};
    for (int k = 0; k < 3; k++) {
        int64_t s[4];
        memcpy(s, base[i], sizeof s);
        s[axes[i]] = lens[i][k];
        set_case_shape(c, k, 4, s);
    }
    c->p.axis = axes[i];
    if (i == 5) {  /* as 2-D [rows, cols], joined along the columns */
        for (int k = 0; k < 3; k++) {
            int64_t s[2] = {13, lens[i][k]};
            set_case_shape(c, k, 2, s);
        }
        c->p.axis = 3;
    }
}

static void slice_case(int i, hue_op_case *c)
{
    static const int64_t shapes[][4] = {{1, 1, 1, 1}, {5, 3, 4, 7}, {5, 3, 4, 7}, {5, 3, 4, 7},
                                        {5, 3, 4, 7}, {1, 1, 1, 1001}, {8, 96, 33, 35}};
    static const int axes[] = {3, 0, 1, 2, 3, 3, 1};
    static const int64_t ranges[][2] = {{0, 1}, {1, 3}, {2, 1}, {0, 4}, {3, 3}, {17, 900}, {31, 40}};
    set_case_shape(c, 0, 4, shapes[i]);
    c->p.axis = axes[i];
    c->p.start = ranges[i][0];
    c->p.length = ranges[i][1];
}

static hue_tensor concat_build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_concat(g, 3, in, p->axis - (HUE_MAX_DIMS - hue_tensor_ndim(g, in[0])));
}

static hue_tensor slice_build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_slice(g, in[0], p->axis - (HUE_MAX_DIMS - hue_tensor_ndim(g, in[0])), p->start, p->length);
}

const hue_op_entry hue_op_concat = {.name = "concat", .n_in = 3, .n_cases = 7, .make_case = concat_case,
                                    .build = concat_build, .reference = concat_reference, .input_lo = -2,
                                    .input_hi = 2, .tolerance = 0, .grad_mask = 7,
                                    .reference_backward = concat_reference_backward, .grad_tolerance = 0};
const hue_op_entry hue_op_slice = {.name = "slice", .n_in = 1, .n_cases = 7, .make_case = slice_case,
                                   .build = slice_build, .reference = slice_reference, .input_lo = -2,
                                   .input_hi = 2, .tolerance = 0, .grad_mask = 1,
                                   .reference_backward = slice_reference_backward, .grad_tolerance = 0};
