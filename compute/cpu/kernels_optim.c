/* CPU kernels: the optimizer's nodes (compute/graph/optim.c), as
 * shaders/optim_update.glsl, optim_sumsq.glsl and optim_norms.comp compute
 * them: sums of squares per parameter, their totals, and the fused update
 * of each parameter and its state in place; and the moving average
 * (hue_ema_update) of a momentum encoder's weights, as shaders/ema.comp.
 *
 * The partial-sums tensor, where the Vulkan kernels leave many partials
 * per row, holds here one value per row at the row's index (gradient rows
 * even, weight rows odd): each row is summed whole, in double, so
 * optim_norms only copies the rows and adds the gradient rows up. */
#include <math.h>
#include <stddef.h>

#include "hue_cpu_kernel.h"
#include "hue_error.h"
#include "hue_optim.h"
#include "optim_internal.h"

static double sum_squares(const float *x, int64_t n)
{
    double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static)
    for (int64_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return s;
}

/* in = {grad, param}; p.axis = the gradient's row r, p.axes = 1 when the
 * parameter's sum goes to row r + 1 too. */
static int sumsq_run(hue_cpu_node *n)
{
    int64_t row = n->p->axis, count = n->in[0].numel;
    n->out.data[row] = (float)sum_squares(n->in[0].data, count);
    if (n->p->axes)
        n->out.data[row + 1] = (float)sum_squares(n->in[1].data, count);
    return 0;
}

static int sumsq_prepare(hue_cpu_node *n)
{
    int rc = hue_cpu_check_dense(n);
    if (rc == 0 && n->p->axis + 1 >= n->out.numel)
        rc = hue_fail(HUE_EINVAL, "optim_sumsq (node %d): row %d outside the partial sums", n->index, n->p->axis);
    return rc;
}

/* in = {the rows' sums}; p.axis = rows. out = norms: [0] the sum of the
 * gradient rows (the squared global norm), [1 + r] row r. */
static int norms_run(hue_cpu_node *n)
{
    const float *s = n->in[0].data;
    float *norms = n->out.data;
    double total = 0;
    for (int r = 0; r < n->p->axis; r++) {
        norms[1 + r] = s[r];
        if (r % 2 == 0)
            total += s[r];
    }
    norms[0] = (float)total;
    return 0;
}

static int norms_prepare(hue_cpu_node *n)
{
    int rc = hue_cpu_check_dense(n);
    if (rc == 0 && (n->p->axis > n->in[0].numel || n->p->axis + 1 > n->out.numel))
        rc = hue_fail(HUE_EINVAL, "optim_norms (node %d): %d rows do not fit", n->index, n->p->axis);
    return rc;
}

/* in = {grad, hyper, m, v, norms, loss} (the hyper tensor where a variant
 * has none); out = the parameter, updated in place with its state. The
 * arithmetic is optim_update.glsl's, in float, in its order. */
static int update_run(hue_cpu_node *n)
{
    int kind = n->p->kind, flags = (int)n->p->axes, row = n->p->axis;
    const float *g = n->in[0].data, *h = n->in[1].data, *norms = n->in[4].data;
    float *w = n->out.data, *m = n->in[2].data, *v = n->in[3].data;
    /* nothing before the host has set the step's values; a non-finite loss
     * or gradient norm leaves the step without effect */
    if (h[H_SET] != 1.0f)
        return 0;
    if ((flags & F_GUARD) && !isfinite(n->in[5].data[0]))
        return 0;
    float scale = 1.0f;
    if (flags & F_CLIP) {
        float total = norms[0];
        if ((flags & F_GUARD) && !isfinite(total))
            return 0;
        scale = fminf(1.0f, h[H_MAX_NORM] / (sqrtf(total) + 1e-6f));
    }
    float lr = h[H_LR], mom = h[H_MOMENTUM], wd = h[H_WD], trust = 1.0f;
    if (kind == HUE_OPTIM_LARS && (flags & F_ADAPT)) {
        float wn = sqrtf(norms[2 + row]), gn = sqrtf(norms[1 + row]) * scale;
        if (wn > 0.0f && gn > 0.0f)
            trust = h[H_ETA] * wn / (gn + wd * wn);
    }
    int64_t count = n->out.numel;
    if (kind == HUE_OPTIM_SGD) {
        float mom_a = h[H_MOM_A], mom_b = h[H_MOM_B];
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < count; i++) {
            float x = w[i], d = g[i] * scale;
            if (flags & F_DECAY)
                d += wd * x;
            if (flags & F_MOMENTUM) {
                float m1 = mom_a * m[i] + mom_b * d;  /* first step: m1 = d */
                m[i] = m1;
                d = flags & F_NESTEROV ? d + mom * m1 : m1;
            }
            w[i] = x - lr * d;
        }
    } else if (kind == HUE_OPTIM_ADAMW) {
        float b1 = h[H_BETA1], b2 = h[H_BETA2], step = h[H_STEP_SIZE], bc2 = h[H_INV_SQRT_BC2], eps = h[H_EPS];
        float decay = h[H_DECAY];
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < count; i++) {
            float x = w[i], d = g[i] * scale;
            if (flags & F_DECAY)
                x *= decay;
            float m1 = b1 * m[i] + (1.0f - b1) * d;
            float v1 = b2 * v[i] + (1.0f - b2) * d * d;
            m[i] = m1;
            v[i] = v1;
            w[i] = x - step * m1 / (sqrtf(v1) * bc2 + eps);
        }
    } else {
        float lt = lr * trust;
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < count; i++) {
            float x = w[i], d = g[i] * scale;
            if (flags & F_DECAY)
                d += wd * x;
            float s = lt * d, m1 = mom * m[i] + s;
            m[i] = m1;
            w[i] = x - (flags & F_NESTEROV ? mom * m1 + s : m1);
        }
    }
    return 0;
}

static int update_prepare(hue_cpu_node *n)
{
    int rc = hue_cpu_check_dense(n);
    if (rc)
        return rc;
    if (n->in[1].numel <= H_SET)
        return hue_fail(HUE_EINVAL, "%s (node %d): the hyper-parameter input is too small", n->op, n->index);
    int kind = n->p->kind, flags = (int)n->p->axes;
    int has_m = kind != HUE_OPTIM_SGD || (flags & F_MOMENTUM), has_v = kind == HUE_OPTIM_ADAMW;
    int64_t count = n->out.numel;
    if (n->in[0].numel != count || (has_m && n->in[2].numel != count) || (has_v && n->in[3].numel != count))
        return hue_fail(HUE_EINVAL, "%s (node %d): gradient or state differs in size from the parameter", n->op,
                        n->index);
    return 0;
}

/* in = {source}; out = the target, moved towards it (hue_ema_update). */
static int ema_prepare(hue_cpu_node *n)
{
    int rc = hue_cpu_check_dense(n);
    if (!rc && n->in[0].numel != n->out.numel)
        rc = hue_fail(HUE_EINVAL, "%s (node %d): source and target differ in size", n->op, n->index);
    return rc;
}

static int ema_run(hue_cpu_node *n)
{
    float m = n->p->momentum, *t = n->out.data;
    const float *s = n->in[0].data;
    int64_t count = n->out.numel;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; i++)
        t[i] = m * t[i] + (1.0f - m) * s[i];
    return 0;
}

const hue_cpu_kernel hue_cpu_kernels_optim[] = {
    {"ema_update", ema_prepare, ema_run, NULL},
    {"optim_sumsq", sumsq_prepare, sumsq_run, NULL},
    {"optim_norms", norms_prepare, norms_run, NULL},
    {"optim_sgd", update_prepare, update_run, NULL},
    {"optim_adamw", update_prepare, update_run, NULL},
    {"optim_lars", update_prepare, update_run, NULL},
    {NULL, NULL, NULL, NULL},
};
