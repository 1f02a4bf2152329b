/* CPU kernels: data movement (permute, concat, slice and its gradient,
 * reshape) and the bilinear resize with its gradient
 * (shaders/permute.comp, concat.comp, resize.comp, resize_grad.comp). */
#include <stdlib.h>
#include <string.h>

#include "hue_cpu_kernel.h"
#include "hue_error.h"

#define PARALLEL_MIN 32768  /* elements below which a kernel stays on one thread */
#define CHUNK 16384         /* elements a copy task moves at most */
#define TILE 32             /* side of a transpose tile */

static void free_state(hue_cpu_node *n)
{
    free(n->state);
    n->state = NULL;
}

static int check_float(const hue_cpu_node *n, int need_contiguous_inputs)
{
    for (int k = 0; k < n->n_in; k++)
        if (!n->in[k].data || (need_contiguous_inputs && !n->in[k].contiguous))
            return hue_fail(HUE_ENOTSUP, "%s: input %d is not a contiguous float tensor", n->op, k);
    if (!n->out.data || !n->out.contiguous)
        return hue_fail(HUE_ENOTSUP, "%s: the output is not a contiguous float tensor", n->op);
    return 0;
}

/* rows x cols floats from src (rows ld_src apart) to dst (ld_dst apart),
 * split in tasks of at most CHUNK floats. */
static void copy_rows(float *dst, int64_t ld_dst, const float *src, int64_t ld_src, int64_t rows, int64_t cols)
{
    int64_t chunks = (cols + CHUNK - 1) / CHUNK, tasks = rows * chunks;
#pragma omp parallel for schedule(static) if (rows * cols >= PARALLEL_MIN && tasks > 1)
    for (int64_t t = 0; t < tasks; t++) {
        int64_t r = t / chunks, c = t % chunks * CHUNK, len = cols - c < CHUNK ? cols - c : CHUNK;
        memcpy(dst + r * ld_dst + c, src + r * ld_src + c, sizeof(float) * (size_t)len);
    }
}

/* ---- permute: a strided view copied into a contiguous tensor ----
 *
 * Output axes (size-1 ones dropped, neighbours that the input walks as one
 * merged) with the input stride of each. Three ways to copy: rows, where
 * the innermost axis is contiguous in the input too; 32x32 tiles, where
 * another axis is (a transpose: both sides stay in cache); else a gather. */
typedef struct {
    int64_t ext[4], st[4], ost[4];  /* padded in front; ost: output strides */
    int tile_axis;                  /* the axis with input stride 1 for tiles, else -1 */
} permute_plan;

static int permute_prepare(hue_cpu_node *n)
{
    int rc = check_float(n, 0);
    if (rc)
        return rc;
    const hue_cpu_tensor *x = &n->in[0], *y = &n->out;
    int lead = HUE_MAX_DIMS - x->ndim;
    int64_t st[4];
    for (int i = 0; i < 4; i++)
        st[i] = i < lead ? 0 : x->stride[lead + n->p->perm[i - lead]];
    int m = 0;
    int64_t ext[4], mst[4];
    for (int i = 3; i >= 0; i--) {  /* inner to outer */
        if (y->shape[i] == 1)
            continue;
        if (m > 0 && st[i] == mst[m - 1] * ext[m - 1]) {
            ext[m - 1] *= y->shape[i];
            continue;
        }
        ext[m] = y->shape[i], mst[m] = st[i];
        m++;
    }
    permute_plan *pl = calloc(1, sizeof *pl);
    if (!pl)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    int64_t s = 1;
    for (int i = 3; i >= 0; i--) {
        pl->ext[i] = 3 - i < m ? ext[3 - i] : 1;
        pl->st[i] = 3 - i < m ? mst[3 - i] : 0;
        pl->ost[i] = s;
        s *= pl->ext[i];
    }
    pl->tile_axis = -1;
    if (pl->st[3] != 1)
        for (int i = 0; i < 3; i++)
            if (pl->st[i] == 1 && pl->ext[i] > 1)
                pl->tile_axis = i;
    n->state = pl;
    return 0;
}

static int permute_run(hue_cpu_node *n)
{
    const permute_plan *pl = n->state;
    const int64_t *e = pl->ext, *s = pl->st, *os = pl->ost;
    const float *x = n->in[0].data;
    float *y = n->out.data;
    int big = n->out.numel >= PARALLEL_MIN;
    if (pl->tile_axis < 0) {
        int64_t rows = e[0] * e[1] * e[2];
#pragma omp parallel for schedule(static) if (big && rows > 1)
        for (int64_t r = 0; r < rows; r++) {
            int64_t i2 = r % e[2], i1 = r / e[2] % e[1], i0 = r / e[2] / e[1];
            const float *src = x + i0 * s[0] + i1 * s[1] + i2 * s[2];
            float *dst = y + r * e[3];
            if (s[3] == 1)
                memcpy(dst, src, sizeof(float) * (size_t)e[3]);
            else
                for (int64_t i = 0; i < e[3]; i++)
                    dst[i] = src[i * s[3]];
        }
        return 0;
    }
    /* tiles over (axis t, axis 3); the two other axes u < v outside */
    int t = pl->tile_axis, u = t == 0 ? 1 : 0, v = t == 2 ? 1 : 2;
    int64_t nt = (e[t] + TILE - 1) / TILE, n3 = (e[3] + TILE - 1) / TILE;
    int64_t tasks = e[u] * e[v] * nt * n3;
#pragma omp parallel for schedule(static) if (big)
    for (int64_t k = 0; k < tasks; k++) {
        int64_t b3 = k % n3 * TILE, bt = k / n3 % nt * TILE, r = k / n3 / nt;
        int64_t iv = r % e[v], iu = r / e[v];
        const float *src = x + iu * s[u] + iv * s[v];
        float *dst = y + iu * os[u] + iv * os[v];
        int64_t et = e[t] - bt < TILE ? e[t] - bt : TILE, e3 = e[3] - b3 < TILE ? e[3] - b3 : TILE;
        for (int64_t j = 0; j < et; j++)
            for (int64_t i = 0; i < e3; i++)
                dst[(bt + j) * os[t] + b3 + i] = src[(bt + j) + (b3 + i) * s[3]];
    }
    return 0;
}

/* ---- concat, slice, slice_grad: [outer, axis, inner] row blocks ---- */

static void outer_inner(const int64_t *shape, int axis, int64_t *outer, int64_t *inner)
{
    *outer = *inner = 1;
    for (int i = 0; i < HUE_MAX_DIMS; i++) {
        if (i < axis)
            *outer *= shape[i];
        else if (i > axis)
            *inner *= shape[i];
    }
}

static int blocks_prepare(hue_cpu_node *n)
{
    if (n->p->axis < 0 || n->p->axis >= HUE_MAX_DIMS)
        return hue_fail(HUE_EINVAL, "%s: axis %d", n->op, n->p->axis);
    return check_float(n, 1);
}

static int concat_run(hue_cpu_node *n)
{
    int a = n->p->axis;
    int64_t outer, inner, total = n->out.shape[a], start = 0;
    outer_inner(n->out.shape, a, &outer, &inner);
    for (int k = 0; k < n->n_in; k++) {
        int64_t len = n->in[k].shape[a];
        copy_rows(n->out.data + start * inner, total * inner, n->in[k].data, len * inner, outer, len * inner);
        start += len;
    }
    return 0;
}

static int slice_run(hue_cpu_node *n)
{
    int a = n->p->axis;
    int64_t outer, inner;
    outer_inner(n->in[0].shape, a, &outer, &inner);
    int64_t cols = n->p->length * inner;
    copy_rows(n->out.data, cols, n->in[0].data + n->p->start * inner, n->in[0].shape[a] * inner, outer, cols);
    return 0;
}

/* dx: G in rows [start, start + length) of the axis, zeros around it. */
static int slice_grad_run(hue_cpu_node *n)
{
    int a = n->p->axis;
    int64_t outer, inner;
    outer_inner(n->out.shape, a, &outer, &inner);
    int64_t ld = n->out.shape[a] * inner, before = n->p->start * inner, cols = n->p->length * inner;
    const float *G = n->in[0].data;
    float *dx = n->out.data;
#pragma omp parallel for schedule(static) if (n->out.numel >= PARALLEL_MIN && outer > 1)
    for (int64_t r = 0; r < outer; r++) {
        float *row = dx + r * ld;
        memset(row, 0, sizeof(float) * (size_t)before);
        memcpy(row + before, G + r * cols, sizeof(float) * (size_t)cols);
        memset(row + before + cols, 0, sizeof(float) * (size_t)(ld - before - cols));
    }
    return 0;
}

/* reshape: the output is the input's bytes seen with another shape; copy
 * only where the plan gave it bytes of its own. */
static int reshape_run(hue_cpu_node *n)
{
    if (n->out.data && n->out.data != n->in[0].data)
        copy_rows(n->out.data, 0, n->in[0].data, 0, 1, n->out.numel);
    else if (n->out.bytes && n->out.bytes != n->in[0].bytes)
        memcpy(n->out.bytes, n->in[0].bytes, (size_t)n->out.numel);
    return 0;
}

/* ---- bilinear resize (half-pixel centres, align_corners = false) ----
 *
 * Taps per output row and column, computed once at prepare in fp32 exactly
 * as shaders/resize.comp does: source (o + 0.5) * in / out - 0.5 clamped at
 * 0; neighbours i0 and i1 = min(i0 + 1, n - 1), weights 1 - l and l. The
 * gradient also needs, per input row, the output rows that read it. */
typedef struct {
    int64_t H, W, OH, OW;
    int32_t *y0, *y1, *x0, *x1;
    float *ly, *lx;
    int32_t *first, *last;  /* gradient: output rows reading input row i: [first[i], last[i]] */
} resize_plan;

static void taps(int64_t out, int64_t in, float scale, int32_t *i0, int32_t *i1, float *l)
{
    for (int64_t o = 0; o < out; o++) {
        float s = ((float)o + 0.5f) * scale - 0.5f;
        s = s > 0.0f ? s : 0.0f;
        int64_t a = (int64_t)s < in - 1 ? (int64_t)s : in - 1;
        i0[o] = (int32_t)a;
        i1[o] = (int32_t)(a + 1 < in ? a + 1 : in - 1);
        l[o] = s - (float)a;
    }
}

static void resize_release(hue_cpu_node *n)
{
    resize_plan *pl = n->state;
    if (pl) {
        free(pl->y0), free(pl->y1), free(pl->x0), free(pl->x1);
        free(pl->ly), free(pl->lx), free(pl->first), free(pl->last);
    }
    free_state(n);
}

static int resize_prepare(hue_cpu_node *n)
{
    int rc = check_float(n, 1);
    if (rc)
        return rc;
    int grad = !strcmp(n->op, "resize_bilinear_grad");
    /* forward: in = x, out = y; gradient: in = G (y's shape), out = dx (x's) */
    const hue_cpu_tensor *small = grad ? &n->out : &n->in[0], *big = grad ? &n->in[0] : &n->out;
    resize_plan *pl = calloc(1, sizeof *pl);
    if (!pl)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    n->state = pl;
    pl->H = small->shape[2], pl->W = small->shape[3], pl->OH = big->shape[2], pl->OW = big->shape[3];
    size_t oh = (size_t)pl->OH, ow = (size_t)pl->OW;
    pl->y0 = malloc(sizeof(int32_t) * oh), pl->y1 = malloc(sizeof(int32_t) * oh), pl->ly = malloc(sizeof(float) * oh);
    pl->x0 = malloc(sizeof(int32_t) * ow), pl->x1 = malloc(sizeof(int32_t) * ow), pl->lx = malloc(sizeof(float) * ow);
    pl->first = malloc(sizeof(int32_t) * (size_t)pl->H), pl->last = malloc(sizeof(int32_t) * (size_t)pl->H);
    if (!pl->y0 || !pl->y1 || !pl->ly || !pl->x0 || !pl->x1 || !pl->lx || !pl->first || !pl->last)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    taps(pl->OH, pl->H, (float)pl->H / (float)pl->OH, pl->y0, pl->y1, pl->ly);
    taps(pl->OW, pl->W, (float)pl->W / (float)pl->OW, pl->x0, pl->x1, pl->lx);
    for (int64_t i = 0; i < pl->H; i++)
        pl->first[i] = INT32_MAX, pl->last[i] = -1;
    for (int64_t o = 0; o < pl->OH; o++) {  /* taps only grow with o: each input row's readers are a range */
        int32_t r[2] = {pl->y0[o], pl->y1[o]};
        for (int k = 0; k < 2; k++) {
            if (o < pl->first[r[k]])
                pl->first[r[k]] = (int32_t)o;
            if (o > pl->last[r[k]])
                pl->last[r[k]] = (int32_t)o;
        }
    }
    return 0;
}

static inline float mixf(float a, float b, float t) { return a * (1.0f - t) + b * t; }

static int resize_run(hue_cpu_node *n)
{
    const resize_plan *pl = n->state;
    int64_t H = pl->H, W = pl->W, OH = pl->OH, OW = pl->OW, rows = n->out.numel / OW;
    const float *x = n->in[0].data;
    float *y = n->out.data;
#pragma omp parallel for schedule(static) if (n->out.numel >= PARALLEL_MIN / 4 && rows > 1)
    for (int64_t r = 0; r < rows; r++) {
        int64_t plane = r / OH, oy = r % OH;
        const float *top = x + (plane * H + pl->y0[oy]) * W, *bottom = x + (plane * H + pl->y1[oy]) * W;
        float ly = pl->ly[oy], *out = y + r * OW;
        for (int64_t ox = 0; ox < OW; ox++) {
            int32_t a = pl->x0[ox], b = pl->x1[ox];
            float lx = pl->lx[ox];
            out[ox] = mixf(mixf(top[a], top[b], lx), mixf(bottom[a], bottom[b], lx), ly);
        }
    }
    return 0;
}

/* dx row by row: each input row gathers the output rows that read it and
 * spreads each of them over its columns (the row is this task's alone). */
static int resize_grad_run(hue_cpu_node *n)
{
    const resize_plan *pl = n->state;
    int64_t H = pl->H, W = pl->W, OH = pl->OH, OW = pl->OW, rows = n->out.numel / W;
    const float *G = n->in[0].data;
    float *dx = n->out.data;
#pragma omp parallel for schedule(static) if (n->in[0].numel >= PARALLEL_MIN / 4 && rows > 1)
    for (int64_t r = 0; r < rows; r++) {
        int64_t plane = r / H, iy = r % H;
        float *row = dx + r * W;
        memset(row, 0, sizeof(float) * (size_t)W);
        for (int64_t oy = pl->first[iy]; oy <= pl->last[iy]; oy++) {
            float wy = (pl->y0[oy] == iy ? 1.0f - pl->ly[oy] : 0.0f) + (pl->y1[oy] == iy ? pl->ly[oy] : 0.0f);
            if (wy == 0.0f)
                continue;
            const float *g = G + (plane * OH + oy) * OW;
            for (int64_t ox = 0; ox < OW; ox++) {
                float v = wy * g[ox], lx = pl->lx[ox];
                row[pl->x0[ox]] += v * (1.0f - lx);
                row[pl->x1[ox]] += v * lx;
            }
        }
    }
    return 0;
}

const hue_cpu_kernel hue_cpu_kernels_tensor[] = {
    {"permute", permute_prepare, permute_run, free_state},
    {"concat", blocks_prepare, concat_run, NULL},
    {"slice", blocks_prepare, slice_run, NULL},
    {"slice_grad", blocks_prepare, slice_grad_run, NULL},
    {"reshape", NULL, reshape_run, NULL},
    {"stop_gradient", NULL, reshape_run, NULL},
    {"resize_bilinear", resize_prepare, resize_run, resize_release},
    {"resize_bilinear_grad", resize_prepare, resize_grad_run, resize_release},
    {NULL, NULL, NULL, NULL},
};
