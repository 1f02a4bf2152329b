/* Elementwise ops: binary with broadcasting, unary activations, and the
 * per-channel scale+bias. One kernel (shaders/eltwise.comp) serves all. */
#include "op_common.h"

typedef struct {
    int32_t shape[4];
    int32_t s[3][4];
    int32_t off[4];
    uint32_t n;
    float alpha;
} eltwise_push;

static int record(hue_graph *g, const hue_node *n)
{
    const hue_tensor_desc *y = &g->t[n->out];
    eltwise_push push = {0};
    for (int i = 0; i < 4; i++)
        push.shape[i] = (int32_t)y->shape[i];
    hue_binding b[4];
    int n_ops = n->p.kind == HUE_SCALE_BIAS ? 3 : n->p.kind <= HUE_MUL ? 2 : 1;
    for (int k = 0; k < 3; k++) {
        hue_tensor t = n->in[k < n_ops ? k : 0];
        const hue_tensor_desc *d = &g->t[t];
        if (k < n_ops) {
            for (int i = 0; i < 4; i++)
                push.s[k][i] = d->shape[i] == 1 && y->shape[i] != 1 ? 0 : (int32_t)d->stride[i];
            if (n->p.kind == HUE_SCALE_BIAS && k > 0) {
                /* scale and bias run along the channel axis (user axis 1) */
                memset(push.s[k], 0, sizeof push.s[k]);
                push.s[k][HUE_MAX_DIMS - y->ndim + 1] = 1;
            }
        }
        push.off[k] = (int32_t)hue_tensor_bind_offset(g, t);
        b[k] = (hue_binding){t, HUE_BIND_STORAGE, 0};
    }
    push.off[3] = (int32_t)hue_tensor_bind_offset(g, n->out);
    b[3] = (hue_binding){n->out, HUE_BIND_STORAGE, 1};
    push.n = (uint32_t)hue_tensor_numel(g, n->out);
    push.alpha = n->p.alpha;

    uint32_t ls = hue_graph_local_size(g), gx, gy;
    hue_grid_1d(g, push.n, ls, &gx, &gy);
    hue_pipeline_key key = {.shader = "eltwise", .n_bindings = 4, .n_spec = 2, .spec = {ls, (uint32_t)n->p.kind},
                            .push_size = sizeof push};
    return hue_record_dispatch(g, &key, b, &push, gx, gy, 1);
}

static const char *const names[] = {"add", "sub", "mul", "relu", "leaky_relu", "sigmoid",
                                    "tanh", "exp", "log", "scale_bias"};
static const hue_op_impl impls[] = {
    {"add", record}, {"sub", record}, {"mul", record}, {"relu", record}, {"leaky_relu", record},
    {"sigmoid", record}, {"tanh", record}, {"exp", record}, {"log", record}, {"scale_bias", record},
};

static hue_tensor binary(hue_graph *g, int kind, hue_tensor a, hue_tensor b)
{
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
    hue_tensor y = hue_graph_new_tensor(g, ndim, shape + HUE_MAX_DIMS - ndim, names[kind]);
    if (y < 0 || check_int32(g, names[kind], y))
        return g->error;
    hue_op_params p = {.kind = kind};
    return hue_graph_add_node(g, &impls[kind], 2, in, y, &p);
}

hue_tensor hue_add(hue_graph *g, hue_tensor a, hue_tensor b) { return binary(g, HUE_ADD, a, b); }
hue_tensor hue_sub(hue_graph *g, hue_tensor a, hue_tensor b) { return binary(g, HUE_SUB, a, b); }
hue_tensor hue_mul(hue_graph *g, hue_tensor a, hue_tensor b) { return binary(g, HUE_MUL, a, b); }

hue_tensor hue_unary(hue_graph *g, int kind, hue_tensor x, float alpha)
{
    if (kind < HUE_RELU || kind > HUE_LOG)
        return hue_graph_fail(g, HUE_EINVAL, "unary op %d does not exist", kind);
    if (hue_graph_check_inputs(g, names[kind], 1, &x))
        return g->error;
    const hue_tensor_desc *d = &g->t[x];
    hue_tensor y = hue_graph_new_tensor(g, d->ndim, d->shape + HUE_MAX_DIMS - d->ndim, names[kind]);
    if (y < 0 || check_int32(g, names[kind], y))
        return g->error;
    hue_op_params p = {.kind = kind, .alpha = alpha};
    return hue_graph_add_node(g, &impls[kind], 1, &x, y, &p);
}

hue_tensor hue_relu(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_RELU, x, 0); }
hue_tensor hue_leaky_relu(hue_graph *g, hue_tensor x, float slope) { return hue_unary(g, HUE_LEAKY_RELU, x, slope); }
hue_tensor hue_sigmoid(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_SIGMOID, x, 0); }
hue_tensor hue_tanh(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_TANH, x, 0); }
hue_tensor hue_exp(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_EXP, x, 0); }
hue_tensor hue_log(hue_graph *g, hue_tensor x) { return hue_unary(g, HUE_LOG, x, 0); }

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
    hue_tensor y = hue_graph_new_tensor(g, d->ndim, d->shape + HUE_MAX_DIMS - d->ndim, "scale_bias");
    if (y < 0 || check_int32(g, "scale_bias", y))
        return g->error;
    hue_op_params p = {.kind = HUE_SCALE_BIAS};
    return hue_graph_add_node(g, &impls[HUE_SCALE_BIAS], 3, in, y, &p);
}

/* ---- plain-C reference ---- */

static float apply(int kind, float x, float u, float v, float alpha)
{
    switch (kind) {
    case HUE_ADD: return x + u;
    case HUE_SUB: return x - u;
    case HUE_MUL: return x * u;
    case HUE_RELU: return x > 0 ? x : 0;
    case HUE_LEAKY_RELU: return x >= 0 ? x : x * alpha;
    case HUE_SIGMOID: return (float)(1.0 / (1.0 + exp(-(double)x)));
    case HUE_TANH: return (float)tanh((double)x);
    case HUE_EXP: return (float)exp((double)x);
    case HUE_LOG: return (float)log((double)x);
    default: return x * u + v;
    }
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    int kind = p->kind;
    int n_ops = kind == HUE_SCALE_BIAS ? 3 : kind <= HUE_MUL ? 2 : 1;
    int64_t shape[4], st[3][4];
    int ndim = in[0].ndim;
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
    if (hue_host_alloc(out, ndim, shape + 4 - ndim))
        return HUE_ENOMEM;
    int64_t o = 0;
    for (int64_t i0 = 0; i0 < shape[0]; i0++)
        for (int64_t i1 = 0; i1 < shape[1]; i1++)
            for (int64_t i2 = 0; i2 < shape[2]; i2++)
                for (int64_t i3 = 0; i3 < shape[3]; i3++) {
                    float v[3] = {0, 0, 0};
                    for (int k = 0; k < n_ops; k++)
                        v[k] = in[k].data[i0 * st[k][0] + i1 * st[k][1] + i2 * st[k][2] + i3 * st[k][3]];
                    out->data[o++] = apply(kind, v[0], v[1], v[2], p->alpha);
                }
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
}

static hue_tensor build_binary(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return binary(g, p->kind, in[0], in[1]);
}
static hue_tensor build_unary(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_unary(g, p->kind, in[0], p->alpha);
}
static hue_tensor build_scale_bias(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    (void)p;
    return hue_scale_bias(g, in[0], in[1], in[2]);
}

#define BINARY(op, k) \
    static void op##_case(int i, hue_op_case *c) { binary_case(i, c); c->p.kind = k; } \
    const hue_op_entry hue_op_##op = {#op, 2, 6, op##_case, build_binary, reference, -2, 2, 1e-6, 0};
#define UNARY(op, k, lo, hi, tol) \
    static void op##_case(int i, hue_op_case *c) { unary_case(i, c); c->p.kind = k; } \
    const hue_op_entry hue_op_##op = {#op, 1, 4, op##_case, build_unary, reference, lo, hi, tol, 0};

BINARY(add, HUE_ADD)
BINARY(sub, HUE_SUB)
BINARY(mul, HUE_MUL)
UNARY(relu, HUE_RELU, -2, 2, 0)
UNARY(leaky_relu, HUE_LEAKY_RELU, -2, 2, 1e-6)
UNARY(sigmoid, HUE_SIGMOID, -8, 8, 1e-5)
UNARY(tanh, HUE_TANH, -4, 4, 1e-5)
UNARY(exp, HUE_EXP, -4, 4, 1e-5)
UNARY(log, HUE_LOG, 0.01f, 10, 1e-5)

static void sb_case(int i, hue_op_case *c) { scale_bias_case(i, c); c->p.kind = HUE_SCALE_BIAS; }
const hue_op_entry hue_op_scale_bias = {"scale_bias", 3, 4, sb_case, build_scale_bias, reference, -2, 2, 1e-6, 0};
