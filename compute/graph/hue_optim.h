/* Optimizers as fused update kernels on the static graph, learning-rate
 * schedules computed on the host, and the non-finite loss check.
 *
 * After hue_graph_backward and before hue_graph_compile, hue_optim_create
 * appends to the graph, for every trainable parameter that has a gradient,
 * one node that updates the parameter and its state (momentum buffer, Adam
 * moments) in place. Forward, backward and update are then one recorded
 * command buffer. The values that change from step to step (learning rate,
 * Adam's bias corrections) live in a small graph input that
 * hue_optim_set_step fills on the host before every hue_graph_run; nothing
 * is re-recorded.
 *
 *   hue_graph_backward(g, loss);
 *   hue_optim_config cfg = hue_optim_defaults(HUE_OPTIM_SGD);
 *   cfg.momentum = 0.9f;
 *   hue_optim_create(g, &cfg, loss, &opt);
 *   hue_graph_output(g, loss);
 *   hue_graph_compile(g);
 *   for (step = 0; ...; step++) {
 *       set inputs; hue_optim_set_step(opt, step, hue_schedule_lr(&sched, step));
 *       hue_graph_run(g); read loss;
 *       if (hue_check_finite(loss_value, step)) stop;   (the update of that step was skipped)
 *   }
 *
 * Steps count from 0: step k is the (k+1)-th update, so Adam's bias
 * corrections use t = k + 1, as torch's state['step'] after its increment. */
#ifndef HUE_OPTIM_H
#define HUE_OPTIM_H
#include <stdint.h>

#include "hue_graph.h"

/* With g the gradient (times the clipping factor), lr the step's rate and
 * wd the weight decay (0 for excluded parameters):
 *   SGD    d = g + wd w; b = mu b + (1 - dampening) d (b = d at step 0);
 *          w -= lr (Nesterov ? d + mu b : b)                     (torch.optim.SGD)
 *   AdamW  w *= 1 - lr wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 *          w -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps), t = step + 1
 *   LARS   trust = eta ||w|| / (||g|| + wd ||w||) where both norms are > 0,
 *          else 1 (always 1 for excluded parameters); d = g + wd w;
 *          b = mu b + lr trust d; w -= Nesterov ? mu b + lr trust d : b
 *          (SimCLR's LARS: the buffer holds lr-scaled steps) */
enum hue_optim_kind {
    HUE_OPTIM_SGD,    /* torch.optim.SGD: momentum, dampening, Nesterov, L2 weight decay */
    HUE_OPTIM_ADAMW,  /* torch.optim.AdamW: decoupled weight decay, bias corrections */
    HUE_OPTIM_LARS,   /* SimCLR's LARS: layer-wise trust ratio, momentum, weight decay */
};

/* Which parameters an optimizer takes (select) and which of them get no
 * weight decay and, for LARS, no trust-ratio adaptation (exclude). */
typedef int (*hue_optim_filter)(const hue_graph *g, hue_tensor param, void *user);

typedef struct {
    int kind;                 /* enum hue_optim_kind */
    float momentum;           /* SGD, LARS: 0 = none (SGD) */
    float dampening;          /* SGD */
    int nesterov;             /* SGD (needs momentum > 0 and dampening 0), LARS */
    float weight_decay;       /* SGD and LARS: added to the gradient; AdamW: decoupled */
    float beta1, beta2, eps;  /* AdamW */
    float trust_coefficient;  /* LARS: eta in eta * ||w|| / (||g|| + weight_decay * ||w||) */
    /* > 0: before the update, every gradient is scaled by
     * min(1, max_grad_norm / (global norm + 1e-6)), the global norm being
     * over all gradients this optimizer takes (torch.nn.utils.clip_grad_norm_). */
    float max_grad_norm;
    /* NULL: every trainable parameter with a gradient. */
    hue_optim_filter select;
    /* NULL: LARS excludes 1-D parameters (batch-norm scales and shifts,
     * biases), SGD and AdamW exclude none (as torch). */
    hue_optim_filter exclude;
    void *filter_user;        /* passed to select and exclude */
} hue_optim_config;

typedef struct hue_optim hue_optim;

/* torch's defaults for `kind` (SGD: no momentum, no decay; AdamW: betas
 * 0.9, 0.999, eps 1e-8, weight decay 0.01; LARS: momentum 0.9, eta 0.001,
 * weight decay 1e-6 as SimCLR); no clipping. */
hue_optim_config hue_optim_defaults(int kind);

/* An exclude filter: parameters with one dimension. */
int hue_optim_exclude_1d(const hue_graph *g, hue_tensor param, void *user);

/* Appends the update of every selected parameter to g (after
 * hue_graph_backward, before hue_graph_compile). Several optimizers may
 * share a graph (parameter groups) if their select filters are disjoint. `loss` >= 0 guards the
 * update: where the loss (or, with clipping, the global gradient norm) is
 * NaN or infinite, the update kernels leave parameters and state as they
 * were, so a step with a non-finite loss changes nothing; -1: no guard.
 * Errors (bad values, no parameter with a gradient, graph already
 * compiled) also stick to the graph. */
int hue_optim_create(hue_graph *g, const hue_optim_config *cfg, hue_tensor loss, hue_optim **out);
void hue_optim_destroy(hue_optim *o);

/* Before each run of the compiled graph: the step about to run (from 0)
 * and its learning rate (>= 0, finite). Runs before the first call update
 * nothing; a run without a new call repeats the last call's values. */
int hue_optim_set_step(hue_optim *o, int64_t step, float lr);

/* The parameters this optimizer updates, and their state, for checkpoints:
 * state k = 0 is the momentum buffer (SGD with momentum, LARS) or Adam's
 * exp_avg, k = 1 Adam's exp_avg_sq; -1 where the optimizer keeps none.
 * State tensors are persistent: hue_graph_read / hue_graph_write them. */
int hue_optim_param_count(const hue_optim *o);
hue_tensor hue_optim_param(const hue_optim *o, int i);
hue_tensor hue_optim_state(const hue_optim *o, int i, int k);
int hue_optim_is_excluded(const hue_optim *o, int i);
/* Dispatches the optimizer adds to each step. */
int hue_optim_dispatches_per_step(const hue_optim *o);

/* The same update on the host in double precision: the reference the tests
 * compare the kernels with. g is the raw gradient; m and v are the state
 * (zeroed before the first step); clipping is over the params given. */
typedef struct {
    int64_t n;
    double *w;
    const double *g;
    double *m, *v;
    int ndim;         /* for the default exclusion (LARS: 1-D) */
    int excluded;     /* -1: the default for ndim, else 0 or 1 */
} hue_optim_ref_param;
int hue_optim_reference_step(const hue_optim_config *cfg, hue_optim_ref_param *p, int n_params, int64_t step,
                             double lr);

/* ---- learning-rate schedules, computed on the host ---- */

enum hue_schedule_kind {
    HUE_SCHEDULE_CONSTANT,
    HUE_SCHEDULE_COSINE,  /* from base_lr at the end of warm-up to final_lr at total_steps, then final_lr */
    HUE_SCHEDULE_STEP,    /* base_lr * gamma^(steps passed: every step_size, or at each milestone) */
};

#define HUE_SCHEDULE_MAX_MILESTONES 16

typedef struct {
    int kind;                 /* enum hue_schedule_kind */
    double base_lr;
    /* Linear warm-up: step k < warmup_steps runs at base_lr * (k + 1) / warmup_steps. */
    int64_t warmup_steps;
    int64_t total_steps;      /* cosine */
    double final_lr;          /* cosine: the floor */
    double gamma;             /* step */
    int64_t step_size;        /* step: decay every step_size steps (counted from 0) ... */
    int n_milestones;         /* ... or, when n_milestones > 0, at each of these steps (increasing) */
    int64_t milestones[HUE_SCHEDULE_MAX_MILESTONES];
} hue_schedule;

/* 0, or HUE_EINVAL with a message naming the bad field. */
int hue_schedule_check(const hue_schedule *s);
/* The learning rate of step `step` (from 0; negative counts as 0). The
 * schedule must pass hue_schedule_check (else NaN). */
float hue_schedule_lr(const hue_schedule *s, int64_t step);

/* ---- non-finite loss ---- */

/* 0 for a finite loss; else HUE_EINVAL with "loss is NaN at step N" (or
 * +inf/-inf). The caller stops training: with hue_optim_create's guard the
 * failing step changed no parameter, and checkpoints written before stay
 * as they are (hue never rewrites a checkpoint in place). */
int hue_check_finite(float loss, int64_t step);

#endif
