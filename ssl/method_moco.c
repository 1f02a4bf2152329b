/* MoCo (He et al. 2020) and MoCo v2 (Chen et al. 2020): a query encoder
 * trained by SGD and a key encoder that follows it by a moving average
 * (momentum m, hue_ema_update after the optimizer's step); each image gives
 * a query view and a key view; the loss is InfoNCE of each query against
 * its own key and a queue of the last K keys (hue_info_nce over the batch's
 * keys and the queue, concatenated), and the batch's keys then replace the oldest in the queue
 * (hue_ring_write: the queue is K / B slots of B keys, the slot of step s is
 * s mod K / B, so the ring pointer needs no state of its own). moco: linear
 * projection to 128, tau 0.07; mocov2: a 2-layer MLP projection without
 * batch norm, blur in the views, tau 0.2. Both: SGD with momentum 0.9 and
 * a cosine schedule (MoCo v1 stepped its rate; cosine is v2's).
 *
 * Batch norm and the leak MoCo guards against: when a query and its key
 * are normalised with statistics of the same images, the network can tell
 * the positive key by those statistics. MoCo shuffles the keys across GPUs
 * so that each key's statistics come from other images than its query's.
 * On one device hue does what the official CIFAR-10 demo does: both
 * encoders take batch-norm statistics over --bn-groups equal groups of the
 * batch (hue_resnet_config.bn_groups), and the keys are put in a random
 * order (seeded by the step) before they are grouped, so key i is
 * normalised among other images than query i.
 *
 * Under mpirun each rank encodes its part of the batch; the keys are
 * gathered (as the MoCo repository's concat_all_gather), so every query is
 * scored against the whole batch's keys and the queue, and every rank puts
 * the same keys in its queue. The --bn-groups groups are split among the
 * ranks (each the same size as in one process), a rank shuffling its own
 * keys: the statistics come from the same number of images, not from the
 * same images as in one process. --sync-bn is refused: statistics over the
 * whole batch are the leak the groups are there to avoid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_heads.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "hue_ops_track.h"
#include "hue_rng.h"
#include "pretrain_image.h"

enum { PROJECTION_DIM = 128 };

typedef struct {
    image_run ir;
    int v2;
    hue_augment_views views;
    hue_resnet_config arch;
    hue_resnet query, key;
    hue_head query_head, key_head;
    hue_tensor xq, xk, positive, slot, queue;
    int64_t slots;               /* queue / batch */
    float *xqb, *xkb, *positives;
    int *order;
} moco;

/* The frozen twin's parameters follow the trained one's. */
static int follow(hue_graph *g, const hue_named_tensor *trained, const hue_named_tensor *twin, int n, float m)
{
    for (int i = 0; i < n; i++) {
        if (twin[i].is_state)
            continue;
        int rc = hue_ema_update(g, twin[i].tensor, trained[i].tensor, m);
        if (rc)
            return rc;
    }
    return 0;
}

static int freeze(hue_graph *g, const hue_named_tensor *t, int n)
{
    for (int i = 0; i < n; i++)
        if (!t[i].is_state && hue_graph_freeze(g, t[i].tensor))
            return hue_graph_status(g);
    return 0;
}

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    moco *s = self;
    const hue_pretrain_options *o = s->ir.o;
    int64_t B = o->batch, all = image_run_group_batch(o), xs[4] = {B, 3, o->size, o->size}, one = 1;
    s->xq = hue_graph_input(g, "queries", 4, xs);
    s->xk = hue_graph_input(g, "keys", 4, xs);
    s->positive = hue_graph_input(g, "positives", 1, &B);
    s->slot = hue_graph_input(g, "queue_slot", 1, &one);
    int rc = hue_resnet_build(g, &s->arch, s->xq, 1, &s->query);
    hue_trunk_ref input = image_run_input();
    if (!rc)
        rc = hue_trainer_add_resnet(t, &s->query, "", 1, &input);
    if (!rc)
        rc = hue_resnet_build(g, &s->arch, s->xk, 1, &s->key);
    if (!rc)
        rc = hue_trainer_add_resnet(t, &s->key, "momentum.", 0, NULL);
    if (rc)
        return rc;
    int C = s->query.feature_channels;
    hue_head_config hc = s->v2 ? (hue_head_config){.kind = HUE_HEAD_MLP_PLAIN, .in = C, .hidden = C,
                                                   .out = PROJECTION_DIM, .layers = 2}
                               : (hue_head_config){.kind = HUE_HEAD_LINEAR, .in = C, .out = PROJECTION_DIM, .layers = 1};
    if ((rc = hue_head_build(g, &hc, "heads.projection.", hue_global_avg_pool(g, s->query.features), 1,
                             &s->query_head)) ||
        (rc = hue_trainer_add_head(t, &s->query_head)) ||
        (rc = hue_head_build(g, &hc, "heads.momentum_projection.", hue_global_avg_pool(g, s->key.features), 1,
                             &s->key_head)) ||
        (rc = hue_trainer_add_head(t, &s->key_head)) ||
        (rc = freeze(g, s->key.tensors, s->key.n_tensors)) ||
        (rc = freeze(g, s->key_head.tensors, s->key_head.n_tensors)))
        return rc;
    /* the queue: slots of the group's batch of keys, [slots, 1, all, D] as the ring write takes it, [K, D] as
     * InfoNCE reads it */
    int64_t qs[4] = {s->slots, 1, all, PROJECTION_DIM}, flat[2] = {s->slots * all, PROJECTION_DIM};
    int64_t row[3] = {1, all, PROJECTION_DIM};
    s->queue = hue_graph_state(g, "queue", 4, qs);
    if ((rc = hue_trainer_add_state(t, "queue", s->queue)))
        return rc;
    hue_tensor q = hue_l2_normalize(g, s->query_head.out, 1, 1e-12f);
    hue_tensor k = image_run_gather(g, hue_l2_normalize(g, s->key_head.out, 1, 1e-12f));
    hue_tensor keys[2] = {k, hue_reshape(g, s->queue, 2, flat)};
    hue_tensor loss = hue_info_nce(g, q, hue_concat(g, 2, keys, 0), s->positive, (float)o->tau,
                                   HUE_INFO_NCE_NORMALIZED);
    if ((rc = hue_graph_backward(g, loss)) || (rc = image_run_sgd(t, g, loss, &s->ir)))
        return rc;
    /* after the update: the key encoder follows, then the batch's keys enter the queue */
    float m = (float)o->key_momentum;
    if ((rc = follow(g, s->query.tensors, s->key.tensors, s->query.n_tensors, m)) ||
        (rc = follow(g, s->query_head.tensors, s->key_head.tensors, s->query_head.n_tensors, m)))
        return rc;
    if (hue_ring_write(g, s->queue, hue_reshape(g, k, 3, row), s->slot, 0) < 0)
        return hue_graph_status(g);
    hue_trainer_set_loss(t, loss);
    return 0;
}

static int copy_tensors(hue_graph *g, const hue_named_tensor *from, const hue_named_tensor *to, int n)
{
    size_t cap = 0;
    float *buf = NULL;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        size_t count = (size_t)hue_tensor_numel(g, from[i].tensor);
        if (count > cap) {
            float *b = realloc(buf, sizeof *buf * count);
            if (!b) {
                rc = hue_fail(HUE_ENOMEM, "out of host memory");
                break;
            }
            buf = b, cap = count;
        }
        if (!(rc = hue_graph_read(g, from[i].tensor, buf, count)))
            rc = hue_graph_write(g, to[i].tensor, buf, count);
    }
    free(buf);
    return rc;
}

/* Fresh runs: the key encoder starts as the query encoder, the queue as
 * random unit vectors (MoCo's). */
static int init(void *self, hue_trainer *t)
{
    moco *s = self;
    hue_graph *g = hue_trainer_graph(t);
    int rc = copy_tensors(g, s->query.tensors, s->key.tensors, s->query.n_tensors);
    if (!rc)
        rc = copy_tensors(g, s->query_head.tensors, s->key_head.tensors, s->query_head.n_tensors);
    if (rc)
        return rc;
    int64_t K = s->slots * image_run_group_batch(s->ir.o);
    float *queue = malloc(sizeof *queue * (size_t)K * PROJECTION_DIM);
    if (!queue)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_rng r;
    hue_rng_seed(&r, s->ir.o->seed ^ 0x6d6f636f71756575ull);
    for (int64_t i = 0; i < K; i++) {
        float *v = queue + i * PROJECTION_DIM;
        double norm = 0;
        for (int d = 0; d < PROJECTION_DIM; d++) {
            v[d] = (float)hue_rng_normal(&r);
            norm += (double)v[d] * v[d];
        }
        for (int d = 0; d < PROJECTION_DIM; d++)
            v[d] = (float)(v[d] / sqrt(norm));
    }
    rc = hue_graph_write(g, s->queue, queue, (size_t)K * PROJECTION_DIM);
    free(queue);
    return rc;
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    moco *s = self;
    hue_batch b;
    int rc = image_run_next(&s->ir, step, &b);
    if (rc)
        return rc;
    /* the keys in an order of the step's own, so that a key's batch-norm group is not its query's */
    hue_rng r;
    hue_rng_seed(&r, s->ir.o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)step);
    for (int i = 0; i < b.count; i++)
        s->order[i] = i;
    for (int i = b.count - 1; i > 0; i--) {
        int j = (int)hue_rng_below(&r, (uint64_t)i + 1), tmp = s->order[i];
        s->order[i] = s->order[j], s->order[j] = tmp;
    }
    size_t per = (size_t)3 * s->ir.o->size * s->ir.o->size;
    for (int i = 0; i < b.count; i++) {
        const float *views = b.images + (size_t)b.sample_floats * i;
        memcpy(s->xqb + per * i, views, sizeof *s->xqb * per);
    }
    for (int j = 0; j < b.count; j++) {
        int i = s->order[j];   /* key slot j holds image i's key view */
        memcpy(s->xkb + per * j, b.images + (size_t)b.sample_floats * i + per, sizeof *s->xkb * per);
        s->positives[i] = (float)(s->ir.o->batch_first + j);
    }
    float slot = (float)(step % s->slots);
    hue_graph *g = hue_trainer_graph(t);
    if ((rc = hue_graph_set_input(g, s->xq, s->xqb, per * b.count)) ||
        (rc = hue_graph_set_input(g, s->xk, s->xkb, per * b.count)) ||
        (rc = hue_graph_set_input(g, s->positive, s->positives, (size_t)b.count)) ||
        (rc = hue_graph_set_input(g, s->slot, &slot, 1)))
        return rc;
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return 0;
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    const moco *s = self;
    const hue_pretrain_options *o = s->ir.o;
    hue_jw_key(w, "tau"), hue_jw_number(w, o->tau);
    hue_jw_key(w, "queue"), hue_jw_int(w, o->queue);
    hue_jw_key(w, "key_momentum"), hue_jw_number(w, o->key_momentum);
    hue_jw_key(w, "bn_groups"), hue_jw_int(w, o->bn_groups);
    hue_jw_key(w, "projection"), hue_jw_string(w, hue_head_kind_name(s->v2 ? HUE_HEAD_MLP_PLAIN : HUE_HEAD_LINEAR));
    hue_jw_key(w, "projection_dim"), hue_jw_int(w, PROJECTION_DIM);
    hue_jw_key(w, "views"), hue_jw_string(w, s->v2 ? "mocov2" : "moco");
}

static void destroy(void *self)
{
    moco *s = self;
    free(s->xqb);
    free(s->xkb);
    free(s->positives);
    free(s->order);
    hue_head_free(&s->query_head);
    hue_head_free(&s->key_head);
    hue_resnet_free(&s->query);
    hue_resnet_free(&s->key);
    image_run_close(&s->ir);
    free(s);
}

static int check_flags(const hue_pretrain_options *o)
{
    int all = image_run_group_batch(o), ranks = all / o->batch;
    if (!(o->tau > 0 && o->tau <= 100))
        return hue_fail(HUE_EINVAL, "--tau %g: must be above 0 and at most 100", o->tau);
    if (!(o->key_momentum >= 0 && o->key_momentum < 1))
        return hue_fail(HUE_EINVAL, "--key-momentum %g: must be in [0, 1)", o->key_momentum);
    if (o->queue < all || o->queue > 65536 || o->queue % all != 0)
        return hue_fail(HUE_EINVAL, "--queue %d: must be a multiple of --batch %d, up to 65536 keys (the batch's "
                        "keys replace the oldest %d at each step)", o->queue, all, all);
    if (o->bn_groups < 1 || o->bn_groups > HUE_RESNET_MAX_BN_GROUPS || all % o->bn_groups != 0)
        return hue_fail(HUE_EINVAL, "--bn-groups %d: --batch %d must split into that many equal groups (1 to %d)",
                        o->bn_groups, all, HUE_RESNET_MAX_BN_GROUPS);
    if (o->bn_groups % ranks != 0)
        return hue_fail(HUE_EINVAL, "--bn-groups %d: must split evenly over the %d ranks (each rank takes its "
                        "share of the groups)", o->bn_groups, ranks);
    if (o->sync_bn && ranks > 1)
        return hue_fail(HUE_EINVAL, "--sync-bn: moco takes batch-norm statistics per group of the batch "
                        "(--bn-groups); statistics over the whole batch would let a query find its key by them");
    return 0;
}

static int run(const hue_pretrain_options *o, hue_train_report *r, int v2)
{
    moco *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_method m = {v2 ? "mocov2" : "moco", s, build, init, image_run_save_data, NULL, fill, NULL, destroy};
    s->v2 = v2;
    int rc = image_run_open(&s->ir, o, r);
    if (!rc)
        rc = check_flags(o);
    if (!rc) {
        /* v2's views; v1's: no blur, and its jitter (0.4 on hue too) on every image */
        s->views.count = 2;
        s->views.view[0] = hue_augment_mocov2(o->size);
        if (!v2) {
            s->views.view[0].blur_p = 0;
            s->views.view[0].jitter.hue = 0.4f;
            s->views.view[0].jitter_p = 1;
        }
        s->views.view[1] = s->views.view[0];
        rc = image_run_views(&s->ir, &s->views);
    }
    size_t per = (size_t)3 * o->size * o->size, B = (size_t)o->batch;
    if (!rc && (!(s->xqb = malloc(sizeof *s->xqb * per * B)) || !(s->xkb = malloc(sizeof *s->xkb * per * B)) ||
                !(s->positives = malloc(sizeof *s->positives * B)) || !(s->order = malloc(sizeof *s->order * B))))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    s->slots = o->batch > 0 ? o->queue / image_run_group_batch(o) : 0;
    s->arch = image_run_trunk(o, 3);
    s->arch.bn_groups = o->batch > 0 ? o->bn_groups / (image_run_group_batch(o) / o->batch) : 1;
    return image_run_method(&s->ir, &m, rc, "sgd", hyperparameters, r);
}

int hue_pretrain_moco(const hue_pretrain_options *o, hue_train_report *r) { return run(o, r, 0); }
int hue_pretrain_mocov2(const hue_pretrain_options *o, hue_train_report *r) { return run(o, r, 1); }
