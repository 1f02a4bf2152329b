/* CPU kernels: reductions over axes (shaders/reduce.comp), softmax and
 * log-softmax (shaders/softmax.comp), L2 normalisation and its gradient
 * (shaders/l2_normalize.comp). */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "hue_cpu_kernel.h"
#include "hue_error.h"
#include "kernels_math.h"

#define PARALLEL_MIN 32768  /* elements below which a kernel stays on one thread */
#define RUN 256             /* outputs a task keeps in registers/stack at once */

static void free_state(hue_cpu_node *n)
{
    free(n->state);
    n->state = NULL;
}

/* ---- reduce_sum, reduce_mean, reduce_max, argmax ----
 *
 * The input's axes, after dropping size-1 ones and merging neighbours of
 * the same class that memory walks as one, are either kept (the output
 * has them) or reduced. Two shapes of work:
 * - the innermost axis is reduced: each output sums a run of the input
 *   (contiguous where the input is), as a vector reduction;
 * - the innermost axis is kept: a task holds RUN neighbouring outputs and
 *   adds whole input rows into them, one reduced position at a time.
 * Where that leaves fewer tasks than threads, the outermost reduced axis is
 * split in slices whose partial results a second pass combines in order
 * (the same sum at every run, whatever the thread timing). */
typedef struct {
    int kind;
    float scale;              /* 1 / count for the mean */
    int inner_kept;
    int64_t kext[4], kst[4];  /* kept axes, outer to inner, padded in front (extent 1) */
    int64_t rext[4], rst[4];  /* reduced axes, likewise */
    int split;                /* the reduced axis that slices split */
    int64_t n_out, run;       /* outputs; kept innermost extent (1 when reduced innermost) */
    int64_t groups, chunks, slices;
} reduce_plan;  /* slices > 1: partial results [slices][n_out] in the node's workspace */

static void pad_front(int m, const int64_t *ext, const int64_t *st, int64_t *pext, int64_t *pst)
{
    for (int i = 0; i < 4; i++) {
        int j = i - (4 - m);
        pext[i] = j >= 0 ? ext[j] : 1;
        pst[i] = j >= 0 ? st[j] : 0;
    }
}

static int reduce_prepare(hue_cpu_node *n)
{
    const hue_cpu_tensor *x = &n->in[0], *y = &n->out;
    if (!x->data || !y->contiguous)
        return hue_fail(HUE_ENOTSUP, "%s: needs a float input and a contiguous output", n->op);
    reduce_plan *pl = calloc(1, sizeof *pl);
    if (!pl)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    n->state = pl;
    pl->kind = n->p->kind;
    /* axes outer to inner: class, extent, stride, merged where memory allows */
    int m = 0, cls[4];
    int64_t ext[4], st[4], count = 1;
    for (int i = 0; i < 4; i++) {
        if (x->shape[i] == 1)
            continue;
        int reduced = y->shape[i] != x->shape[i];
        if (reduced)
            count *= x->shape[i];
        if (m > 0 && cls[m - 1] == reduced && st[m - 1] == x->stride[i] * x->shape[i]) {
            ext[m - 1] *= x->shape[i];
            st[m - 1] = x->stride[i];
            continue;
        }
        cls[m] = reduced, ext[m] = x->shape[i], st[m] = x->stride[i];
        m++;
    }
    pl->scale = (float)(1.0 / (double)count);
    int64_t ke[4] = {0}, ks[4] = {0}, re[4] = {0}, rs[4] = {0};  /* zeroed: the sanitizer build cannot see that pad_front reads only the first n */
    int nk = 0, nr = 0;
    for (int i = 0; i < m; i++) {
        if (cls[i])
            re[nr] = ext[i], rs[nr++] = st[i];
        else
            ke[nk] = ext[i], ks[nk++] = st[i];
    }
    pad_front(nk, ke, ks, pl->kext, pl->kst);
    pad_front(nr, re, rs, pl->rext, pl->rst);
    pl->inner_kept = m > 0 && !cls[m - 1];
    pl->split = nr > 0 ? 4 - nr : 3;
    pl->n_out = y->numel;
    pl->run = pl->inner_kept ? pl->kext[3] : 1;
    pl->groups = pl->n_out / pl->run;
    pl->chunks = (pl->run + RUN - 1) / RUN;
    /* slices where the outputs alone leave threads idle (not for argmax: its
     * index is the first maximum, kept simple) */
    int threads = omp_get_max_threads();
    int64_t tasks = pl->groups * pl->chunks, E = pl->rext[pl->split];
    pl->slices = 1;
    if (pl->kind != HUE_REDUCE_ARGMAX && threads > 1 && tasks < 2 * threads && x->numel >= PARALLEL_MIN && E > 1) {
        pl->slices = (4 * threads + tasks - 1) / tasks;
        if (pl->slices > E)
            pl->slices = E;
        n->workspace_bytes = sizeof(float) * (size_t)(pl->slices * pl->n_out);
    }
    return 0;
}

/* Sum or max of n values at stride s. */
static float fold(int kind, const float *restrict p, int64_t n, int64_t s, float acc)
{
    if (kind == HUE_REDUCE_MAX) {
        if (s == 1) {
#pragma omp simd reduction(max : acc)
            for (int64_t i = 0; i < n; i++)
                acc = acc > p[i] ? acc : p[i];
        } else {
            for (int64_t i = 0; i < n; i++)
                acc = acc > p[i * s] ? acc : p[i * s];
        }
        return acc;
    }
    float sum = 0.0f;
    if (s == 1) {
#pragma omp simd reduction(+ : sum)
        for (int64_t i = 0; i < n; i++)
            sum += p[i];
    } else {
        for (int64_t i = 0; i < n; i++)
            sum += p[i * s];
    }
    return acc + sum;
}

/* One task: outputs [o, o + len) of the kept innermost run (or the single
 * output o), over slice `slice` of the split axis, into dst[0, len). */
static void reduce_task(const reduce_plan *pl, const float *x, int64_t group, int64_t chunk, int64_t slice,
                        float *dst)
{
    const int64_t *ke = pl->kext, *ks = pl->kst, *re = pl->rext, *rs = pl->rst;
    int kind = pl->kind;
    int64_t first = chunk * RUN, len = pl->run - first < RUN ? pl->run - first : RUN;
    /* the group's kept position (the innermost kept axis is the run when inner_kept) */
    int64_t base = 0, g = group;
    for (int i = pl->inner_kept ? 2 : 3; i >= 0; i--) {
        base += g % ke[i] * ks[i];
        g /= ke[i];
    }
    if (pl->inner_kept)
        base += first * ks[3];
    int64_t lo[4], hi[4];
    for (int i = 0; i < 4; i++)
        lo[i] = 0, hi[i] = re[i];
    lo[pl->split] = re[pl->split] * slice / pl->slices;
    hi[pl->split] = re[pl->split] * (slice + 1) / pl->slices;
    float init = kind >= HUE_REDUCE_MAX ? -INFINITY : 0.0f;
    float acc[RUN];
    int64_t best[RUN], k = 0;
    for (int64_t j = 0; j < len; j++)
        acc[j] = init, best[j] = 0;
    for (int64_t i0 = lo[0]; i0 < hi[0]; i0++)
        for (int64_t i1 = lo[1]; i1 < hi[1]; i1++)
            for (int64_t i2 = lo[2]; i2 < hi[2]; i2++) {
                const float *p = x + base + i0 * rs[0] + i1 * rs[1] + i2 * rs[2];
                if (!pl->inner_kept) {
                    /* the innermost reduced axis is a run of this one output */
                    const float *q = p + lo[3] * rs[3];
                    int64_t cnt = hi[3] - lo[3];
                    if (kind == HUE_REDUCE_ARGMAX) {
                        for (int64_t i = 0; i < cnt; i++, k++)
                            if (q[i * rs[3]] > acc[0] || k == 0)
                                acc[0] = q[i * rs[3]], best[0] = k;
                    } else {
                        acc[0] = fold(kind, q, cnt, rs[3], acc[0]);
                    }
                    continue;
                }
                for (int64_t i3 = lo[3]; i3 < hi[3]; i3++, k++) {
                    const float *restrict q = p + i3 * rs[3];
                    int64_t s = ks[3];
                    if (kind == HUE_REDUCE_ARGMAX) {
                        for (int64_t j = 0; j < len; j++)
                            if (q[j * s] > acc[j] || k == 0)
                                acc[j] = q[j * s], best[j] = k;
                    } else if (kind == HUE_REDUCE_MAX) {
                        if (s == 1) {
#pragma omp simd
                            for (int64_t j = 0; j < len; j++)
                                acc[j] = acc[j] > q[j] ? acc[j] : q[j];
                        } else {
                            for (int64_t j = 0; j < len; j++)
                                acc[j] = acc[j] > q[j * s] ? acc[j] : q[j * s];
                        }
                    } else if (s == 1) {
#pragma omp simd
                        for (int64_t j = 0; j < len; j++)
                            acc[j] += q[j];
                    } else {
                        for (int64_t j = 0; j < len; j++)
                            acc[j] += q[j * s];
                    }
                }
            }
    /* with slices, the mean's scale comes after the combine */
    float scale = kind == HUE_REDUCE_MEAN && pl->slices == 1 ? pl->scale : 1.0f;
    for (int64_t j = 0; j < len; j++)
        dst[j] = kind == HUE_REDUCE_ARGMAX ? (float)best[j] : acc[j] * scale;
}

static int reduce_run(hue_cpu_node *n)
{
    const reduce_plan *pl = n->state;
    const float *x = n->in[0].data;
    float *y = n->out.data, *partial = n->workspace;
    int64_t per_slice = pl->groups * pl->chunks, tasks = per_slice * pl->slices;
#pragma omp parallel for schedule(static) if (n->in[0].numel >= PARALLEL_MIN && tasks > 1)
    for (int64_t t = 0; t < tasks; t++) {
        int64_t slice = t / per_slice, r = t % per_slice, group = r / pl->chunks, chunk = r % pl->chunks;
        float *dst = pl->slices > 1 ? partial + slice * pl->n_out : y;
        reduce_task(pl, x, group, chunk, slice, dst + group * pl->run + chunk * RUN);
    }
    if (pl->slices > 1) {
        int max = pl->kind == HUE_REDUCE_MAX;
        for (int64_t o = 0; o < pl->n_out; o++) {
            float acc = partial[o];
            for (int64_t s = 1; s < pl->slices; s++) {
                float v = partial[s * pl->n_out + o];
                acc = max ? (acc > v ? acc : v) : acc + v;
            }
            y[o] = pl->kind == HUE_REDUCE_MEAN ? acc * pl->scale : acc;
        }
    }
    return 0;
}

/* ---- rows along one axis of a contiguous tensor: softmax, L2 norm ----
 *
 * A row is every position of the other axes: [outer, len, inner] with the
 * row's elements inner apart. Where inner > 1 a task takes up to RUN
 * neighbouring rows, whose elements at each axis position are contiguous,
 * so every step is a vector loop. */

static int rows_prepare(hue_cpu_node *n)
{
    for (int k = 0; k < n->n_in; k++)
        if (!n->in[k].data || !n->in[k].contiguous)
            return hue_fail(HUE_ENOTSUP, "%s: input %d is not a contiguous float tensor", n->op, k);
    if (!n->out.contiguous)
        return hue_fail(HUE_ENOTSUP, "%s: the output is not contiguous", n->op);
    int a = n->p->axis;
    if (a < 0 || a >= HUE_MAX_DIMS)
        return hue_fail(HUE_EINVAL, "%s: axis %d", n->op, a);
    return 0;
}

static void row_geometry(const hue_cpu_node *n, int64_t *len, int64_t *inner, int64_t *outer)
{
    int a = n->p->axis;
    *len = n->in[0].shape[a];
    *inner = 1;
    for (int i = a + 1; i < HUE_MAX_DIMS; i++)
        *inner *= n->in[0].shape[i];
    *outer = n->in[0].numel / (*len * *inner);
}

/* Softmax (or log-softmax) of w rows at once: x[k * inner + j], j < w.
 * As shaders/softmax.comp: v = x - max, y = exp(v) / sum or v - log(sum);
 * the softmax keeps exp(v) in y between the passes (one exp per value). */
static void softmax_rows(const float *restrict x, float *restrict y, int64_t len, int64_t inner, int64_t w, int log)
{
    float m[RUN], s[RUN];
    for (int64_t j = 0; j < w; j++)
        m[j] = -FLT_MAX, s[j] = 0.0f;
    for (int64_t k = 0; k < len; k++) {
        const float *r = x + k * inner;
#pragma omp simd
        for (int64_t j = 0; j < w; j++)
            m[j] = m[j] > r[j] ? m[j] : r[j];
    }
    for (int64_t k = 0; k < len; k++) {
        const float *r = x + k * inner;
        float *o = y + k * inner;
        if (log) {
#pragma omp simd
            for (int64_t j = 0; j < w; j++)
                s[j] += hue_cpu_expf(r[j] - m[j]);
        } else {
#pragma omp simd
            for (int64_t j = 0; j < w; j++) {
                o[j] = hue_cpu_expf(r[j] - m[j]);
                s[j] += o[j];
            }
        }
    }
    for (int64_t j = 0; j < w; j++)
        s[j] = log ? logf(s[j]) : 1.0f / s[j];
    for (int64_t k = 0; k < len; k++) {
        const float *r = x + k * inner;
        float *o = y + k * inner;
        if (log) {
#pragma omp simd
            for (int64_t j = 0; j < w; j++)
                o[j] = r[j] - m[j] - s[j];
        } else {
#pragma omp simd
            for (int64_t j = 0; j < w; j++)
                o[j] *= s[j];
        }
    }
}

/* One row at stride 1: the last axis. */
static void softmax_row(const float *restrict x, float *restrict y, int64_t len, int log)
{
    float m = -FLT_MAX, s = 0.0f;
#pragma omp simd reduction(max : m)
    for (int64_t k = 0; k < len; k++)
        m = m > x[k] ? m : x[k];
    if (log) {
#pragma omp simd reduction(+ : s)
        for (int64_t k = 0; k < len; k++)
            s += hue_cpu_expf(x[k] - m);
        float ls = logf(s);
#pragma omp simd
        for (int64_t k = 0; k < len; k++)
            y[k] = x[k] - m - ls;
    } else {
#pragma omp simd reduction(+ : s)
        for (int64_t k = 0; k < len; k++) {
            y[k] = hue_cpu_expf(x[k] - m);
            s += y[k];
        }
        float inv = 1.0f / s;
#pragma omp simd
        for (int64_t k = 0; k < len; k++)
            y[k] *= inv;
    }
}

static int softmax_run(hue_cpu_node *n)
{
    int64_t len, inner, outer;
    row_geometry(n, &len, &inner, &outer);
    const float *x = n->in[0].data;
    float *y = n->out.data;
    int log = n->p->log;
    int64_t chunks = (inner + RUN - 1) / RUN, tasks = outer * chunks;
#pragma omp parallel for schedule(static) if (n->in[0].numel >= PARALLEL_MIN / 8 && tasks > 1)
    for (int64_t t = 0; t < tasks; t++) {
        int64_t o = t / chunks, j0 = t % chunks * RUN, w = inner - j0 < RUN ? inner - j0 : RUN;
        int64_t at = o * len * inner + j0;
        if (inner == 1)
            softmax_row(x + at, y + at, len, log);
        else
            softmax_rows(x + at, y + at, len, inner, w, log);
    }
    return 0;
}

/* y = x / max(||x||, eps) for w rows at once. */
static void l2_rows(const float *restrict x, float *restrict y, int64_t len, int64_t inner, int64_t w, float eps)
{
    float ss[RUN];
    for (int64_t j = 0; j < w; j++)
        ss[j] = 0.0f;
    for (int64_t k = 0; k < len; k++) {
        const float *r = x + k * inner;
#pragma omp simd
        for (int64_t j = 0; j < w; j++)
            ss[j] += r[j] * r[j];
    }
    for (int64_t j = 0; j < w; j++) {
        float nrm = sqrtf(ss[j]);
        ss[j] = 1.0f / (nrm > eps ? nrm : eps);
    }
    for (int64_t k = 0; k < len; k++) {
        const float *r = x + k * inner;
        float *o = y + k * inner;
#pragma omp simd
        for (int64_t j = 0; j < w; j++)
            o[j] = r[j] * ss[j];
    }
}

/* dx = (G - u (u . G)) / n with u = x / n (n = ||x|| > eps), else G / eps,
 * as shaders/l2_normalize.comp: u = +-1 exactly on a length-1 axis, so the
 * gradient there is exactly 0. A clamped row runs the same loop with n =
 * eps and u . G = 0, which gives G / eps exactly, and no branch per value. */
static void l2_grad_rows(const float *restrict x, const float *restrict G, float *restrict y, int64_t len,
                         int64_t inner, int64_t w, float eps)
{
    float nrm[RUN], ug[RUN];
    for (int64_t j = 0; j < w; j++)
        nrm[j] = 0.0f, ug[j] = 0.0f;
    for (int64_t k = 0; k < len; k++) {
        const float *r = x + k * inner;
#pragma omp simd
        for (int64_t j = 0; j < w; j++)
            nrm[j] += r[j] * r[j];
    }
    int clamped[RUN];
    for (int64_t j = 0; j < w; j++) {
        nrm[j] = sqrtf(nrm[j]);
        clamped[j] = !(nrm[j] > eps);
        nrm[j] = clamped[j] ? eps : nrm[j];
    }
    for (int64_t k = 0; k < len; k++) {
        const float *r = x + k * inner, *g = G + k * inner;
#pragma omp simd
        for (int64_t j = 0; j < w; j++)
            ug[j] += r[j] / nrm[j] * g[j];
    }
    for (int64_t j = 0; j < w; j++)
        ug[j] = clamped[j] ? 0.0f : ug[j];
    for (int64_t k = 0; k < len; k++) {
        const float *r = x + k * inner, *g = G + k * inner;
        float *o = y + k * inner;
#pragma omp simd
        for (int64_t j = 0; j < w; j++)
            o[j] = (g[j] - r[j] / nrm[j] * ug[j]) / nrm[j];
    }
}

static int l2_run(hue_cpu_node *n)
{
    int64_t len, inner, outer;
    row_geometry(n, &len, &inner, &outer);
    int grad = n->n_in > 1;
    const float *x = n->in[0].data, *G = grad ? n->in[1].data : NULL;
    float *y = n->out.data;
    float eps = n->p->eps;
    int64_t chunks = (inner + RUN - 1) / RUN, tasks = outer * chunks;
#pragma omp parallel for schedule(static) if (n->in[0].numel >= PARALLEL_MIN && tasks > 1)
    for (int64_t t = 0; t < tasks; t++) {
        int64_t o = t / chunks, j0 = t % chunks * RUN, w = inner - j0 < RUN ? inner - j0 : RUN;
        int64_t at = o * len * inner + j0;
        if (grad)
            l2_grad_rows(x + at, G + at, y + at, len, inner, w, eps);
        else
            l2_rows(x + at, y + at, len, inner, w, eps);
    }
    return 0;
}

const hue_cpu_kernel hue_cpu_kernels_reduce[] = {
    {"reduce_sum", reduce_prepare, reduce_run, free_state},
    {"reduce_mean", reduce_prepare, reduce_run, free_state},
    {"reduce_max", reduce_prepare, reduce_run, free_state},
    {"argmax", reduce_prepare, reduce_run, free_state},
    {"softmax", rows_prepare, softmax_run, NULL},
    {"log_softmax", rows_prepare, softmax_run, NULL},
    {"l2_normalize", rows_prepare, l2_run, NULL},
    {"l2_normalize_grad", rows_prepare, l2_run, NULL},
    {NULL, NULL, NULL, NULL},
};
