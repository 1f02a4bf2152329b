/* What the image pretraining methods share (see pretrain_image.h). */
#include <stdlib.h>
#include <string.h>

#include "hue_collective.h"
#include "hue_error.h"
#include "hue_image_splits.h"
#include "pretrain_image.h"

hue_pretrain_options hue_pretrain_defaults(void)
{
    hue_pretrain_options o = {0};
    o.method = "supervised";
    o.arch = hue_resnet_defaults();
    o.arch.cifar_stem = 1;
    o.epochs = 1;
    o.batch = 128;
    o.size = 0;
    o.lr = -1;
    o.momentum = 0.9;
    o.weight_decay = -1;
    o.nesterov = 1;
    o.warmup_epochs = 0.2;
    o.threads = 2;
    o.augment = 1;
    o.tile_colour = HUE_TILE_COLOUR_DROP;
    o.tile_norm = HUE_TILE_NORM_DATASET;
    o.permutations = 100;
    o.queue = 4096;
    o.key_momentum = 0.999;
    o.bn_groups = 8;
    o.cpc_grid = 7;
    o.cpc_steps = 3;
    return o;
}

static int check_options(const hue_pretrain_options *o)
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

int image_run_group_batch(const hue_pretrain_options *o) { return o->global_batch > 0 ? o->global_batch : o->batch; }

hue_tensor image_run_gather(hue_graph *g, hue_tensor x) { return hue_graph_ranks(g) > 1 ? hue_all_gather(g, x) : x; }

int image_run_head_training(const hue_pretrain_options *o)
{
    return o->arch.sync_bn ? HUE_HEAD_TRAIN_SYNC_BN : HUE_HEAD_TRAIN;
}

int image_run_open(image_run *ir, const hue_pretrain_options *o, hue_train_report *r)
{
    memset(ir, 0, sizeof *ir);
    ir->o = o;
    ir->report = r;
    int rc = check_options(o);
    if (!rc)
        rc = hue_image_splits_open(o->data, &ir->train, &ir->test);
    int whole = image_run_group_batch(o);
    if (!rc && whole > hue_dataset_size(ir->train))
        rc = hue_fail(HUE_EINVAL, "--batch %d is larger than the %lld images of %s", whole,
                      (long long)hue_dataset_size(ir->train), hue_dataset_root(ir->train));
    if (rc)
        return rc;
    ir->bpe = hue_dataset_size(ir->train) / whole;
    return 0;
}

void image_run_close(image_run *ir)
{
    if (ir->loader)
        ir->report->skipped_images = hue_loader_skipped(ir->loader);
    hue_loader_destroy(ir->loader);
    hue_dataset_close(ir->train);
    hue_dataset_close(ir->test);
    memset(ir, 0, sizeof *ir);
}

/* The loader starts at the run's first step, so a resumed run sees the
 * batches the uninterrupted run would have. */
static int start_loader(image_run *ir, int64_t step)
{
    const hue_pretrain_options *o = ir->o;
    hue_loader_options lo = hue_loader_defaults();
    /* the whole batch's images and seeds; this rank takes its part */
    lo.batch = image_run_group_batch(o);
    if (lo.batch != o->batch) {
        lo.part_first = o->batch_first;
        lo.part_count = o->batch;
    }
    lo.size = ir->sample && ir->sample_native ? 0 : o->size;
    lo.seed = o->seed;
    lo.threads = o->threads;
    lo.pad_crop = o->augment && !ir->sample ? 4 : 0;
    lo.flip = o->augment && !ir->sample;
    lo.sample = ir->sample;
    lo.sample_user = ir->sample_user;
    lo.sample_floats = ir->sample_floats;
    memcpy(lo.mean, hue_cifar_mean, sizeof lo.mean);
    memcpy(lo.std, hue_cifar_std, sizeof lo.std);
    lo.first_epoch = step / ir->bpe;
    lo.first_batch = step % ir->bpe;
    lo.epochs = o->epochs - lo.first_epoch;
    return hue_loader_create(&ir->loader, ir->train, &lo);
}

int image_run_next(image_run *ir, int64_t step, hue_batch *b)
{
    int rc = ir->loader ? 0 : start_loader(ir, step);
    if (!rc && (rc = hue_loader_next(ir->loader, b)) == 0)
        rc = hue_fail(HUE_EINVAL, "the data ended before step %lld", (long long)step + 1);
    return rc < 0 ? rc : 0;
}

/* An optimizer on loss with the run's schedule: warm-up, then cosine to 0. */
static int add_optimizer(hue_trainer *t, hue_graph *g, hue_tensor loss, const image_run *ir,
                         const hue_optim_config *oc)
{
    const hue_pretrain_options *o = ir->o;
    hue_optim *opt;
    int rc = hue_optim_create(g, oc, loss, &opt);
    if (rc)
        return rc;
    hue_schedule sched = {.kind = HUE_SCHEDULE_COSINE, .base_lr = o->lr,
                          .warmup_steps = (int64_t)(o->warmup_epochs * (double)ir->bpe),
                          .total_steps = ir->bpe * o->epochs, .final_lr = 0};
    if ((rc = hue_trainer_add_optimizer(t, opt, &sched)))
        hue_optim_destroy(opt);
    return rc;
}

int image_run_sgd(hue_trainer *t, hue_graph *g, hue_tensor loss, const image_run *ir)
{
    const hue_pretrain_options *o = ir->o;
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_SGD);
    oc.momentum = (float)o->momentum;
    oc.nesterov = o->nesterov;
    oc.weight_decay = (float)o->weight_decay;
    oc.exclude = ir->no_decay;
    oc.filter_user = ir->no_decay_user;
    return add_optimizer(t, g, loss, ir, &oc);
}

void image_run_hyperparameters(hue_json_writer *w, const hue_pretrain_options *o, const char *optimizer)
{
    hue_jw_key(w, "epochs"), hue_jw_int(w, o->epochs);
    hue_jw_key(w, "batch"), hue_jw_int(w, image_run_group_batch(o));
    hue_jw_key(w, "size"), hue_jw_int(w, o->size);
    hue_jw_key(w, "lr"), hue_jw_number(w, o->lr);
    hue_jw_key(w, "momentum"), hue_jw_number(w, o->momentum);
    hue_jw_key(w, "weight_decay"), hue_jw_number(w, o->weight_decay);
    hue_jw_key(w, "nesterov"), hue_jw_bool(w, o->nesterov);
    hue_jw_key(w, "warmup_epochs"), hue_jw_number(w, o->warmup_epochs);
    hue_jw_key(w, "augment"), hue_jw_bool(w, o->augment);
    hue_jw_key(w, "optimizer"), hue_jw_string(w, optimizer);
    hue_jw_key(w, "schedule"), hue_jw_string(w, "cosine");
}

hue_trunk_ref image_run_input(void)
{
    hue_trunk_ref input = {.input = HUE_INPUT_RGB};
    memcpy(input.mean, hue_cifar_mean, sizeof input.mean);
    memcpy(input.std, hue_cifar_std, sizeof input.std);
    return input;
}

hue_resnet_config image_run_trunk(const hue_pretrain_options *o, int in_channels)
{
    hue_resnet_config c = o->arch;
    c.in_channels = in_channels;
    c.num_classes = 0;
    c.last_layer = 4;
    return c;
}

int image_run_save_data(void *self, hue_trainer *t)
{
    return hue_trainer_set_meta_path(t, "data", ((image_run *)self)->o->data);
}

static int train(image_run *ir, hue_method *m, const char *hp, hue_train_report *r)
{
    const hue_pretrain_options *o = ir->o;
    hue_file_use inputs[] = {{"--data", o->data, 0}};
    hue_trainer_options to = {.out = o->out, .resume = o->resume, .log = o->log, .force = o->force, .seed = o->seed,
                              .steps = ir->bpe * o->epochs, .steps_per_epoch = ir->bpe, .save_every = o->save_every,
                              .keep_checkpoints = o->keep_checkpoints, .max_steps = o->max_steps, .hyperparameters = hp,
                              .flags = o->flags, .inputs = inputs, .n_inputs = 1,
                              .knn_every = o->knn_every, .knn_data = o->data, .knn_size = o->size,
                              .knn_threads = o->threads,
                              .on_step = o->on_step, .on_save = o->on_save, .user = o->user};
    return hue_trainer_run(&to, m, r);
}

int image_run_method(image_run *ir, hue_method *m, int prepared, const char *optimizer, image_run_hp_fn extra,
                     hue_train_report *r)
{
    if (prepared) {
        m->destroy(m->self);
        return prepared;
    }
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    image_run_hyperparameters(&w, ir->o, optimizer);
    if (extra)
        extra(&w, m->self);
    hue_jw_end(&w);
    const char *hp = hue_json_writer_text(&w);
    int rc;
    if (hp) {
        rc = train(ir, m, hp, r);
    } else {
        m->destroy(m->self);
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    }
    hue_json_writer_free(&w);
    return rc;
}

int image_run_lars(hue_trainer *t, hue_graph *g, hue_tensor loss, const image_run *ir)
{
    const hue_pretrain_options *o = ir->o;
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_LARS);
    oc.momentum = (float)o->momentum;
    oc.weight_decay = (float)o->weight_decay;
    return add_optimizer(t, g, loss, ir, &oc);
}

int image_run_optimizer(hue_trainer *t, hue_graph *g, hue_tensor loss, const image_run *ir)
{
    return ir->o->optimizer == HUE_PRETRAIN_LARS ? image_run_lars(t, g, loss, ir) : image_run_sgd(t, g, loss, ir);
}

int image_run_views(image_run *ir, hue_augment_views *views)
{
    memcpy(views->mean, hue_cifar_mean, sizeof views->mean);
    memcpy(views->std, hue_cifar_std, sizeof views->std);
    int64_t floats = hue_augment_views_floats(views);
    if (floats < 0)
        return (int)floats;
    ir->sample = hue_augment_views_sample;
    ir->sample_user = views;
    ir->sample_floats = floats;
    ir->sample_native = 1;
    return 0;
}

int image_run_adam(hue_trainer *t, hue_graph *g, hue_tensor loss, const image_run *ir, float beta1,
                   hue_optim_filter select)
{
    const hue_pretrain_options *o = ir->o;
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_ADAMW);
    oc.beta1 = beta1;
    oc.weight_decay = (float)o->weight_decay;
    oc.select = select;
    return add_optimizer(t, g, loss, ir, &oc);
}

int image_run_decoder(hue_graph *g, const hue_resnet *trunk, int size, int out, hue_head_config *cfg)
{
    int64_t side = hue_tensor_dim(g, trunk->features, 2);
    int ups = 0;
    while (ups < 8 && (side << ups) < size)
        ups++;
    if (ups < 1 || (side << ups) != size)
        return hue_fail(HUE_EINVAL, "--size %d: the decoder doubles the trunk's %lld-pixel features back to the "
                        "image, so the size must be theirs times a power of two", size, (long long)side);
    /* the decoder halves its channels after each doubling, from `hidden`:
     * the trunk's width, rounded up so that the last stage keeps 8 or more */
    int C = trunk->feature_channels, step = 1 << (ups - 1), hidden = (C + step - 1) / step * step;
    if (hidden < 8 * step)
        hidden = 8 * step;
    *cfg = (hue_head_config){.kind = HUE_HEAD_DECODER, .in = C, .hidden = hidden, .out = out, .layers = ups};
    return 0;
}
