/* CPU kernels of InfoNCE (compute/graph/ops/info_nce.c; the same
 * arithmetic as shaders/info_nce.comp and info_nce_grad.comp): each query's
 * loss, each query's log-sum-exp for the backward, and the gradients of
 * the queries and keys. No kernel stores the N x K logits: a row
 * recomputes its dot products where it needs them. Rows are independent,
 * so threads split them, and every output row is written by one thread. */
#include <math.h>

#include "hue_cpu_kernel.h"

typedef struct {
    const float *q, *k, *pos;
    int64_t N, K, D;
    int self;
    float inv_tau;
} problem;

static problem problem_of(const hue_cpu_node *n, int first)
{
    const hue_cpu_tensor *q = &n->in[first], *k = &n->in[first + 1];
    return (problem){q->data, k->data, n->in[first + 2].data, q->shape[2], k->shape[2], q->shape[3],
                     n->p->kind & 1, 1.0f / n->p->temperature};
}

static float logit(const problem *pr, int64_t i, int64_t j)
{
    const float *a = pr->q + i * pr->D, *b = pr->k + j * pr->D;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int64_t d = 0; d < pr->D; d++)
        s += a[d] * b[d];
    return s * pr->inv_tau;
}

/* Row i's positive key, or -1 when it is not a key (the loss is NaN then). */
static int64_t positive(const problem *pr, int64_t i)
{
    float t = floorf(pr->pos[i] + 0.5f);
    if (!(t >= 0.0f && t < (float)pr->K))
        return -1;
    return pr->self && (int64_t)t == i ? -1 : (int64_t)t;
}

static int rows_run(hue_cpu_node *n)
{
    problem pr = problem_of(n, 0);
    float *y = n->out.data;
#pragma omp parallel for schedule(static) if (pr.N * pr.K * pr.D >= 65536)
    for (int64_t i = 0; i < pr.N; i++) {
        int64_t t = positive(&pr, i);
        float m = -INFINITY, s = 0.0f;
        for (int64_t j = 0; j < pr.K; j++) {
            if (pr.self && j == i)
                continue;
            float l = logit(&pr, i, j);
            if (l > m) {
                s = s * expf(m - l) + 1.0f;
                m = l;
            } else {
                s += expf(l - m);
            }
        }
        y[i] = t < 0 || !(s > 0.0f) ? NAN : m + logf(s) - logit(&pr, i, t);
    }
    return 0;
}

/* in = {q, k, pos, rows}: lse_i = rows_i + l_i,pos. */
static int lse_run(hue_cpu_node *n)
{
    problem pr = problem_of(n, 0);
    const float *rows = n->in[3].data;
    float *y = n->out.data;
    for (int64_t i = 0; i < pr.N; i++) {
        int64_t t = positive(&pr, i);
        y[i] = t < 0 ? NAN : rows[i] + logit(&pr, i, t);
    }
    return 0;
}

/* in = {G, q, k, pos, lse}. The query gradient walks row i's keys; the key
 * gradient walks key j's queries. Both add w * (a row of the other side)
 * straight into their output row. */
static int grad_run(hue_cpu_node *n, int keys)
{
    problem pr = problem_of(n, 1);
    const float *G = n->in[0].data, *lse = n->in[4].data;
    int64_t rows = keys ? pr.K : pr.N, others = keys ? pr.N : pr.K, D = pr.D;
    const float *other = keys ? pr.q : pr.k;
    float *y = n->out.data;
#pragma omp parallel for schedule(static) if (pr.N * pr.K * pr.D >= 65536)
    for (int64_t r = 0; r < rows; r++) {
        float *out = y + r * D;
        for (int64_t d = 0; d < D; d++)
            out[d] = 0.0f;
        for (int64_t o = 0; o < others; o++) {
            int64_t i = keys ? o : r, j = keys ? r : o;
            if (pr.self && i == j)
                continue;
            float w = expf(logit(&pr, i, j) - lse[i]) - (positive(&pr, i) == j ? 1.0f : 0.0f);
            w *= G[i] * pr.inv_tau;
            const float *b = other + o * D;
#pragma omp simd
            for (int64_t d = 0; d < D; d++)
                out[d] += w * b[d];
        }
    }
    return 0;
}

static int grad_q_run(hue_cpu_node *n) { return grad_run(n, 0); }
static int grad_k_run(hue_cpu_node *n) { return grad_run(n, 1); }

const hue_cpu_kernel hue_cpu_kernels_contrastive[] = {
    {"info_nce", hue_cpu_check_dense, rows_run, NULL},
    {"info_nce_lse", hue_cpu_check_dense, lse_run, NULL},
    {"info_nce_grad_q", hue_cpu_check_dense, grad_q_run, NULL},
    {"info_nce_grad_k", hue_cpu_check_dense, grad_k_run, NULL},
    {NULL, NULL, NULL, NULL},
};
