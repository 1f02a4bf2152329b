/* CPU kernels: batch normalisation and the losses (compute/graph/ops/batch_norm.c,
 * compute/graph/ops/loss.c), as shaders/batch_norm_*.comp and shaders/loss*.comp
 * compute them. Per-channel and per-loss sums end in double: the shaders'
 * blocked and two-stage float sums are closer to that than a naive float
 * sum over a large channel or batch would be. Batch norm's inner loops are
 * `omp simd`: the build's -O2 leaves plain loops scalar. */
#include <math.h>
#include <stddef.h>

#include "batch_norm_internal.h"
#include "hue_cpu_kernel.h"
#include "hue_error.h"
#include "loss_internal.h"

/* A tensor as [N, C, HW]: its first axis, its second, the product of the rest. */
static void dims_nc(const hue_cpu_tensor *t, int64_t *N, int64_t *C, int64_t *HW)
{
    int lead = HUE_MAX_DIMS - t->ndim;
    *N = t->shape[lead];
    *C = t->ndim > 1 ? t->shape[lead + 1] : 1;
    *HW = *N * *C > 0 ? t->numel / (*N * *C) : 0;
}

/* ---- batch norm ---- */

/* Values per float block of the channel sums (64 to 128 per SIMD lane)
 * before the block goes into double, as the shaders' lanes do. */
#define BLOCK 512

/* Adds the sums of d and d^2, d = x - shift, over n values to s1, s2. */
static void shifted_sums(const float *x, int64_t n, float shift, double *s1, double *s2)
{
    for (int64_t j0 = 0; j0 < n; j0 += BLOCK) {
        int64_t end = n - j0 < BLOCK ? n : j0 + BLOCK;
        float a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
        for (int64_t j = j0; j < end; j++) {
            float d = x[j] - shift;
            a += d;
            b += d * d;
        }
        *s1 += a, *s2 += b;
    }
}

/* Adds the sums of G and G (x - mean) over n values to s1, s2, G counting
 * only where y > 0 when y is given. */
static void grad_sums(const float *G, const float *x, const float *y, int64_t n, float mean, double *s1, double *s2)
{
    for (int64_t j0 = 0; j0 < n; j0 += BLOCK) {
        int64_t end = n - j0 < BLOCK ? n : j0 + BLOCK;
        float a = 0, b = 0;
        if (y) {
#pragma omp simd reduction(+ : a, b)
            for (int64_t j = j0; j < end; j++) {
                float g = y[j] > 0 ? G[j] : 0.0f;
                a += g;
                b += g * (x[j] - mean);
            }
        } else {
#pragma omp simd reduction(+ : a, b)
            for (int64_t j = j0; j < end; j++) {
                a += G[j];
                b += G[j] * (x[j] - mean);
            }
        }
        *s1 += a, *s2 += b;
    }
}

/* in = {x, gamma, beta, running_mean, running_var} (x where absent);
 * out = stats [4, C] = (mean, 1/std, scale, shift). Training: the batch's
 * statistics, and the running ones moved in place (unbiased variance). */
static int bn_stats(hue_cpu_node *n)
{
    const hue_cpu_tensor *x = &n->in[0];
    int flags = n->p->kind, affine = flags & BN_AFFINE, train = flags & BN_TRAIN;
    int update = train && (flags & BN_RUNNING);
    const float *gamma = n->in[1].data, *beta = n->in[2].data;
    float *rm = n->in[3].data, *rv = n->in[4].data, *stats = n->out.data;
    double eps = n->p->eps, mom = n->p->momentum;
    int64_t N, C, HW;
    dims_nc(x, &N, &C, &HW);
    double count = (double)(N * HW);
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < C; c++) {
        double mean, var;
        if (train) {
            /* shifted by the channel's first value, against cancellation */
            float shift = x->data[c * HW];
            double s1 = 0, s2 = 0;
            for (int64_t i = 0; i < N; i++)
                shifted_sums(x->data + (i * C + c) * HW, HW, shift, &s1, &s2);
            double d = s1 / count;
            mean = shift + d;
            var = s2 / count - d * d;
            var = var > 0 ? var : 0;
        } else {
            mean = rm[c];
            var = rv[c];
        }
        double inv = 1 / sqrt(var + eps), scale = affine ? gamma[c] * inv : inv;
        stats[c] = (float)mean;
        stats[C + c] = (float)inv;
        stats[2 * C + c] = (float)scale;
        stats[3 * C + c] = (float)((affine ? beta[c] : 0.0) - mean * scale);
        if (update) {
            rm[c] = (float)((1 - mom) * rm[c] + mom * mean);
            rv[c] = (float)((1 - mom) * rv[c] + mom * var * count / (count - 1));
        }
    }
    return 0;
}

/* y = A[c] u (+ B[c] v) + D[c] over u, v [N, C, HW]: A, B, D rows of coef
 * [rows, C]; relu: then max(y, 0); m: u counts only where m > 0. */
static void bn_affine(const hue_cpu_tensor *u, const float *v, const float *m, const float *coef, int row_a, int row_b,
                      int row_d, int relu, float *y)
{
    int64_t N, C, HW;
    dims_nc(u, &N, &C, &HW);
    const float *A = coef + row_a * C, *B = coef + row_b * C, *D = coef + row_d * C;
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t i = 0; i < N; i++)
        for (int64_t c = 0; c < C; c++) {
            int64_t o = (i * C + c) * HW;
            const float *pu = u->data + o;
            float a = A[c], b = v ? B[c] : 0.0f, d = D[c], *py = y + o;
            const float *pm = m ? m + o : NULL, *pv = v ? v + o : NULL;
            if (pm && pv) {
#pragma omp simd
                for (int64_t j = 0; j < HW; j++)
                    py[j] = a * (pm[j] > 0 ? pu[j] : 0.0f) + d + b * pv[j];
            } else if (pm) {
#pragma omp simd
                for (int64_t j = 0; j < HW; j++)
                    py[j] = a * (pm[j] > 0 ? pu[j] : 0.0f) + d;
            } else if (pv) {
#pragma omp simd
                for (int64_t j = 0; j < HW; j++)
                    py[j] = a * pu[j] + d + b * pv[j];
            } else if (relu) {
#pragma omp simd
                for (int64_t j = 0; j < HW; j++) {
                    float r = a * pu[j] + d;
                    py[j] = r > 0 ? r : 0.0f;
                }
            } else {
#pragma omp simd
                for (int64_t j = 0; j < HW; j++)
                    py[j] = a * pu[j] + d;
            }
        }
}

/* in = {x, stats, [gamma, beta]}: y = x scale + shift (then max(y, 0)). */
static int bn_apply(hue_cpu_node *n)
{
    bn_affine(&n->in[0], NULL, NULL, n->in[1].data, 2, 2, 3, n->p->kind & BN_RELU, n->out.data);
    return 0;
}

/* in = {G, x, stats, [y when fused with ReLU]}; out = coef [5, C] = (k1, k2,
 * k3, dgamma, dbeta) with dx = k1 G + k2 x + k3 (eval: k2 = k3 = 0). */
static int bn_grad_stats(hue_cpu_node *n)
{
    const hue_cpu_tensor *x = &n->in[1];
    const float *G = n->in[0].data, *stats = n->in[2].data, *y = n->p->kind & BN_RELU ? n->in[3].data : NULL;
    int train = n->p->kind & BN_TRAIN;
    float *coef = n->out.data;
    int64_t N, C, HW;
    dims_nc(x, &N, &C, &HW);
    double count = (double)(N * HW);
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < C; c++) {
        double mean = stats[c], s1 = 0, s2 = 0;  /* sum G, sum G (x - mean) */
        for (int64_t i = 0; i < N; i++) {
            int64_t o = (i * C + c) * HW;
            grad_sums(G + o, x->data + o, y ? y + o : NULL, HW, stats[c], &s1, &s2);
        }
        double inv = stats[C + c], scale = stats[2 * C + c];
        double k2 = train ? -scale * inv * inv * s2 / count : 0;
        coef[c] = (float)scale;
        coef[C + c] = (float)k2;
        coef[2 * C + c] = (float)(train ? -scale * s1 / count - k2 * mean : 0);
        coef[3 * C + c] = (float)(s2 * inv);
        coef[4 * C + c] = (float)s1;
    }
    return 0;
}

/* in = {G, x, coef, [y when fused with ReLU]}: dx = k1 G + k2 x + k3, G
 * masked by y > 0 when fused (training; eval: k1 G). */
static int bn_dx(hue_cpu_node *n)
{
    const float *mask = n->p->kind & BN_RELU ? n->in[3].data : NULL;
    const float *v = n->p->kind & BN_TRAIN ? n->in[1].data : NULL;
    bn_affine(&n->in[0], v, mask, n->in[2].data, 0, 1, 2, 0, n->out.data);
    return 0;
}

/* dgamma and dbeta are rows of batch_norm_grad_stats' output: the node's
 * output shares those bytes, so there is nothing to compute. */
static int bn_row_prepare(hue_cpu_node *n)
{
    const hue_cpu_tensor *coef = &n->in[0], *row = &n->out;
    if (!row->data || !coef->data || row->data < coef->data || row->data + row->numel > coef->data + coef->numel)
        return hue_fail(HUE_ENOTSUP, "batch_norm_grad_row (node %d): the output is not a view of its input's rows",
                        n->index);
    return 0;
}

static int bn_row_run(hue_cpu_node *n)
{
    (void)n;
    return 0;
}

/* ---- losses ---- */

/* Logits [N, C, d...] as classes HW apart: a position's row. */
typedef struct {
    int64_t N, C, HW;
} ce_geom;

static ce_geom ce_dims(const hue_cpu_tensor *logits)
{
    ce_geom g;
    dims_nc(logits, &g.N, &g.C, &g.HW);
    return g;
}

/* max and sum of exp(x - max) over a row of C values HW apart */
static void row_lse(const float *x, int64_t C, int64_t HW, float *max, double *sum)
{
    float m = -INFINITY;
    for (int64_t c = 0; c < C; c++)
        m = x[c * HW] > m ? x[c * HW] : m;
    double s = 0;
    for (int64_t c = 0; c < C; c++)
        s += expf(x[c * HW] - m);
    *max = m, *sum = s;
}

/* The class a target value names (rounded to the nearest), -1 when it is
 * ignore_index, -2 when it is not a class. */
static int64_t target_class(float v, int64_t C, int ignore_index)
{
    double r = floor((double)v + 0.5);
    if (r == ignore_index)
        return -1;
    return r >= 0 && r < (double)C ? (int64_t)r : -2;
}

/* Cross-entropy with class ids: the sums of w[t] (lse - x_t) and of w[t]
 * over the counted positions (NaN where a target is not a class). */
static void ce_sums(ce_geom g, int ignore, const float *x, const float *t, const float *w, double *loss_out,
                    double *wsum_out)
{
    int need_loss = loss_out != NULL;
    double loss = 0, wsum = 0;
#pragma omp parallel for reduction(+ : loss, wsum) schedule(static)
    for (int64_t u = 0; u < g.N * g.HW; u++) {
        int64_t tc = target_class(t[u], g.C, ignore);
        if (tc == -1)
            continue;
        if (tc == -2) {
            loss += NAN;
            wsum += NAN;
            continue;
        }
        double wt = w ? w[tc] : 1.0;
        wsum += wt;
        if (need_loss) {
            const float *row = x + (u / g.HW) * g.C * g.HW + u % g.HW;
            float m;
            double s;
            row_lse(row, g.C, g.HW, &m, &s);
            loss += wt * (m + log(s) - row[tc * g.HW]);
        }
    }
    if (loss_out)
        *loss_out = loss;
    *wsum_out = wsum;
}

/* in = {a, b, [class weights]}: one value, the mean loss. */
static int loss_run(hue_cpu_node *n)
{
    const float *a = n->in[0].data, *b = n->in[1].data;
    int kind = n->p->kind;
    double loss = 0, result;
    if (kind == LOSS_MSE || kind == LOSS_BCE) {
        int64_t count = n->in[0].numel;
#pragma omp parallel for reduction(+ : loss) schedule(static)
        for (int64_t i = 0; i < count; i++) {
            double x = a[i], t = b[i];
            loss += kind == LOSS_MSE ? (x - t) * (x - t) : (x > 0 ? x : 0) - x * t + log1p(exp(-fabs(x)));
        }
        result = loss / (double)count;
    } else if (kind == LOSS_SOFT) {
        ce_geom g = ce_dims(&n->in[0]);
#pragma omp parallel for reduction(+ : loss) schedule(static)
        for (int64_t u = 0; u < g.N * g.HW; u++) {
            int64_t o = (u / g.HW) * g.C * g.HW + u % g.HW;
            float m;
            double s, acc = 0;
            row_lse(a + o, g.C, g.HW, &m, &s);
            double lse = m + log(s);
            for (int64_t c = 0; c < g.C; c++)
                acc += (double)b[o + c * g.HW] * (lse - a[o + c * g.HW]);
            loss += acc;
        }
        result = loss / (double)(g.N * g.HW);
    } else {
        double wsum;
        ce_sums(ce_dims(&n->in[0]), n->p->ignore_index, a, b, n->p->has_bias ? n->in[2].data : NULL, &loss, &wsum);
        result = wsum == 0 ? 0 : loss / wsum;  /* nothing counted: 0 (NaN stays NaN) */
    }
    n->out.data[0] = (float)result;
    return 0;
}

/* in = {G, a, b, [class weights]}; the gradient of the loss with respect
 * to a (or, for the target kinds, b: shaped like a), times G[0] and the
 * host's scale p.alpha (the mean's 1/count, a sign). */
static int loss_grad_run(hue_cpu_node *n)
{
    const float *a = n->in[1].data, *b = n->in[2].data, *w = n->p->has_bias ? n->in[3].data : NULL;
    float *y = n->out.data;
    int kind = n->p->kind;
    float s = n->p->alpha * n->in[0].data[0];
    if (kind <= GRAD_BCE_T) {
        int64_t count = n->out.numel;
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < count; i++)
            y[i] = kind == GRAD_MSE    ? s * (a[i] - b[i])
                   : kind == GRAD_BCE_X ? s * (1.0f / (1.0f + expf(-a[i])) - b[i])
                                        : s * a[i];
        return 0;
    }
    ce_geom g = ce_dims(&n->in[1]);
    int ignore = n->p->ignore_index;
    double total = 1;
    if (kind == GRAD_CE)
        ce_sums(g, ignore, a, b, w, NULL, &total);
#pragma omp parallel for schedule(static)
    for (int64_t u = 0; u < g.N * g.HW; u++) {
        int64_t o = (u / g.HW) * g.C * g.HW + u % g.HW, tc = -1;
        const float *x = a + o;
        float *dst = y + o, su = s;
        if (kind == GRAD_CE) {
            tc = target_class(b[u], g.C, ignore);
            if (tc < 0) {  /* ignored: no gradient; not a class: NaN */
                for (int64_t c = 0; c < g.C; c++)
                    dst[c * g.HW] = tc == -1 ? 0.0f : NAN;
                continue;
            }
            su = (float)(s * (w ? w[tc] : 1.0) / total);
        }
        float m;
        double e, tsum = 0;
        row_lse(x, g.C, g.HW, &m, &e);
        if (kind == GRAD_SOFT_X)
            for (int64_t c = 0; c < g.C; c++)
                tsum += b[o + c * g.HW];
        double inv = 1 / e, lse = m + log(e);
        for (int64_t c = 0; c < g.C; c++) {
            float v = x[c * g.HW];
            double p = expf(v - m) * inv;
            if (kind == GRAD_CE)
                dst[c * g.HW] = (float)(su * (p - (c == tc)));
            else if (kind == GRAD_SOFT_X)
                dst[c * g.HW] = (float)(su * (p * tsum - b[o + c * g.HW]));
            else
                dst[c * g.HW] = (float)(su * (lse - v));
        }
    }
    return 0;
}

const hue_cpu_kernel hue_cpu_kernels_nn[] = {
    {"batch_norm_stats", hue_cpu_check_dense, bn_stats, NULL},
    {"batch_norm", hue_cpu_check_dense, bn_apply, NULL},
    {"batch_norm_relu", hue_cpu_check_dense, bn_apply, NULL},
    {"batch_norm_grad_stats", hue_cpu_check_dense, bn_grad_stats, NULL},
    {"batch_norm_dx", hue_cpu_check_dense, bn_dx, NULL},
    {"batch_norm_grad_row", bn_row_prepare, bn_row_run, NULL},
    {"mse", hue_cpu_check_dense, loss_run, NULL},
    {"bce_with_logits", hue_cpu_check_dense, loss_run, NULL},
    {"cross_entropy", hue_cpu_check_dense, loss_run, NULL},
    {"cross_entropy_soft", hue_cpu_check_dense, loss_run, NULL},
    {"mse_grad", hue_cpu_check_dense, loss_grad_run, NULL},
    {"bce_with_logits_grad", hue_cpu_check_dense, loss_grad_run, NULL},
    {"cross_entropy_grad", hue_cpu_check_dense, loss_grad_run, NULL},
    {"cross_entropy_soft_grad", hue_cpu_check_dense, loss_grad_run, NULL},
    {NULL, NULL, NULL, NULL},
};
