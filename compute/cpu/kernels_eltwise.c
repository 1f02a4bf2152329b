/* CPU kernels: elementwise ops (shaders/eltwise.comp), dropout
 * (shaders/dropout.comp) and the colour conversions (shaders/lab.comp). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dropout_internal.h"
#include "hue_cpu_kernel.h"
#include "hue_error.h"
#include "kernels_math.h"

/* Below this many elements a kernel runs on the calling thread: waking the
 * pool costs more than the work. */
#define PARALLEL_MIN 32768
/* A task covers at most this many elements of a row, so that one long row
 * (the contiguous same-shape case coalesces to one) still spreads over the
 * threads. */
#define CHUNK 16384

/* ---- elementwise ---- */

/* Operand count of each enum hue_eltwise kind, as compute/ops/eltwise.c. */
static int operands(int kind)
{
    if (kind == HUE_SCALE_BIAS)
        return 3;
    return kind <= HUE_MUL || kind == HUE_DIV || kind >= HUE_RELU_BWD ? 2 : 1;
}

/* The node's operands seen in the output's index space: up to 4 axes left
 * after dropping size-1 axes and merging neighbours that every operand
 * walks as one (a same-shape contiguous op becomes one axis), outermost
 * first, padded in front with size-1 axes. Stride 0 = broadcast. */
typedef struct {
    int64_t ext[4];
    int64_t st[3][4];
    int64_t rows, chunks;  /* tasks = rows * chunks */
} eltwise_plan;

static int eltwise_prepare(hue_cpu_node *n)
{
    const hue_cpu_tensor *y = &n->out;
    int kind = n->p->kind, n_ops = operands(kind);
    if (kind < HUE_ADD || kind > HUE_EQUAL || n->n_in < n_ops)
        return hue_fail(HUE_EINVAL, "eltwise kind %d with %d inputs", kind, n->n_in);
    if (!y->contiguous)
        return hue_fail(HUE_ENOTSUP, "%s: the output is not contiguous", n->op);
    int64_t st[3][4] = {{0}};
    for (int k = 0; k < n_ops; k++) {
        const hue_cpu_tensor *t = &n->in[k];
        if (!t->data)
            return hue_fail(HUE_EINVAL, "%s: input %d is not a float tensor", n->op, k);
        if (kind == HUE_SCALE_BIAS && k > 0) {
            /* scale and bias: C values along the output's channel axis (user axis 1) */
            if (!t->contiguous)
                return hue_fail(HUE_ENOTSUP, "%s: input %d is not contiguous", n->op, k);
            st[k][HUE_MAX_DIMS - y->ndim + 1] = 1;
            continue;
        }
        for (int i = 0; i < 4; i++) {
            if (t->shape[i] != y->shape[i] && t->shape[i] != 1)
                return hue_fail(HUE_EINVAL, "%s: input %d does not broadcast to the output", n->op, k);
            st[k][i] = t->shape[i] == 1 && y->shape[i] != 1 ? 0 : t->stride[i];
        }
    }
    eltwise_plan *pl = calloc(1, sizeof *pl);
    if (!pl)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    /* walk inner to outer, keeping axes of size > 1, merging where possible */
    int m = 0;
    int64_t ext[4], mst[3][4];
    for (int i = 3; i >= 0; i--) {
        if (y->shape[i] == 1)
            continue;
        int merge = m > 0;
        for (int k = 0; k < n_ops && merge; k++)
            merge = st[k][i] == mst[k][m - 1] * ext[m - 1];
        if (merge) {
            ext[m - 1] *= y->shape[i];
            continue;
        }
        ext[m] = y->shape[i];
        for (int k = 0; k < n_ops; k++)
            mst[k][m] = st[k][i];
        m++;
    }
    for (int i = 0; i < 4; i++) {  /* axis i of the plan is merged axis 3 - i */
        pl->ext[i] = 3 - i < m ? ext[3 - i] : 1;
        for (int k = 0; k < 3; k++)
            pl->st[k][i] = 3 - i < m && k < n_ops ? mst[k][3 - i] : 0;
    }
    pl->rows = pl->ext[0] * pl->ext[1] * pl->ext[2];
    pl->chunks = (pl->ext[3] + CHUNK - 1) / CHUNK;
    n->state = pl;
    return 0;
}

/* One row of n outputs, operands at strides sa and sb. Unit strides and a
 * broadcast scalar get their own loops so that they vectorise; a row of two
 * broadcast scalars (a gradient spread over a pooled plane) is one value. */
#define ROW(EXPR)                                                                     \
    do {                                                                              \
        if (sa == 1 && sb == 1) {                                                     \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++)                       \
            {                                                                         \
                float x = a[i], u = b[i];                                             \
                (void)u;                                                              \
                y[i] = (EXPR);                                                        \
            }                                                                         \
        } else if (sa == 1 && sb == 0) {                                              \
            const float u = b[0];                                                     \
            (void)u;                                                                  \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++)                       \
            {                                                                         \
                float x = a[i];                                                       \
                y[i] = (EXPR);                                                        \
            }                                                                         \
        } else if (sa == 0 && sb == 1) {                                              \
            const float x = a[0];                                                     \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++)                       \
            {                                                                         \
                float u = b[i];                                                       \
                (void)u;                                                              \
                y[i] = (EXPR);                                                        \
            }                                                                         \
        } else if (sa == 0 && sb == 0) {                                              \
            const float x = a[0], u = b[0], v = (EXPR);                               \
            (void)u;                                                                  \
            for (int64_t i = 0; i < n; i++)                                           \
                y[i] = v;                                                             \
        } else {                                                                      \
            for (int64_t i = 0; i < n; i++) {                                         \
                float x = a[i * sa], u = b[i * sb];                                   \
                (void)u;                                                              \
                y[i] = (EXPR);                                                        \
            }                                                                         \
        }                                                                             \
    } while (0)

/* The formulas of shaders/eltwise.comp's apply(); x is the first operand,
 * u the second (unary kinds pass x again and ignore it). exp and sigmoid
 * use the vectorisable exp of kernels_math.h; tanh and log stay libm's.
 * The leaky slopes multiply by 1 or alpha, chosen through the bits (the
 * same values as choosing x or x * alpha): a multiply under a condition, or
 * a choice between constants, keeps GCC from vectorising. */
static void eltwise_row(int kind, float alpha, int64_t n, const float *restrict a, int64_t sa,
                        const float *restrict b, int64_t sb, const float *restrict c, float *restrict y)
{
    switch (kind) {
    case HUE_ADD: ROW(x + u); break;
    case HUE_SUB: ROW(x - u); break;
    case HUE_MUL: ROW(x * u); break;
    case HUE_DIV: ROW(x / u); break;
    case HUE_RELU: ROW(x > 0.0f ? x : 0.0f); break;
    case HUE_LEAKY_RELU: ROW(x * hue_cpu_select(x >= 0.0f, 1.0f, alpha)); break;
    case HUE_SIGMOID: ROW(1.0f / (1.0f + hue_cpu_expf(-x))); break;
    case HUE_TANH: ROW(tanhf(x)); break;
    case HUE_EXP: ROW(hue_cpu_expf(x)); break;
    case HUE_LOG: ROW(logf(x)); break;
    case HUE_SCALE: ROW(alpha * x); break;
    case HUE_RELU_BWD: ROW(u > 0.0f ? x : 0.0f); break;
    case HUE_LEAKY_RELU_BWD: ROW(x * hue_cpu_select(u > 0.0f, 1.0f, alpha)); break;
    case HUE_SIGMOID_BWD: ROW(x * u * (1.0f - u)); break;
    case HUE_TANH_BWD: ROW(x * (1.0f - u * u)); break;
    case HUE_EQUAL: ROW(x == u ? 1.0f : 0.0f); break;
    case HUE_SCALE_BIAS:
        /* scale and bias share their strides */
        if (sb == 0) {
            const float s = b[0], t = c[0];
            if (sa == 1) {
                _Pragma("omp simd") for (int64_t i = 0; i < n; i++) y[i] = a[i] * s + t;
            } else {
                for (int64_t i = 0; i < n; i++)
                    y[i] = a[i * sa] * s + t;
            }
        } else if (sa == 1 && sb == 1) {
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++) y[i] = a[i] * b[i] + c[i];
        } else {
            for (int64_t i = 0; i < n; i++)
                y[i] = a[i * sa] * b[i * sb] + c[i * sb];
        }
        break;
    }
}

static int eltwise_run(hue_cpu_node *n)
{
    const eltwise_plan *pl = n->state;
    int kind = n->p->kind, n_ops = operands(kind);
    float alpha = n->p->alpha;
    const float *a = n->in[0].data, *b = n_ops > 1 ? n->in[1].data : a, *c = n_ops > 2 ? n->in[2].data : a;
    float *y = n->out.data;
    const int64_t *e = pl->ext;
    int64_t sb3 = n_ops > 1 ? pl->st[1][3] : pl->st[0][3];
    int64_t tasks = pl->rows * pl->chunks;
#pragma omp parallel for schedule(static) if (n->out.numel >= PARALLEL_MIN && tasks > 1)
    for (int64_t t = 0; t < tasks; t++) {
        int64_t row = t / pl->chunks, first = (t % pl->chunks) * CHUNK;
        int64_t i2 = row % e[2], i1 = row / e[2] % e[1], i0 = row / e[2] / e[1];
        int64_t len = e[3] - first < CHUNK ? e[3] - first : CHUNK;
        int64_t at[3];
        for (int k = 0; k < 3; k++)
            at[k] = i0 * pl->st[k][0] + i1 * pl->st[k][1] + i2 * pl->st[k][2] + first * pl->st[k][3];
        eltwise_row(kind, alpha, len, a + at[0], pl->st[0][3], n_ops > 1 ? b + at[1] : a + at[0], sb3,
                    c + at[2], y + row * e[3] + first);
    }
    return 0;
}

static void free_state(hue_cpu_node *n)
{
    free(n->state);
    n->state = NULL;
}

/* ---- dropout: the mask of dropout_internal.h, as shaders/dropout.comp ---- */

static int dropout_prepare(hue_cpu_node *n)
{
    if (n->n_in < 2 || !n->in[0].data || !n->in[1].data || !n->in[0].contiguous || !n->out.contiguous)
        return hue_fail(HUE_ENOTSUP, "dropout: needs contiguous float input and output and a seed");
    if (n->out.numel > 0xffffffffll)
        return hue_fail(HUE_ELIMIT, "dropout: more than 2^32 elements");
    return 0;
}

static int dropout_run(hue_cpu_node *n)
{
    float p = n->p->alpha;
    uint32_t threshold = hue_dropout_threshold(p), key = hue_dropout_key(n->in[1].data[0]);
    float scale = hue_dropout_scale(p);
    const float *restrict x = n->in[0].data;
    float *restrict y = n->out.data;
    int64_t count = n->out.numel, first = n->p->start;
#pragma omp parallel for simd schedule(static) if (count >= PARALLEL_MIN)
    for (int64_t i = 0; i < count; i++)
        y[i] = hue_dropout_hash(first + i, key) >= threshold ? x[i] * scale : 0.0f;
    return 0;
}

/* ---- colour: sRGB <-> CIE L*a*b* (D65), the formulas of shaders/lab.comp ---- */

#define DELTA (6.0f / 29.0f)
static const float white[3] = {0.95047f, 1.0f, 1.08883f};

static inline float to_linear(float c) { return c > 0.04045f ? powf((c + 0.055f) / 1.055f, 2.4f) : c / 12.92f; }
static inline float from_linear(float c)
{
    return c > 0.0031308f ? 1.055f * powf(c, 1.0f / 2.4f) - 0.055f : 12.92f * c;
}

/* The forward conversion runs per pixel of every frame hue track encodes,
 * where powf and cbrtf took a fifth of the encoder's time. to_linear on
 * [0, 1] comes from a table of LINEAR_STEPS intervals, linear between
 * entries (its second derivative is below 3: off by under 3e-7 over [0, 1],
 * a few float steps), and the cube root from Halley's iteration (two steps
 * from a bit-level first guess within 5%: relative error under 3e-7). */
#define LINEAR_STEPS 4096
static float linear_table[LINEAR_STEPS + 1];

static void linear_table_fill(void)
{
#pragma omp critical(hue_cpu_linear_table)
    if (linear_table[LINEAR_STEPS] == 0.0f)  /* to_linear(1) = 1: filled */
        for (int i = 0; i <= LINEAR_STEPS; i++)
            linear_table[i] = to_linear((float)i / LINEAR_STEPS);
}

static inline float to_linear_table(float c)
{
    float at = c * LINEAR_STEPS;
    int i = at <= 0.0f ? 0 : at >= LINEAR_STEPS - 1 ? LINEAR_STEPS - 1 : (int)at;
    float t = at - (float)i;
    return linear_table[i] + (linear_table[i + 1] - linear_table[i]) * t;
}

static inline float cube_root(float t)  /* t > 0 */
{
    union {
        float f;
        uint32_t u;
    } v = {t};
    v.u = v.u / 3 + 709921077u;  /* the exponent divided by 3, the mantissa roughly */
    float y = v.f;
    for (int k = 0; k < 2; k++) {
        float y3 = y * y * y;
        y = y * (y3 + 2.0f * t) / (2.0f * y3 + t);
    }
    return y;
}

static inline float lab_f(float t)
{
    return t > DELTA * DELTA * DELTA ? cube_root(t) : t / (3.0f * DELTA * DELTA) + 4.0f / 29.0f;
}
static inline float lab_finv(float t) { return t > DELTA ? t * t * t : 3.0f * DELTA * DELTA * (t - 4.0f / 29.0f); }
static inline float mixf(float a, float b, float t) { return a * (1.0f - t) + b * t; }

static int lab_prepare(hue_cpu_node *n)
{
    const hue_cpu_tensor *x = &n->in[0], *y = &n->out;
    int inverse = n->p->kind;
    if (!x->contiguous || !y->contiguous || y->shape[1] != 3 || (inverse ? !x->data : !x->bytes))
        return hue_fail(HUE_ENOTSUP, "%s: needs contiguous %s input and LAB planes", n->op,
                        inverse ? "float" : "byte");
    if (!inverse)
        linear_table_fill();
    return 0;
}

/* Packed RGB8 [N, H, W, 3] to normalised LAB planes [N, 3, OH, OW],
 * bilinear in RGB (scaled to [0, 1]) where the size changes. */
static int rgb8_to_lab_run(hue_cpu_node *n)
{
    const uint8_t *src = n->in[0].bytes;
    float *dst = n->out.data;
    int64_t N = n->out.shape[0], H = n->in[0].shape[1], W = n->in[0].shape[2];
    int64_t OH = n->out.shape[2], OW = n->out.shape[3], plane = OH * OW;
    float scale_h = (float)H / (float)OH, scale_w = (float)W / (float)OW;
    int same = H == OH && W == OW;
#pragma omp parallel for schedule(static) if (N * plane >= PARALLEL_MIN / 8)
    for (int64_t row = 0; row < N * OH; row++) {
        int64_t img = row / OH, oy = row % OH;
        const uint8_t *im = src + img * H * W * 3;
        float *out = dst + img * 3 * plane + oy * OW;
        float sy = fmaxf(((float)oy + 0.5f) * scale_h - 0.5f, 0.0f);
        int64_t y0 = (int64_t)sy < H - 1 ? (int64_t)sy : H - 1, y1 = y0 + 1 < H ? y0 + 1 : H - 1;
        float ly = sy - (float)y0;
        for (int64_t ox = 0; ox < OW; ox++) {
            float rgb[3];
            if (same) {
                for (int c = 0; c < 3; c++)
                    rgb[c] = (float)im[(oy * W + ox) * 3 + c] / 255.0f;
            } else {
                float sx = fmaxf(((float)ox + 0.5f) * scale_w - 0.5f, 0.0f);
                int64_t x0 = (int64_t)sx < W - 1 ? (int64_t)sx : W - 1, x1 = x0 + 1 < W ? x0 + 1 : W - 1;
                float lx = sx - (float)x0;
                for (int c = 0; c < 3; c++) {
                    float top = mixf(im[(y0 * W + x0) * 3 + c] / 255.0f, im[(y0 * W + x1) * 3 + c] / 255.0f, lx);
                    float bottom = mixf(im[(y1 * W + x0) * 3 + c] / 255.0f, im[(y1 * W + x1) * 3 + c] / 255.0f, lx);
                    rgb[c] = mixf(top, bottom, ly);
                }
            }
            float r = to_linear_table(rgb[0]), g = to_linear_table(rgb[1]), b = to_linear_table(rgb[2]);
            float fx = lab_f((0.4124564f * r + 0.3575761f * g + 0.1804375f * b) / white[0]);
            float fy = lab_f((0.2126729f * r + 0.7151522f * g + 0.0721750f * b) / white[1]);
            float fz = lab_f((0.0193339f * r + 0.1191920f * g + 0.9503041f * b) / white[2]);
            out[ox] = (116.0f * fy - 16.0f) / 50.0f - 1.0f;
            out[ox + plane] = 500.0f * (fx - fy) / 110.0f;
            out[ox + 2 * plane] = 200.0f * (fy - fz) / 110.0f;
        }
    }
    return 0;
}

/* Normalised LAB planes to RGB planes in [0, 1]: count pixels of one
 * image, planes `plane` apart. */
static void lab_to_rgb_pixels(const float *v, float *out, int64_t plane, int64_t count)
{
    for (int64_t i = 0; i < count; i++) {
        float L = (v[i] + 1.0f) * 50.0f, a = v[i + plane] * 110.0f, b = v[i + 2 * plane] * 110.0f;
        float fy = (L + 16.0f) / 116.0f;
        float X = white[0] * lab_finv(fy + a / 500.0f), Y = white[1] * lab_finv(fy),
              Z = white[2] * lab_finv(fy - b / 200.0f);
        float rgb[3] = {3.240454836f * X - 1.537138850f * Y - 0.498531547f * Z,
                        -0.969266390f * X + 1.876010929f * Y + 0.041556082f * Z,
                        0.055643420f * X - 0.204025854f * Y + 1.057225162f * Z};
        for (int c = 0; c < 3; c++) {
            float r = from_linear(rgb[c]);
            out[i + c * plane] = r < 0.0f ? 0.0f : r > 1.0f ? 1.0f : r;
        }
    }
}

static int lab_to_rgb_run(hue_cpu_node *n)
{
    int64_t N = n->out.shape[0], plane = n->out.shape[2] * n->out.shape[3];
    int64_t chunks = (plane + CHUNK - 1) / CHUNK, tasks = N * chunks;
#pragma omp parallel for schedule(static) if (N * plane >= PARALLEL_MIN / 8 && tasks > 1)
    for (int64_t t = 0; t < tasks; t++) {
        int64_t first = t % chunks * CHUNK, at = t / chunks * 3 * plane + first;
        lab_to_rgb_pixels(n->in[0].data + at, n->out.data + at, plane, plane - first < CHUNK ? plane - first : CHUNK);
    }
    return 0;
}

#define ELTWISE(name) {name, eltwise_prepare, eltwise_run, free_state}

const hue_cpu_kernel hue_cpu_kernels_eltwise[] = {
    ELTWISE("add"),
    ELTWISE("sub"),
    ELTWISE("mul"),
    ELTWISE("div"),
    ELTWISE("scale"),
    ELTWISE("scale_bias"),
    ELTWISE("relu"),
    ELTWISE("leaky_relu"),
    ELTWISE("sigmoid"),
    ELTWISE("tanh"),
    ELTWISE("exp"),
    ELTWISE("log"),
    ELTWISE("relu_bwd"),
    ELTWISE("leaky_relu_bwd"),
    ELTWISE("sigmoid_bwd"),
    ELTWISE("tanh_bwd"),
    ELTWISE("equal"),
    {"dropout", dropout_prepare, dropout_run, NULL},
    {"rgb8_to_lab", lab_prepare, rgb8_to_lab_run, NULL},
    {"lab_to_rgb", lab_prepare, lab_to_rgb_run, NULL},
    {NULL, NULL, NULL, NULL},
};
