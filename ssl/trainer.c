/* The training loop every method runs on (see hue_trainer.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hue_clock.h"
#include "hue_collective.h"
#include "hue_dist.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_json_writer.h"
#include "hue_run_path.h"
#include "trainer_internal.h"

/* ---- registration, from a method's build ---- */

int hue_trainer_add_resnet(hue_trainer *t, hue_resnet *m, const char *prefix, int in_representation,
                           const hue_trunk_ref *input)
{
    if (t->n_parts == TRAINER_MAX_PARTS)
        return hue_fail(HUE_ELIMIT, "a model of more than %d networks", TRAINER_MAX_PARTS);
    trainer_part *p = &t->parts[t->n_parts++];
    memset(p, 0, sizeof *p);
    p->resnet = m;
    snprintf(p->prefix, sizeof p->prefix, "%s", prefix ? prefix : "");
    p->in_representation = in_representation;
    if (input)
        p->ref = *input;
    memcpy(p->ref.prefix, p->prefix, sizeof p->ref.prefix);
    p->ref.arch = m->cfg;
    return 0;
}

int hue_trainer_add_head(hue_trainer *t, hue_head *h)
{
    if (t->n_parts == TRAINER_MAX_PARTS)
        return hue_fail(HUE_ELIMIT, "a model of more than %d networks", TRAINER_MAX_PARTS);
    trainer_part *p = &t->parts[t->n_parts++];
    memset(p, 0, sizeof *p);
    p->head = h;
    snprintf(p->prefix, sizeof p->prefix, "%s", h->prefix);
    return 0;
}

int hue_trainer_add_optimizer(hue_trainer *t, hue_optim *opt, const hue_schedule *sched)
{
    if (t->n_opt == TRAINER_MAX_OPTIMIZERS)
        return hue_fail(HUE_ELIMIT, "more than %d optimizers", TRAINER_MAX_OPTIMIZERS);
    int rc = hue_schedule_check(sched);
    if (rc)
        return rc;
    t->opt[t->n_opt] = opt;
    t->sched[t->n_opt++] = *sched;
    return 0;
}

void hue_trainer_set_loss(hue_trainer *t, hue_tensor loss) { t->loss = loss; }

int hue_trainer_add_metric(hue_trainer *t, const char *name, hue_tensor scalar)
{
    if (t->n_metrics == TRAINER_MAX_METRICS)
        return hue_fail(HUE_ELIMIT, "more than %d logged metrics", TRAINER_MAX_METRICS);
    snprintf(t->metric_name[t->n_metrics], sizeof t->metric_name[0], "%s", name);
    t->metric[t->n_metrics++] = scalar;
    hue_graph_output(t->g, scalar);
    return 0;
}

int hue_trainer_add_state(hue_trainer *t, const char *name, hue_tensor tensor)
{
    if (t->n_states == TRAINER_MAX_STATES)
        return hue_fail(HUE_ELIMIT, "more than %d method states", TRAINER_MAX_STATES);
    if (strlen(name) >= sizeof t->state_name[0])
        return hue_fail(HUE_EINVAL, "method state name '%s' is too long", name);
    snprintf(t->state_name[t->n_states], sizeof t->state_name[0], "%s", name);
    t->state[t->n_states++] = tensor;
    return 0;
}

hue_ctx *hue_trainer_ctx(const hue_trainer *t) { return t->ctx; }
hue_graph *hue_trainer_graph(const hue_trainer *t) { return t->g; }
const hue_trainer_options *hue_trainer_options_of(const hue_trainer *t) { return t->o; }
int64_t hue_trainer_first_step(const hue_trainer *t) { return t->first_step; }

int hue_trainer_set_meta(hue_trainer *t, const char *key, const char *value)
{
    if (!t->saving)
        return hue_fail(HUE_EINVAL, "metadata '%s' set outside a checkpoint's writing", key);
    return hue_checkpoint_set_meta(t->saving, key, value);
}

int hue_trainer_set_meta_path(hue_trainer *t, const char *key, const char *path)
{
    char stored[4096];
    int rc = hue_run_path_store(path, t->o->out, stored, sizeof stored);
    return rc ? rc : hue_trainer_set_meta(t, key, stored);
}

int hue_trainer_log_line(hue_trainer *t, const char *json)
{
    return hue_train_log_printf(t->log, t->o->log, "%s\n", json);
}

/* ---- the run ---- */

static int group_sum(void *user, float *values, size_t count)
{
    (void)user;
    return hue_dist_sum(values, count);
}

/* In a group: the loss and metrics every rank logs are their means over
 * the group (each rank's loss is the mean over its part of the batch, so
 * this is the whole batch's), the same numbers on every rank. */
static int group_mean(float *loss, float *metrics, int n_metrics)
{
    int ranks = hue_dist_size();
    if (ranks == 1)
        return 0;
    float v[TRAINER_MAX_METRICS + 1];
    v[0] = *loss;
    memcpy(v + 1, metrics, sizeof *metrics * (size_t)n_metrics);
    int rc = hue_dist_sum(v, (size_t)n_metrics + 1);
    for (int i = 0; i <= n_metrics; i++)
        v[i] /= (float)ranks;
    *loss = v[0];
    memcpy(metrics, v + 1, sizeof *metrics * (size_t)n_metrics);
    return rc;
}

/* 1 when the run continues in the checkpoint it resumes. */
static int resuming_into_out(const hue_trainer_options *o) { return o->resume && hue_file_same(o->resume, o->out); }

/* No output may be an input, or the other output; an existing --out needs
 * --force unless the run goes on in it. */
static int check_outputs(const hue_trainer_options *o)
{
    if (!o->out || !*o->out)
        return hue_fail(HUE_EINVAL, "no output checkpoint given (--out)");
    hue_file_use uses[16] = {{"--out", o->out, 1}, {"--log", o->log, 1},
                             {"--resume", resuming_into_out(o) ? NULL : o->resume, 0}};
    int n = 3;
    for (int i = 0; i < o->n_inputs && n < 16; i++)
        uses[n++] = o->inputs[i];
    int rc = hue_file_check_uses(uses, n);
    if (!rc)
        rc = hue_file_check_output_folder("--out", o->out);
    if (!rc)
        rc = hue_file_check_output_folder("--log", o->log);
    if (rc)
        return rc;
    if (!o->force && !resuming_into_out(o) && access(o->out, F_OK) == 0)
        return hue_fail(HUE_EEXIST, "%s exists: pass --force to replace it", o->out);
    return 0;
}

/* Every network from the seed: the first trunk takes the seed itself, the
 * others seeds of their own, so adding a head leaves the trunk's start as
 * it was. */
static int init_networks(hue_trainer *t)
{
    int rc = 0;
    for (int i = 0; i < t->n_parts && !rc; i++) {
        uint64_t seed = t->o->seed + (uint64_t)i * 0x9e3779b97f4a7c15ull;
        rc = t->parts[i].resnet ? hue_resnet_init(t->g, t->parts[i].resnet, seed)
                                : hue_head_init(t->g, t->parts[i].head, seed);
    }
    return rc;
}

static int log_step(hue_trainer *t, const hue_step_info *s, const float *metrics)
{
    const hue_trainer_options *o = t->o;
    if (o->on_step)
        o->on_step(o->user, s);
    if (!t->log)
        return 0;
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "step");
    hue_jw_int(&w, s->step);
    if (o->steps_per_epoch > 0) {
        hue_jw_key(&w, "epoch");
        hue_jw_int(&w, s->epoch);
        hue_jw_key(&w, "batch");
        hue_jw_int(&w, s->batch);
    }
    hue_jw_key(&w, "loss");
    hue_jw_number_digits(&w, s->loss, 7);
    for (int i = 0; i < t->n_metrics; i++) {
        hue_jw_key(&w, t->metric_name[i]);
        hue_jw_number_digits(&w, metrics[i], 7);
    }
    hue_jw_key(&w, "lr");
    hue_jw_number_digits(&w, s->lr, 7);
    hue_jw_key(&w, o->rate_name ? o->rate_name : "images_per_s");
    hue_jw_number_digits(&w, round(s->images_per_s * 1000) / 1000, 9);
    if (hue_dist_size() > 1) {
        hue_jw_key(&w, "allreduce_s");
        hue_jw_number_digits(&w, round(t->group_s * 1e6) / 1e6, 9);
        hue_jw_key(&w, "allreduce_mb");
        hue_jw_number_digits(&w, round(t->group_mb * 1e3) / 1e3, 9);
    }
    hue_jw_key(&w, "elapsed_s");
    hue_jw_number_digits(&w, round(s->elapsed_s * 1000) / 1000, 12);
    hue_jw_end(&w);
    const char *line = hue_json_writer_text(&w);
    int rc = line ? hue_trainer_log_line(t, line) : hue_fail(HUE_ENOMEM, "out of host memory");
    hue_json_writer_free(&w);
    return rc;
}

/* The run's save hook, after the checkpoint of step `done`. */
static int after_save(hue_trainer *t, int64_t done)
{
    const hue_trainer_options *o = t->o;
    if (!o->on_save)
        return 0;
    hue_save_info s = {done, o->out, t->log, o->log};
    return o->on_save(o->user, &s);
}

/* After step `done`: when Ctrl-C or SIGTERM came (on any rank of a group,
 * so that all stop at the same step), a checkpoint of this step unless one
 * was just written, and an error that says how to go on. */
static int stop_if_interrupted(hue_trainer *t, int64_t done, hue_fill_info info, int64_t *saved)
{
    int sig = trainer_interrupted();
    int rc = hue_dist_size() > 1 ? hue_dist_max_int(sig, &sig) : 0;
    if (rc)
        return hue_train_stopped(rc, t->o->out, *saved);
    if (!sig)
        return 0;
    int epoch_end = t->o->steps_per_epoch > 0 && info.batch == t->o->steps_per_epoch - 1;
    if (hue_dist_rank() == 0 && *saved != done) {
        rc = trainer_save(t, done, epoch_end ? info.epoch + 1 : info.epoch);
        if (!rc)
            rc = after_save(t, done);
        if (rc)
            return hue_train_stopped(rc, t->o->out, *saved);
        *saved = done;
    }
    return hue_fail(HUE_EINTR, "%s after step %lld: %s keeps the model of that step; --resume %s continues the run",
                    sig == SIGINT ? "interrupted (Ctrl-C)" : "stopped by SIGTERM", (long long)done, t->o->out,
                    t->o->out);
}

static int run_steps(hue_trainer *t, hue_train_report *r)
{
    const hue_trainer_options *o = t->o;
    int64_t end = o->steps;
    if (o->max_steps > 0 && o->max_steps < end)
        end = o->max_steps;
    double window_t = hue_now_s();
    int64_t window_images = 0;
    /* step of the model o->out holds, for the message of a stopped run */
    int64_t saved = resuming_into_out(o) ? t->first_step : 0;
    float metrics[TRAINER_MAX_METRICS];
    int rc = 0;
    for (int64_t step = t->first_step; step < end; step++) {
        hue_fill_info info = {0};
        double group_s0 = hue_dist_seconds(), group_b0 = hue_dist_bytes();
        if ((rc = t->method->fill(t->method->self, t, step, &info)))
            break;
        float lr = 0, loss = 0;
        for (int i = 0; i < t->n_opt && !rc; i++) {
            float lr_i = hue_schedule_lr(&t->sched[i], step);
            if (i == 0)
                lr = lr_i;
            rc = hue_optim_set_step(t->opt[i], step, lr_i);
        }
        if (rc || (rc = hue_graph_run(t->g)) || (rc = hue_graph_read(t->g, t->loss, &loss, 1)))
            break;
        for (int i = 0; i < t->n_metrics && !rc; i++)
            rc = hue_graph_read(t->g, t->metric[i], &metrics[i], 1);
        if (rc || (rc = group_mean(&loss, metrics, t->n_metrics)))
            break;
        t->group_s = hue_dist_seconds() - group_s0;
        t->group_mb = (hue_dist_bytes() - group_b0) / 1e6;
        if ((rc = hue_check_finite(loss, step + 1))) {
            rc = hue_train_stopped(rc, o->out, saved);
            break;
        }
        window_images += info.images * hue_dist_size();
        double now = hue_now_s();
        hue_step_info s = {step + 1,
                           end,
                           info.epoch,
                           o->steps_per_epoch > 0 ? o->steps / o->steps_per_epoch : 1,
                           info.batch,
                           o->steps_per_epoch > 0 ? o->steps_per_epoch : o->steps,
                           loss,
                           lr,
                           window_images / fmax(now - window_t, 1e-9),
                           t->elapsed0 + now - t->t0};
        if (now - window_t > 5)
            window_t = now, window_images = 0;
        if ((rc = log_step(t, &s, metrics))) {
            rc = hue_train_stopped(rc, o->out, saved);
            break;
        }
        r->steps = step + 1;
        r->last_loss = loss;
        int epoch_end = o->steps_per_epoch > 0 && info.batch == o->steps_per_epoch - 1;
        int saved_now = 0;
        if (hue_dist_rank() == 0 &&
            (epoch_end || (o->save_every > 0 && (step + 1) % o->save_every == 0) || step + 1 == end)) {
            if ((rc = trainer_save(t, step + 1, epoch_end ? info.epoch + 1 : info.epoch))) {
                rc = hue_train_stopped(rc, o->out, saved);
                break;
            }
            saved = step + 1;
            saved_now = 1;
        }
        if (epoch_end && o->knn_every > 0 && hue_dist_rank() == 0 && (info.epoch + 1) % o->knn_every == 0 &&
            (rc = trainer_knn_run(t, step + 1, info.epoch + 1))) {
            rc = hue_train_stopped(rc, o->out, saved);
            break;
        }
        if (saved_now && (rc = after_save(t, step + 1))) {
            rc = hue_train_stopped(rc, o->out, saved);
            break;
        }
        if (step + 1 < end && (rc = stop_if_interrupted(t, step + 1, info, &saved)))
            break;
    }
    return rc;
}

int hue_trainer_run(const hue_trainer_options *o, hue_method *m, hue_train_report *r)
{
    memset(r, 0, sizeof *r);
    r->test_accuracy = -1;
    hue_trainer t = {.o = o, .method = m, .loss = -1, .t0 = hue_now_s()};
    /* in a data-parallel group rank 0 alone writes (checkpoints, log) */
    int writer = hue_dist_rank() == 0;
    int rc = writer ? check_outputs(o) : 0;
    if (!rc)
        rc = hue_ctx_create(&t.ctx, -1);
    if (!rc)
        rc = hue_graph_create(t.ctx, &t.g);
    if (!rc && hue_dist_size() > 1) {
        hue_collective group = {hue_dist_size(), group_sum, NULL, hue_dist_rank()};
        hue_graph_set_collective(t.g, &group);
    }
    if (!rc)
        rc = m->build(m->self, &t, t.g);
    if (!rc && t.loss < 0)
        rc = hue_fail(HUE_EINVAL, "method %s built no loss", m->name);
    if (!rc) {
        hue_graph_output(t.g, t.loss);
        rc = hue_graph_compile(t.g);
    }
    if (!rc && o->resume) {
        rc = trainer_resume(&t);
    } else if (!rc) {
        rc = init_networks(&t);
        if (!rc && m->init)
            rc = m->init(m->self, &t);
    }
    if (!rc && writer)
        rc = trainer_knn_open(&t);
    if (!rc && writer)
        rc = hue_train_log_open(o->log, t.first_step, o->force, &t.log);
    if (!rc) {
        trainer_signals signals;
        trainer_interrupt_catch(&signals);
        rc = run_steps(&t, r);
        trainer_interrupt_release(&signals);
    }
    if (!rc && r->steps >= o->steps && m->finish)
        rc = m->finish(m->self, &t, r);
    r->seconds = hue_now_s() - t.t0;
    r->elapsed_s = t.elapsed0 + r->seconds;
    r->first_step = t.first_step;
    if (r->steps < t.first_step)  /* nothing left to do: the checkpoint's steps */
        r->steps = t.first_step;
    r->knn_top1 = o->knn_every > 0 && t.knn_top1 > 0 ? t.knn_top1 : -1;
    trainer_knn_close(&t);
    if (t.log)
        fclose(t.log);
    m->destroy(m->self);
    for (int i = 0; i < t.n_opt; i++)
        hue_optim_destroy(t.opt[i]);
    hue_graph_destroy(t.g);
    hue_ctx_destroy(t.ctx);
    return rc;
}
