/* Optimizers on the static graph: hue_optim_create appends, after the
 * backward nodes, one fused update node per trainable parameter (and, for
 * clipping or LARS, the per-tensor sums of squares and the node that adds
 * them up), so forward, backward and update are one command buffer.
 *
 * Per step, up to 2 N + 1 dispatches for N parameters: N optim_sumsq (only
 * with clipping, or for LARS on the adapted parameters), one optim_norms,
 * N optim_update. Each update binds its own parameter, gradient and state,
 * so parameters cannot share a dispatch within the 8 bindings a pipeline
 * has here; small parameters are cheap dispatches nonetheless. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"
#include "hue_error.h"
#include "hue_optim.h"
#include "optim_internal.h"

typedef struct {
    hue_tensor param, grad, m, v;
    int excluded;
} optim_param;

struct hue_optim {
    hue_graph *g;
    hue_optim_config cfg;
    hue_tensor hyper, loss;
    int n;
    optim_param *p;
    int dispatches;
};

hue_optim_config hue_optim_defaults(int kind)
{
    hue_optim_config c = {.kind = kind, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .trust_coefficient = 0.001f};
    if (kind == HUE_OPTIM_ADAMW)
        c.weight_decay = 0.01f;
    if (kind == HUE_OPTIM_LARS) {
        c.momentum = 0.9f;
        c.weight_decay = 1e-6f;
    }
    return c;
}

int hue_optim_exclude_1d(const hue_graph *g, hue_tensor param, void *user)
{
    (void)user;
    return hue_tensor_ndim(g, param) == 1;
}

static const char *kind_name(int kind)
{
    return kind == HUE_OPTIM_SGD ? "SGD" : kind == HUE_OPTIM_ADAMW ? "AdamW" : "LARS";
}

static int bad_value(hue_graph *g, const hue_optim_config *c, const char *field, double v, const char *want)
{
    return hue_graph_fail(g, HUE_EINVAL, "optimizer %s: %s = %g (must be %s)", kind_name(c->kind), field, v, want);
}

static int check_config(hue_graph *g, const hue_optim_config *c)
{
    if (c->kind < HUE_OPTIM_SGD || c->kind > HUE_OPTIM_LARS)
        return hue_graph_fail(g, HUE_EINVAL, "optimizer: kind %d does not exist", c->kind);
    if (!(c->weight_decay >= 0) || !isfinite(c->weight_decay))
        return bad_value(g, c, "weight_decay", c->weight_decay, ">= 0 and finite");
    if (!(c->max_grad_norm >= 0) || !isfinite(c->max_grad_norm))
        return bad_value(g, c, "max_grad_norm", c->max_grad_norm, ">= 0 (0: no clipping) and finite");
    if (c->kind != HUE_OPTIM_ADAMW) {
        if (!(c->momentum >= 0 && c->momentum < 1))
            return bad_value(g, c, "momentum", c->momentum, "in [0, 1)");
        if (c->nesterov && c->momentum == 0)
            return hue_graph_fail(g, HUE_EINVAL, "optimizer %s: Nesterov momentum needs momentum > 0",
                                  kind_name(c->kind));
    }
    if (c->kind == HUE_OPTIM_SGD) {
        if (!(c->dampening >= 0 && c->dampening <= 1))
            return bad_value(g, c, "dampening", c->dampening, "in [0, 1]");
        if (c->nesterov && c->dampening != 0)
            return hue_graph_fail(g, HUE_EINVAL, "optimizer SGD: Nesterov momentum needs dampening 0 (it is %g)",
                                  c->dampening);
    }
    if (c->kind == HUE_OPTIM_ADAMW) {
        if (!(c->beta1 >= 0 && c->beta1 < 1))
            return bad_value(g, c, "beta1", c->beta1, "in [0, 1)");
        if (!(c->beta2 >= 0 && c->beta2 < 1))
            return bad_value(g, c, "beta2", c->beta2, "in [0, 1)");
        if (!(c->eps > 0) || !isfinite(c->eps))
            return bad_value(g, c, "eps", c->eps, "> 0 and finite");
    }
    if (c->kind == HUE_OPTIM_LARS && (!(c->trust_coefficient > 0) || !isfinite(c->trust_coefficient)))
        return bad_value(g, c, "trust_coefficient", c->trust_coefficient, "> 0 and finite");
    return 0;
}

static const hue_op_impl sumsq_impl = {"optim_sumsq", NULL};
static const hue_op_impl norms_impl = {"optim_norms", NULL};
static const hue_op_impl update_impls[] = {{"optim_sgd", NULL}, {"optim_adamw", NULL}, {"optim_lars", NULL}};

static int is_excluded(const hue_graph *g, const hue_optim_config *c, hue_tensor t)
{
    if (c->exclude)
        return c->exclude(g, t, c->filter_user) != 0;
    return c->kind == HUE_OPTIM_LARS && hue_tensor_ndim(g, t) == 1;
}

/* Fills o->p with the parameters this optimizer takes. */
static int collect(hue_graph *g, hue_optim *o)
{
    const hue_optim_config *c = &o->cfg;
    int count = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (hue_tensor t = 0; t < g->n_t; t++) {
            const hue_tensor_desc *d = &g->t[t];
            if (d->role != HUE_ROLE_PARAM || d->base != t || d->frozen || d->grad < 0)
                continue;
            if (c->select && !c->select(g, t, c->filter_user))
                continue;
            if (pass == 1)
                o->p[count] = (optim_param){t, d->grad, -1, -1, is_excluded(g, c, t)};
            count++;
        }
        if (pass == 0) {
            if (count == 0)
                return hue_graph_fail(g, HUE_EINVAL,
                                      "optimizer %s: no trainable parameter has a gradient (call hue_graph_backward "
                                      "first, and check the select filter)",
                                      kind_name(c->kind));
            if (!(o->p = calloc((size_t)count, sizeof *o->p)))
                return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
            o->n = count;
            count = 0;
        }
    }
    for (int i = 0; i < o->n; i++) {
        hue_tensor t = o->p[i].param;
        for (int k = 0; k < g->n_nodes; k++)
            if (g->nodes[k].out == t && (g->nodes[k].impl == &update_impls[0] || g->nodes[k].impl == &update_impls[1] ||
                                         g->nodes[k].impl == &update_impls[2]))
                return hue_graph_fail(g, HUE_EINVAL, "optimizer: parameter %s is already updated by another optimizer "
                                                     "(give each a select filter)", g->t[t].name);
        if (hue_tensor_numel(g, t) > 0x7fffffff)
            return hue_graph_fail(g, HUE_ELIMIT, "optimizer: parameter %s has more than 2^31 elements",
                                  g->t[t].name);
        if (hue_tensor_numel(g, o->p[i].grad) != hue_tensor_numel(g, t) ||
            !hue_tensor_is_contiguous(g, o->p[i].grad))
            return hue_graph_fail(g, HUE_EINVAL, "optimizer: gradient of %s is not a contiguous tensor of its size",
                                  g->t[t].name);
    }
    return 0;
}

static hue_tensor state_like(hue_graph *g, hue_tensor param, const char *what)
{
    char name[64];
    snprintf(name, sizeof name, "%s:%s", g->t[param].name, what);
    int64_t shape[HUE_MAX_DIMS];
    for (int i = 0; i < g->t[param].ndim; i++)
        shape[i] = hue_tensor_dim(g, param, i);
    return hue_graph_state(g, name, g->t[param].ndim, shape);
}

static int build(hue_graph *g, hue_optim *o)
{
    const hue_optim_config *c = &o->cfg;
    int64_t hs = H_COUNT;
    if ((o->hyper = hue_graph_input(g, "optim_hyper", 1, &hs)) < 0)
        return o->hyper;
    int clip = c->max_grad_norm > 0, lars = c->kind == HUE_OPTIM_LARS;
    int base_flags = (clip ? F_CLIP : 0) | (o->loss >= 0 ? F_GUARD : 0) | (c->nesterov ? F_NESTEROV : 0) |
                     (c->kind == HUE_OPTIM_SGD && c->momentum > 0 ? F_MOMENTUM : 0);
    int need_norms = clip;
    for (int i = 0; i < o->n; i++) {
        optim_param *p = &o->p[i];
        if (c->kind == HUE_OPTIM_ADAMW || lars || (base_flags & F_MOMENTUM))
            if ((p->m = state_like(g, p->param, c->kind == HUE_OPTIM_ADAMW ? "exp_avg" : "momentum")) < 0)
                return p->m;
        if (c->kind == HUE_OPTIM_ADAMW && (p->v = state_like(g, p->param, "exp_avg_sq")) < 0)
            return p->v;
        need_norms |= lars && !p->excluded;
    }

    hue_tensor norms = o->hyper;
    if (need_norms) {
        /* Two rows of partial sums per parameter (gradient, weights),
         * zeroed at compile: a small tensor writes only its first partials. */
        int64_t rows = 2 * (int64_t)o->n, count = rows * hue_optim_partials(g), ncount = rows + 1;
        hue_tensor sums = hue_graph_state(g, "optim_partial_sums", 1, &count);
        if (sums < 0 || (norms = hue_graph_state(g, "optim_norms", 1, &ncount)) < 0)
            return g->error;
        for (int i = 0; i < o->n; i++) {
            int adapt = lars && !o->p[i].excluded;
            if (!clip && !adapt)
                continue;
            hue_tensor in[2] = {o->p[i].grad, o->p[i].param};
            hue_op_params pp = {.axis = 2 * i, .axes = (unsigned)adapt};
            if (hue_graph_add_node(g, &sumsq_impl, 2, in, sums, &pp) < 0)
                return g->error;
            o->dispatches++;
        }
        hue_op_params pp = {.axis = (int)rows};
        if (hue_graph_add_node(g, &norms_impl, 1, &sums, norms, &pp) < 0)
            return g->error;
        o->dispatches++;
    }

    for (int i = 0; i < o->n; i++) {
        const optim_param *p = &o->p[i];
        int flags = base_flags;
        if (!p->excluded && c->weight_decay > 0)
            flags |= F_DECAY;
        if (lars && !p->excluded)
            flags |= F_ADAPT;
        hue_tensor in[6] = {p->grad, o->hyper, p->m >= 0 ? p->m : o->hyper, p->v >= 0 ? p->v : o->hyper, norms,
                            o->loss >= 0 ? o->loss : o->hyper};
        hue_op_params pp = {.kind = c->kind, .axes = (unsigned)flags, .axis = 2 * i};
        if (hue_graph_add_node(g, &update_impls[c->kind], 6, in, p->param, &pp) < 0)
            return g->error;
        o->dispatches++;
    }
    return 0;
}

/* In a data-parallel group every rank's gradients become their mean over
 * the group before any update reads them: one buffer, one host step. */
static int average_over_group(hue_graph *g, const hue_optim *o)
{
    if (hue_graph_ranks(g) == 1)
        return 0;
    hue_tensor *grads = malloc(sizeof *grads * (size_t)o->n);
    if (!grads)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    for (int i = 0; i < o->n; i++)
        grads[i] = o->p[i].grad;
    int rc = hue_all_reduce_mean_in_place(g, o->n, grads);
    free(grads);
    return rc;
}

int hue_optim_create(hue_graph *g, const hue_optim_config *cfg, hue_tensor loss, hue_optim **out)
{
    *out = NULL;
    if (g->error)
        return g->error;
    if (g->compiled)
        return hue_graph_fail(g, HUE_EINVAL, "optimizer: the graph is already compiled (create the optimizer "
                                             "after hue_graph_backward, before hue_graph_compile)");
    if (!cfg)
        return hue_graph_fail(g, HUE_EINVAL, "optimizer: no configuration given");
    int rc = check_config(g, cfg);
    if (rc)
        return rc;
    if (loss >= 0) {
        if (hue_graph_check_inputs(g, "optimizer guard", 1, &loss))
            return g->error;
        if (hue_tensor_numel(g, loss) != 1)
            return hue_graph_fail(g, HUE_EINVAL, "optimizer: the loss %s has %lld values (needs one)",
                                  g->t[loss].name, (long long)hue_tensor_numel(g, loss));
    } else if (loss != -1) {
        return hue_graph_fail(g, HUE_EINVAL, "optimizer: loss %d is neither a tensor nor -1", loss);
    }
    hue_optim *o = calloc(1, sizeof *o);
    if (!o)
        return hue_graph_fail(g, HUE_ENOMEM, "out of host memory");
    o->g = g;
    o->cfg = *cfg;
    o->loss = loss;
    if ((rc = collect(g, o)) || (rc = average_over_group(g, o)) || (rc = build(g, o))) {
        hue_optim_destroy(o);
        return rc < 0 ? rc : g->error;
    }
    *out = o;
    return 0;
}

void hue_optim_destroy(hue_optim *o)
{
    if (!o)
        return;
    free(o->p);
    free(o);
}

int hue_optim_set_step(hue_optim *o, int64_t step, float lr)
{
    if (!o)
        return hue_fail(HUE_EINVAL, "optimizer: none given");
    if (!o->g->compiled)
        return hue_fail(HUE_EINVAL, "optimizer: the graph is not compiled yet");
    if (step < 0)
        return hue_fail(HUE_EINVAL, "optimizer: step %lld is negative (steps count from 0)", (long long)step);
    if (!(lr >= 0) || !isfinite(lr))
        return hue_fail(HUE_EINVAL, "optimizer: learning rate %g at step %lld (must be >= 0 and finite)", lr,
                        (long long)step);
    const hue_optim_config *c = &o->cfg;
    float h[H_COUNT] = {0};
    h[H_LR] = lr;
    h[H_MOMENTUM] = c->momentum;
    /* torch starts the momentum buffer at the first gradient (no dampening) */
    h[H_MOM_A] = step == 0 ? 0.0f : c->momentum;
    h[H_MOM_B] = step == 0 ? 1.0f : 1.0f - c->dampening;
    h[H_WD] = c->weight_decay;
    h[H_BETA1] = c->beta1;
    h[H_BETA2] = c->beta2;
    h[H_EPS] = c->eps;
    double t = (double)step + 1;
    double bc1 = 1 - pow(c->beta1, t), bc2 = 1 - pow(c->beta2, t);
    if (c->kind == HUE_OPTIM_ADAMW) {
        h[H_STEP_SIZE] = (float)(lr / bc1);
        h[H_INV_SQRT_BC2] = (float)(1 / sqrt(bc2));
    }
    h[H_DECAY] = (float)(1 - (double)lr * c->weight_decay);
    h[H_ETA] = c->trust_coefficient;
    h[H_MAX_NORM] = c->max_grad_norm;
    h[H_SET] = 1;
    return hue_graph_set_input(o->g, o->hyper, h, H_COUNT);
}

int hue_optim_param_count(const hue_optim *o) { return o ? o->n : 0; }

hue_tensor hue_optim_param(const hue_optim *o, int i) { return o && i >= 0 && i < o->n ? o->p[i].param : -1; }

hue_tensor hue_optim_state(const hue_optim *o, int i, int k)
{
    if (!o || i < 0 || i >= o->n)
        return -1;
    return k == 0 ? o->p[i].m : k == 1 ? o->p[i].v : -1;
}

int hue_optim_is_excluded(const hue_optim *o, int i) { return o && i >= 0 && i < o->n ? o->p[i].excluded : 0; }

int hue_optim_dispatches_per_step(const hue_optim *o) { return o ? o->dispatches : 0; }

int hue_check_finite(float loss, int64_t step)
{
    if (isfinite(loss))
        return 0;
    return hue_fail(HUE_EINVAL, "loss is %s at step %lld", isnan(loss) ? "NaN" : loss > 0 ? "+inf" : "-inf",
                    (long long)step);
}
