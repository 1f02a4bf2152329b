/* Learning-rate schedules, computed on the host each step and handed to the
 * update kernels through hue_optim_set_step: linear warm-up, then constant,
 * cosine decay to a floor, or step decay. */
#include <math.h>

#include "hue_error.h"
#include "hue_optim.h"

static int bad(const char *field, double v, const char *want)
{
    return hue_fail(HUE_EINVAL, "schedule: %s = %g (must be %s)", field, v, want);
}

int hue_schedule_check(const hue_schedule *s)
{
    if (!s)
        return hue_fail(HUE_EINVAL, "schedule: none given");
    if (s->kind < HUE_SCHEDULE_CONSTANT || s->kind > HUE_SCHEDULE_STEP)
        return hue_fail(HUE_EINVAL, "schedule: kind %d does not exist", s->kind);
    if (!(s->base_lr >= 0) || !isfinite(s->base_lr))
        return bad("base_lr", s->base_lr, ">= 0 and finite");
    if (s->warmup_steps < 0)
        return bad("warmup_steps", (double)s->warmup_steps, ">= 0");
    if (s->kind == HUE_SCHEDULE_COSINE) {
        if (s->total_steps <= s->warmup_steps)
            return hue_fail(HUE_EINVAL, "schedule: total_steps = %lld must exceed warmup_steps = %lld for cosine decay",
                            (long long)s->total_steps, (long long)s->warmup_steps);
        if (!(s->final_lr >= 0) || !isfinite(s->final_lr))
            return bad("final_lr", s->final_lr, ">= 0 and finite");
    }
    if (s->kind == HUE_SCHEDULE_STEP) {
        if (!(s->gamma > 0) || !isfinite(s->gamma))
            return bad("gamma", s->gamma, "> 0 and finite");
        if (s->n_milestones < 0 || s->n_milestones > HUE_SCHEDULE_MAX_MILESTONES)
            return hue_fail(HUE_EINVAL, "schedule: %d milestones (at most %d)", s->n_milestones,
                            HUE_SCHEDULE_MAX_MILESTONES);
        if (s->n_milestones == 0 && s->step_size < 1)
            return bad("step_size", (double)s->step_size, ">= 1, or milestones given");
        for (int i = 0; i < s->n_milestones; i++)
            if (s->milestones[i] < 0 || (i > 0 && s->milestones[i] <= s->milestones[i - 1]))
                return hue_fail(HUE_EINVAL, "schedule: milestone %d (%lld) is negative or not after the one before",
                                i, (long long)s->milestones[i]);
    }
    return 0;
}

float hue_schedule_lr(const hue_schedule *s, int64_t step)
{
    if (hue_schedule_check(s))
        return NAN;
    if (step < 0)
        step = 0;
    double lr = s->base_lr;
    if (s->kind == HUE_SCHEDULE_COSINE) {
        int64_t t = step - s->warmup_steps, span = s->total_steps - s->warmup_steps;
        if (t >= span)
            lr = s->final_lr;
        else if (t > 0)
            lr = s->final_lr + (s->base_lr - s->final_lr) * 0.5 * (1 + cos(3.14159265358979323846 * (double)t / (double)span));
    } else if (s->kind == HUE_SCHEDULE_STEP) {
        int64_t k = 0;
        if (s->n_milestones > 0)
            while (k < s->n_milestones && s->milestones[k] <= step)
                k++;
        else
            k = step / s->step_size;
        lr = s->base_lr * pow(s->gamma, (double)k);
    }
    if (step < s->warmup_steps)
        lr *= (double)(step + 1) / (double)s->warmup_steps;
    return (float)lr;
}
