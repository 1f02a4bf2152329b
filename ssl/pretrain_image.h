/* What the image pretraining methods share: checking the common flags,
 * the image folder's splits, a loader that starts at the run's first step,
 * SGD with warm-up and cosine, and the common hyper-parameters. */
#ifndef HUE_PRETRAIN_IMAGE_H
#define HUE_PRETRAIN_IMAGE_H
#include "hue_augment.h"
#include "hue_dataset.h"
#include "hue_heads.h"
#include "hue_json_writer.h"
#include "hue_train.h"
#include "hue_trainer.h"

typedef struct {
    const hue_pretrain_options *o;
    hue_train_report *report;
    hue_dataset *train, *test;
    int64_t bpe;                /* batches per epoch */
    hue_loader *loader;
    /* a method that makes its own inputs from each image sets a loader
     * sample hook (hue_dataset.h) before the first image_run_next */
    hue_sample_fn sample;
    void *sample_user;
    int64_t sample_floats;
    int sample_native;          /* the hook gets each image at its own size, not resized to --size */
    /* SGD: parameters left out of the weight decay (NULL: none) */
    hue_optim_filter no_decay;
    void *no_decay_user;
} image_run;

/* The whole group's batch under mpirun (o->batch is this rank's part of
 * it); o->batch in one process. */
int image_run_group_batch(const hue_pretrain_options *o);
/* For contrastive losses under mpirun: the rows of x from every rank,
 * stacked in rank order, so that the negatives come from the whole group's
 * batch; x itself in one process. As rank r holds places o->batch_first ..
 * of the batch, its rows sit where one process has them. */
hue_tensor image_run_gather(hue_graph *g, hue_tensor x);

/* hue_head_build's `training` for a method's heads: batch statistics,
 * over the group's whole batch under --sync-bn. */
int image_run_head_training(const hue_pretrain_options *o);

/* Checks the common flags and opens the splits: nothing is written yet. */
int image_run_open(image_run *ir, const hue_pretrain_options *o, hue_train_report *r);
void image_run_close(image_run *ir);
/* The batch of step `step`: float NCHW with CIFAR normalisation, pad-crop
 * and flip when o->augment; or the sample hook's floats. The loader starts
 * at the first step asked. */
int image_run_next(image_run *ir, int64_t step, hue_batch *b);
/* SGD (momentum, Nesterov as o->nesterov, weight decay but on
 * ir->no_decay's parameters) on every parameter with a gradient of loss,
 * warm-up then cosine, registered with the trainer. */
int image_run_sgd(hue_trainer *t, hue_graph *g, hue_tensor loss, const image_run *ir);
/* LARS (SimCLR's: momentum, no Nesterov, trust coefficient 0.001, batch
 * norm and biases left out of the weight decay and the adaptation),
 * warm-up then cosine, registered with the trainer. */
int image_run_lars(hue_trainer *t, hue_graph *g, hue_tensor loss, const image_run *ir);
/* The optimizer o->optimizer names (SGD or LARS), as the two above. */
int image_run_optimizer(hue_trainer *t, hue_graph *g, hue_tensor loss, const image_run *ir);
/* Adam (AdamW's kernel, the run's weight decay) on the parameters select
 * takes (NULL: all), warm-up then cosine, registered with the trainer. */
int image_run_adam(hue_trainer *t, hue_graph *g, hue_tensor loss, const image_run *ir, float beta1,
                   hue_optim_filter select);
/* A decoder head from the trunk's features back to size x size pixels with
 * `out` channels per pixel. */
int image_run_decoder(hue_graph *g, const hue_resnet *trunk, int size, int out, hue_head_config *cfg);
/* The common members of the hyper-parameters object (inside its braces),
 * with the optimizer's name ("sgd", "adam"). */
void image_run_hyperparameters(hue_json_writer *w, const hue_pretrain_options *o, const char *optimizer);
/* Sets the sample hook to views (which must outlive the run): each image,
 * at its own size, becomes views->count augmented views, one after another,
 * with CIFAR's normalisation. */
int image_run_views(image_run *ir, hue_augment_views *views);
/* The trunk's input as probes must give it: RGB with CIFAR's normalisation. */
hue_trunk_ref image_run_input(void);
/* The trunk of an image method: o->arch on in_channels channels, all four
 * layers, no classifier. */
hue_resnet_config image_run_trunk(const hue_pretrain_options *o, int in_channels);
/* A save_meta for a method whose state starts with its image_run: the
 * data folder. */
int image_run_save_data(void *self, hue_trainer *t);
/* The hyper-parameters a method adds to the common ones (members of the
 * object being written). */
typedef void (*image_run_hp_fn)(hue_json_writer *w, const void *self);
/* The end of every method's entry. prepared: the result of the method's
 * own checks and allocations; an error there destroys the method and is
 * returned. Otherwise the hyper-parameters (the common ones with
 * `optimizer`, then extra's when not NULL) are written and the method runs
 * to its end; it is destroyed before this returns. */
int image_run_method(image_run *ir, hue_method *m, int prepared, const char *optimizer, image_run_hp_fn extra,
                     hue_train_report *r);

#endif
