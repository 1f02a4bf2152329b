/* InfoNCE (van den Oord et al. 2018), the loss every contrastive method
 * uses: queries q [N, D] and keys k [K, D], both L2-normalised, logits
 * l_ij = q_i . k_j / tau, and cross-entropy with the positive key pos[i] of
 * each query, averaged over the queries.
 *
 * The builder normalises q and k with l2_normalize (unless the caller says
 * they are normalised already), then adds one fused node, info_nce, whose
 * output is each query's loss lse_i - l_i,pos; the mean is a reduce_mean.
 * The N x K logits are never stored: every kernel recomputes the dot
 * products it needs (the node is O(N K D) like the matrix product it
 * replaces, and N x K floats would be the largest tensor of a MoCo step).
 * The backward adds info_nce_lse (each row's log-sum-exp, from the row's
 * loss and its positive logit) and two gradient nodes:
 *   dq_i = G_i / tau (sum_j p_ij k_j - k_pos[i])
 *   dk_j = 1 / tau (sum_i G_i p_ij q_i - sum_{i: pos[i] = j} G_i q_i)
 * with p_ij = exp(l_ij - lse_i).
 *
 * HUE_INFO_NCE_EXCLUDE_SELF (SimCLR's NT-Xent, keys = queries): the key
 * j = i is left out of row i's softmax. A positive that is not a key (out
 * of range, or the query itself under EXCLUDE_SELF) makes the row's loss
 * NaN, so a bad index never passes silently (as cross_entropy's ids). */
#include <stdlib.h>
#include <string.h>

#include "hue_ops_nn.h"
#include "info_nce_internal.h"
#include "op_common.h"

static const hue_op_impl lse_impl = {"info_nce_lse", NULL};
static const hue_op_impl grad_q_impl = {"info_nce_grad_q", NULL};
static const hue_op_impl grad_k_impl = {"info_nce_grad_k", NULL};

/* One gradient node over {G, q, k, pos, lse}, shaped like `like` (its
 * rows); `others` rows on the other side. Device kernels that split the
 * other side in blocks keep each block's sum in the node's scratch. */
static hue_tensor grad_node(hue_graph *g, const hue_op_impl *impl, const hue_tensor *in, hue_tensor like,
                            int64_t others, const hue_op_params *p)
{
    hue_tensor d = new_like(g, like, g->t[like].shape, impl->name);
    if (d < 0)
        return d;
    hue_tensor r = hue_graph_add_node(g, impl, 5, in, d, p);
    int64_t D = g->t[like].shape[3], rows = g->t[like].shape[2];
    int64_t blocks = hue_info_nce_blocks(others, hue_info_nce_other_block(hue_graph_local_size(g), D));
    if (r >= 0 && blocks > 1 && hue_graph_scratch(g, blocks * rows * D) < 0)
        return g->error;
    return r;
}

static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    /* copies: adding nodes may move the array n points into */
    hue_tensor q = n->in[0], k = n->in[1], pos = n->in[2], rows = n->out;
    hue_op_params p = n->p;
    int dq = hue_tensor_needs_grad(g, q), dk = hue_tensor_needs_grad(g, k);
    if (!dq && !dk)
        return 0;
    hue_tensor lse = new_like(g, rows, g->t[rows].shape, "info_nce_lse");
    if (lse < 0)
        return lse;
    hue_tensor lin[4] = {q, k, pos, rows};
    if (hue_graph_add_node(g, &lse_impl, 4, lin, lse, &p) < 0)
        return g->error;
    hue_tensor in[5] = {G, q, k, pos, lse};
    int64_t N = g->t[q].shape[2], K = g->t[k].shape[2];
    if (dq)
        hue_grad_accumulate(g, q, grad_node(g, &grad_q_impl, in, q, K, &p));
    if (dk)
        hue_grad_accumulate(g, k, grad_node(g, &grad_k_impl, in, k, N, &p));
    return g->error;
}

static const hue_op_impl impl = {"info_nce", backward};

static int check_matrix(hue_graph *g, hue_tensor t, const char *role)
{
    const hue_tensor_desc *d = &g->t[t];
    if (d->ndim != 2)
        return hue_graph_fail(g, HUE_EINVAL, "info_nce: %s %s must be [rows, D], has %d dimensions", role, d->name,
                              d->ndim);
    if (!hue_tensor_is_contiguous(g, t))
        return hue_graph_fail(g, HUE_EINVAL, "info_nce: %s %s is not contiguous", role, d->name);
    return check_int32(g, "info_nce", t);
}

hue_tensor hue_info_nce_rows(hue_graph *g, hue_tensor q, hue_tensor k, hue_tensor positive, float tau, int flags)
{
    hue_tensor in[3] = {q, k, positive};
    if (hue_graph_check_inputs(g, "info_nce", 3, in))
        return g->error;
    if (!(tau > 0) || isinf(tau))
        return hue_graph_fail(g, HUE_EINVAL, "info_nce: temperature %g (needs a finite value > 0)", tau);
    if (flags & ~(HUE_INFO_NCE_EXCLUDE_SELF | HUE_INFO_NCE_NORMALIZED))
        return hue_graph_fail(g, HUE_EINVAL, "info_nce: unknown flags 0x%x", (unsigned)flags);
    if (check_matrix(g, q, "queries") || check_matrix(g, k, "keys"))
        return g->error;
    const hue_tensor_desc *dq = &g->t[q], *dk = &g->t[k], *dp = &g->t[positive];
    int64_t N = dq->shape[2], D = dq->shape[3], K = dk->shape[2];
    if (dk->shape[3] != D)
        return hue_graph_fail(g, HUE_EINVAL, "info_nce: queries %s have %lld values each, keys %s %lld", dq->name,
                              (long long)D, dk->name, (long long)dk->shape[3]);
    if (D > HUE_INFO_NCE_MAX_D)
        return hue_graph_fail(g, HUE_EINVAL, "info_nce: %s has %lld values per row, at most %d", dq->name,
                              (long long)D, HUE_INFO_NCE_MAX_D);
    if ((flags & HUE_INFO_NCE_EXCLUDE_SELF) && k != q)
        return hue_graph_fail(g, HUE_EINVAL, "info_nce: leaving out each query's own key needs keys = queries (%s, %s)",
                              dq->name, dk->name);
    if (dp->ndim != 1 || dp->shape[3] != N || !hue_tensor_is_contiguous(g, positive))
        return hue_graph_fail(g, HUE_EINVAL, "info_nce: positives %s must be [%lld], one key index per query",
                              dp->name, (long long)N);
    int64_t shape[1] = {N};  /* dq, dk, dp point into g->t, which the next line may move */
    hue_tensor y = hue_graph_new_tensor(g, 1, shape, "info_nce");
    if (y < 0)
        return y;
    hue_op_params p = {.kind = flags & HUE_INFO_NCE_EXCLUDE_SELF, .temperature = tau};
    if (hue_graph_add_node(g, &impl, 3, in, y, &p) < 0)
        return g->error;
    /* each (row, key block) pair's running max and sum, for device kernels */
    int64_t blocks = hue_info_nce_blocks(K, hue_info_nce_key_block(hue_graph_local_size(g), D));
    if (hue_graph_scratch(g, 2 * N * blocks) < 0)
        return g->error;
    return y;
}

hue_tensor hue_info_nce(hue_graph *g, hue_tensor q, hue_tensor k, hue_tensor positive, float tau, int flags)
{
    if (!(flags & HUE_INFO_NCE_NORMALIZED)) {
        int same = k == q;
        q = hue_l2_normalize(g, q, 1, 1e-12f);
        k = same ? q : hue_l2_normalize(g, k, 1, 1e-12f);
    }
    hue_tensor rows = hue_info_nce_rows(g, q, k, positive, tau, flags);
    if (rows < 0)
        return rows;
    return hue_reduce(g, HUE_REDUCE_MEAN, rows, 1u);
}

/* ---- plain-C reference (in double, including the normalisation) ---- */

static void host_normalize(const double *x, double *u, double *norm, int64_t rows, int64_t D)
{
    for (int64_t r = 0; r < rows; r++) {
        double ss = 0;
        for (int64_t d = 0; d < D; d++)
            ss += x[r * D + d] * x[r * D + d];
        norm[r] = sqrt(ss);
        double n = fmax(norm[r], 1e-12);
        for (int64_t d = 0; d < D; d++)
            u[r * D + d] = x[r * D + d] / n;
    }
}

typedef struct {
    int64_t N, K, D;
    int self;
    double tau;
    double *q, *k;           /* normalised (or as given) */
    double *qn, *kn;         /* the rows' norms */
    const double *raw_q, *raw_k;
} host_problem;

/* The case's operands: in[0] queries, in[1] keys (in[0] again under
 * EXCLUDE_SELF), in[2] positives; p.alpha != 0 marks inputs normalised by
 * the caller (the sweep's HUE_INFO_NCE_NORMALIZED cases). */
static int host_setup(const hue_host_tensor *in, const hue_op_params *p, host_problem *h)
{
    const hue_host_tensor *k = p->kind ? &in[0] : &in[1];
    h->N = in[0].shape[0], h->D = in[0].shape[1], h->K = k->shape[0];
    h->self = p->kind, h->tau = p->temperature;
    h->raw_q = in[0].data, h->raw_k = k->data;
    size_t nq = (size_t)(h->N * h->D), nk = (size_t)(h->K * h->D);
    h->q = malloc(nq * sizeof(double)), h->k = malloc(nk * sizeof(double));
    h->qn = malloc((size_t)h->N * sizeof(double)), h->kn = malloc((size_t)h->K * sizeof(double));
    if (!h->q || !h->k || !h->qn || !h->kn)
        return HUE_ENOMEM;
    if (p->alpha != 0) {
        memcpy(h->q, h->raw_q, nq * sizeof(double));
        memcpy(h->k, h->raw_k, nk * sizeof(double));
    } else {
        host_normalize(h->raw_q, h->q, h->qn, h->N, h->D);
        host_normalize(h->raw_k, h->k, h->kn, h->K, h->D);
    }
    return 0;
}

static void host_free(host_problem *h) { free(h->q), free(h->k), free(h->qn), free(h->kn); }

static double host_logit(const host_problem *h, int64_t i, int64_t j)
{
    double s = 0;
    for (int64_t d = 0; d < h->D; d++)
        s += h->q[i * h->D + d] * h->k[j * h->D + d];
    return s / h->tau;
}

/* Row i's positive key, or -1 when it is not a key. */
static int64_t host_positive(const host_problem *h, const double *pos, int64_t i)
{
    int64_t t = (int64_t)floor(pos[i] + 0.5);
    return t < 0 || t >= h->K || (h->self && t == i) ? -1 : t;
}

static double host_lse(const host_problem *h, int64_t i)
{
    double m = -INFINITY, s = 0;
    for (int64_t j = 0; j < h->K; j++)
        if (!(h->self && j == i))
            m = fmax(m, host_logit(h, i, j));
    for (int64_t j = 0; j < h->K; j++)
        if (!(h->self && j == i))
            s += exp(host_logit(h, i, j) - m);
    return m + log(s);
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    int64_t one[1] = {1};
    host_problem h = {0};
    if (hue_host_alloc(out, 1, one) || host_setup(in, p, &h)) {
        host_free(&h);
        return HUE_ENOMEM;
    }
    double loss = 0;
    for (int64_t i = 0; i < h.N; i++) {
        int64_t t = host_positive(&h, in[2].data, i);
        loss += t < 0 ? NAN : host_lse(&h, i) - host_logit(&h, i, t);
    }
    out->data[0] = loss / (double)h.N;
    host_free(&h);
    return 0;
}

/* d/dx of u = x / max(||x||, eps), applied to the gradient gu of u, row by row. */
static void host_normalize_backward(const double *x, const double *norm, double *g, int64_t rows, int64_t D)
{
    for (int64_t r = 0; r < rows; r++) {
        double n = norm[r], ug = 0;
        if (!(n > 1e-12)) {
            for (int64_t d = 0; d < D; d++)
                g[r * D + d] /= 1e-12;
            continue;
        }
        for (int64_t d = 0; d < D; d++)
            ug += x[r * D + d] / n * g[r * D + d];
        for (int64_t d = 0; d < D; d++)
            g[r * D + d] = (g[r * D + d] - x[r * D + d] / n * ug) / n;
    }
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    host_problem h = {0};
    if (host_setup(in, p, &h) || hue_host_alloc(&grad_in[0], in[0].ndim, in[0].shape) ||
        hue_host_alloc(&grad_in[1], in[1].ndim, in[1].shape)) {
        host_free(&h);
        return HUE_ENOMEM;
    }
    int64_t N = h.N, K = h.K, D = h.D;
    double *gq = grad_in[0].data, *gk = p->kind ? calloc((size_t)(K * D), sizeof(double)) : grad_in[1].data;
    if (!gk) {
        host_free(&h);
        return HUE_ENOMEM;
    }
    memset(gq, 0, sizeof(double) * (size_t)(N * D));
    memset(grad_in[1].data, 0, sizeof(double) * (size_t)hue_host_numel(&in[1]));
    double s = grad_out->data[0] / (double)N / h.tau;
    for (int64_t i = 0; i < N; i++) {
        int64_t t = host_positive(&h, in[2].data, i);
        double lse = t < 0 ? NAN : host_lse(&h, i);
        for (int64_t j = 0; j < K; j++) {
            if (h.self && j == i)
                continue;
            double w = s * (exp(host_logit(&h, i, j) - lse) - (j == t));
            for (int64_t d = 0; d < D; d++) {
                gq[i * D + d] += w * h.k[j * D + d];
                gk[j * D + d] += w * h.q[i * D + d];
            }
        }
    }
    if (p->alpha == 0) {
        host_normalize_backward(h.raw_q, h.qn, gq, N, D);
        host_normalize_backward(h.raw_k, h.kn, gk, K, D);
    }
    if (p->kind) { /* keys are the queries: both gradients land on in[0] */
        for (int64_t e = 0; e < N * D; e++)
            gq[e] += gk[e];
        free(gk);
    }
    host_free(&h);
    return 0;
}

/* ---- sweep cases ---- */

/* N queries, K keys of D values, tau, EXCLUDE_SELF, normalised by the
 * caller. Case 7 is MoCo's shape (4096 queued keys and the batch's own),
 * more keys than one device workgroup takes, so its partial sums merge;
 * case 9 has more queries than a key-gradient block and rows longer than
 * one pass of a workgroup's lanes. */
static const struct {
    int64_t N, K, D;
    float tau;
    int self, normalized;
} cases[] = {
    {1, 1, 1, 1.0f, 0, 0},        {5, 7, 3, 0.5f, 0, 0},      {8, 8, 16, 0.5f, 1, 0},  {16, 216, 32, 0.07f, 0, 0},
    {6, 9, 4, 0.2f, 0, 1},        {2, 2, 5, 0.1f, 1, 0},      {33, 65, 130, 0.2f, 0, 0},
    {64, 4160, 128, 0.07f, 0, 0}, {256, 256, 128, 0.5f, 1, 0}, {100, 50, 600, 0.1f, 0, 0},
};

static void make_case(int i, hue_op_case *c)
{
    int64_t q[2] = {cases[i].N, cases[i].D}, k[2] = {cases[i].K, cases[i].D}, pos[1] = {cases[i].N};
    int64_t unused[2] = {1, 1};
    set_case_shape(c, 0, 2, q);
    set_case_shape(c, 1, 2, cases[i].self ? unused : k);
    set_case_shape(c, 2, 1, pos);
    c->p.kind = cases[i].self;
    c->p.temperature = cases[i].tau;
    c->p.alpha = (float)cases[i].normalized;
}

/* Positives: under EXCLUDE_SELF the other view of a pair (i + N/2 mod N, as
 * SimCLR's 2N batch); else a key drawn from the random value (MoCo's
 * layout, positive i among K keys, is one such draw). Caller-normalised
 * cases get unit rows. */
static void fill(int k, hue_host_tensor *in, const hue_op_params *p)
{
    if (k == 2) {
        int64_t N = in[0].shape[0], K = p->kind ? N : in[1].shape[0];
        for (int64_t i = 0; i < N; i++) {
            int64_t t = (int64_t)((in[2].data[i] + 1) / 2 * (double)K);
            t = t < 0 ? 0 : t >= K ? K - 1 : t;
            in[2].data[i] = (double)(p->kind ? (i + N / 2) % N : t);
        }
    } else if (p->alpha != 0) {
        int64_t D = in[k].shape[1], rows = hue_host_numel(&in[k]) / D;
        double *norm = malloc((size_t)rows * sizeof(double));
        if (norm)
            host_normalize(in[k].data, in[k].data, norm, rows, D);
        free(norm);
    }
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    int flags = (p->kind ? HUE_INFO_NCE_EXCLUDE_SELF : 0) | (p->alpha != 0 ? HUE_INFO_NCE_NORMALIZED : 0);
    return hue_info_nce(g, in[0], p->kind ? in[0] : in[1], in[2], p->temperature, flags);
}

/* Loss values are a few units; gradients of a mean over N rows are ~1/N. */
const hue_op_entry hue_op_info_nce = {.name = "info_nce", .n_in = 3, .n_cases = 10, .make_case = make_case,
                                      .build = build, .reference = reference, .input_lo = -1, .input_hi = 1,
                                      .tolerance = 1e-5, .grad_mask = 3, .reference_backward = reference_backward,
                                      .grad_tolerance = 5e-6, .fill_input = fill};
