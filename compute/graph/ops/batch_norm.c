/* Batch normalisation over axis 1 of x [N, C, ...], as PyTorch's BatchNorm,
 * optionally fused with the ReLU that usually follows it.
 *
 * The forward is two nodes: batch_norm_stats writes stats [4, C] = (mean,
 * 1/std, scale, shift), from the batch in training (and moves the running
 * statistics in place) or from the running statistics in eval; then
 * batch_norm applies y = x scale + shift (then max(y, 0) when fused). The
 * backward of that second node is the whole gradient: batch_norm_grad_stats
 * sums G and G (x - mean) per channel (G masked by y > 0 when fused) into
 * coef [5, C] = (k1, k2, k3, dgamma, dbeta), and batch_norm_dx writes
 * dx = k1 G + k2 x + k3 (training: the batch statistics' own dependence on
 * x included; eval: k2 = k3 = 0). dgamma and dbeta are views of coef's
 * rows, so they cost no copy. Four dispatches per layer and step, each one
 * pass over x (and G). */
#include "batch_norm_internal.h"
#include "op_common.h"

/* x as [N, C, HW]. */
static void dims(const hue_graph *g, hue_tensor x, int64_t *N, int64_t *C, int64_t *HW)
{
    *N = hue_tensor_dim(g, x, 0);
    *C = hue_tensor_dim(g, x, 1);
    *HW = hue_tensor_numel(g, x) / (*N * *C);
}

static const hue_op_impl stats_impl = {"batch_norm_stats", NULL};
static const hue_op_impl grad_stats_impl = {"batch_norm_grad_stats", NULL};
static const hue_op_impl dx_impl = {"batch_norm_dx", NULL};
static const hue_op_impl row_impl = {"batch_norm_grad_row", NULL};

/* Row `row` of coef [5, C] as a [C] tensor sharing its bytes. */
static hue_tensor row_view(hue_graph *g, hue_tensor coef, int row)
{
    int64_t C = hue_tensor_dim(g, coef, 1);
    hue_tensor v = hue_graph_new_tensor(g, 1, &C, row == 3 ? "batch_norm_dgamma" : "batch_norm_dbeta");
    if (v < 0)
        return v;
    g->t[v].base = g->t[coef].base;
    g->t[v].offset = g->t[coef].offset + row * C;
    return hue_graph_add_node(g, &row_impl, 1, &coef, v, NULL);
}

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor x = n->in[0];
    int affine = n->p.kind & BN_AFFINE;
    int dgamma = affine && hue_tensor_needs_grad(g, n->in[2]), dbeta = affine && hue_tensor_needs_grad(g, n->in[3]);
    int64_t N, C, HW, shape[2];
    dims(g, x, &N, &C, &HW);
    shape[0] = 5, shape[1] = C;
    hue_tensor coef = hue_graph_new_tensor(g, 2, shape, "batch_norm_grad_stats");
    if (coef < 0)
        return coef;
    /* fused with ReLU, the output y masks G */
    int n_in = n->p.kind & BN_RELU ? 4 : 3;
    hue_tensor in[4] = {G, x, n->in[1], n->out};
    if (hue_graph_add_node(g, &grad_stats_impl, n_in, in, coef, &n->p) < 0)
        return g->error;
    if (hue_tensor_needs_grad(g, x)) {
        hue_tensor dx = new_like(g, x, g->t[x].shape, "batch_norm_dx");
        in[2] = coef;
        if (dx < 0 || hue_grad_accumulate(g, x, hue_graph_add_node(g, &dx_impl, n_in, in, dx, &n->p)))
            return g->error;
    }
    if (dgamma)
        hue_grad_accumulate(g, n->in[2], row_view(g, coef, 3));
    if (dbeta)
        hue_grad_accumulate(g, n->in[3], row_view(g, coef, 4));
    return g->error;
}

static const hue_op_impl apply_impls[] = {{"batch_norm", backward}, {"batch_norm_relu", backward}};

/* ---- building ---- */

static int check_channels(hue_graph *g, hue_tensor t, int64_t C, const char *what, const char *xname)
{
    if (hue_tensor_numel(g, t) != C)
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm: %s %s has %lld values for the %lld channels of %s", what,
                              g->t[t].name, (long long)hue_tensor_numel(g, t), (long long)C, xname);
    if (!hue_tensor_is_contiguous(g, t))
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm: %s %s is not contiguous", what, g->t[t].name);
    return 0;
}

static hue_tensor batch_norm(hue_graph *g, hue_tensor x, hue_tensor gamma, hue_tensor beta, hue_tensor running_mean,
                             hue_tensor running_var, int training, float momentum, float eps, int relu)
{
    if (hue_graph_check_inputs(g, "batch_norm", 1, &x))
        return g->error;
    const char *xn = g->t[x].name;
    hue_tensor opt[4] = {gamma, beta, running_mean, running_var};
    static const char *const what[4] = {"gamma", "beta", "running_mean", "running_var"};
    for (int k = 0; k < 4; k++)
        if (opt[k] >= 0 && hue_graph_check_inputs(g, "batch_norm", 1, &opt[k]))
            return g->error;
    if (g->t[x].ndim < 2)
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm: %s has %d dimension(s) (needs [N, C, ...])", xn,
                              g->t[x].ndim);
    if (!hue_tensor_is_contiguous(g, x))
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm: %s is not contiguous", xn);
    if ((gamma < 0) != (beta < 0))
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm on %s: give both gamma and beta, or neither", xn);
    if ((running_mean < 0) != (running_var < 0))
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm on %s: give both running_mean and running_var, or neither",
                              xn);
    if (!training && running_mean < 0)
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm on %s: eval mode needs running_mean and running_var", xn);
    int64_t N, C, HW;
    dims(g, x, &N, &C, &HW);
    for (int k = 0; k < 4; k++)
        if (opt[k] >= 0 && check_channels(g, opt[k], C, what[k], xn))
            return g->error;
    if (training) {
        for (int k = 2; k < 4; k++)
            if (opt[k] >= 0 && g->t[g->t[opt[k]].base].role != HUE_ROLE_STATE)
                return hue_graph_fail(g, HUE_EINVAL,
                                      "batch_norm: %s %s must be a state tensor (hue_graph_state): training "
                                      "updates it in place",
                                      what[k], g->t[opt[k]].name);
        if (N * HW < 2)
            return hue_graph_fail(g, HUE_EINVAL,
                                  "batch_norm: training needs more than one value per channel (%s has %lld)", xn,
                                  (long long)(N * HW));
    }
    if (!(momentum >= 0 && momentum <= 1))
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm on %s: momentum %g (needs 0 <= momentum <= 1)", xn, momentum);
    if (!(eps > 0) || isinf(eps))
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm on %s: eps %g (needs a finite value > 0)", xn, eps);
    if (C > g->ctx->info.max_workgroup_count[0])
        return hue_graph_fail(g, HUE_ELIMIT, "batch_norm: %s has %lld channels, more than the device's grid (%u)", xn,
                              (long long)C, g->ctx->info.max_workgroup_count[0]);
    if (check_int32(g, "batch_norm", x))
        return g->error;
    hue_op_params p = {.kind = (training ? BN_TRAIN : 0) | (gamma >= 0 ? BN_AFFINE : 0) |
                               (running_mean >= 0 ? BN_RUNNING : 0) | (relu ? BN_RELU : 0),
                       .eps = eps, .momentum = momentum};
    int64_t sshape[2] = {4, C};
    hue_tensor stats = hue_graph_new_tensor(g, 2, sshape, "batch_norm_stats");
    if (stats < 0)
        return stats;
    hue_tensor in[5] = {x, gamma >= 0 ? gamma : x, beta >= 0 ? beta : x, running_mean >= 0 ? running_mean : x,
                        running_var >= 0 ? running_var : x};
    if (hue_graph_add_node(g, &stats_impl, 5, in, stats, &p) < 0)
        return g->error;
    hue_tensor y = new_like(g, x, g->t[x].shape, apply_impls[relu].name);
    if (y < 0)
        return y;
    hue_tensor ain[4] = {x, stats, gamma, beta};
    return hue_graph_add_node(g, &apply_impls[relu], gamma >= 0 ? 4 : 2, ain, y, &p);
}

hue_tensor hue_batch_norm(hue_graph *g, hue_tensor x, hue_tensor gamma, hue_tensor beta, hue_tensor running_mean,
                          hue_tensor running_var, int training, float momentum, float eps)
{
    return batch_norm(g, x, gamma, beta, running_mean, running_var, training, momentum, eps, 0);
}

hue_tensor hue_batch_norm_relu(hue_graph *g, hue_tensor x, hue_tensor gamma, hue_tensor beta,
                               hue_tensor running_mean, hue_tensor running_var, int training, float momentum,
                               float eps)
{
    return batch_norm(g, x, gamma, beta, running_mean, running_var, training, momentum, eps, 1);
}

/* ---- plain-C reference ---- */

/* Per channel: mean and 1/std, from the batch or the running statistics. */
static int host_stats(const hue_host_tensor *in, const hue_op_params *p, double **mean, double **inv)
{
    const hue_host_tensor *x = &in[0];
    int64_t N = x->shape[0], C = x->shape[1], HW = hue_host_numel(x) / (N * C);
    *mean = calloc((size_t)C, sizeof **mean);
    *inv = calloc((size_t)C, sizeof **inv);
    if (!*mean || !*inv)
        return HUE_ENOMEM;
    for (int64_t c = 0; c < C; c++) {
        double m = 0, v = 0;
        if (p->kind & BN_TRAIN) {
            for (int64_t n = 0; n < N; n++)
                for (int64_t i = 0; i < HW; i++)
                    m += x->data[(n * C + c) * HW + i];
            m /= (double)(N * HW);
            for (int64_t n = 0; n < N; n++)
                for (int64_t i = 0; i < HW; i++) {
                    double d = x->data[(n * C + c) * HW + i] - m;
                    v += d * d;
                }
            v /= (double)(N * HW);
        } else {
            m = in[3].data[c];
            v = in[4].data[c];
        }
        (*mean)[c] = m;
        (*inv)[c] = 1 / sqrt(v + p->eps);
    }
    return 0;
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0];
    int64_t N = x->shape[0], C = x->shape[1], HW = hue_host_numel(x) / (N * C);
    double *mean = NULL, *inv = NULL;
    int rc = host_stats(in, p, &mean, &inv);
    if (rc == 0 && (rc = hue_host_alloc(out, x->ndim, x->shape)) == 0)
        for (int64_t n = 0; n < N; n++)
            for (int64_t c = 0; c < C; c++)
                for (int64_t i = 0; i < HW; i++) {
                    int64_t e = (n * C + c) * HW + i;
                    double y = (x->data[e] - mean[c]) * inv[c] * in[1].data[c] + in[2].data[c];
                    out->data[e] = p->kind & BN_RELU && y < 0 ? 0 : y;
                }
    free(mean), free(inv);
    return rc;
}

/* Training: dx = gamma/std (G - mean(G) - xhat mean(G xhat)); eval:
 * dx = gamma/std G; both: dgamma = sum G xhat, dbeta = sum G. Fused with
 * ReLU, G is first zeroed where the output is not positive. */
static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0];
    int64_t N = x->shape[0], C = x->shape[1], HW = hue_host_numel(x) / (N * C);
    double M = (double)(N * HW), *mean = NULL, *inv = NULL;
    hue_host_tensor y = {0};
    int rc = host_stats(in, p, &mean, &inv);
    if (rc == 0)
        rc = reference(in, p, &y);
    double *G = y.data;  /* G, masked in place of y */
    for (int64_t e = 0; rc == 0 && e < N * C * HW; e++)
        G[e] = p->kind & BN_RELU && !(y.data[e] > 0) ? 0 : grad_out->data[e];
    for (int k = 0; k < 3 && rc == 0; k++)
        rc = hue_host_alloc(&grad_in[k], in[k].ndim, in[k].shape);
    for (int64_t c = 0; c < C && rc == 0; c++) {
        double sg = 0, sgx = 0;
        for (int64_t n = 0; n < N; n++)
            for (int64_t i = 0; i < HW; i++) {
                int64_t e = (n * C + c) * HW + i;
                sg += G[e];
                sgx += G[e] * (x->data[e] - mean[c]) * inv[c];
            }
        grad_in[1].data[c] = sgx;
        grad_in[2].data[c] = sg;
        for (int64_t n = 0; n < N; n++)
            for (int64_t i = 0; i < HW; i++) {
                int64_t e = (n * C + c) * HW + i;
                double xhat = (x->data[e] - mean[c]) * inv[c], k = in[1].data[c] * inv[c];
                grad_in[0].data[e] = p->kind & BN_TRAIN ? k * (G[e] - sg / M - xhat * sgx / M) : k * G[e];
            }
    }
    free(mean), free(inv), free(y.data);
    return rc;
}

/* ---- sweep cases ---- */

/* [N, C] (the flat path), odd planes (scalar fetches), planes of whole
 * vec4s, planes smaller than a workgroup (flat, stepping across planes),
 * N = 1, H = 1, and a large one. */
static const int64_t bn_shapes[][4] = {{2, 1, 0, 0},  {4, 3, 0, 0},   {2, 3, 5, 7},     {1, 5, 4, 4}, {3, 8, 9, 16},
                                       {7, 2, 1, 33}, {64, 33, 0, 0}, {16, 64, 32, 32}, {5, 7, 1, 3}};

static void make_case(int i, hue_op_case *c, int n_in)
{
    int nd = bn_shapes[i][2] ? 4 : 2;
    set_case_shape(c, 0, nd, bn_shapes[i]);
    int64_t ch[1] = {bn_shapes[i][1]};
    for (int k = 1; k < n_in; k++)
        set_case_shape(c, k, 1, ch);
    c->p.eps = 1e-5f;
    c->p.momentum = 0.1f;
    c->p.kind = BN_AFFINE | BN_RUNNING;
}

static void train_case(int i, hue_op_case *c)
{
    make_case(i, c, 3);
    c->p.kind |= BN_TRAIN;
}

static void eval_case(int i, hue_op_case *c)
{
    make_case(i, c, 5);
    if (i == 0)  /* eval takes a single value per channel */
        c->shape[0][0] = 1;
}

/* Fused with ReLU: training on even cases, eval on odd ones (the running
 * statistics operands are unused in training). */
static void relu_case(int i, hue_op_case *c)
{
    make_case(i, c, 5);
    c->p.kind |= BN_RELU | (i % 2 == 0 ? BN_TRAIN : 0);
}

/* Training builds its own running statistics (state); eval takes them as operands. */
static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    hue_tensor rm = in[3], rv = in[4];
    if (p->kind & BN_TRAIN) {
        int64_t C = hue_tensor_dim(g, in[0], 1);
        rm = hue_graph_state(g, "running_mean", 1, &C);
        rv = hue_graph_state(g, "running_var", 1, &C);
    }
    return batch_norm(g, in[0], in[1], in[2], rm, rv, p->kind & BN_TRAIN, p->momentum, p->eps, !!(p->kind & BN_RELU));
}

/* Running variances are positive. */
static void eval_fill(int k, hue_host_tensor *in, const hue_op_params *p)
{
    (void)p;
    if (k == 4)
        for (int64_t i = 0; i < hue_host_numel(&in[4]); i++)
            in[4].data[i] = 0.1 + fabs(in[4].data[i]);
}

const hue_op_entry hue_op_batch_norm = {.name = "batch_norm", .n_in = 3, .n_cases = 9, .make_case = train_case,
                                        .build = build, .reference = reference, .input_lo = -2, .input_hi = 2,
                                        .tolerance = 1e-5, .grad_mask = 7, .reference_backward = reference_backward,
                                        .grad_tolerance = 1e-5};
const hue_op_entry hue_op_batch_norm_eval = {.name = "batch_norm_eval", .n_in = 5, .n_cases = 9,
                                             .make_case = eval_case, .build = build, .reference = reference,
                                             .input_lo = -2, .input_hi = 2, .tolerance = 1e-5, .grad_mask = 7,
                                             .reference_backward = reference_backward, .grad_tolerance = 1e-5,
                                             .fill_input = eval_fill};
const hue_op_entry hue_op_batch_norm_relu = {.name = "batch_norm_relu", .n_in = 5, .n_cases = 9,
                                             .make_case = relu_case, .build = build, .reference = reference,
                                             .input_lo = -2, .input_hi = 2, .tolerance = 1e-5, .grad_mask = 7,
                                             .reference_backward = reference_backward, .grad_tolerance = 1e-5,
                                             .fill_input = eval_fill};
