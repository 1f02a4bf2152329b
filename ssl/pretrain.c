/* hue_pretrain: the method by its name, and the defaults each method
 * resolves (image size, learning rate, weight decay, optimizer, tau). */
#include <string.h>

#include "hue_dist.h"
#include "hue_error.h"
#include "hue_train.h"
#include "pretrain_methods.h"

typedef struct {
    const char *name;
    int (*run)(const hue_pretrain_options *o, hue_train_report *r);
    int size;                   /* default image side */
    double lr;                  /* default peak learning rate (per 256 images when per_256) */
    int per_256;                /* the learning rate scales with the batch (lr x batch / 256) */
    int optimizer;              /* the default optimizer, when the method takes --optimizer */
    double tau;                 /* default temperature (contrastive methods), else 0 */
    int plain_momentum;         /* SGD without Nesterov (as the method's paper) */
    double tile_crop;           /* patch, jigsaw: the default --tile-crop */
} method_entry;

/* patch and jigsaw cut the image into 3 x 3 tiles: at CIFAR's 32 pixels
 * a tile would be 8 pixels, so they see the image at 64. */
static const method_entry methods[] = {
    {"supervised", hue_pretrain_supervised, 32, 0.1, 0, 0, 0, 0, 0},
    {"rotation", hue_pretrain_rotation, 32, 0.1, 0, 0, 0, 0, 0},
    {"patch", hue_pretrain_patch, 64, 0.1, 0, 0, 0, 0, 1},
    {"jigsaw", hue_pretrain_jigsaw, 64, 0.1, 0, 0, 0, 0, 0.5},
    {"inpaint", hue_pretrain_inpaint, 32, 2e-4, 0, 0, 0, 0, 0},
    {"colorize", hue_pretrain_colorize, 32, 1e-3, 0, 0, 0, 0, 0},
    {"splitbrain", hue_pretrain_splitbrain, 32, 1e-3, 0, 0, 0, 0, 0},
    {"simclr", hue_pretrain_simclr, 32, 0.5, 1, HUE_PRETRAIN_LARS, 0.5, 0, 0},
    {"moco", hue_pretrain_moco, 32, 0.03, 1, 0, 0.07, 1, 0},
    {"mocov2", hue_pretrain_mocov2, 32, 0.03, 1, 0, 0.2, 1, 0},
    {"cmc", hue_pretrain_cmc, 32, 0.03, 1, 0, 0.07, 1, 0},
    {"cpc", hue_pretrain_cpc, 64, 1e-3, 0, 0, 0.1, 0, 0},
};

const char *const hue_pretrain_methods[] = {"supervised", "rotation", "patch", "jigsaw", "inpaint",
                                            "colorize", "splitbrain", "simclr", "moco", "mocov2", "cmc", "cpc", NULL};

/* The flags left to the method take its defaults. */
static hue_pretrain_options resolve_for(const hue_pretrain_options *o, const method_entry *m)
{
    hue_pretrain_options r = *o;
    if (r.size <= 0)
        r.size = m->size;
    if (m->optimizer && r.optimizer == HUE_PRETRAIN_DEFAULT_OPTIMIZER)
        r.optimizer = m->optimizer;
    int lars = r.optimizer == HUE_PRETRAIN_LARS;
    if (r.lr < 0) {
        /* SGD on a method whose default is LARS: MoCo's CIFAR rate, 0.06 per 512 */
        double lr = m->optimizer == HUE_PRETRAIN_LARS && !lars ? 0.03 : m->lr;
        r.lr = m->per_256 ? lr * r.batch / 256 : lr;
    }
    if (r.weight_decay < 0)
        r.weight_decay = lars ? 1e-6 : 5e-4;
    if (r.tau == 0)
        r.tau = m->tau;
    if (lars || m->plain_momentum)
        r.nesterov = 0;
    if (r.tile_crop <= 0)
        r.tile_crop = m->tile_crop;
    return r;
}

/* Under mpirun each rank takes an equal part of the batch (the methods
 * whose loss compares samples with each other gather them across ranks,
 * image_run_gather). */
static int split_over_group(hue_pretrain_options *o)
{
    int ranks = hue_dist_size();
    o->global_batch = o->batch;
    o->batch_first = 0;
    if (ranks == 1)
        return 0;
    if (o->batch % ranks != 0)
        return hue_fail(HUE_EINVAL, "--batch %d: does not split into %d equal parts, one per rank", o->batch, ranks);
    o->batch /= ranks;
    o->batch_first = hue_dist_rank() * o->batch;
    /* one process's batch norm already has the whole batch */
    o->arch.sync_bn = o->sync_bn;
    return 0;
}

hue_pretrain_options hue_pretrain_resolve(const hue_pretrain_options *o)
{
    for (size_t i = 0; o->method && i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(o->method, methods[i].name) == 0)
            return resolve_for(o, &methods[i]);
    return *o;
}

int hue_pretrain(const hue_pretrain_options *o, hue_train_report *r)
{
    memset(r, 0, sizeof *r);
    r->test_accuracy = -1;
    const char *name = o->method ? o->method : "";
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(name, methods[i].name) == 0) {
            hue_pretrain_options resolved = resolve_for(o, &methods[i]);
            int rc = split_over_group(&resolved);
            return rc ? rc : methods[i].run(&resolved, r);
        }
    return hue_fail(HUE_EINVAL, "--method %s: unknown (supervised, rotation, patch, jigsaw, inpaint, colorize, "
                    "splitbrain, simclr, moco, mocov2, cmc, cpc)", name);
}
