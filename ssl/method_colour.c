/* The colourisation pretext tasks, on the L and ab planes of each image:
 * - colorize (Zhang et al. 2016): the trunk sees L, a decoder classifies
 *   each pixel's ab into the Q classes the training images use (grid 10),
 *   per-pixel cross-entropy with class rebalancing (lambda 0.5) so that
 *   rare saturated colours count; targets are the pixel's class (the paper
 *   soft-encodes over the 5 nearest classes; hue uses the hard class).
 * - splitbrain (Zhang et al. 2017): two trunks of half the width, one
 *   from L to ab classes (rebalanced), one from ab to L classes (50 of 2
 *   units), trained together; the representation is both trunks' features
 *   concatenated, and the checkpoint holds both (the second under
 *   "ab_to_l."). Both use Adam, warm-up then cosine.
 * Under mpirun the rebalanced loss, a mean weighted by the pixels' class
 * weights, is scaled by this rank's share of the group's weight sum, so
 * that the group's mean loss is the one-process loss (an unweighted mean
 * over equal parts needs nothing). */
#include <stdlib.h>
#include <string.h>

#include "colour_data.h"
#include "hue_checkpoint.h"
#include "hue_collective.h"
#include "hue_error.h"
#include "hue_heads.h"
#include "hue_ops.h"
#include "pretrain_image.h"

#define REBALANCE_LAMBDA 0.5

typedef struct {
    image_run ir;
    int split;                  /* splitbrain */
    colour_bins bins;
    colour_sampler sampler;
    float weights[AB_CELLS];
    hue_resnet_config arch[2];
    hue_resnet trunk[2];
    hue_head decoder[2];
    hue_tensor L, ab, ab_class, l_class, weight;
    hue_tensor weight_sum;      /* under mpirun: this rank's sum of its pixels' class weights */
    float *Lb, *abb, *ab_classb, *l_classb;
} colour_method;

/* One trunk and its decoder: from x to `classes` logits per pixel. */
static int branch(colour_method *s, hue_trainer *t, hue_graph *g, int k, hue_tensor x, int input, int classes,
                  const char *trunk_prefix, const char *head_prefix, hue_tensor *logits)
{
    int rc = hue_resnet_build(g, &s->arch[k], x, 1, &s->trunk[k]);
    hue_trunk_ref ref = {.input = input};
    if (!rc)
        rc = hue_trainer_add_resnet(t, &s->trunk[k], trunk_prefix, 1, &ref);
    hue_head_config dc;
    if (!rc)
        rc = image_run_decoder(g, &s->trunk[k], s->ir.o->size, classes, &dc);
    if (!rc)
        rc = hue_head_build(g, &dc, head_prefix, s->trunk[k].features, image_run_head_training(s->ir.o),
                            &s->decoder[k]);
    if (!rc)
        rc = hue_trainer_add_head(t, &s->decoder[k]);
    *logits = s->decoder[k].out;
    return rc;
}

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    colour_method *s = self;
    const hue_pretrain_options *o = s->ir.o;
    int64_t B = o->batch, S = o->size;
    int64_t ls[4] = {B, 1, S, S}, abs_[4] = {B, 2, S, S}, cs[3] = {B, S, S}, ws[1] = {s->bins.count};
    s->L = hue_graph_input(g, "lightness", 4, ls);
    s->ab_class = hue_graph_input(g, "ab_classes", 3, cs);
    s->weight = hue_graph_input(g, "class_weights", 1, ws);
    hue_tensor to_ab, loss;
    int rc = branch(s, t, g, 0, s->L, HUE_INPUT_L, s->bins.count, "", s->split ? "heads.l_to_ab." : "heads.decoder.",
                    &to_ab);
    if (rc)
        return rc;
    loss = hue_cross_entropy(g, to_ab, s->ab_class, s->weight, -100);
    s->weight_sum = -1;
    if (hue_graph_ranks(g) > 1) {
        int64_t one = 1;
        s->weight_sum = hue_graph_input(g, "class_weight_sum", 1, &one);
        hue_tensor mean_sum = hue_scale(g, hue_all_reduce_sum(g, s->weight_sum), 1.0f / (float)hue_graph_ranks(g), -1);
        loss = hue_mul(g, loss, hue_div(g, s->weight_sum, mean_sum));
    }
    if (s->split) {
        hue_tensor to_l;
        s->ab = hue_graph_input(g, "ab", 4, abs_);
        s->l_class = hue_graph_input(g, "l_classes", 3, cs);
        if ((rc = branch(s, t, g, 1, s->ab, HUE_INPUT_AB, L_CLASSES, "ab_to_l.", "heads.ab_to_l.", &to_l)))
            return rc;
        hue_tensor l_loss = hue_cross_entropy(g, to_l, s->l_class, -1, -100);
        if ((rc = hue_trainer_add_metric(t, "l_to_ab", loss)) || (rc = hue_trainer_add_metric(t, "ab_to_l", l_loss)))
            return rc;
        loss = hue_add(g, loss, l_loss);
    }
    if ((rc = hue_graph_backward(g, loss)) || (rc = image_run_adam(t, g, loss, &s->ir, 0.9f, NULL)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    colour_method *s = self;
    hue_batch b;
    int rc = image_run_next(&s->ir, step, &b);
    if (rc)
        return rc;
    size_t n = (size_t)s->ir.o->size * s->ir.o->size;
    for (int i = 0; i < b.count; i++) {
        const float *p = b.images + (size_t)b.sample_floats * i;
        memcpy(s->Lb + n * i, p + n * COLOUR_L, sizeof *s->Lb * n);
        memcpy(s->abb + 2 * n * i, p + n * COLOUR_A, sizeof *s->abb * 2 * n);
        memcpy(s->ab_classb + n * i, p + n * COLOUR_AB_CLASS, sizeof *s->ab_classb * n);
        memcpy(s->l_classb + n * i, p + n * COLOUR_L_CLASS, sizeof *s->l_classb * n);
    }
    hue_graph *g = hue_trainer_graph(t);
    size_t count = (size_t)b.count;
    rc = hue_graph_set_input(g, s->L, s->Lb, n * count);
    if (!rc)
        rc = hue_graph_set_input(g, s->ab_class, s->ab_classb, n * count);
    if (!rc)
        rc = hue_graph_set_input(g, s->weight, s->weights, (size_t)s->bins.count);
    if (!rc && s->weight_sum >= 0) {
        double sum = 0;
        for (size_t i = 0; i < n * count; i++)
            if (s->ab_classb[i] >= 0)
                sum += s->weights[(int)s->ab_classb[i]];
        float v = (float)sum;
        rc = hue_graph_set_input(g, s->weight_sum, &v, 1);
    }
    if (!rc && s->split)
        rc = hue_graph_set_input(g, s->ab, s->abb, 2 * n * count);
    if (!rc && s->split)
        rc = hue_graph_set_input(g, s->l_class, s->l_classb, n * count);
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return rc;
}

static int save_meta(void *self, hue_trainer *t)
{
    colour_method *s = self;
    int rc = image_run_save_data(self, t);
    char *bins = rc ? NULL : colour_bins_json(&s->bins);
    if (!rc)
        rc = bins ? hue_trainer_set_meta(t, "colour_classes", bins) : hue_fail(HUE_ENOMEM, "out of host memory");
    free(bins);
    return rc;
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    (void)self;
    hue_jw_key(w, "rebalance"), hue_jw_number(w, REBALANCE_LAMBDA);
}

static void destroy(void *self)
{
    colour_method *s = self;
    free(s->Lb), free(s->abb), free(s->ab_classb), free(s->l_classb);
    for (int k = 0; k < 2; k++) {
        hue_head_free(&s->decoder[k]);
        hue_resnet_free(&s->trunk[k]);
    }
    image_run_close(&s->ir);
    free(s);
}

/* The classes: a resumed run keeps its checkpoint's, a fresh one counts
 * the ab of every training image (before any output is written). */
static int choose_classes(colour_method *s)
{
    const hue_pretrain_options *o = s->ir.o;
    if (o->resume) {
        hue_checkpoint *ck;
        int rc = hue_checkpoint_open(o->resume, &ck);
        if (rc)
            return rc;
        rc = colour_bins_parse(hue_checkpoint_meta(ck, "colour_classes"), o->resume, &s->bins);
        hue_checkpoint_destroy(ck);
        return rc;
    }
    double *cells = malloc(sizeof *cells * AB_CELLS);
    if (!cells)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    int rc = colour_histogram(s->ir.train, o->size, o->threads, cells);
    if (!rc)
        rc = colour_bins_from_histogram(cells, &s->bins);
    free(cells);
    return rc;
}

static int run_colour(const hue_pretrain_options *o, hue_train_report *r, int split)
{
    colour_method *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    s->split = split;
    hue_method m = {split ? "splitbrain" : "colorize", s, build, NULL, save_meta, NULL, fill, NULL, destroy};
    int rc = image_run_open(&s->ir, o, r);
    if (!rc)
        rc = choose_classes(s);
    colour_bins_weights(&s->bins, REBALANCE_LAMBDA, s->weights);
    s->sampler = (colour_sampler){.size = o->size, .flip = o->augment, .bins = &s->bins};
    s->ir.sample = colour_sampler_sample;
    s->ir.sample_user = &s->sampler;
    s->ir.sample_floats = colour_sampler_floats(&s->sampler);
    size_t n = (size_t)o->size * o->size * (size_t)o->batch;
    if (!rc && (!(s->Lb = malloc(sizeof *s->Lb * n)) || !(s->abb = malloc(sizeof *s->abb * 2 * n)) ||
                !(s->ab_classb = malloc(sizeof *s->ab_classb * n)) || !(s->l_classb = malloc(sizeof *s->l_classb * n))))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    for (int k = 0; k < 2; k++) {
        s->arch[k] = image_run_trunk(o, k ? 2 : 1);
        if (split)
            s->arch[k].width = o->arch.width / 2;
    }
    return image_run_method(&s->ir, &m, rc, "adam", hyperparameters, r);
}

int hue_pretrain_colorize(const hue_pretrain_options *o, hue_train_report *r) { return run_colour(o, r, 0); }
int hue_pretrain_splitbrain(const hue_pretrain_options *o, hue_train_report *r) { return run_colour(o, r, 1); }
