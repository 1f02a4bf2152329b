/* The linear probe on frozen features (see hue_linear_probe.h). */
#include "hue_linear_probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_dataset.h"
#include "hue_error.h"
#include "hue_optim.h"
#include "hue_rng.h"

hue_linear_probe_options hue_linear_probe_defaults(void)
{
    return (hue_linear_probe_options){.epochs = 100, .batch = 256, .lr = 0.1, .momentum = 0.9, .standardize = 1};
}

/* Per-dimension scale and shift making the training features mean 0, std 1. */
static void standardizer(const hue_feature_set *s, double *shift, double *scale)
{
    for (int c = 0; c < s->dim; c++)
        shift[c] = scale[c] = 0;
    for (int64_t i = 0; i < s->n; i++)
        for (int c = 0; c < s->dim; c++)
            shift[c] += s->x[i * s->dim + c];
    for (int c = 0; c < s->dim; c++)
        shift[c] /= (double)s->n;
    for (int64_t i = 0; i < s->n; i++)
        for (int c = 0; c < s->dim; c++) {
            double d = s->x[i * s->dim + c] - shift[c];
            scale[c] += d * d;
        }
    for (int c = 0; c < s->dim; c++) {
        double sd = sqrt(scale[c] / (double)s->n);
        scale[c] = sd > 0 ? 1 / sd : 0;
    }
}

/* A copy of the features, standardised or not. */
static float *prepared(const hue_feature_set *s, const double *shift, const double *scale)
{
    float *x = malloc(sizeof *x * (size_t)s->n * s->dim);
    if (!x)
        return NULL;
    for (int64_t i = 0; i < s->n; i++)
        for (int c = 0; c < s->dim; c++) {
            double v = s->x[i * s->dim + c];
            x[i * s->dim + c] = (float)(shift ? (v - shift[c]) * scale[c] : v);
        }
    return x;
}

/* Top-1 and top-5 of the classifier (W [C, D], b [C]) on x, in double. */
static int score(const float *x, const int32_t *labels, int64_t n, int dim, int C, const float *w, const float *b,
                 double *top1, double *top5)
{
    double *logit = malloc(sizeof *logit * (size_t)C);
    int64_t right1 = 0, right5 = 0;
    if (!logit)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    for (int64_t i = 0; i < n; i++) {
        const float *xi = x + i * dim;
        for (int k = 0; k < C; k++) {
            double s = b[k];
            for (int c = 0; c < dim; c++)
                s += (double)w[(size_t)k * dim + c] * xi[c];
            logit[k] = s;
        }
        int y = labels[i], best = 0, rank = 0;
        for (int k = 1; k < C; k++)
            if (logit[k] > logit[best])
                best = k;
        for (int k = 0; k < C; k++)
            rank += logit[k] > logit[y] || (logit[k] == logit[y] && k < y);
        right1 += best == y;
        right5 += rank < 5;
    }
    free(logit);
    *top1 = (double)right1 / (double)n;
    *top5 = (double)right5 / (double)n;
    return 0;
}

typedef float hue_lp_v8 __attribute__((vector_size(32)));

static float dot(const float *a, const float *b, int n)
{
    hue_lp_v8 s = {0};
    int c = 0;
    for (; c + 8 <= n; c += 8) {
        hue_lp_v8 x, y;
        memcpy(&x, a + c, sizeof x);
        memcpy(&y, b + c, sizeof y);
        s += x * y;
    }
    float r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; c < n; c++)
        r += a[c] * b[c];
    return r;
}

/* The classifier and SGD's state: W [C, D] then b [C] in one array, so
 * one update loop serves both. */
typedef struct {
    int dim, C;
    float *w, *grad, *buf, *logit;
} classifier;

/* Cross-entropy of one minibatch (rows of x at order[0..batch)); its
 * gradient (mean over the batch) into c->grad. Returns the mean loss. */
static double forward_backward(classifier *c, const float *x, const int32_t *labels, const int64_t *order,
                               int batch)
{
    int D = c->dim, C = c->C;
    float *gw = c->grad, *gb = c->grad + (size_t)C * D, *b = c->w + (size_t)C * D;
    memset(c->grad, 0, sizeof *c->grad * (size_t)C * (D + 1));
    double loss = 0;
    for (int i = 0; i < batch; i++) {
        const float *xi = x + order[i] * D;
        int y = labels[order[i]];
        float top = -INFINITY, sum = 0;
        for (int k = 0; k < C; k++) {
            c->logit[k] = b[k] + dot(xi, c->w + (size_t)k * D, D);
            top = fmaxf(top, c->logit[k]);
        }
        for (int k = 0; k < C; k++)
            sum += expf(c->logit[k] - top);
        loss += log(sum) + top - c->logit[y];
        for (int k = 0; k < C; k++) {
            float g = (expf(c->logit[k] - top) / sum - (k == y)) / (float)batch;
            float *row = gw + (size_t)k * D;
            gb[k] += g;
            for (int d = 0; d < D; d++)
                row[d] += g * xi[d];
        }
    }
    return loss / batch;
}

/* torch.optim.SGD: d = g + wd w; buf = mu buf + d (buf = d at step 0); w -= lr buf. */
static void sgd_step(classifier *c, int64_t step, double lr, double momentum, double wd)
{
    size_t n = (size_t)c->C * (c->dim + 1);
    float mu = (float)momentum, l = (float)lr, decay = (float)wd;
    for (size_t i = 0; i < n; i++) {
        float d = c->grad[i] + decay * c->w[i];
        c->buf[i] = step == 0 ? d : mu * c->buf[i] + d;
        c->w[i] -= l * c->buf[i];
    }
}

static int train(classifier *c, const hue_linear_probe_options *o, const float *x, const int32_t *labels, int64_t n,
                 hue_linear_probe_result *r)
{
    int64_t spe = n / o->batch;
    hue_schedule sched = {.kind = HUE_SCHEDULE_COSINE, .base_lr = o->lr, .total_steps = spe * o->epochs};
    int rc = hue_schedule_check(&sched);
    int64_t *order = rc ? NULL : malloc(sizeof *order * (size_t)n);
    if (!rc && !order)
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    int64_t step = 0;
    for (int64_t e = 0; !rc && e < o->epochs; e++) {
        hue_dataset_epoch_order(n, o->seed, e, order);
        double sum = 0;
        for (int64_t s = 0; !rc && s < spe; s++, step++) {
            double loss = forward_backward(c, x, labels, order + s * o->batch, o->batch);
            if ((rc = hue_check_finite((float)loss, step)))
                break;
            sgd_step(c, step, hue_schedule_lr(&sched, step), o->momentum, o->weight_decay);
            sum += loss;
        }
        r->loss = sum / (double)spe;
        if (!rc && o->on_epoch)
            o->on_epoch(o->user, e, o->epochs, r->loss);
    }
    r->steps = step;
    free(order);
    return rc;
}

int hue_linear_probe(const hue_feature_set *tr, const hue_feature_set *te, const hue_linear_probe_options *o,
                     hue_linear_probe_result *r)
{
    memset(r, 0, sizeof *r);
    int dim = tr->dim, C = tr->num_classes;
    if (te->dim != dim || te->num_classes != C || dim < 1 || C < 2 || tr->n < 1 || te->n < 1)
        return hue_fail(HUE_EINVAL, "linear probe: training features %lld x %d of %d classes, test %lld x %d of %d",
                        (long long)tr->n, dim, C, (long long)te->n, te->dim, te->num_classes);
    if (o->epochs < 1)
        return hue_fail(HUE_EINVAL, "linear probe: --epochs %lld must be at least 1", (long long)o->epochs);
    if (o->batch < 1 || o->batch > tr->n)
        return hue_fail(HUE_EINVAL, "linear probe: --batch %d must be from 1 to the %lld training images", o->batch,
                        (long long)tr->n);
    if (!(o->lr >= 0) || !isfinite(o->lr) || !(o->momentum >= 0 && o->momentum < 1) || !(o->weight_decay >= 0) ||
        !isfinite(o->weight_decay))
        return hue_fail(HUE_EINVAL, "linear probe: learning rate %g, momentum %g, weight decay %g: each must be >= 0 "
                        "(momentum < 1)", o->lr, o->momentum, o->weight_decay);
    for (int64_t i = 0; i < tr->n; i++)
        if (tr->labels[i] < 0 || tr->labels[i] >= C)
            return hue_fail(HUE_EINVAL, "linear probe: training label %d of image %lld is not a class",
                            tr->labels[i], (long long)i);
    for (int64_t i = 0; i < te->n; i++)
        if (te->labels[i] < 0 || te->labels[i] >= C)
            return hue_fail(HUE_EINVAL, "linear probe: test label %d of image %lld is not a class", te->labels[i],
                            (long long)i);
    double *shift = NULL, *scale = NULL;
    if (o->standardize) {
        shift = malloc(sizeof *shift * (size_t)dim);
        scale = malloc(sizeof *scale * (size_t)dim);
        if (shift && scale)
            standardizer(tr, shift, scale);
    }
    float *xtr = (!o->standardize || (shift && scale)) ? prepared(tr, shift, scale) : NULL;
    float *xte = xtr ? prepared(te, shift, scale) : NULL;
    free(shift);
    free(scale);
    size_t np = (size_t)C * (dim + 1);
    classifier c = {.dim = dim, .C = C, .w = calloc(np, sizeof(float)), .grad = malloc(np * sizeof(float)),
                    .buf = calloc(np, sizeof(float)), .logit = malloc((size_t)C * sizeof(float))};
    int rc = xtr && xte && c.w && c.grad && c.buf && c.logit ? 0 : hue_fail(HUE_ENOMEM, "out of host memory");
    if (!rc) {
        /* W from N(0, 0.01^2), b = 0, as MoCo's linear classification */
        hue_rng g;
        hue_rng_seed(&g, o->seed);
        for (size_t i = 0; i < (size_t)C * dim; i++)
            c.w[i] = (float)(0.01 * hue_rng_normal(&g));
        rc = train(&c, o, xtr, tr->labels, tr->n, r);
    }
    double unused;
    const float *w = c.w, *b = c.w + (size_t)C * dim;
    if (!rc)
        rc = score(xte, te->labels, te->n, dim, C, w, b, &r->top1, &r->top5);
    if (!rc)
        rc = score(xtr, tr->labels, tr->n, dim, C, w, b, &r->train_top1, &unused);
    free(xtr);
    free(xte);
    free(c.w);
    free(c.grad);
    free(c.buf);
    free(c.logit);
    return rc;
}
