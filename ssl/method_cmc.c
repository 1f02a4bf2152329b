/* Contrastive multiview coding (Tian et al. 2019) on the L and ab views of
 * each image: one augmented crop per image, split into its L plane and its
 * ab planes; a trunk for each (half the --width each, as split-brain), a
 * linear projection to 128 for each, and a symmetric InfoNCE: each L
 * embedding against the batch's ab embeddings (its own image's is the
 * positive), and each ab embedding against the L ones, with in-batch
 * negatives. The representation is the two trunks' features concatenated.
 *
 * --loss clip: CLIP's form of the same symmetric loss (Radford et al.
 * 2021): the logits are the cosine similarities times a learned scale
 * exp(s), s a parameter trained with the rest (from log(1 / 0.07), without
 * weight decay), and the loss is the mean of the two directions'
 * cross-entropies. CLIP also clamps exp(s) at 100; hue does not (it has no
 * clamp op yet): a run whose scale grows that far would be the place to
 * add one.
 *
 * Under mpirun each direction's keys are gathered from every rank, so a
 * rank's queries meet the whole batch's negatives (its own image's key sits
 * at batch_first + i); batch norm is per rank unless --sync-bn. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "colour_data.h"
#include "hue_error.h"
#include "hue_heads.h"
#include "hue_lab.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "pretrain_image.h"

enum { PROJECTION_DIM = 128 };

/* The loader hook: one augmented crop as L/50 - 1, a/110, b/110 planes. */
typedef struct {
    hue_augment_config view;
} cmc_sampler;

static int cmc_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out)
{
    const cmc_sampler *cs = user;
    size_t n = (size_t)cs->view.size * cs->view.size;
    uint8_t *img = malloc(n * 3);
    if (!img)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_rng r;
    hue_rng_seed(&r, seed);
    int rc = hue_augment_view_u8(&cs->view, &r, rgb, width, height, img);
    if (rc >= 0) {
        float *L = out, *a = out + n, *b = out + 2 * n;
        hue_lab_from_rgb8(img, n, L, a, b);
        for (size_t i = 0; i < n; i++) {
            L[i] = L[i] / 50.0f - 1.0f;
            a[i] /= 110.0f;
            b[i] /= 110.0f;
        }
    }
    free(img);
    return rc < 0 ? rc : 0;
}

typedef struct {
    image_run ir;
    cmc_sampler sampler;
    hue_resnet_config arch[2];
    hue_resnet trunk[2];
    hue_head projection[2];
    hue_tensor L, ab, positive, logit_scale;
    float *Lb, *abb, *positives;
} cmc;

static int is_logit_scale(const hue_graph *g, hue_tensor param, void *user)
{
    (void)g;
    return param == *(const hue_tensor *)user;
}

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    cmc *s = self;
    const hue_pretrain_options *o = s->ir.o;
    int64_t B = o->batch, S = o->size, ls[4] = {B, 1, S, S}, abs_[4] = {B, 2, S, S}, one = 1;
    s->L = hue_graph_input(g, "lightness", 4, ls);
    s->ab = hue_graph_input(g, "ab", 4, abs_);
    s->positive = hue_graph_input(g, "positives", 1, &B);
    static const char *const trunk_prefix[2] = {"", "ab."}, *const head_prefix[2] = {"heads.l.", "heads.ab."};
    hue_tensor x[2] = {s->L, s->ab}, z[2];
    for (int k = 0; k < 2; k++) {
        hue_trunk_ref ref = {.input = k ? HUE_INPUT_AB : HUE_INPUT_L};
        int rc = hue_resnet_build(g, &s->arch[k], x[k], 1, &s->trunk[k]);
        if (!rc)
            rc = hue_trainer_add_resnet(t, &s->trunk[k], trunk_prefix[k], 1, &ref);
        hue_head_config hc = {.kind = HUE_HEAD_LINEAR, .in = s->trunk[k].feature_channels, .out = PROJECTION_DIM,
                              .layers = 1};
        if (!rc)
            rc = hue_head_build(g, &hc, head_prefix[k], hue_global_avg_pool(g, s->trunk[k].features), 1,
                                &s->projection[k]);
        if (!rc)
            rc = hue_trainer_add_head(t, &s->projection[k]);
        if (rc)
            return rc;
        z[k] = hue_l2_normalize(g, s->projection[k].out, 1, 1e-12f);
    }
    hue_tensor keys[2] = {image_run_gather(g, z[0]), image_run_gather(g, z[1])};
    hue_tensor loss;
    int flags = HUE_INFO_NCE_NORMALIZED;
    if (o->clip_loss) {
        /* logits = exp(s) cos: both sides scaled, each direction's keys left unscaled */
        s->logit_scale = hue_graph_param(g, "logit_scale", 1, &one);
        hue_tensor scale = hue_exp(g, s->logit_scale);
        hue_tensor l_to_ab = hue_info_nce(g, hue_mul(g, z[0], scale), keys[1], s->positive, 1.0f, flags);
        hue_tensor ab_to_l = hue_info_nce(g, hue_mul(g, z[1], scale), keys[0], s->positive, 1.0f, flags);
        loss = hue_scale(g, hue_add(g, l_to_ab, ab_to_l), 0.5f, -1);
        int rc = hue_trainer_add_state(t, "logit_scale", s->logit_scale);
        if (!rc)
            rc = hue_trainer_add_metric(t, "temperature", hue_exp(g, hue_scale(g, s->logit_scale, -1.0f, -1)));
        if (rc)
            return rc;
    } else {
        hue_tensor l_to_ab = hue_info_nce(g, z[0], keys[1], s->positive, (float)o->tau, flags);
        hue_tensor ab_to_l = hue_info_nce(g, z[1], keys[0], s->positive, (float)o->tau, flags);
        loss = hue_add(g, l_to_ab, ab_to_l);
    }
    int rc = hue_graph_backward(g, loss);
    if (!rc) {
        /* as CLIP: no weight decay pulling the temperature towards 1 */
        s->ir.no_decay = o->clip_loss ? is_logit_scale : NULL;
        s->ir.no_decay_user = &s->logit_scale;
        rc = image_run_sgd(t, g, loss, &s->ir);
    }
    if (!rc)
        hue_trainer_set_loss(t, loss);
    return rc;
}

/* Fresh runs: CLIP's initial temperature, 0.07. */
static int init(void *self, hue_trainer *t)
{
    cmc *s = self;
    if (!s->ir.o->clip_loss)
        return 0;
    float v = logf(1.0f / 0.07f);
    return hue_graph_write(hue_trainer_graph(t), s->logit_scale, &v, 1);
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    cmc *s = self;
    hue_batch b;
    int rc = image_run_next(&s->ir, step, &b);
    if (rc)
        return rc;
    size_t n = (size_t)s->ir.o->size * s->ir.o->size;
    for (int i = 0; i < b.count; i++) {
        const float *p = b.images + (size_t)b.sample_floats * i;
        memcpy(s->Lb + n * i, p, sizeof *s->Lb * n);
        memcpy(s->abb + 2 * n * i, p + n, sizeof *s->abb * 2 * n);
    }
    hue_graph *g = hue_trainer_graph(t);
    if ((rc = hue_graph_set_input(g, s->L, s->Lb, n * b.count)) ||
        (rc = hue_graph_set_input(g, s->ab, s->abb, 2 * n * b.count)) ||
        (rc = hue_graph_set_input(g, s->positive, s->positives, (size_t)b.count)))
        return rc;
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return 0;
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    const hue_pretrain_options *o = ((const cmc *)self)->ir.o;
    hue_jw_key(w, "loss"), hue_jw_string(w, o->clip_loss ? "clip" : "infonce");
    if (!o->clip_loss)
        hue_jw_key(w, "tau"), hue_jw_number(w, o->tau);
    hue_jw_key(w, "projection_dim"), hue_jw_int(w, PROJECTION_DIM);
}

static void destroy(void *self)
{
    cmc *s = self;
    free(s->Lb), free(s->abb), free(s->positives);
    for (int k = 0; k < 2; k++) {
        hue_head_free(&s->projection[k]);
        hue_resnet_free(&s->trunk[k]);
    }
    image_run_close(&s->ir);
    free(s);
}

/* L and ab views of grayscale images: ab is empty and the task is void. */
static int check_colour(const image_run *ir)
{
    double share;
    int rc = colour_share_coloured(ir->train, ir->o->size, ir->o->threads, 512, &share);
    if (!rc && share < 0.001)
        rc = hue_fail(HUE_EINVAL, "%s: its images have no colour (%.2f%% of pixels coloured in a sample of 512): "
                      "cmc learns from the L and ab views of colour images", hue_dataset_root(ir->train), 100 * share);
    return rc;
}

int hue_pretrain_cmc(const hue_pretrain_options *o, hue_train_report *r)
{
    cmc *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_method m = {"cmc", s, build, init, image_run_save_data, NULL, fill, NULL, destroy};
    int rc = image_run_open(&s->ir, o, r);
    if (!rc && !(o->tau > 0 && o->tau <= 100))
        rc = hue_fail(HUE_EINVAL, "--tau %g: must be above 0 and at most 100", o->tau);
    if (!rc)
        rc = check_colour(&s->ir);
    /* CMC's views: a crop of 0.2 to 1 of the area, flipped at random; no colour changes (they would
     * move information between the views) */
    s->sampler.view = hue_augment_plain(o->size);
    s->sampler.view.crop = 1;
    s->sampler.view.scale[0] = 0.2f;
    s->sampler.view.flip_p = 0.5f;
    s->ir.sample = cmc_sample;
    s->ir.sample_user = &s->sampler;
    s->ir.sample_floats = 3 * (int64_t)o->size * o->size;
    s->ir.sample_native = 1;
    size_t n = (size_t)o->size * o->size * (size_t)o->batch;
    if (!rc && (!(s->Lb = malloc(sizeof *s->Lb * n)) || !(s->abb = malloc(sizeof *s->abb * 2 * n)) ||
                !(s->positives = malloc(sizeof *s->positives * (size_t)o->batch))))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    for (int i = 0; !rc && i < o->batch; i++)
        s->positives[i] = (float)(o->batch_first + i);
    for (int k = 0; k < 2; k++) {
        s->arch[k] = image_run_trunk(o, k ? 2 : 1);
        s->arch[k].width = o->arch.width / 2;
    }
    return image_run_method(&s->ir, &m, rc, "sgd", hyperparameters, r);
}
