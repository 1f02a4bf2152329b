/* Weighted kNN classification on L2-normalised features (see hue_knn.h).
 *
 * Similarities are dot products in register tiles of tq test x bw training
 * images (16 x 16 with AVX-512, else 8 x 8): both sides are regrouped as
 * [dim][tq] and [dim][bw] so that one vector of bw training values meets
 * tq broadcast test values per step. Test images go in groups of GROUP,
 * training images in chunks of CHUNK that stay in cache while the group's
 * tiles pass over them; each tile's similarities go straight into the
 * test images' heaps, so the 10000 x 50000 matrix never exists.
 *
 * Measured against a matmul graph on the CPU backend (oneDNN's sgemm, then
 * the same heaps on the host) for 10000 x 50000 x 512 on this project's
 * 2-core machine: 4.4-4.6 s here, 4.2-4.35 s there (3.3 s sgemm, 0.9 s
 * top-k), so within 5%; this one needs no 2 GB similarity matrix and no
 * backend. Threads take groups in turn; each test image is computed by one
 * thread in a fixed order, so the result does not depend on their number
 * (it may in the last bits on another CPU: FMA or not). */
#include "hue_knn.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

#define TQ_MAX 16 /* test images per tile: 16 with AVX-512, else 8 */
#define BW_MAX 16 /* training images per block: 16 with AVX-512, else 8 */
#define GROUP 128 /* test images a thread takes at a time */
#define CHUNK 128 /* training images kept in cache together (128 x 512 floats: 256 KB) */

hue_knn_options hue_knn_defaults(void)
{
    return (hue_knn_options){.k = 200, .temperature = 0.1f, .threads = 2};
}

typedef float hue_knn_v8 __attribute__((vector_size(32)));

/* out[i][j] = q_i . t_j for a tile of test images (q: [dim][tq]) and a
 * block of training images (t: [dim][bw]), one accumulator per test image. */
typedef void (*tile_fn)(const float *q, const float *t, int dim, float out[TQ_MAX][BW_MAX]);

/* 8 x 8 in vectors of 8 (two SSE registers each without AVX). */
static void tile_generic(const float *q, const float *t, int dim, float out[TQ_MAX][BW_MAX])
{
    hue_knn_v8 a[8] = {{0}};
    for (int c = 0; c < dim; c++, q += 8, t += 8) {
        hue_knn_v8 x;
        memcpy(&x, t, sizeof x);
        for (int i = 0; i < 8; i++)
            a[i] += q[i] * x;
    }
    for (int i = 0; i < 8; i++)
        memcpy(out[i], &a[i], sizeof a[i]);
}

#if defined(__GNUC__) && defined(__x86_64__)
/* The same with fused multiply-adds in 256-bit registers, where the CPU
 * has them (intrinsics: ISO C mode does not contract a * b + c). */
__attribute__((target("avx2,fma"))) static void tile_avx2(const float *q, const float *t, int dim,
                                                          float out[TQ_MAX][BW_MAX])
{
    __m256 a[8];
    for (int i = 0; i < 8; i++)
        a[i] = _mm256_setzero_ps();
    for (int c = 0; c < dim; c++, q += 8, t += 8) {
        __m256 x = _mm256_loadu_ps(t);
        for (int i = 0; i < 8; i++)
            a[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(q + i), x, a[i]);
    }
    for (int i = 0; i < 8; i++)
        _mm256_storeu_ps(out[i], a[i]);
}

/* 16 x 16 in 512-bit registers: 16 accumulators of the 32, one load and
 * 16 broadcasts for 256 multiply-adds. */
__attribute__((target("avx512f"))) static void tile_avx512(const float *q, const float *t, int dim,
                                                           float out[TQ_MAX][BW_MAX])
{
    __m512 a[16];
    for (int i = 0; i < 16; i++)
        a[i] = _mm512_setzero_ps();
    for (int c = 0; c < dim; c++, q += 16, t += 16) {
        __m512 x = _mm512_loadu_ps(t);
        for (int i = 0; i < 16; i++)
            a[i] = _mm512_fmadd_ps(_mm512_set1_ps(q[i]), x, a[i]);
    }
    for (int i = 0; i < 16; i++)
        _mm512_storeu_ps(out[i], a[i]);
}
#endif

/* A test image's k best neighbours so far: a heap whose root is the worst
 * (smallest similarity; on equal ones the later training image). */
typedef struct {
    float *v;
    int32_t *id;
    int n;
} heap;

static int worse(float va, int32_t ia, float vb, int32_t ib) { return va < vb || (va == vb && ia > ib); }

static void heap_sift_down(heap *h, int at)
{
    for (;;) {
        int l = 2 * at + 1, r = l + 1, w = at;
        if (l < h->n && worse(h->v[l], h->id[l], h->v[w], h->id[w]))
            w = l;
        if (r < h->n && worse(h->v[r], h->id[r], h->v[w], h->id[w]))
            w = r;
        if (w == at)
            return;
        float v = h->v[at];
        int32_t id = h->id[at];
        h->v[at] = h->v[w], h->id[at] = h->id[w];
        h->v[w] = v, h->id[w] = id;
        at = w;
    }
}

static void heap_offer(heap *h, int k, float v, int32_t id)
{
    if (h->n < k) {
        int at = h->n++;
        h->v[at] = v, h->id[at] = id;
        while (at > 0) {
            int up = (at - 1) / 2;
            if (!worse(h->v[at], h->id[at], h->v[up], h->id[up]))
                break;
            float tv = h->v[at];
            int32_t ti = h->id[at];
            h->v[at] = h->v[up], h->id[at] = h->id[up];
            h->v[up] = tv, h->id[up] = ti;
            at = up;
        }
    } else if (v > h->v[0]) {
        /* ids only grow, so an equal similarity never displaces the root */
        h->v[0] = v, h->id[0] = id;
        heap_sift_down(h, 0);
    }
}

typedef struct {
    const float *tp;          /* training images as [blocks][dim][bw] */
    const int32_t *train_labels, *test_labels;
    const float *test;
    int64_t n_train, n_test, blocks;
    int dim, num_classes, k, tq, bw;
    double inv_t;
    tile_fn tile;
    atomic_llong next_group;
    atomic_llong top1, top5;
    int32_t *pred;
} job;

typedef struct {
    job *j;
    int rc;
} worker;

/* Votes of one test image's neighbours; counts its top-1 and top-5. */
static void vote(job *j, const heap *h, int64_t row, double *scores, long long *top1, long long *top5)
{
    for (int c = 0; c < j->num_classes; c++)
        scores[c] = 0;
    for (int e = 0; e < h->n; e++)
        scores[j->train_labels[h->id[e]]] += exp((double)h->v[e] * j->inv_t);
    int best = 0, label = j->test_labels[row], rank = 0;
    for (int c = 1; c < j->num_classes; c++)
        if (scores[c] > scores[best])
            best = c;
    for (int c = 0; c < j->num_classes; c++)
        rank += scores[c] > scores[label] || (scores[c] == scores[label] && c < label);
    *top1 += best == label;
    *top5 += rank < 5;
    if (j->pred)
        j->pred[row] = best;
}

static void *work(void *arg)
{
    worker *w = arg;
    job *j = w->j;
    int dim = j->dim, k = j->k, tq = j->tq, bw = j->bw;
    float *qt = malloc(sizeof *qt * (size_t)GROUP * dim), *hv = malloc(sizeof *hv * (size_t)GROUP * k);
    int32_t *hi = malloc(sizeof *hi * (size_t)GROUP * k);
    double *scores = malloc(sizeof *scores * (size_t)j->num_classes);
    heap heaps[GROUP];
    long long top1 = 0, top5 = 0;
    if (!qt || !hv || !hi || !scores) {
        w->rc = HUE_ENOMEM;
        goto done;
    }
    for (int r = 0; r < GROUP; r++)
        heaps[r] = (heap){hv + (size_t)r * k, hi + (size_t)r * k, 0};
    int64_t groups = (j->n_test + GROUP - 1) / GROUP, g;
    while ((g = atomic_fetch_add(&j->next_group, 1)) < groups) {
        int64_t first = g * GROUP;
        int n_rows = (int)(j->n_test - first < GROUP ? j->n_test - first : GROUP);
        int n_tiles = (n_rows + tq - 1) / tq;
        /* this group's test images as [tile][dim][tq], zeros past the end */
        memset(qt, 0, sizeof *qt * (size_t)GROUP * dim);
        for (int r = 0; r < n_rows; r++) {
            const float *src = j->test + (first + r) * dim;
            float *dst = qt + (size_t)(r / tq) * dim * tq + r % tq;
            for (int c = 0; c < dim; c++)
                dst[(size_t)c * tq] = src[c];
            heaps[r].n = 0;
        }
        int64_t chunk = CHUNK / bw;
        for (int64_t b0 = 0; b0 < j->blocks; b0 += chunk) {
            int64_t b1 = b0 + chunk < j->blocks ? b0 + chunk : j->blocks;
            for (int t = 0; t < n_tiles; t++)
                for (int64_t b = b0; b < b1; b++) {
                    float s[TQ_MAX][BW_MAX];
                    j->tile(qt + (size_t)t * dim * tq, j->tp + (size_t)b * dim * bw, dim, s);
                    int valid = (int)(j->n_train - b * bw < bw ? j->n_train - b * bw : bw);
                    for (int i = 0; i < tq && t * tq + i < n_rows; i++) {
                        heap *h = &heaps[t * tq + i];
                        for (int c = 0; c < valid; c++)
                            if (h->n < k || s[i][c] > h->v[0])
                                heap_offer(h, k, s[i][c], (int32_t)(b * bw + c));
                    }
                }
        }
        for (int r = 0; r < n_rows; r++)
            vote(j, &heaps[r], first + r, scores, &top1, &top5);
    }
    atomic_fetch_add(&j->top1, top1);
    atomic_fetch_add(&j->top5, top5);
done:
    free(qt);
    free(hv);
    free(hi);
    free(scores);
    return NULL;
}

static int all_finite(const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

int hue_knn_classify(const float *train, const int32_t *train_labels, int64_t n_train, const float *test,
                     const int32_t *test_labels, int64_t n_test, int dim, int num_classes, const hue_knn_options *o,
                     int32_t *pred, hue_knn_result *r)
{
    memset(r, 0, sizeof *r);
    if (dim < 1 || num_classes < 1 || n_test < 1 || n_train < 1 || n_train > INT32_MAX)
        return hue_fail(HUE_EINVAL, "kNN: %lld training and %lld test images of %d features, %d classes",
                        (long long)n_train, (long long)n_test, dim, num_classes);
    if (o->k < 1 || o->k > n_train)
        return hue_fail(HUE_EINVAL, "kNN: k %d must be from 1 to the %lld training images", o->k, (long long)n_train);
    if (!(o->temperature > 0) || !isfinite(o->temperature))
        return hue_fail(HUE_EINVAL, "kNN: temperature %g must be a number > 0", o->temperature);
    if (o->threads < 1 || o->threads > 256)
        return hue_fail(HUE_EINVAL, "kNN: %d threads (1 to 256)", o->threads);
    for (int64_t i = 0; i < n_train; i++)
        if (train_labels[i] < 0 || train_labels[i] >= num_classes)
            return hue_fail(HUE_EINVAL, "kNN: training label %d of image %lld is not a class", train_labels[i],
                            (long long)i);
    for (int64_t i = 0; i < n_test; i++)
        if (test_labels[i] < 0 || test_labels[i] >= num_classes)
            return hue_fail(HUE_EINVAL, "kNN: test label %d of image %lld is not a class", test_labels[i],
                            (long long)i);
    /* a NaN would never rank, and would vote NaN */
    if (!all_finite(train, n_train * dim) || !all_finite(test, n_test * dim))
        return hue_fail(HUE_EINVAL, "kNN: the features hold a NaN or inf (a model that diverged?)");

    job j = {.train_labels = train_labels, .test_labels = test_labels, .test = test, .n_train = n_train,
             .n_test = n_test, .dim = dim, .num_classes = num_classes, .k = o->k, .inv_t = 1.0 / o->temperature,
             .tile = tile_generic, .tq = 8, .bw = 8, .pred = pred};
    /* HUE_KNN_KERNEL=generic|avx2|avx512: the tests run every kernel this CPU has */
    const char *want = getenv("HUE_KNN_KERNEL");
    if (want && strcmp(want, "generic") && strcmp(want, "avx2") && strcmp(want, "avx512"))
        return hue_fail(HUE_EINVAL, "HUE_KNN_KERNEL='%s': expected generic, avx2 or avx512", want);
#if defined(__GNUC__) && defined(__x86_64__)
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int avx512 = __builtin_cpu_supports("avx512f");
    if (want && ((!strcmp(want, "avx2") && !avx2) || (!strcmp(want, "avx512") && !avx512)))
        return hue_fail(HUE_ENOTSUP, "HUE_KNN_KERNEL=%s: this CPU lacks it", want);
    if (avx512 && (!want || !strcmp(want, "avx512")))
        j.tile = tile_avx512, j.tq = j.bw = 16;
    else if (avx2 && (!want || !strcmp(want, "avx2")))
        j.tile = tile_avx2;
#else
    if (want && strcmp(want, "generic"))
        return hue_fail(HUE_ENOTSUP, "HUE_KNN_KERNEL=%s: not built for this CPU", want);
#endif
    j.blocks = (n_train + j.bw - 1) / j.bw;
    atomic_init(&j.next_group, 0);
    atomic_init(&j.top1, 0);
    atomic_init(&j.top5, 0);
    float *tp = calloc((size_t)j.blocks * dim * j.bw, sizeof *tp);
    if (!tp)
        return hue_fail(HUE_ENOMEM, "kNN: out of host memory for %lld training features", (long long)n_train);
    for (int64_t i = 0; i < n_train; i++)
        for (int c = 0; c < dim; c++)
            tp[((size_t)(i / j.bw) * dim + c) * j.bw + i % j.bw] = train[i * dim + c];
    j.tp = tp;

    int n = o->threads, rc = 0;
    pthread_t th[256];
    worker w[256];
    int started = 0;
    for (; started < n; started++) {
        w[started] = (worker){&j, 0};
        if (started > 0 && pthread_create(&th[started], NULL, work, &w[started]) != 0)
            break;
    }
    work(&w[0]);
    for (int t = 1; t < started; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < started; t++)
        if (w[t].rc)
            rc = w[t].rc;
    free(tp);
    if (rc)
        return hue_fail(rc, "kNN: out of host memory");
    r->n = n_test;
    r->top1 = (double)atomic_load(&j.top1) / (double)n_test;
    r->top5 = (double)atomic_load(&j.top5) / (double)n_test;
    return 0;
}
