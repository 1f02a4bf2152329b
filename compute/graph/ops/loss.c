/* Losses returning one value: MSE, binary cross-entropy with logits,
 * cross-entropy against class ids (class weights, ignore_index) and against
 * soft targets, all with PyTorch's 'mean' reduction. A loss is two
 * dispatches: per-workgroup partial sums (shaders/loss.comp) into the
 * node's scratch, then one workgroup adding them (shaders/loss_sum.comp).
 * Gradients come from shaders/loss_grad.comp, elementwise or per position.
 *
 * Class ids are floats holding integers (rounded to the nearest). An id
 * that is neither a class nor ignore_index makes the loss NaN (PyTorch
 * stops with an error there; a kernel cannot), so bad labels never pass
 * silently. When no target counts (all ignored), the loss and its gradient
 * are 0, where PyTorch gives NaN. */
#include "loss_internal.h"
#include "op_common.h"

void hue_loss_geometry(const hue_graph *g, hue_tensor logits, int ce, int64_t *C, int64_t *HW, int64_t *units)
{
    const hue_tensor_desc *d = &g->t[logits];
    int lead = HUE_MAX_DIMS - d->ndim;
    *C = *HW = 1;
    *units = hue_tensor_numel(g, logits);
    if (!ce)
        return;
    *C = d->shape[lead + 1];
    for (int i = lead + 2; i < HUE_MAX_DIMS; i++)
        *HW *= d->shape[i];
    *units /= *C;
}

int64_t hue_loss_groups(const hue_graph *g, int64_t units, int64_t *chunk)
{
    int64_t ls = hue_graph_local_size(g), groups = (units + ls * 4 - 1) / (ls * 4);
    groups = groups < 1 ? 1 : groups > 1024 ? 1024 : groups;
    int64_t c = (units + groups - 1) / groups;
    c = (c + ls - 1) / ls * ls;
    if (chunk)
        *chunk = c;
    return (units + c - 1) / c;
}

static const hue_op_impl grad_impls[] = {
    {"mse_grad", NULL},           {"bce_with_logits_grad", NULL},    {"bce_with_logits_grad", NULL},
    {"cross_entropy_grad", NULL}, {"cross_entropy_soft_grad", NULL}, {"cross_entropy_soft_grad", NULL},
};

/* The gradient of `of` (shaped like a) as a node over {G, a, b, [w]}. */
static int grad_node(hue_graph *g, const hue_node *n, int kind, hue_tensor G, hue_tensor a, hue_tensor b,
                     hue_tensor of, double scale)
{
    hue_tensor dx = new_like(g, a, g->t[a].shape, grad_impls[kind].name);
    if (dx < 0)
        return dx;
    hue_tensor in[4] = {G, a, b, n->p.has_bias ? n->in[2] : -1};
    hue_op_params p = n->p;
    p.kind = kind;
    p.alpha = (float)scale;
    hue_tensor r = hue_graph_add_node(g, &grad_impls[kind], n->p.has_bias ? 4 : 3, in, dx, &p);
    if (r >= 0 && kind == GRAD_CE) {
        int64_t C, HW, units;
        hue_loss_geometry(g, a, 1, &C, &HW, &units);
        if (hue_graph_scratch(g, 2 * hue_loss_groups(g, units, NULL) + 1) < 0)
            return g->error;
    }
    return hue_grad_accumulate(g, of, r);
}

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor a = n->in[0], b = n->in[1];
    int64_t C, HW, units;
    hue_loss_geometry(g, a, hue_loss_is_ce(n->p.kind), &C, &HW, &units);
    double inv = 1.0 / (double)units;
    int da = hue_tensor_needs_grad(g, a), db = hue_tensor_needs_grad(g, b);
    switch (n->p.kind) {
    case LOSS_MSE:
        if (da)
            grad_node(g, n, GRAD_MSE, G, a, b, a, 2 * inv);
        if (db)
            grad_node(g, n, GRAD_MSE, G, b, a, b, 2 * inv);
        break;
    case LOSS_BCE:
        if (da)
            grad_node(g, n, GRAD_BCE_X, G, a, b, a, inv);
        if (db)
            grad_node(g, n, GRAD_BCE_T, G, a, b, b, -inv);
        break;
    case LOSS_SOFT:
        if (da)
            grad_node(g, n, GRAD_SOFT_X, G, a, b, a, inv);
        if (db)
            grad_node(g, n, GRAD_SOFT_T, G, a, b, b, inv);
        break;
    default: /* class ids are not differentiable */
        if (n->p.has_bias && hue_tensor_needs_grad(g, n->in[2]))
            return hue_graph_fail(g, HUE_ENOTSUP, "cross_entropy: the class weights %s get no gradient (freeze them)",
                                  g->t[n->in[2]].name);
        if (da)
            grad_node(g, n, GRAD_CE, G, a, b, a, 1.0);
    }
    return g->error;
}

static const hue_op_impl impls[] = {
    {"mse", backward},
    {"bce_with_logits", backward},
    {"cross_entropy", backward},
    {"cross_entropy_soft", backward},
};

/* ---- building ---- */

static int same_shape(const hue_graph *g, hue_tensor a, hue_tensor b)
{
    const hue_tensor_desc *x = &g->t[a], *y = &g->t[b];
    return x->ndim == y->ndim && memcmp(x->shape, y->shape, sizeof x->shape) == 0;
}

static hue_tensor make(hue_graph *g, int kind, int n_in, const hue_tensor *in, const hue_op_params *p)
{
    const char *name = impls[kind].name;
    for (int k = 0; k < n_in; k++) {
        if (!hue_tensor_is_contiguous(g, in[k]))
            return hue_graph_fail(g, HUE_EINVAL, "%s: %s is not contiguous", name, g->t[in[k]].name);
        if (check_int32(g, name, in[k]))
            return g->error;
    }
    int64_t C, HW, units;
    hue_loss_geometry(g, in[0], hue_loss_is_ce(kind), &C, &HW, &units);
    int64_t one[1] = {1};
    hue_tensor y = hue_graph_new_tensor(g, 1, one, name);
    if (y < 0)
        return y;
    hue_graph_add_node(g, &impls[kind], n_in, in, y, p);
    if (hue_graph_scratch(g, 2 * hue_loss_groups(g, units, NULL)) < 0)
        return g->error;
    return y;
}

static hue_tensor elementwise_loss(hue_graph *g, int kind, hue_tensor a, hue_tensor b)
{
    hue_tensor in[2] = {a, b};
    if (hue_graph_check_inputs(g, impls[kind].name, 2, in))
        return g->error;
    if (!same_shape(g, a, b))
        return hue_graph_fail(g, HUE_EINVAL, "%s: %s and %s differ in shape", impls[kind].name, g->t[a].name,
                              g->t[b].name);
    hue_op_params p = {.kind = kind};
    return make(g, kind, 2, in, &p);
}

hue_tensor hue_mse(hue_graph *g, hue_tensor a, hue_tensor b) { return elementwise_loss(g, LOSS_MSE, a, b); }

hue_tensor hue_bce_with_logits(hue_graph *g, hue_tensor logits, hue_tensor target)
{
    return elementwise_loss(g, LOSS_BCE, logits, target);
}

static int check_logits(hue_graph *g, const char *name, hue_tensor logits)
{
    const hue_tensor_desc *d = &g->t[logits];
    if (d->ndim < 2)
        return hue_graph_fail(g, HUE_EINVAL, "%s: logits %s need a class axis ([N, C] or [N, C, H, W]), have %d dimensions",
                              name, d->name, d->ndim);
    return 0;
}

hue_tensor hue_cross_entropy(hue_graph *g, hue_tensor logits, hue_tensor target, hue_tensor weight,
                             int ignore_index)
{
    hue_tensor in[3] = {logits, target, weight};
    int n_in = weight >= 0 ? 3 : 2;
    if (hue_graph_check_inputs(g, "cross_entropy", n_in, in) || check_logits(g, "cross_entropy", logits))
        return g->error;
    const hue_tensor_desc *x = &g->t[logits], *t = &g->t[target];
    int lead = HUE_MAX_DIMS - x->ndim;
    int ok = t->ndim == x->ndim - 1 && t->shape[HUE_MAX_DIMS - t->ndim] == x->shape[lead];
    for (int i = 2; ok && i < x->ndim; i++)
        ok = t->shape[HUE_MAX_DIMS - t->ndim + i - 1] == x->shape[lead + i];
    if (!ok)
        return hue_graph_fail(g, HUE_EINVAL,
                              "cross_entropy: target %s must have the shape of logits %s without the class axis 1",
                              t->name, x->name);
    int64_t C = x->shape[lead + 1];
    if (weight >= 0 && hue_tensor_numel(g, weight) != C)
        return hue_graph_fail(g, HUE_EINVAL, "cross_entropy: weight %s has %lld values for %lld classes",
                              g->t[weight].name, (long long)hue_tensor_numel(g, weight), (long long)C);
    hue_op_params p = {.kind = LOSS_CE, .has_bias = weight >= 0, .ignore_index = ignore_index};
    return make(g, LOSS_CE, n_in, in, &p);
}

hue_tensor hue_cross_entropy_soft(hue_graph *g, hue_tensor logits, hue_tensor target)
{
    hue_tensor in[2] = {logits, target};
    if (hue_graph_check_inputs(g, "cross_entropy_soft", 2, in) || check_logits(g, "cross_entropy_soft", logits))
        return g->error;
    if (!same_shape(g, logits, target))
        return hue_graph_fail(g, HUE_EINVAL, "cross_entropy_soft: target %s differs in shape from logits %s",
                              g->t[target].name, g->t[logits].name);
    hue_op_params p = {.kind = LOSS_SOFT};
    return make(g, LOSS_SOFT, 2, in, &p);
}

/* ---- plain-C references ---- */

static void host_geometry(const hue_host_tensor *x, int64_t *N, int64_t *C, int64_t *HW)
{
    *N = x->shape[0];
    *C = x->shape[1];
    *HW = hue_host_numel(x) / (*N * *C);
}

static double host_lse(const double *x, int64_t C, int64_t HW)
{
    double m = -INFINITY, s = 0;
    for (int64_t c = 0; c < C; c++)
        m = fmax(m, x[c * HW]);
    for (int64_t c = 0; c < C; c++)
        s += exp(x[c * HW] - m);
    return m + log(s);
}

/* The class of a target value, or -1 when ignored, -2 when not a class. */
static int64_t host_class(double v, int64_t C, int ignore_index)
{
    int64_t t = (int64_t)floor(v + 0.5);
    return t == ignore_index ? -1 : t < 0 || t >= C ? -2 : t;
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    int64_t one[1] = {1};
    if (hue_host_alloc(out, 1, one))
        return HUE_ENOMEM;
    const hue_host_tensor *a = &in[0], *b = &in[1];
    double loss = 0, wsum = 0;
    if (p->kind == LOSS_MSE || p->kind == LOSS_BCE) {
        int64_t n = hue_host_numel(a);
        for (int64_t i = 0; i < n; i++) {
            double x = a->data[i], t = b->data[i];
            loss += p->kind == LOSS_MSE ? (x - t) * (x - t) : fmax(x, 0) - x * t + log1p(exp(-fabs(x)));
        }
        out->data[0] = loss / (double)n;
        return 0;
    }
    int64_t N, C, HW;
    host_geometry(a, &N, &C, &HW);
    for (int64_t n = 0; n < N; n++)
        for (int64_t hw = 0; hw < HW; hw++) {
            const double *x = a->data + n * C * HW + hw;
            double lse = host_lse(x, C, HW);
            if (p->kind == LOSS_SOFT) {
                for (int64_t c = 0; c < C; c++)
                    loss += b->data[n * C * HW + hw + c * HW] * (lse - x[c * HW]);
                continue;
            }
            int64_t t = host_class(b->data[n * HW + hw], C, p->ignore_index);
            if (t == -1)
                continue;
            if (t == -2) {
                loss = wsum = NAN;
                continue;
            }
            double w = p->has_bias ? in[2].data[t] : 1;
            loss += w * (lse - x[t * HW]);
            wsum += w;
        }
    out->data[0] = p->kind == LOSS_SOFT ? loss / (double)(N * HW) : wsum == 0 ? 0 : loss / wsum;
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *a = &in[0], *b = &in[1];
    double G = grad_out->data[0];
    for (int k = 0; k < 2; k++)
        if (hue_host_alloc(&grad_in[k], in[k].ndim, in[k].shape))
            return HUE_ENOMEM;
    memset(grad_in[1].data, 0, sizeof(double) * (size_t)hue_host_numel(b));
    if (p->kind == LOSS_MSE || p->kind == LOSS_BCE) {
        int64_t n = hue_host_numel(a);
        for (int64_t i = 0; i < n; i++) {
            double x = a->data[i], t = b->data[i];
            if (p->kind == LOSS_MSE) {
                grad_in[0].data[i] = G * 2 * (x - t) / (double)n;
                grad_in[1].data[i] = -grad_in[0].data[i];
            } else {
                grad_in[0].data[i] = G * (1 / (1 + exp(-x)) - t) / (double)n;
                grad_in[1].data[i] = -G * x / (double)n;
            }
        }
        return 0;
    }
    int64_t N, C, HW;
    host_geometry(a, &N, &C, &HW);
    double wsum = 0;
    if (p->kind == LOSS_CE)
        for (int64_t i = 0; i < N * HW; i++) {
            int64_t t = host_class(b->data[i], C, p->ignore_index);
            wsum += t >= 0 ? (p->has_bias ? in[2].data[t] : 1) : 0;
        }
    for (int64_t n = 0; n < N; n++)
        for (int64_t hw = 0; hw < HW; hw++) {
            int64_t row = n * C * HW + hw;
            const double *x = a->data + row;
            double lse = host_lse(x, C, HW), tsum = 0, s = G;
            int64_t t = -1;
            if (p->kind == LOSS_SOFT) {
                for (int64_t c = 0; c < C; c++)
                    tsum += b->data[row + c * HW];
                s /= (double)(N * HW);
            } else {
                t = host_class(b->data[n * HW + hw], C, p->ignore_index);
                s = t < 0 ? 0 : s * (p->has_bias ? in[2].data[t] : 1) / wsum;
            }
            for (int64_t c = 0; c < C; c++) {
                double prob = exp(x[c * HW] - lse);
                if (p->kind == LOSS_SOFT) {
                    grad_in[0].data[row + c * HW] = s * (prob * tsum - b->data[row + c * HW]);
                    grad_in[1].data[row + c * HW] = s * (lse - x[c * HW]);
                } else {
                    grad_in[0].data[row + c * HW] = s * (prob - (c == t));
                }
            }
        }
    return 0;
}

/* ---- sweep cases ---- */

static void shape_case(hue_op_case *c, int k, int64_t n0, int64_t n1, int64_t n2, int64_t n3, int ndim)
{
    int64_t s[4] = {n0, n1, n2, n3};
    set_case_shape(c, k, ndim, s);
}

/* MSE and BCE: same-shape pairs, size 1, odd, 2-D, large. */
static void pair_case(int i, hue_op_case *c)
{
    static const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {1, 1, 17, 33}, {4, 64, 33, 65}};
    for (int k = 0; k < 2; k++)
        shape_case(c, k, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], i == 2 ? 2 : 4);
    if (i == 2)
        for (int k = 0; k < 2; k++)
            shape_case(c, k, 17, 33, 0, 0, 2);
}

/* Cross-entropy: [N, C] and [N, C, H, W] logits, with and without class
 * weights, ignore_index outside and inside the classes, one class, many
 * classes, a batch where every target is ignored, and a large one. */
static const struct {
    int64_t N, C, H, W;
    int ndim, weighted, ignore_index;
} ce_cases[] = {
    {1, 1, 0, 0, 2, 0, -100},   {5, 3, 0, 0, 2, 0, -100}, {7, 10, 0, 0, 2, 1, -100},  {4, 13, 0, 0, 2, 1, 2},
    {2, 5, 3, 7, 4, 0, -100},   {3, 4, 9, 1, 4, 1, 1},    {1, 3, 0, 0, 2, 1, 0},      {256, 1000, 0, 0, 2, 0, -1},
    {8, 16, 33, 31, 4, 1, -100}, {2, 7, 5, 0, 3, 1, -100},
};

static void ce_case(int i, hue_op_case *c)
{
    int64_t N = ce_cases[i].N, C = ce_cases[i].C, H = ce_cases[i].H, W = ce_cases[i].W;
    int nd = ce_cases[i].ndim;
    int64_t x[4] = {N, C, H, W}, t[3] = {N, H, W}, w[1] = {C};
    set_case_shape(c, 0, nd, x);
    set_case_shape(c, 1, nd - 1, t);
    set_case_shape(c, 2, 1, w);
    c->p.kind = LOSS_CE;
    c->p.has_bias = ce_cases[i].weighted;
    c->p.ignore_index = ce_cases[i].ignore_index;
}

/* Targets become class ids (about one in six is ignore_index when that is
 * not a class; case 6 targets only class 0, its ignore_index); weights
 * become positive. */
static void ce_fill(int k, hue_host_tensor *in, const hue_op_params *p)
{
    int64_t n = hue_host_numel(&in[k]);
    if (k == 1) {
        int64_t C = in[0].shape[1];
        for (int64_t i = 0; i < n; i++) {
            double u = (in[1].data[i] + 4) / 8;  /* inputs are drawn from [-4, 4] */
            int64_t t = (int64_t)(u * (double)C);
            t = t < 0 ? 0 : t >= C ? C - 1 : t;
            if (p->ignore_index < 0 && i % 6 == 5)
                t = p->ignore_index;
            if (p->ignore_index == 0 && C == 3)
                t = 0;
            in[1].data[i] = (double)t;
        }
    } else if (k == 2) {
        for (int64_t i = 0; i < n; i++)
            in[2].data[i] = 0.25 + (in[2].data[i] + 4) / 4;
    }
}

static void soft_case(int i, hue_op_case *c)
{
    static const int64_t shapes[][4] = {{1, 1, 0, 0}, {6, 5, 0, 0}, {2, 4, 3, 5}, {64, 313, 0, 0}, {4, 16, 31, 33}};
    int nd = shapes[i][2] ? 4 : 2;
    for (int k = 0; k < 2; k++)
        shape_case(c, k, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], nd);
    c->p.kind = LOSS_SOFT;
}

/* Soft targets become probabilities along the class axis (in a few rows,
 * sums other than 1: the loss is defined for those too). */
static void soft_fill(int k, hue_host_tensor *in, const hue_op_params *p)
{
    (void)p;
    if (k != 1)
        return;
    int64_t N, C, HW;
    host_geometry(&in[1], &N, &C, &HW);
    for (int64_t n = 0; n < N; n++)
        for (int64_t hw = 0; hw < HW; hw++) {
            double *t = in[1].data + n * C * HW + hw, s = 0;
            for (int64_t c = 0; c < C; c++)
                s += t[c * HW] = exp(t[c * HW]);
            double norm = (n * HW + hw) % 7 == 3 ? 0.5 * s : s;
            for (int64_t c = 0; c < C; c++)
                t[c * HW] /= norm;
        }
}

/* BCE targets in [0, 1]. */
static void bce_fill(int k, hue_host_tensor *in, const hue_op_params *p)
{
    (void)p;
    if (k == 1)
        for (int64_t i = 0; i < hue_host_numel(&in[1]); i++)
            in[1].data[i] = (in[1].data[i] + 4) / 8;
}

static void mse_case(int i, hue_op_case *c) { pair_case(i, c); c->p.kind = LOSS_MSE; }
static void bce_case(int i, hue_op_case *c) { pair_case(i, c); c->p.kind = LOSS_BCE; }

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    switch (p->kind) {
    case LOSS_MSE: return hue_mse(g, in[0], in[1]);
    case LOSS_BCE: return hue_bce_with_logits(g, in[0], in[1]);
    case LOSS_SOFT: return hue_cross_entropy_soft(g, in[0], in[1]);
    default: return hue_cross_entropy(g, in[0], in[1], p->has_bias ? in[2] : -1, p->ignore_index);
    }
}

/* Gradients of a mean are about 1/count each: bounds far below that. */
const hue_op_entry hue_op_mse = {.name = "mse", .n_in = 2, .n_cases = 4, .make_case = mse_case, .build = build,
                                 .reference = reference, .input_lo = -2, .input_hi = 2, .tolerance = 1e-5,
                                 .grad_mask = 3, .reference_backward = reference_backward, .grad_tolerance = 1e-7};
const hue_op_entry hue_op_bce_with_logits = {.name = "bce_with_logits", .n_in = 2, .n_cases = 4,
                                             .make_case = bce_case, .build = build, .reference = reference,
                                             .input_lo = -4, .input_hi = 4, .tolerance = 1e-5, .grad_mask = 3,
                                             .reference_backward = reference_backward, .grad_tolerance = 1e-7,
                                             .fill_input = bce_fill};
const hue_op_entry hue_op_cross_entropy = {.name = "cross_entropy", .n_in = 3, .n_cases = 10, .make_case = ce_case,
                                           .build = build, .reference = reference, .input_lo = -4, .input_hi = 4,
                                           .tolerance = 1e-5, .grad_mask = 1, .reference_backward = reference_backward,
                                           .grad_tolerance = 1e-7, .fill_input = ce_fill};
const hue_op_entry hue_op_cross_entropy_soft = {.name = "cross_entropy_soft", .n_in = 2, .n_cases = 5,
                                                .make_case = soft_case, .build = build, .reference = reference,
                                                .input_lo = -4, .input_hi = 4, .tolerance = 1e-5, .grad_mask = 3,
                                                .reference_backward = reference_backward, .grad_tolerance = 2e-7,
                                                .fill_input = soft_fill};  /* 1.07e-7 seen in 1 of 40 draws */
