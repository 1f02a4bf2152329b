/* CPU kernels: the ring of context frames and label propagation
 * (compute/ops/propagate.c; its plain-C reference is the definition).
 *
 * Propagation scores tiles of 8 queries (8 neighbouring columns of one
 * row) against blocks of 8 candidates, 64 dot products at a time in
 * vector registers: the queries' channels are regrouped once per run as
 * [tile][C][8], frame 0 as [block][C][8], so both stream contiguously; a
 * ring frame is read in place (rows padded: hue_ring_width), 8 columns
 * from any start. Each query keeps its k best unsorted with their minimum
 * at hand (a block none of whose scores beats its query's minimum costs one
 * vector compare), across frame 0 and then the ring slot by slot: all tiles
 * see one slot before the next, so the ring rows around a query row stay
 * in cache while its tiles pass. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_cpu_kernel.h"
#include "hue_error.h"
#include "hue_ops_track.h"

/* ---- ring write ---- */

/* in = {x [C, h, w], slot [1]}; out = ring [S, C, h, W]: slot slot[0]
 * (truncated, clamped to the ring) gets x's rows from column p.pad[0],
 * zeros around them. */
static int ring_write_run(hue_cpu_node *n)
{
    const hue_cpu_tensor *x = &n->in[0], *r = &n->out;
    int64_t S = r->shape[0], C = r->shape[1], h = r->shape[2], W = r->shape[3], w = x->shape[3], P = n->p->pad[0];
    float v = n->in[1].data[0];
    int64_t s = v >= (float)(S - 1) ? S - 1 : v >= 1 ? (int64_t)v : 0;
    float *base = r->data + s * C * h * W;
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t c = 0; c < C; c++)
        for (int64_t y = 0; y < h; y++) {
            float *row = base + (c * h + y) * W;
            const float *src = x->data + hue_cpu_at(x, 0, c, y, 0);
            memset(row, 0, sizeof(float) * (size_t)P);
            for (int64_t i = 0; i < w; i++)
                row[P + i] = src[i * x->stride[3]];
            memset(row + P + w, 0, sizeof(float) * (size_t)(W - P - w));
        }
    return 0;
}

static int ring_write_prepare(hue_cpu_node *n)
{
    const hue_cpu_tensor *x = &n->in[0], *r = &n->out;
    if (!x->data || !n->in[1].data || !r->data || !r->contiguous)
        return hue_fail(HUE_ENOTSUP, "ring_write (node %d): needs fp32 tensors and a contiguous ring", n->index);
    if (x->shape[1] != r->shape[1] || x->shape[2] != r->shape[2] || x->shape[3] + n->p->pad[0] > r->shape[3])
        return hue_fail(HUE_EINVAL, "ring_write (node %d): the frame does not fit the ring", n->index);
    return 0;
}

/* ---- propagation ---- */

#define TQ 8  /* queries per tile, candidates per block */

/* Dot products of a tile's 8 queries (qt [C][8]) with 8 candidates (f,
 * channel c at f + c * stride): out[q][j]; returns whether any out[q][j]
 * exceeds min[q] (once the lists fill up, most blocks do not, and cost no
 * more). Written for the compiler's vector extension (8 lanes; two SSE
 * registers where AVX is absent). */
typedef float hue_v8 __attribute__((vector_size(32)));
typedef int32_t hue_v8i __attribute__((vector_size(32)));

static inline __attribute__((always_inline)) int dot_block_body(const float *qt, const float *f, int64_t stride,
                                                                int64_t C, const float min[TQ], float out[TQ][TQ])
{
    hue_v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
    for (int64_t c = 0; c < C; c++, f += stride, qt += TQ) {
        hue_v8 x;
        memcpy(&x, f, sizeof x);
        a0 += qt[0] * x;
        a1 += qt[1] * x;
        a2 += qt[2] * x;
        a3 += qt[3] * x;
        a4 += qt[4] * x;
        a5 += qt[5] * x;
        a6 += qt[6] * x;
        a7 += qt[7] * x;
    }
    memcpy(out[0], &a0, sizeof a0);
    memcpy(out[1], &a1, sizeof a1);
    memcpy(out[2], &a2, sizeof a2);
    memcpy(out[3], &a3, sizeof a3);
    memcpy(out[4], &a4, sizeof a4);
    memcpy(out[5], &a5, sizeof a5);
    memcpy(out[6], &a6, sizeof a6);
    memcpy(out[7], &a7, sizeof a7);
    hue_v8 z = {0};
    hue_v8i better = (a0 > z + min[0]) | (a1 > z + min[1]) | (a2 > z + min[2]) | (a3 > z + min[3]) |
                     (a4 > z + min[4]) | (a5 > z + min[5]) | (a6 > z + min[6]) | (a7 > z + min[7]);
    uint64_t lanes[4];
    memcpy(lanes, &better, sizeof lanes);
    return (lanes[0] | lanes[1] | lanes[2] | lanes[3]) != 0;
}

typedef int (*dot_block_fn)(const float *qt, const float *f, int64_t stride, int64_t C, const float min[TQ],
                            float out[TQ][TQ]);

static int dot_block_generic(const float *qt, const float *f, int64_t stride, int64_t C, const float min[TQ],
                             float out[TQ][TQ])
{
    return dot_block_body(qt, f, stride, C, min, out);
}

#if defined(__GNUC__) && defined(__x86_64__)
/* The same with 256-bit registers, chosen at prepare where the CPU has AVX2. */
__attribute__((target("avx2"))) static int dot_block_avx2(const float *qt, const float *f, int64_t stride, int64_t C,
                                                          const float min[TQ], float out[TQ][TQ])
{
    return dot_block_body(qt, f, stride, C, min, out);
}
#endif

typedef struct {
    dot_block_fn dot;
    int64_t C, h, w, hw, S, W, P, L, tiles_x, tiles, blocks0;
    int K, R;
    int *half;      /* [2R - 1]: half[dy + R - 1] = the largest d with d^2 + dy^2 < R^2 */
    /* in the shared workspace, set by run() (offsets in bytes: off[]) */
    size_t off[4];
    float *qt;      /* [tiles][C][8]: queries regrouped by tile, zeros past the row's end */
    float *f0;      /* [blocks0][C][8]: frame 0 regrouped by blocks of 8 positions, zeros past the end */
    float *topv;    /* [hw][K]: each query's k best scores, unsorted */
    int32_t *topi;  /* [hw][K]: their candidates (frame 0: y w + x; ring slot s: hw + (s h + y) w + x) */
} prop_state;

/* The k best of one query, with the smallest at hand. */
typedef struct {
    float *v;
    int32_t *id;
    float min;
    int at;
} topk;

static void topk_find_min(topk *t, int K)
{
    t->min = t->v[0];
    t->at = 0;
    for (int j = 1; j < K; j++)
        if (t->v[j] < t->min) {
            t->min = t->v[j];
            t->at = j;
        }
}

/* Candidates replace the smallest only when strictly better: on equal
 * scores the one seen first (the smaller id) stays. */
static inline void topk_offer(topk *t, int K, float v, int32_t id)
{
    if (v > t->min) {
        t->v[t->at] = v;
        t->id[t->at] = id;
        topk_find_min(t, K);
    }
}

/* A tile's lists, and their minima (+inf past the row's end: no candidate
 * goes there). */
static void tile_topk(const prop_state *st, int64_t tile, topk tk[TQ], float min[TQ], int *nq, int64_t *qy,
                      int64_t *qx0)
{
    *qy = tile / st->tiles_x;
    *qx0 = tile % st->tiles_x * TQ;
    *nq = st->w - *qx0 < TQ ? (int)(st->w - *qx0) : TQ;
    for (int q = 0; q < TQ; q++) {
        min[q] = INFINITY;
        if (q >= *nq)
            continue;
        int64_t pos = *qy * st->w + *qx0 + q;
        tk[q].v = st->topv + pos * st->K;
        tk[q].id = st->topi + pos * st->K;
        topk_find_min(&tk[q], st->K);
        min[q] = tk[q].min;
    }
}

/* Regroups a tile's queries and frame 0's blocks, and starts every list. */
static void prop_setup(const prop_state *st, const float *q, const float *f0)
{
    int64_t C = st->C, hw = st->hw, w = st->w;
#pragma omp for schedule(static) nowait
    for (int64_t t = 0; t < st->tiles; t++) {
        int64_t qy = t / st->tiles_x, qx0 = t % st->tiles_x * TQ;
        float *dst = st->qt + t * C * TQ;
        for (int64_t c = 0; c < C; c++)
            for (int i = 0; i < TQ; i++)
                dst[c * TQ + i] = qx0 + i < w ? q[c * hw + qy * w + qx0 + i] : 0.0f;
    }
#pragma omp for schedule(static) nowait
    for (int64_t b = 0; b < st->blocks0; b++) {
        float *dst = st->f0 + b * C * TQ;
        for (int64_t c = 0; c < C; c++)
            for (int i = 0; i < TQ; i++)
                dst[c * TQ + i] = b * TQ + i < hw ? f0[c * hw + b * TQ + i] : 0.0f;
    }
#pragma omp for schedule(static)
    for (int64_t i = 0; i < hw * st->K; i++) {
        st->topv[i] = -FLT_MAX;
        st->topi[i] = -1;
    }
}

/* Frame 0: every position is a candidate of every query. */
static void prop_frame0(const prop_state *st, int64_t tile)
{
    topk tk[TQ];
    int nq, K = st->K;
    int64_t qy, qx0;
    float min[TQ], sc[TQ][TQ];
    tile_topk(st, tile, tk, min, &nq, &qy, &qx0);
    const float *qt = st->qt + tile * st->C * TQ;
    for (int64_t b = 0; b < st->blocks0; b++) {
        if (!st->dot(qt, st->f0 + b * st->C * TQ, TQ, st->C, min, sc))
            continue;
        int64_t nj = st->hw - b * TQ < TQ ? st->hw - b * TQ : TQ;
        for (int q = 0; q < nq; q++) {
            for (int j = 0; j < nj; j++)
                topk_offer(&tk[q], K, sc[q][j], (int32_t)(b * TQ + j));
            min[q] = tk[q].min;
        }
    }
}

/* Ring slot s: for each query, the positions at distance < R. Row y's
 * candidates of the tile span columns xs..xe (the disks' union), scored
 * 8 at a time; a block that would pass the padded row's end starts
 * earlier, its columns already seen skipped. */
static void prop_ring(const prop_state *st, const float *ring, int64_t s, int64_t tile)
{
    topk tk[TQ];
    int nq, K = st->K, R = st->R;
    int64_t qy, qx0, C = st->C, h = st->h, w = st->w, W = st->W;
    float min[TQ], sc[TQ][TQ];
    tile_topk(st, tile, tk, min, &nq, &qy, &qx0);
    const float *qt = st->qt + tile * C * TQ;
    int64_t y0 = qy - R + 1 > 0 ? qy - R + 1 : 0, y1 = qy + R - 1 < h - 1 ? qy + R - 1 : h - 1;
    for (int64_t y = y0; y <= y1; y++) {
        int64_t hm = st->half[y - qy + R - 1];
        int64_t xs = qx0 - hm > 0 ? qx0 - hm : 0, xe = qx0 + nq - 1 + hm < w - 1 ? qx0 + nq - 1 + hm : w - 1;
        const float *row = ring + (s * C * h + y) * W + st->P;
        int32_t id_row = (int32_t)(st->hw + (s * h + y) * w);
        for (int64_t cs = xs; cs <= xe; cs += TQ) {
            int64_t c0 = cs + TQ <= W - st->P ? cs : W - st->P - TQ;
            if (!st->dot(qt, row + c0, h * W, C, min, sc))
                continue;
            for (int q = 0; q < nq; q++) {
                int64_t qx = qx0 + q;
                int64_t lo = qx - hm > cs ? qx - hm : cs, hi = qx + hm < xe ? qx + hm : xe;
                hi = hi < c0 + TQ - 1 ? hi : c0 + TQ - 1;
                for (int64_t x = lo; x <= hi; x++)
                    topk_offer(&tk[q], K, sc[q][x - c0], id_row + (int32_t)x);
                min[q] = tk[q].min;
            }
        }
    }
}

/* Softmax of the k best / temperature, weighted sum of their labels. */
static void prop_gather(const prop_state *st, const float *lab0, const float *labr, float inv_t, float *out)
{
    int64_t hw = st->hw, L = st->L;
    int K = st->K;
#pragma omp for schedule(static)
    for (int64_t pos = 0; pos < hw; pos++) {
        const float *v = st->topv + pos * K;
        const int32_t *ids = st->topi + pos * K;
        float m = v[0];
        for (int j = 1; j < K; j++)
            m = v[j] > m ? v[j] : m;
        double total = 0;
        for (int j = 0; j < K; j++)
            total += exp((double)((v[j] - m) * inv_t));
        for (int64_t l = 0; l < L; l++)
            out[l * hw + pos] = 0.0f;
        for (int j = 0; j < K; j++) {
            float wgt = (float)(exp((double)((v[j] - m) * inv_t)) / total);
            int64_t id = ids[j];
            if (id < 0)
                continue;
            if (id < hw)
                for (int64_t l = 0; l < L; l++)
                    out[l * hw + pos] += wgt * lab0[l * hw + id];
            else
                for (int64_t l = 0; l < L; l++)
                    out[l * hw + pos] += wgt * labr[((id - hw) / hw * L + l) * hw + (id - hw) % hw];
        }
    }
}

/* in = {q [C, h, w], f0 [C, h, w], f0 labels [L, h, w], ring [S, C, h, W],
 * ring labels [S, L, h, w]}; out = [L, h, w]. */
static int propagate_run(hue_cpu_node *n)
{
    prop_state *st = n->state;
    char *ws = n->workspace;
    st->qt = (float *)(ws + st->off[0]);
    st->f0 = (float *)(ws + st->off[1]);
    st->topv = (float *)(ws + st->off[2]);
    st->topi = (int32_t *)(ws + st->off[3]);
    const float *q = n->in[0].data, *f0 = n->in[1].data, *ring = n->in[3].data;
    float inv_t = 1.0f / n->p->temperature;
#pragma omp parallel
    {
        prop_setup(st, q, f0);
        /* static schedules over the same tiles: a thread keeps its tiles in
         * every loop, so their lists need no barrier between loops */
#pragma omp for schedule(static) nowait
        for (int64_t t = 0; t < st->tiles; t++)
            prop_frame0(st, t);
        for (int64_t s = 0; s < st->S; s++) {
#pragma omp for schedule(static) nowait
            for (int64_t t = 0; t < st->tiles; t++)
                prop_ring(st, ring, s, t);
        }
#pragma omp barrier
        prop_gather(st, n->in[2].data, n->in[4].data, inv_t, n->out.data);
    }
    return 0;
}

static void propagate_release(hue_cpu_node *n)
{
    prop_state *st = n->state;
    if (!st)
        return;
    free(st->half);
    free(st);
    n->state = NULL;
}

static int propagate_prepare(hue_cpu_node *n)
{
    for (int k = 0; k < 5; k++)
        if (!n->in[k].contiguous || !n->in[k].data)
            return hue_fail(HUE_ENOTSUP, "propagate (node %d): input %d is not a contiguous fp32 tensor", n->index, k);
    if (!n->out.contiguous || !n->out.data)
        return hue_fail(HUE_ENOTSUP, "propagate (node %d): the output is not contiguous", n->index);
    const hue_cpu_tensor *q = &n->in[0], *ring = &n->in[3];
    prop_state *st = calloc(1, sizeof *st);
    if (!st)
        return hue_fail(HUE_ENOMEM, "propagate (node %d): out of host memory", n->index);
    n->state = st;
    st->C = q->shape[1], st->h = q->shape[2], st->w = q->shape[3], st->hw = st->h * st->w;
    st->S = ring->shape[0], st->W = ring->shape[3], st->L = n->in[2].shape[1];
    st->K = n->p->topk, st->R = n->p->radius, st->P = hue_ring_pad(st->R);
    st->tiles_x = (st->w + TQ - 1) / TQ, st->tiles = st->tiles_x * st->h, st->blocks0 = (st->hw + TQ - 1) / TQ;
    if (st->hw * (st->S + 1) > INT32_MAX || st->W - st->P < TQ || st->K < 1 || st->K > st->hw || st->R < 1) {
        propagate_release(n);
        return hue_fail(HUE_EINVAL, "propagate (node %d): sizes outside what the kernel handles", n->index);
    }
    st->dot = dot_block_generic;
#if defined(__GNUC__) && defined(__x86_64__)
    if (__builtin_cpu_supports("avx2"))
        st->dot = dot_block_avx2;
#endif
    size_t sizes[4] = {sizeof(float) * (size_t)(st->tiles * st->C * TQ),
                       sizeof(float) * (size_t)(st->blocks0 * st->C * TQ), sizeof(float) * (size_t)(st->hw * st->K),
                       sizeof(int32_t) * (size_t)(st->hw * st->K)};
    n->workspace_bytes = 0;
    for (int i = 0; i < 4; i++) {
        st->off[i] = n->workspace_bytes;
        n->workspace_bytes += (sizes[i] + 63) / 64 * 64;
    }
    st->half = malloc(sizeof(int) * (size_t)(2 * st->R - 1));
    if (!st->half) {
        propagate_release(n);
        return hue_fail(HUE_ENOMEM, "propagate (node %d): out of host memory", n->index);
    }
    for (int dy = -(st->R - 1); dy <= st->R - 1; dy++) {
        int d = -1;
        while ((d + 1) * (d + 1) + dy * dy < st->R * st->R)
            d++;
        st->half[dy + st->R - 1] = d;
    }
    return 0;
}

const hue_cpu_kernel hue_cpu_kernels_track[] = {
    {"ring_write", ring_write_prepare, ring_write_run, NULL},
    {"propagate", propagate_prepare, propagate_run, propagate_release},
    {NULL, NULL, NULL, NULL},
};
