/* Elementwise ops: binary with broadcasting, unary activations, the
 * per-channel scale+bias, and the derivatives their backward passes use.
 * On Vulkan one kernel (shaders/eltwise.comp) serves all. */
#include "op_common.h"

static const char *const names[] = {"add", "sub", "mul", "relu", "leaky_relu", "sigmoid", "tanh", "exp", "log",
                                    "scale_bias", "div", "scale", "relu_bwd", "leaky_relu_bwd", "sigmoid_bwd",
                                    "tanh_bwd", "equal"};

static int operands(int kind)
{
    if (kind == HUE_SCALE_BIAS)
        return 3;
    return kind <= HUE_MUL || kind == HUE_DIV || kind >= HUE_RELU_BWD ? 2 : 1;
}

/* ---- backward: each builds its inputs' gradients from G = d(loss)/d(y) ---- */

static int accumulate_reduced(hue_graph *g, hue_tensor t, hue_tensor contribution)
{
    if (!hue_tensor_needs_grad(g, t))
        return 0;
    return hue_grad_accumulate(g, t, hue_reduce_to_shape(g, contribution, t));
}

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor a = n->in[0], b = n->in[1], y = n->out;
    float alpha = n->p.alpha;
    switch (n->p.kind) {
    case HUE_ADD:
        accumulate_reduced(g, a, G);
        return accumulate_reduced(g, b, G);
    case HUE_SUB:
        accumulate_reduced(g, a, G);
        return hue_tensor_needs_grad(g, b) ? accumulate_reduced(g, b, hue_scale(g, G, -1, -1)) : 0;
    case HUE_MUL:
        if (hue_tensor_needs_grad(g, a))
            accumulate_reduced(g, a, hue_mul(g, G, b));
        return hue_tensor_needs_grad(g, b) ? accumulate_reduced(g, b, hue_mul(g, G, a)) : 0;
    case HUE_DIV:
        if (hue_tensor_needs_grad(g, a))
            accumulate_reduced(g, a, hue_div(g, G, b));
        /* d(a/b)/db = -y/b */
        return hue_tensor_needs_grad(g, b) ? accumulate_reduced(g, b, hue_scale(g, hue_div(g, hue_mul(g, G, y), b), -1, -1))
                                           : 0;
    case HUE_SCALE:
        return accumulate_reduced(g, a, hue_scale(g, G, alpha, -1));
    case HUE_RELU: return hue_grad_accumulate(g, a, hue_binary(g, HUE_RELU_BWD, G, a, 0));
    case HUE_LEAKY_RELU: return hue_grad_accumulate(g, a, hue_binary(g, HUE_LEAKY_RELU_BWD, G, a, alpha));
    case HUE_SIGMOID: return hue_grad_accumulate(g, a, hue_binary(g, HUE_SIGMOID_BWD, G, y, 0));
    case HUE_TANH: return hue_grad_accumulate(g, a, hue_binary(g, HUE_TANH_BWD, G, y, 0));
    case HUE_EXP: return hue_grad_accumulate(g, a, hue_mul(g, G, y));
    case HUE_LOG: return hue_grad_accumulate(g, a, hue_div(g, G, a));
    case HUE_SCALE_BIAS: {
        /* scale and bias seen as [1, C, 1, ...] so they broadcast over x */
        int nd = g->t[a].ndim;
        int64_t cshape[HUE_MAX_DIMS];
        for (int i = 0; i < nd; i++)
            cshape[i] = i == 1 ? hue_tensor_dim(g, a, 1) : 1;
        hue_tensor scale = hue_reshape(g, b, nd, cshape), bias = n->in[2];
        if (hue_tensor_needs_grad(g, a))
            hue_grad_accumulate(g, a, hue_mul(g, G, scale));
        if (hue_tensor_needs_grad(g, b))
            hue_grad_accumulate(g, b, hue_reduce_to_shape(g, hue_mul(g, G, a), scale));
        if (hue_tensor_needs_grad(g, bias))
            hue_grad_accumulate(g, bias, hue_reduce_to_shape(g, G, hue_reshape(g, bias, nd, cshape)));
        return g->error;
    }
    default:
        return hue_graph_fail(g, HUE_ENOTSUP, "%s has no gradient", names[n->p.kind]);
    }
}

static const hue_op_impl impls[] = {
    {"add", backward},     {"sub", backward},        {"mul", backward},
    {"relu", backward},    {"leaky_relu", backward}, {"sigmoid", backward},
    {"tanh", backward},    {"exp", backward},        {"log", backward},
    {"scale_bias", backward}, {"div", backward},     {"scale", backward},
    {"relu_bwd", NULL},    {"leaky_relu_bwd", NULL}, {"sigmoid_bwd", NULL},
    {"tanh_bwd", NULL},    {"equal", NULL},
};

/* ---- building ---- */

static hue_tensor make(hue_graph *g, int kind, int n_in, const hue_tensor *in, const int64_t *shape, int ndim,
                       float alpha)
{
    hue_tensor y = hue_graph_new_tensor(g, ndim, shape + HUE_MAX_DIMS - ndim, names[kind]);
    if (y < 0 || check_int32(g, names[kind], y))
        return g->error;
    hue_op_params p = {.kind = kind, .alpha = alpha};
    return hue_graph_add_node(g, &impls[kind], n_in, in, y, &p);
}

hue_tensor hue_binary(hue_graph *g, int kind, hue_tensor a, hue_tensor b, float alpha)
{
    if (kind < 0 || kind > HUE_EQUAL || operands(kind) != 2)
        return hue_graph_fail(g, HUE_EINVAL, "binary op %d does not exist", kind);
    hue_tensor in[2] = {a, b};
    if (hue_graph_check_inputs(g, names[kind], 2, in))
        return g->error;
    const hue_tensor_desc *da = &g->t[a], *db = &g->t[b];
    int64_t shape[HUE_MAX_DIMS];
    int ndim = da->ndim > db->ndim ? da->ndim : db->ndim;
    for (int i = 0; i < HUE_MAX_DIMS; i++) {
        int64_t x = da->shape[i], y = db->shape[i];
        if (x != y && x != 1 && y != 1)
            return hue_graph_fail(g, HUE_EINVAL,
                                  "%s: shapes of %s and %s do not broadcast (dimension %d: %lld vs %lld)",
                                  names[kind], da->name, db->name, i - (HUE_MAX_DIMS - ndim), (long long)x,
                                  (long long)y);
        shape[i] = x > y ? x : y;
    }
    return make(g, kind, 2, in, shape, ndim, alpha);
}

hue_tensor hue_add(hue_graph *g, hue_tensor a, hue_tensor b) { return hue_binary(g, HUE_ADD, a, b, 0); }
hue_tensor hue_sub(hue_graph *g, hue_tensor a, hue_tensor b) { return hue_binary(g, HUE_SUB, a, b, 0); }
hue_tensor hue_mul(hue_graph *g, hue_tensor a, hue_tensor b) { return hue_binary(g, HUE_MUL, a, b, 0); }
hue_tensor hue_div(hue_graph *g, hue_tensor a, hue_tensor b) { return hue_binary(g, HUE_DIV, a, b, 0); }

hue_tensor hue_unary(hue_graph *g, int kind, hue_tensor x, float alpha)
{
    if (kind < HUE_RELU || kind > HUE_LOG)
        return hue_graph_fail(g, HUE_EINVAL, "unary op %d does not exist", kind);
    if (hue_graph_check_inputs(g, names[kind], 1, &x))
        return g->error;
    return make(g, kind, 1, &x, g->t[x].shape, g->t[x].ndim, alpha);
}

hue_tensor hue_relu(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_RELU, x, 0); }
hue_tensor hue_leaky_relu(hue_graph *g, hue_tensor x, float slope) { return hue_unary(g, HUE_LEAKY_RELU, x, slope); }
hue_tensor hue_sigmoid(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_SIGMOID, x, 0); }
hue_tensor hue_tanh(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_TANH, x, 0); }
hue_tensor hue_exp(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_EXP, x, 0); }
hue_tensor hue_log(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_LOG, x, 0); }

hue_tensor hue_scale(hue_graph *g, hue_tensor x, float alpha, hue_tensor like)
{
    if (hue_graph_check_inputs(g, "scale", 1, &x))
        return g->error;
    if (like < 0)
        return make(g, HUE_SCALE, 1, &x, g->t[x].shape, g->t[x].ndim, alpha);
    if (hue_graph_check_inputs(g, "scale", 1, &like))
        return g->error;
    const hue_tensor_desc *d = &g->t[x], *l = &g->t[like];
    for (int i = 0; i < HUE_MAX_DIMS; i++)
        if (d->shape[i] != l->shape[i] && d->shape[i] != 1)
            return hue_graph_fail(g, HUE_EINVAL, "scale: %s does not broadcast to the shape of %s", d->name, l->name);
    return make(g, HUE_SCALE, 1, &x, l->shape, l->ndim > d->ndim ? l->ndim : d->ndim, alpha);
}

hue_tensor hue_scale_bias(hue_graph *g, hue_tensor x, hue_tensor scale, hue_tensor bias)
{
    hue_tensor in[3] = {x, scale, bias};
    if (hue_graph_check_inputs(g, "scale_bias", 3, in))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    if (d->ndim < 2)
        return hue_graph_fail(g, HUE_EINVAL, "scale_bias: %s has no channel axis (needs [N, C, ...])", d->name);
    int64_t c = hue_tensor_dim(g, x, 1);
    for (int k = 1; k < 3; k++)
        if (hue_tensor_numel(g, in[k]) != c)
            return hue_graph_fail(g, HUE_EINVAL, "scale_bias: %s has %lld values, %s has %lld channels",
                                  g->t[in[k]].name, (long long)hue_tensor_numel(g, in[k]), d->name, (long long)c);
    return make(g, HUE_SCALE_BIAS, 3, in, d->shape, d->ndim, 0);
}

/* ---- plain-C reference ---- */

static double apply(int kind, double x, double u, double v, double alpha)
{
    switch (kind) {
    case HUE_ADD: return x + u;
    case HUE_SUB: return x - u;
    case HUE_MUL: return x * u;
    case HUE_DIV: return x / u;
    case HUE_RELU: return x > 0 ? x : 0;
    case HUE_LEAKY_RELU: return x >= 0 ? x : x * alpha;
    case HUE_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case HUE_TANH: return tanh(x);
    case HUE_EXP: return exp(x);
    case HUE_LOG: return log(x);
    case HUE_SCALE: return alpha * x;
    default: return x * u + v;
    }
}

/* Strides of each operand in the output's 4-D index space (0 = broadcast). */
static int layout(const hue_host_tensor *in, int kind, int64_t shape[4], int64_t st[3][4])
{
    int n_ops = operands(kind), ndim = in[0].ndim;
    for (int i = 0; i < 4; i++)
        shape[i] = host_dim4(&in[0], i);
    if (n_ops == 2) {
        ndim = in[1].ndim > ndim ? in[1].ndim : ndim;
        for (int i = 0; i < 4; i++)
            if (host_dim4(&in[1], i) > shape[i])
                shape[i] = host_dim4(&in[1], i);
    }
    for (int k = 0; k < n_ops; k++) {
        int64_t s4[4], d4[4];
        for (int i = 0; i < 4; i++)
            d4[i] = host_dim4(&in[k], i);
        strides4(d4, s4);
        for (int i = 0; i < 4; i++)
            st[k][i] = d4[i] == 1 ? 0 : s4[i];
        if (kind == HUE_SCALE_BIAS && k > 0) {
            memset(st[k], 0, sizeof st[k]);
            st[k][HUE_MAX_DIMS - ndim + 1] = 1;
        }
    }
    return ndim;
}

#define FOR_EACH_4D(shape, ...)                                           \
    for (int64_t i0 = 0, o = 0; i0 < shape[0]; i0++)                       \
        for (int64_t i1 = 0; i1 < shape[1]; i1++)                          \
            for (int64_t i2 = 0; i2 < shape[2]; i2++)                      \
                for (int64_t i3 = 0; i3 < shape[3]; i3++, o++) {           \
                    int64_t at[3];                                         \
                    for (int k = 0; k < 3; k++)                            \
                        at[k] = i0 * st[k][0] + i1 * st[k][1] + i2 * st[k][2] + i3 * st[k][3]; \
                    __VA_ARGS__                                            \
                }

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    int64_t shape[4], st[3][4] = {{0}};
    int n_ops = operands(p->kind), ndim = layout(in, p->kind, shape, st);
    if (hue_host_alloc(out, ndim, shape + 4 - ndim))
        return HUE_ENOMEM;
    FOR_EACH_4D(shape, {
        double v[3] = {0, 0, 0};
        for (int k = 0; k < n_ops; k++)
            v[k] = in[k].data[at[k]];
        out->data[o] = apply(p->kind, v[0], v[1], v[2], p->alpha);
    })
    return 0;
}

/* Exact derivatives, summed over broadcast positions into each operand. */
static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    int64_t shape[4], st[3][4] = {{0}};
    int n_ops = operands(p->kind);
    layout(in, p->kind, shape, st);
    for (int k = 0; k < n_ops; k++) {
        if (hue_host_alloc(&grad_in[k], in[k].ndim, in[k].shape))
            return HUE_ENOMEM;
        memset(grad_in[k].data, 0, sizeof(double) * (size_t)hue_host_numel(&in[k]));
    }
    FOR_EACH_4D(shape, {
        double G = grad_out->data[o], x = in[0].data[at[0]], u = n_ops > 1 ? in[1].data[at[1]] : 0;
        double a = p->alpha;
        switch (p->kind) {
        case HUE_ADD: grad_in[0].data[at[0]] += G, grad_in[1].data[at[1]] += G; break;
        case HUE_SUB: grad_in[0].data[at[0]] += G, grad_in[1].data[at[1]] -= G; break;
        case HUE_MUL: grad_in[0].data[at[0]] += G * u, grad_in[1].data[at[1]] += G * x; break;
        case HUE_DIV: grad_in[0].data[at[0]] += G / u, grad_in[1].data[at[1]] -= G * x / (u * u); break;
        case HUE_RELU: grad_in[0].data[at[0]] += x > 0 ? G : 0; break;
        case HUE_LEAKY_RELU: grad_in[0].data[at[0]] += x > 0 ? G : G * a; break;
        case HUE_SIGMOID: { double s = 1 / (1 + exp(-x)); grad_in[0].data[at[0]] += G * s * (1 - s); break; }
        case HUE_TANH: { double t = tanh(x); grad_in[0].data[at[0]] += G * (1 - t * t); break; }
        case HUE_EXP: grad_in[0].data[at[0]] += G * exp(x); break;
        case HUE_LOG: grad_in[0].data[at[0]] += G / x; break;
        case HUE_SCALE: grad_in[0].data[at[0]] += G * a; break;
        default: /* scale_bias */
            grad_in[0].data[at[0]] += G * u;
            grad_in[1].data[at[1]] += G * x;
            grad_in[2].data[at[2]] += G;
        }
    })
    return 0;
}

/* ---- sweep cases ---- */

static void set_shape(hue_op_case *c, int k, int ndim, int64_t a, int64_t b, int64_t x, int64_t d)
{
    int64_t s[4] = {a, b, x, d};
    c->ndim[k] = ndim;
    for (int i = 0; i < ndim; i++)
        c->shape[k][i] = s[4 - ndim + i];
}

/* same shape; channel broadcast; scalar; size-1 dims; odd and large sizes */
static void binary_case(int i, hue_op_case *c)
{
    switch (i) {
    case 0: set_shape(c, 0, 4, 2, 3, 5, 7), set_shape(c, 1, 4, 2, 3, 5, 7); break;
    case 1: set_shape(c, 0, 4, 2, 5, 9, 11), set_shape(c, 1, 4, 1, 5, 1, 1); break;
    case 2: set_shape(c, 0, 3, 1, 1, 1, 1), set_shape(c, 1, 1, 1, 1, 1, 1); break;
    case 3: set_shape(c, 0, 2, 1, 1, 33, 1), set_shape(c, 1, 2, 1, 1, 1, 17); break;
    case 4: set_shape(c, 0, 4, 3, 1, 7, 1), set_shape(c, 1, 4, 1, 4, 1, 5); break;
    default: set_shape(c, 0, 4, 4, 64, 96, 97), set_shape(c, 1, 4, 4, 64, 96, 97); break;
    }
}

static void unary_case(int i, hue_op_case *c)
{
    switch (i) {
    case 0: set_shape(c, 0, 1, 1, 1, 1, 1); break;
    case 1: set_shape(c, 0, 4, 2, 3, 5, 7); break;
    case 2: set_shape(c, 0, 2, 1, 1, 13, 1); break;
    default: set_shape(c, 0, 4, 8, 32, 101, 103); break;
    }
    c->p.alpha = 0.1f;
}

static void scale_bias_case(int i, hue_op_case *c)
{
    int64_t ch = i == 0 ? 1 : i == 1 ? 3 : i == 2 ? 17 : 64;
    if (i == 2)
        set_shape(c, 0, 2, 1, 1, 9, ch);
    else
        set_shape(c, 0, 4, i == 3 ? 8 : 2, ch, i == 3 ? 56 : 5, i == 3 ? 57 : 7);
    set_shape(c, 1, 1, 1, 1, 1, ch);
    set_shape(c, 2, 1, 1, 1, 1, ch);
    c->p.kind = HUE_SCALE_BIAS;
}

static hue_tensor build_binary(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_binary(g, p->kind, in[0], in[1], p->alpha);
}
static hue_tensor build_unary(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return p->kind == HUE_SCALE ? hue_scale(g, in[0], p->alpha, -1) : hue_unary(g, p->kind, in[0], p->alpha);
}
static hue_tensor build_scale_bias(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    (void)p;
    return hue_scale_bias(g, in[0], in[1], in[2]);
}

/* Binary gradients sum over broadcast positions: a looser bound. */
#define BINARY(op, k, lo, hi) \
    static void op##_case(int i, hue_op_case *c) { binary_case(i, c); c->p.kind = k; } \
    const hue_op_entry hue_op_##op = {.name = #op, .n_in = 2, .n_cases = 6, .make_case = op##_case, \
        .build = build_binary, .reference = reference, .input_lo = lo, .input_hi = hi, .tolerance = 1e-6, \
        .grad_mask = 3, .reference_backward = reference_backward, .grad_tolerance = 1e-5};
#define UNARY(op, k, lo, hi, tol) \
    static void op##_case(int i, hue_op_case *c) { unary_case(i, c); c->p.kind = k; } \
    const hue_op_entry hue_op_##op = {.name = #op, .n_in = 1, .n_cases = 4, .make_case = op##_case, \
        .build = build_unary, .reference = reference, .input_lo = lo, .input_hi = hi, .tolerance = tol, \
        .grad_mask = 1, .reference_backward = reference_backward, .grad_tolerance = 1e-5};

BINARY(add, HUE_ADD, -2, 2)
BINARY(sub, HUE_SUB, -2, 2)
BINARY(mul, HUE_MUL, -2, 2)
BINARY(div, HUE_DIV, 0.5f, 2)
UNARY(relu, HUE_RELU, -2, 2, 0)
UNARY(leaky_relu, HUE_LEAKY_RELU, -2, 2, 1e-6)
UNARY(sigmoid, HUE_SIGMOID, -8, 8, 1e-5)
UNARY(tanh, HUE_TANH, -4, 4, 1e-5)
UNARY(exp, HUE_EXP, -4, 4, 1e-5)
UNARY(log, HUE_LOG, 0.01f, 10, 1e-5)
UNARY(scale, HUE_SCALE, -2, 2, 1e-6)

const hue_op_entry hue_op_scale_bias = {.name = "scale_bias", .n_in = 3, .n_cases = 4, .make_case = scale_bias_case,
                                        .build = build_scale_bias, .reference = reference, .input_lo = -2,
                                        .input_hi = 2, .tolerance = 1e-6, .grad_mask = 7,
                                        .reference_backward = reference_backward, .grad_tolerance = 1e-5};
