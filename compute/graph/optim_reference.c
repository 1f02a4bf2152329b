/* The optimizer update on the host in double precision, written from
 * torch's formulas (torch.optim.SGD, torch.optim.AdamW,
 * torch.nn.utils.clip_grad_norm_) and SimCLR's LARS: the reference the
 * update kernels are tested against, and a CPU implementation. */
#include <math.h>
#include <stdlib.h>

#include "hue_error.h"
#include "hue_optim.h"

static int excluded(const hue_optim_config *c, const hue_optim_ref_param *p)
{
    if (p->excluded >= 0)
        return p->excluded;
    return c->kind == HUE_OPTIM_LARS && p->ndim == 1;
}

static double sumsq(const double *x, int64_t n)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return s;
}

int hue_optim_reference_step(const hue_optim_config *c, hue_optim_ref_param *p, int n_params, int64_t step,
                             double lr)
{
    if (step < 0 || !(lr >= 0))
        return hue_fail(HUE_EINVAL, "reference step: step %lld, learning rate %g", (long long)step, lr);
    double scale = 1;
    if (c->max_grad_norm > 0) {
        double total = 0;
        for (int i = 0; i < n_params; i++)
            total += sumsq(p[i].g, p[i].n);
        scale = fmin(1.0, c->max_grad_norm / (sqrt(total) + 1e-6));
    }
    double mom = c->momentum, wd = c->weight_decay, t = (double)step + 1;
    for (int i = 0; i < n_params; i++) {
        hue_optim_ref_param *q = &p[i];
        int ex = excluded(c, q);
        double decay = ex ? 0 : wd;
        if (c->kind == HUE_OPTIM_SGD) {
            for (int64_t k = 0; k < q->n; k++) {
                double d = q->g[k] * scale + decay * q->w[k];
                if (mom > 0) {
                    q->m[k] = step == 0 ? d : mom * q->m[k] + (1 - c->dampening) * d;
                    d = c->nesterov ? d + mom * q->m[k] : q->m[k];
                }
                q->w[k] -= lr * d;
            }
        } else if (c->kind == HUE_OPTIM_ADAMW) {
            double b1 = c->beta1, b2 = c->beta2;
            double bc1 = 1 - pow(b1, t), bc2 = 1 - pow(b2, t);
            for (int64_t k = 0; k < q->n; k++) {
                double d = q->g[k] * scale;
                q->w[k] *= 1 - lr * decay;
                q->m[k] = b1 * q->m[k] + (1 - b1) * d;
                q->v[k] = b2 * q->v[k] + (1 - b2) * d * d;
                q->w[k] -= lr / bc1 * q->m[k] / (sqrt(q->v[k]) / sqrt(bc2) + c->eps);
            }
        } else {
            double trust = 1;
            if (!ex) {
                double wn = sqrt(sumsq(q->w, q->n)), gn = sqrt(sumsq(q->g, q->n)) * scale;
                if (wn > 0 && gn > 0)
                    trust = c->trust_coefficient * wn / (gn + wd * wn);
            }
            for (int64_t k = 0; k < q->n; k++) {
                double d = q->g[k] * scale + decay * q->w[k];
                double s = lr * trust * d;
                q->m[k] = mom * q->m[k] + s;
                q->w[k] -= c->nesterov ? mom * q->m[k] + s : q->m[k];
            }
        }
    }
    return 0;
}
