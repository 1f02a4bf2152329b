/* Supervised training and top-1 evaluation of a ResNet on image folders. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hue_checkpoint.h"
#include "hue_clock.h"
#include "hue_dataset.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_model_io.h"
#include "hue_ops.h"
#include "hue_optim.h"
#include "hue_train.h"

hue_supervised_options hue_supervised_defaults(void)
{
    hue_supervised_options o = {0};
    o.arch = hue_resnet_defaults();
    o.arch.cifar_stem = 1;
    o.epochs = 1;
    o.batch = 128;
    o.size = 32;
    o.lr = 0.1;
    o.momentum = 0.9;
    o.weight_decay = 5e-4;
    o.nesterov = 1;
    o.warmup_epochs = 0.2;
    o.threads = 2;
    o.augment = 1;
    return o;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The only warning hue_dataset_open gives: a class folder with no images.
 * Training refuses it (issue 4): the class would silently lose its label. */
static void note_empty_class(void *user, const char *message)
{
    char *first = user;
    if (!first[0]) {
        snprintf(first, 1024, "%s", message);
        char *cut = strstr(first, "; class skipped");
        if (cut)
            *cut = 0;
    }
}

static int open_checked(hue_dataset **ds, const char *path)
{
    char empty[1024] = "";
    int rc = hue_dataset_open(ds, path, note_empty_class, empty);
    if (!rc && empty[0]) {
        hue_dataset_close(*ds);
        *ds = NULL;
        rc = hue_fail(HUE_EFORMAT, "%s (every class folder needs images)", empty);
    }
    return rc;
}

/* root/train and root/test when root has them, else root alone. */
static int open_splits(const char *root, hue_dataset **train, hue_dataset **test)
{
    char path[4096];
    *train = *test = NULL;
    if (!is_dir(root))
        return hue_fail(HUE_EIO, "%s: no such folder", root);
    snprintf(path, sizeof path, "%s/train", root);
    int split = is_dir(path);
    int rc = open_checked(train, split ? path : root);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/test", root);
    if (split && is_dir(path)) {
        if ((rc = open_checked(test, path)) || (rc = hue_dataset_check_classes(*train, *test))) {
            hue_dataset_close(*train);
            hue_dataset_close(*test);
            *train = *test = NULL;
        }
    }
    return rc;
}

/* ---- evaluation ---- */

typedef struct {
    hue_graph *g;
    hue_resnet m;
    hue_tensor x, pred;
    int batch, size;
} eval_graph;

static int eval_build(hue_ctx *ctx, const hue_resnet_config *arch, int batch, int size, eval_graph *e)
{
    memset(e, 0, sizeof *e);
    e->batch = batch;
    e->size = size;
    int rc = hue_graph_create(ctx, &e->g);
    if (rc)
        return rc;
    int64_t xs[4] = {batch, 3, size, size};
    e->x = hue_graph_input(e->g, "images", 4, xs);
    if ((rc = hue_resnet_build(e->g, arch, e->x, 0, &e->m)))
        return rc;
    e->pred = hue_argmax(e->g, e->m.logits, 1);
    hue_graph_output(e->g, e->pred);
    return hue_graph_compile(e->g);
}

static void eval_free(eval_graph *e)
{
    hue_resnet_free(&e->m);
    hue_graph_destroy(e->g);
}

static int eval_run(eval_graph *e, const hue_dataset *ds, int threads, double *accuracy, int64_t *images)
{
    hue_loader_options lo = hue_loader_defaults();
    lo.batch = e->batch < hue_dataset_size(ds) ? e->batch : (int)hue_dataset_size(ds);
    lo.size = e->size;
    lo.shuffle = 0;
    lo.keep_last = 1;
    lo.epochs = 1;
    lo.threads = threads;
    lo.mean[0] = 0.4914f, lo.mean[1] = 0.4822f, lo.mean[2] = 0.4465f;
    lo.std[0] = 0.2470f, lo.std[1] = 0.2435f, lo.std[2] = 0.2616f;
    hue_loader *l;
    int rc = hue_loader_create(&l, ds, &lo);
    if (rc)
        return rc;
    size_t per = (size_t)3 * e->size * e->size;
    float *x = calloc((size_t)e->batch * per, sizeof *x), *pred = malloc(sizeof *pred * (size_t)e->batch);
    int64_t right = 0, total = 0;
    hue_batch b;
    while (x && pred && (rc = hue_loader_next(l, &b)) == 1) {
        memcpy(x, b.images, sizeof *x * per * (size_t)b.count);
        memset(x + per * (size_t)b.count, 0, sizeof *x * per * (size_t)(e->batch - b.count));
        if ((rc = hue_graph_set_input(e->g, e->x, x, (size_t)e->batch * per)) || (rc = hue_graph_run(e->g)) ||
            (rc = hue_graph_read(e->g, e->pred, pred, (size_t)e->batch)))
            break;
        for (int i = 0; i < b.count; i++)
            right += (int)pred[i] == b.labels[i];
        total += b.count;
    }
    if (!x || !pred)
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    free(x);
    free(pred);
    hue_loader_destroy(l);
    if (rc < 0)
        return rc;
    *accuracy = total ? (double)right / (double)total : 0;
    *images = total;
    return 0;
}

int hue_eval_accuracy(const char *ckpt, const char *data, int batch, int size, int threads, double *accuracy,
                      int64_t *images)
{
    hue_checkpoint *ck;
    int rc = hue_checkpoint_open(ckpt, &ck);
    if (rc)
        return rc;
    hue_resnet_config arch;
    rc = hue_resnet_arch_parse(hue_checkpoint_meta(ck, "architecture"), ckpt, &arch);
    hue_checkpoint_destroy(ck);
    if (rc)
        return rc;
    hue_dataset *ds;
    if ((rc = hue_dataset_open(&ds, data, NULL, NULL)))
        return rc;
    if (hue_dataset_num_classes(ds) != arch.num_classes) {
        hue_dataset_close(ds);
        return hue_fail(HUE_EINVAL, "%s has %d classes, the model in %s %d", data, hue_dataset_num_classes(ds), ckpt,
                        arch.num_classes);
    }
    hue_ctx *ctx;
    if ((rc = hue_ctx_create(&ctx, -1))) {
        hue_dataset_close(ds);
        return rc;
    }
    eval_graph e;
    rc = eval_build(ctx, &arch, batch, size, &e);
    if (!rc)
        rc = hue_model_load(e.g, &e.m, NULL, ckpt, NULL);
    if (!rc)
        rc = eval_run(&e, ds, threads, accuracy, images);
    eval_free(&e);
    hue_ctx_destroy(ctx);
    hue_dataset_close(ds);
    return rc;
}

/* ---- training ---- */

typedef struct {
    const hue_supervised_options *o;
    hue_ctx *ctx;
    hue_graph *g;
    hue_resnet m;
    hue_optim *opt;
    hue_schedule sched;
    hue_tensor x, y, loss;
    FILE *log;
    int64_t bpe, total;
} trainer;

/* What a checkpoint records of the run's flags; a resumed run must give the same. */
static void hparams_json(const hue_supervised_options *o, char *out, size_t n)
{
    snprintf(out, n,
             "{\"epochs\": %lld, \"batch\": %d, \"size\": %d, \"lr\": %.9g, \"momentum\": %.9g, "
             "\"weight_decay\": %.9g, \"nesterov\": %s, \"warmup_epochs\": %.9g, \"augment\": %s, "
             "\"optimizer\": \"sgd\", \"schedule\": \"cosine\"}",
             (long long)o->epochs, o->batch, o->size, o->lr, o->momentum, o->weight_decay,
             o->nesterov ? "true" : "false", o->warmup_epochs, o->augment ? "true" : "false");
}

static int save(trainer *t, int64_t step, int64_t epoch, int force)
{
    const hue_supervised_options *o = t->o;
    char hparams[512], s_step[32], s_epoch[32], s_seed[32];
    hparams_json(o, hparams, sizeof hparams);
    snprintf(s_step, sizeof s_step, "%lld", (long long)step);
    snprintf(s_epoch, sizeof s_epoch, "%lld", (long long)epoch);
    snprintf(s_seed, sizeof s_seed, "%llu", (unsigned long long)o->seed);
    hue_meta meta[] = {{"format", "hue-checkpoint-1"}, {"method", "supervised"}, {"hyperparameters", hparams},
                       {"step", s_step}, {"epoch", s_epoch}, {"seed", s_seed}, {"data", o->data}};
    return hue_model_save(t->g, &t->m, t->opt, step, meta, (int)(sizeof meta / sizeof meta[0]), o->out, force);
}

static int build(trainer *t, const hue_resnet_config *arch)
{
    const hue_supervised_options *o = t->o;
    int rc = hue_graph_create(t->ctx, &t->g);
    if (rc)
        return rc;
    int64_t xs[4] = {o->batch, 3, o->size, o->size}, ys[1] = {o->batch};
    t->x = hue_graph_input(t->g, "images", 4, xs);
    t->y = hue_graph_input(t->g, "labels", 1, ys);
    if ((rc = hue_resnet_build(t->g, arch, t->x, 1, &t->m)))
        return rc;
    t->loss = hue_cross_entropy(t->g, t->m.logits, t->y, -1, -100);
    if ((rc = hue_graph_backward(t->g, t->loss)))
        return rc;
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_SGD);
    oc.momentum = (float)o->momentum;
    oc.nesterov = o->nesterov;
    oc.weight_decay = (float)o->weight_decay;
    if ((rc = hue_optim_create(t->g, &oc, t->loss, &t->opt)))
        return rc;
    hue_graph_output(t->g, t->loss);
    return hue_graph_compile(t->g);
}

static int log_step(trainer *t, const hue_step_info *s)
{
    if (t->o->on_step)
        t->o->on_step(t->o->user, s);
    return hue_train_log_printf(t->log, t->o->log,
                                "{\"step\": %lld, \"epoch\": %lld, \"batch\": %lld, \"loss\": %.7g, \"lr\": %.7g, "
                                "\"images_per_s\": %.2f, \"elapsed_s\": %.3f}\n",
                                (long long)s->step, (long long)s->epoch, (long long)s->batch, s->loss, s->lr,
                                s->images_per_s, s->elapsed_s);
}

/* 1 when the run continues in the checkpoint it resumes. */
static int resuming_into_out(const hue_supervised_options *o)
{
    return o->resume && hue_file_same(o->resume, o->out);
}

static int check_outputs(const hue_supervised_options *o)
{
    if (!o->out || !*o->out)
        return hue_fail(HUE_EINVAL, "no output checkpoint given (--out)");
    /* --out may be --resume (the run goes on in its checkpoint), no other input or output */
    hue_file_use uses[] = {{"--out", o->out, 1}, {"--log", o->log, 1}, {"--data", o->data, 0},
                           {"--resume", resuming_into_out(o) ? NULL : o->resume, 0}};
    int rc = hue_file_check_uses(uses, 4);
    if (rc)
        return rc;
    if (!o->force && !resuming_into_out(o) && access(o->out, F_OK) == 0)
        return hue_fail(HUE_EEXIST, "%s exists: pass --force to replace it", o->out);
    return 0;
}

static int train_loop(trainer *t, hue_dataset *train, int64_t start, hue_train_report *r)
{
    const hue_supervised_options *o = t->o;
    hue_loader_options lo = hue_loader_defaults();
    lo.batch = o->batch;
    lo.size = o->size;
    lo.seed = o->seed;
    lo.threads = o->threads;
    lo.pad_crop = o->augment ? 4 : 0;
    lo.flip = o->augment;
    lo.mean[0] = 0.4914f, lo.mean[1] = 0.4822f, lo.mean[2] = 0.4465f;
    lo.std[0] = 0.2470f, lo.std[1] = 0.2435f, lo.std[2] = 0.2616f;
    lo.first_epoch = start / t->bpe;
    lo.first_batch = start % t->bpe;
    lo.epochs = o->epochs - lo.first_epoch;
    if (lo.epochs <= 0)
        return 0;
    hue_loader *l;
    int rc = hue_loader_create(&l, train, &lo);
    if (rc)
        return rc;
    float *labels = malloc(sizeof *labels * (size_t)o->batch);
    double t0 = hue_now_s(), window_t = t0;
    int64_t window_images = 0, step = start;
    /* step of the model o->out holds, for the message of a stopped run */
    int64_t saved = resuming_into_out(o) ? start : 0;
    hue_batch b;
    while (labels && (rc = hue_loader_next(l, &b)) == 1) {
        for (int i = 0; i < b.count; i++)
            labels[i] = (float)b.labels[i];
        float lr = hue_schedule_lr(&t->sched, step), loss = 0;
        if ((rc = hue_graph_set_input(t->g, t->x, b.images, (size_t)b.count * 3 * o->size * o->size)) ||
            (rc = hue_graph_set_input(t->g, t->y, labels, (size_t)b.count)) ||
            (rc = hue_optim_set_step(t->opt, step, lr)) || (rc = hue_graph_run(t->g)) ||
            (rc = hue_graph_read(t->g, t->loss, &loss, 1)))
            break;
        if ((rc = hue_check_finite(loss, step + 1))) {
            rc = hue_train_stopped(rc, o->out, saved);
            break;
        }
        step++;
        window_images += b.count;
        double now = hue_now_s();
        hue_step_info s = {step, t->total, b.epoch, o->epochs, b.index, t->bpe, loss, lr,
                           window_images / fmax(now - window_t, 1e-9), now - t0};
        if (now - window_t > 5)
            window_t = now, window_images = 0;
        if ((rc = log_step(t, &s))) {
            rc = hue_train_stopped(rc, o->out, saved);
            break;
        }
        r->steps = step;
        r->last_loss = loss;
        int epoch_end = b.index == t->bpe - 1;
        int last = o->max_steps > 0 && step >= o->max_steps;
        if (epoch_end || (o->save_every > 0 && step % o->save_every == 0) || last) {
            if ((rc = save(t, step, epoch_end ? b.epoch + 1 : b.epoch, 1))) {
                rc = hue_train_stopped(rc, o->out, saved);
                break;
            }
            saved = step;
        }
        if (last)
            break;
    }
    if (!labels)
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    r->skipped_images = hue_loader_skipped(l);
    free(labels);
    hue_loader_destroy(l);
    return rc < 0 ? rc : 0;
}

/* Resuming continues the run the checkpoint holds: other flags (batch,
 * epochs, learning rate, seed, ...) would silently change its data order and
 * schedule, so they are an error naming both. */
static int check_same_run(const hue_supervised_options *o, const hue_checkpoint *ck)
{
    char want[512], seed[32];
    hparams_json(o, want, sizeof want);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    const char *have = hue_checkpoint_meta(ck, "hyperparameters"), *have_seed = hue_checkpoint_meta(ck, "seed");
    if (!have || strcmp(have, want) != 0)
        return hue_fail(HUE_EINVAL, "%s was trained with %s; these flags give %s: resume with the run's flags",
                        o->resume, have ? have : "unknown hyper-parameters", want);
    if (!have_seed || strcmp(have_seed, seed) != 0)
        return hue_fail(HUE_EINVAL, "%s was trained with --seed %s, not %s: resume with the run's flags", o->resume,
                        have_seed ? have_seed : "unknown", seed);
    return 0;
}

int hue_train_supervised(const hue_supervised_options *o, hue_train_report *r)
{
    memset(r, 0, sizeof *r);
    r->test_accuracy = -1;
    if (o->batch < 1)
        return hue_fail(HUE_EINVAL, "--batch %d: must be at least 1", o->batch);
    if (o->epochs < 1)
        return hue_fail(HUE_EINVAL, "--epochs %lld: must be at least 1", (long long)o->epochs);
    if (o->size < 8 || o->size > 1024)
        return hue_fail(HUE_EINVAL, "--size %d: must be 8 to 1024 pixels", o->size);
    if (!(o->lr >= 0) || !(o->momentum >= 0) || !(o->weight_decay >= 0))
        return hue_fail(HUE_EINVAL, "learning rate, momentum and weight decay must be >= 0");
    int rc = check_outputs(o);
    if (rc)
        return rc;
    hue_dataset *train, *test;
    if ((rc = open_splits(o->data, &train, &test)))
        return rc;
    if (o->batch > hue_dataset_size(train)) {
        rc = hue_fail(HUE_EINVAL, "--batch %d is larger than the %lld images of %s", o->batch,
                      (long long)hue_dataset_size(train), hue_dataset_root(train));
        hue_dataset_close(train), hue_dataset_close(test);
        return rc;
    }
    trainer t = {.o = o};
    hue_resnet_config arch = o->arch;
    arch.in_channels = 3;
    arch.num_classes = hue_dataset_num_classes(train);
    arch.last_layer = 4;
    t.bpe = hue_dataset_size(train) / o->batch;
    t.total = t.bpe * o->epochs;
    if (o->max_steps > 0 && o->max_steps < t.total)
        t.total = o->max_steps;
    t.sched = (hue_schedule){.kind = HUE_SCHEDULE_COSINE, .base_lr = o->lr,
                             .warmup_steps = (int64_t)(o->warmup_epochs * (double)t.bpe),
                             .total_steps = t.bpe * o->epochs, .final_lr = 0};
    double t0 = hue_now_s();
    rc = hue_schedule_check(&t.sched);
    if (!rc)
        rc = hue_ctx_create(&t.ctx, -1);
    if (!rc)
        rc = build(&t, &arch);
    int64_t start = 0;
    if (!rc && o->resume) {
        hue_checkpoint *ck = NULL;
        rc = hue_model_load(t.g, &t.m, t.opt, o->resume, &ck);
        if (!rc) {
            const char *step = hue_checkpoint_meta(ck, "step"), *method = hue_checkpoint_meta(ck, "method");
            char *end = NULL;
            start = step ? strtoll(step, &end, 10) : -1;
            if (!method || strcmp(method, "supervised") != 0)
                rc = hue_fail(HUE_EINVAL, "%s was not made by 'hue pretrain --method supervised' (method %s)",
                              o->resume, method ? method : "unknown");
            else if (!step || *end || start < 0)
                rc = hue_fail(HUE_EFORMAT, "%s: no valid 'step' in its metadata", o->resume);
            else
                rc = check_same_run(o, ck);
        }
        hue_checkpoint_destroy(ck);
    } else if (!rc) {
        rc = hue_resnet_init(t.g, &t.m, o->seed);
    }
    if (!rc)
        rc = hue_train_log_open(o->log, start, o->force, &t.log);
    if (!rc)
        rc = train_loop(&t, train, start, r);
    if (!rc && test && r->steps >= t.bpe * o->epochs) {
        eval_graph e;
        int eb = o->batch < 256 ? 256 : o->batch;
        rc = eval_build(t.ctx, &arch, eb, o->size, &e);
        if (!rc)
            rc = hue_model_copy(t.g, &t.m, e.g, &e.m);
        if (!rc)
            rc = eval_run(&e, test, o->threads, &r->test_accuracy, &r->test_images);
        eval_free(&e);
        if (!rc)
            rc = hue_train_log_printf(t.log, o->log, "{\"step\": %lld, \"test_accuracy\": %.6f, \"test_images\": %lld}\n",
                                      (long long)r->steps, r->test_accuracy, (long long)r->test_images);
    }
    r->seconds = hue_now_s() - t0;
    if (t.log)
        fclose(t.log);
    hue_optim_destroy(t.opt);
    hue_resnet_free(&t.m);
    hue_graph_destroy(t.g);
    hue_ctx_destroy(t.ctx);
    hue_dataset_close(train);
    hue_dataset_close(test);
    return rc;
}
