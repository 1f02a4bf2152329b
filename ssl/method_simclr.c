/* SimCLR (Chen et al. 2020): two augmented views of every image go through
 * the trunk together, a 2-layer MLP projection (batch norm after the
 * hidden layer) maps the pooled features to 128 dimensions, and NT-Xent
 * pulls each view towards its partner and away from the other 2N - 2
 * views of the batch (cosine similarity over temperature tau). LARS with
 * warm-up and cosine by default, as the paper trains large batches; SGD as
 * an option.
 *
 * The loader writes each image's two views one after the other, so the
 * batch is [2N, 3, S, S] with view 0 of image i at 2i and view 1 at 2i + 1:
 * the partner of row r is r ^ 1, and batch norm sees both views of every
 * image at once, as SimCLR's global batch norm does.
 *
 * Under mpirun each rank projects its part of the batch; the projections
 * are gathered (rank order is the batch's order, so partners stay r ^ 1),
 * every rank scores all 2N views against all (cheap beside the trunk) and
 * keeps its own rows' losses: the group's mean is one process's loss, and
 * the gradient reaching each rank's projections is the one process's.
 * Batch norm is per rank unless --sync-bn. */
#include <stdlib.h>
#include <string.h>

#include "hue_collective.h"
#include "hue_error.h"
#include "hue_heads.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "pretrain_image.h"

enum { PROJECTION_DIM = 128 };

typedef struct {
    image_run ir;
    hue_augment_views views;
    hue_resnet_config arch;
    hue_resnet m;
    hue_head projection;
    hue_tensor x, partner;
    float *partners;
} simclr;

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    simclr *s = self;
    const hue_pretrain_options *o = s->ir.o;
    int64_t rows = 2 * (int64_t)o->batch, all_rows = 2 * (int64_t)image_run_group_batch(o);
    int64_t xs[4] = {rows, 3, o->size, o->size};
    s->x = hue_graph_input(g, "views", 4, xs);
    s->partner = hue_graph_input(g, "partners", 1, &all_rows);
    int rc = hue_resnet_build(g, &s->arch, s->x, 1, &s->m);
    hue_trunk_ref input = image_run_input();
    if (!rc)
        rc = hue_trainer_add_resnet(t, &s->m, "", 1, &input);
    if (rc)
        return rc;
    /* SimCLR's head: hidden width = the trunk's features (2048 for its ResNet-50) */
    int C = s->m.feature_channels;
    hue_head_config hc = {.kind = HUE_HEAD_MLP, .in = C, .hidden = C, .out = PROJECTION_DIM, .layers = 2};
    hue_tensor pooled = hue_global_avg_pool(g, s->m.features);
    if ((rc = hue_head_build(g, &hc, "heads.projection.", pooled, image_run_head_training(o), &s->projection)) ||
        (rc = hue_trainer_add_head(t, &s->projection)))
        return rc;
    hue_tensor z = s->projection.out;
    hue_tensor loss;
    if (hue_graph_ranks(g) == 1) {
        loss = hue_info_nce(g, z, z, s->partner, (float)o->tau, HUE_INFO_NCE_EXCLUDE_SELF);
    } else {
        hue_tensor all = image_run_gather(g, hue_l2_normalize(g, z, 1, 1e-12f));
        hue_tensor each = hue_info_nce_rows(g, all, all, s->partner, (float)o->tau, HUE_INFO_NCE_EXCLUDE_SELF);
        loss = hue_reduce(g, HUE_REDUCE_MEAN, hue_slice(g, each, 0, 2 * (int64_t)o->batch_first, rows), 1);
    }
    if ((rc = hue_graph_backward(g, loss)) || (rc = image_run_optimizer(t, g, loss, &s->ir)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    simclr *s = self;
    hue_batch b;
    int rc = image_run_next(&s->ir, step, &b);
    if (rc)
        return rc;
    hue_graph *g = hue_trainer_graph(t);
    size_t rows = 2 * (size_t)image_run_group_batch(s->ir.o);
    if ((rc = hue_graph_set_input(g, s->x, b.images, (size_t)b.sample_floats * b.count)) ||
        (rc = hue_graph_set_input(g, s->partner, s->partners, rows)))
        return rc;
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return 0;
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    const hue_pretrain_options *o = ((const simclr *)self)->ir.o;
    hue_jw_key(w, "tau"), hue_jw_number(w, o->tau);
    hue_jw_key(w, "projection_dim"), hue_jw_int(w, PROJECTION_DIM);
    hue_jw_key(w, "views"), hue_jw_string(w, "simclr");
}

static void destroy(void *self)
{
    simclr *s = self;
    free(s->partners);
    hue_head_free(&s->projection);
    hue_resnet_free(&s->m);
    image_run_close(&s->ir);
    free(s);
}

int hue_pretrain_simclr(const hue_pretrain_options *o, hue_train_report *r)
{
    simclr *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_method m = {"simclr", s, build, NULL, image_run_save_data, NULL, fill, NULL, destroy};
    int rc = image_run_open(&s->ir, o, r);
    if (!rc && !(o->tau > 0 && o->tau <= 100))
        rc = hue_fail(HUE_EINVAL, "--tau %g: must be above 0 and at most 100", o->tau);
    if (!rc) {
        s->views.count = 2;
        s->views.view[0] = s->views.view[1] = hue_augment_simclr(o->size);
        rc = image_run_views(&s->ir, &s->views);
    }
    size_t rows = 2 * (size_t)image_run_group_batch(o);
    if (!rc && !(s->partners = malloc(sizeof *s->partners * rows)))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    for (size_t i = 0; !rc && i < rows; i++)
        s->partners[i] = (float)(i ^ 1);
    s->arch = image_run_trunk(o, 3);
    return image_run_method(&s->ir, &m, rc, o->optimizer == HUE_PRETRAIN_LARS ? "lars" : "sgd", hyperparameters, r);
}
