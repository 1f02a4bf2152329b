/* The supervised baseline as a trainer method: cross-entropy on the image
 * folder's classes, SGD with Nesterov momentum, warm-up then cosine, CIFAR
 * pad-crop-flip augmentation, and the test split's top-1 at the end. */
#include <stdlib.h>
#include <string.h>

#include "eval_accuracy_internal.h"
#include "hue_error.h"
#include "hue_image_splits.h"
#include "hue_json_writer.h"
#include "hue_model_io.h"
#include "hue_ops.h"
#include "hue_trainer.h"

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

typedef struct {
    const hue_supervised_options *o;
    hue_train_report *report;
    hue_dataset *train, *test;
    hue_resnet_config arch;
    int64_t bpe;                /* batches per epoch */
    hue_resnet m;
    hue_tensor x, y;
    hue_loader *loader;
    float *labels;
} supervised;

/* What a checkpoint records of the run's flags; a resumed run must give the same. */
static char *hyperparameters(const hue_supervised_options *o)
{
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "epochs"), hue_jw_int(&w, o->epochs);
    hue_jw_key(&w, "batch"), hue_jw_int(&w, o->batch);
    hue_jw_key(&w, "size"), hue_jw_int(&w, o->size);
    hue_jw_key(&w, "lr"), hue_jw_number(&w, o->lr);
    hue_jw_key(&w, "momentum"), hue_jw_number(&w, o->momentum);
    hue_jw_key(&w, "weight_decay"), hue_jw_number(&w, o->weight_decay);
    hue_jw_key(&w, "nesterov"), hue_jw_bool(&w, o->nesterov);
    hue_jw_key(&w, "warmup_epochs"), hue_jw_number(&w, o->warmup_epochs);
    hue_jw_key(&w, "augment"), hue_jw_bool(&w, o->augment);
    hue_jw_key(&w, "optimizer"), hue_jw_string(&w, "sgd");
    hue_jw_key(&w, "schedule"), hue_jw_string(&w, "cosine");
    hue_jw_end(&w);
    char *text = hue_json_writer_text(&w) ? strdup(w.text) : NULL;
    hue_json_writer_free(&w);
    return text;
}

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    supervised *s = self;
    const hue_supervised_options *o = s->o;
    int64_t xs[4] = {o->batch, 3, o->size, o->size}, ys[1] = {o->batch};
    s->x = hue_graph_input(g, "images", 4, xs);
    s->y = hue_graph_input(g, "labels", 1, ys);
    int rc = hue_resnet_build(g, &s->arch, s->x, 1, &s->m);
    if (rc)
        return rc;
    hue_trunk_ref input = {.input = HUE_INPUT_RGB};
    memcpy(input.mean, hue_cifar_mean, sizeof input.mean);
    memcpy(input.std, hue_cifar_std, sizeof input.std);
    if ((rc = hue_trainer_add_resnet(t, &s->m, "", 1, &input)))
        return rc;
    hue_tensor loss = hue_cross_entropy(g, s->m.logits, s->y, -1, -100);
    if ((rc = hue_graph_backward(g, loss)))
        return rc;
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_SGD);
    oc.momentum = (float)o->momentum;
    oc.nesterov = o->nesterov;
    oc.weight_decay = (float)o->weight_decay;
    hue_optim *opt;
    if ((rc = hue_optim_create(g, &oc, loss, &opt)))
        return rc;
    hue_schedule sched = {.kind = HUE_SCHEDULE_COSINE, .base_lr = o->lr,
                          .warmup_steps = (int64_t)(o->warmup_epochs * (double)s->bpe),
                          .total_steps = s->bpe * o->epochs, .final_lr = 0};
    if ((rc = hue_trainer_add_optimizer(t, opt, &sched))) {
        hue_optim_destroy(opt);
        return rc;
    }
    hue_trainer_set_loss(t, loss);
    return 0;
}

/* The loader starts at the run's first step, so a resumed run sees the
 * batches the uninterrupted run would have. */
static int start_loader(supervised *s, int64_t step)
{
    const hue_supervised_options *o = s->o;
    hue_loader_options lo = hue_loader_defaults();
    lo.batch = o->batch;
    lo.size = o->size;
    lo.seed = o->seed;
    lo.threads = o->threads;
    lo.pad_crop = o->augment ? 4 : 0;
    lo.flip = o->augment;
    memcpy(lo.mean, hue_cifar_mean, sizeof lo.mean);
    memcpy(lo.std, hue_cifar_std, sizeof lo.std);
    lo.first_epoch = step / s->bpe;
    lo.first_batch = step % s->bpe;
    lo.epochs = o->epochs - lo.first_epoch;
    s->labels = malloc(sizeof *s->labels * (size_t)o->batch);
    if (!s->labels)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    return hue_loader_create(&s->loader, s->train, &lo);
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    supervised *s = self;
    int rc = s->loader ? 0 : start_loader(s, step);
    hue_batch b;
    if (!rc && (rc = hue_loader_next(s->loader, &b)) == 0)
        rc = hue_fail(HUE_EINVAL, "the data ended before step %lld", (long long)step + 1);
    if (rc < 0)
        return rc;
    for (int i = 0; i < b.count; i++)
        s->labels[i] = (float)b.labels[i];
    hue_graph *g = hue_trainer_graph(t);
    size_t per = (size_t)3 * s->o->size * s->o->size;
    if ((rc = hue_graph_set_input(g, s->x, b.images, (size_t)b.count * per)) ||
        (rc = hue_graph_set_input(g, s->y, s->labels, (size_t)b.count)))
        return rc;
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return 0;
}

static int save_meta(void *self, hue_trainer *t) { return hue_trainer_set_meta(t, "data", ((supervised *)self)->o->data); }

/* The test split's top-1, with the trained weights copied into an
 * evaluation graph (batch norm on running statistics). */
static int finish(void *self, hue_trainer *t, hue_train_report *r)
{
    supervised *s = self;
    if (!s->test)
        return 0;
    eval_graph e;
    int eb = s->o->batch < 256 ? 256 : s->o->batch;
    int rc = eval_build(hue_trainer_ctx(t), &s->arch, eb, s->o->size, &e);
    if (!rc)
        rc = hue_model_copy(hue_trainer_graph(t), &s->m, e.g, &e.m);
    if (!rc)
        rc = eval_run(&e, s->test, s->o->threads, &r->test_accuracy, &r->test_images);
    eval_free(&e);
    if (rc)
        return rc;
    char line[160];
    snprintf(line, sizeof line, "{\"step\": %lld, \"test_accuracy\": %.6f, \"test_images\": %lld}", (long long)r->steps,
             r->test_accuracy, (long long)r->test_images);
    return hue_trainer_log_line(t, line);
}

static void destroy(void *self)
{
    supervised *s = self;
    if (s->loader)
        s->report->skipped_images = hue_loader_skipped(s->loader);
    hue_loader_destroy(s->loader);
    free(s->labels);
    hue_resnet_free(&s->m);
    hue_dataset_close(s->train);
    hue_dataset_close(s->test);
    free(s);
}

static int check_options(const hue_supervised_options *o)
{
    if (o->batch < 1)
        return hue_fail(HUE_EINVAL, "--batch %d: must be at least 1", o->batch);
    if (o->epochs < 1)
        return hue_fail(HUE_EINVAL, "--epochs %lld: must be at least 1", (long long)o->epochs);
    if (o->size < 8 || o->size > 1024)
        return hue_fail(HUE_EINVAL, "--size %d: must be 8 to 1024 pixels", o->size);
    if (!(o->lr >= 0) || !(o->momentum >= 0) || !(o->weight_decay >= 0))
        return hue_fail(HUE_EINVAL, "learning rate, momentum and weight decay must be >= 0");
    if (!o->out || !*o->out)
        return hue_fail(HUE_EINVAL, "no output checkpoint given (--out)");
    return 0;
}

int hue_train_supervised(const hue_supervised_options *o, hue_train_report *r)
{
    memset(r, 0, sizeof *r);
    r->test_accuracy = -1;
    int rc = check_options(o);
    if (rc)
        return rc;
    supervised *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    s->o = o;
    s->report = r;
    hue_method m = {"supervised", s, build, NULL, save_meta, NULL, fill, finish, destroy};
    if ((rc = hue_image_splits_open(o->data, &s->train, &s->test))) {
        destroy(s);
        return rc;
    }
    if (o->batch > hue_dataset_size(s->train)) {
        rc = hue_fail(HUE_EINVAL, "--batch %d is larger than the %lld images of %s", o->batch,
                      (long long)hue_dataset_size(s->train), hue_dataset_root(s->train));
        destroy(s);
        return rc;
    }
    s->arch = o->arch;
    s->arch.in_channels = 3;
    s->arch.num_classes = hue_dataset_num_classes(s->train);
    s->arch.last_layer = 4;
    s->bpe = hue_dataset_size(s->train) / o->batch;
    char *hp = hyperparameters(o);
    if (!hp) {
        destroy(s);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    hue_file_use inputs[] = {{"--data", o->data, 0}};
    hue_trainer_options to = {.out = o->out, .resume = o->resume, .log = o->log, .force = o->force, .seed = o->seed,
                              .steps = s->bpe * o->epochs, .steps_per_epoch = s->bpe, .save_every = o->save_every,
                              .max_steps = o->max_steps, .hyperparameters = hp, .inputs = inputs, .n_inputs = 1,
                              .on_step = o->on_step, .user = o->user};
    rc = hue_trainer_run(&to, &m, r);
    free(hp);
    return rc;
}
